"""SMTP delivery: one connection for many messages, reconnected when the server drops it.

STARTTLS (port 587), implicit TLS (port 465) or plain (a local relay), with AUTH when a user is
configured; the password comes from an environment variable only. The certificate is checked
against the system's trust store (``SSL_CERT_FILE`` names another, e.g. a company's own CA).

A message is tried up to ``retries`` times: a 4xx reply or a dropped connection is temporary
(waits, with exponential backoff, then tries again under the same Message-ID); a 5xx reply is
permanent and comes back with the server's words. A recipient refused while others of the
customer's are accepted does not stop the message (the refusal is returned with it); when every
customer address is refused, the message is not sent to the Cc and Bcc alone.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from massinvoice.config import Smtp
from massinvoice.problems import MassInvoiceError
from massinvoice.send.compose import Composed, smtp_address

# A dropped connection, a timeout, or any reply smtplib could not make sense of: the connection
# is not trusted any more; a new one gets the next try.
_NETWORK_ERRORS = (smtplib.SMTPException, OSError)


class MailServerError(MassInvoiceError):
    """The mail server cannot be reached or refuses us (login, TLS): no message can go."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one message: ``sent`` (accepted) or ``failed``, with the server's reply."""

    status: str
    reply: str
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> reply (others got it)
    tries: int = 1
    unreachable: bool = False  # failed because the server could not be reached at all


class _Temporary(Exception):
    """A 4xx reply or a dropped connection: worth another try."""


class _Permanent(Exception):
    """A 5xx reply: trying again would get the same answer."""


def smtp_password(smtp: Smtp) -> str | None:
    """The password from the environment, or None when none is set."""
    return os.environ.get(smtp.password_env) or None


class Mailer:
    """Sends composed invoices over one SMTP connection; use it as a context manager."""

    def __init__(
        self, smtp: Smtp, password: str | None = None, *, backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ):  # fmt: skip
        self.smtp = smtp
        self.password = password
        self.backoff = backoff
        self.sleep = sleep
        self.connections = 0  # opened so far: one, unless the server dropped us
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open (or reopen) the connection: TLS as configured, then AUTH."""
        self.close()
        smtp = self.smtp
        host, port, timeout = smtp.host, smtp.effective_port, smtp.timeout
        context = ssl.create_default_context()
        try:
            if smtp.security == "tls":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            else:
                conn = smtplib.SMTP(host, port, timeout=timeout)
            try:
                conn.ehlo()
                if smtp.security == "starttls":
                    if not conn.has_extn("starttls"):
                        raise MailServerError(
                            f'{host}:{port} does not offer STARTTLS: set security = "tls" for '
                            "port 465, or ask for the server's submission port (587)"
                        )
                    conn.starttls(context=context)
                    conn.ehlo()
                if smtp.user:
                    conn.login(smtp.user, self.password or "")
            except BaseException:
                conn.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MailServerError(
                f"{host}:{port} refused the login of {smtp.user!r}: {_reply(exc.smtp_code, exc.smtp_error)} "
                f"(check the password in ${smtp.password_env})"
            ) from None  # fmt: skip
        except ssl.SSLError as exc:
            raise MailServerError(f"TLS with {host}:{port} failed: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailServerError(f"cannot talk to the mail server {host}:{port}: {exc}") from None
        self._conn = conn
        self.connections += 1

    def close(self) -> None:
        """Say QUIT if the connection is still there, and forget it."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def send(self, message: Composed) -> Outcome:
        """Deliver one message, retrying temporary failures; never raises for the message."""
        last = ""
        for attempt in range(1, self.smtp.retries + 1):
            if attempt > 1:
                self.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                if self._conn is None:
                    self.connect()
                reply, refused = self._transaction(message)
                return Outcome("sent", reply, refused, attempt)
            except _Permanent as exc:
                return Outcome("failed", str(exc), tries=attempt)
            except _Temporary as exc:
                last = str(exc)
            except MailServerError as exc:
                last = str(exc)
                if attempt == self.smtp.retries:
                    return Outcome("failed", last, tries=attempt, unreachable=True)
            except _NETWORK_ERRORS as exc:
                self._drop()
                last = f"connection lost: {exc or type(exc).__name__}"
        return Outcome("failed", f"gave up after {self.smtp.retries} tries: {last}",
                       tries=self.smtp.retries)  # fmt: skip

    def _transaction(self, message: Composed) -> tuple[str, dict[str, str]]:
        conn = self._conn
        assert conn is not None
        options = ["SMTPUTF8"] if message.international else []
        if conn.has_extn("size"):
            options.append(f"SIZE={len(message.data)}")
        try:
            code, resp = conn.mail(message.envelope.from_address, options)
        except smtplib.SMTPNotSupportedError:
            raise _Permanent(
                "an address is not ASCII and the server does not take SMTPUTF8"
            ) from None
        self._check(code, resp, "MAIL FROM")
        refused: dict[str, str] = {}
        recipients = message.envelope.recipients
        for rcpt in recipients:
            code, resp = conn.rcpt(rcpt)
            if code == 421:
                self._check(code, resp, "RCPT TO")
            if code not in (250, 251):
                refused[rcpt] = _reply(code, resp)
        customer = {smtp_address(a) for a in message.envelope.to}
        if customer <= set(refused):  # Cc and Bcc alone do not make the invoice delivered
            temporary = any(r.startswith("4") for r in refused.values())
            self._rset()
            words = "; ".join(f"{r}: {why}" for r, why in refused.items())
            raise (_Temporary if temporary else _Permanent)(f"recipients refused: {words}")
        try:
            code, resp = conn.data(message.data)
        except smtplib.SMTPDataError as exc:
            code, resp = exc.smtp_code, exc.smtp_error
        self._check(code, resp, "DATA")
        return _reply(code, resp), refused

    def _check(self, code: int, resp: bytes | str, step: str) -> None:
        if code in (250, 251):
            return
        if code == 421 or code < 0:
            self._drop()
            raise _Temporary(f"{step}: {_reply(code, resp)}")
        self._rset()
        if 400 <= code < 500:
            raise _Temporary(f"{step}: {_reply(code, resp)}")
        raise _Permanent(f"{step}: {_reply(code, resp)}")

    def _rset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except _NETWORK_ERRORS:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def _reply(code: int, resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return f"{code} {' '.join(text.split())}"
