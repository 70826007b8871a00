"""A real SMTP server for the send tests and benchmark: aiosmtpd on 127.0.0.1 only.

STARTTLS on a self-signed certificate made here (trusted by the client through
``SSL_CERT_FILE``), AUTH required after TLS, and faults on request: a reply for a message's
DATA (``"451 ..."``, ``"554 ..."``), the connection dropped before DATA is answered
(``"drop"``), a refused recipient, a callback after a message is kept (to kill its sender).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "billing", "s3cret-pass"
HOST = "127.0.0.1"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1; returns (cert, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def number(self) -> str:
        return str(self.message["X-Invoice-Number"])


@dataclass
class Mailbox:
    """The aiosmtpd handler: keeps what it accepts, misbehaves when told to."""

    received: list[Received] = field(default_factory=list)
    data_faults: list[str] = field(default_factory=list)  # consumed one per DATA
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply
    after_message: Callable[[int], None] | None = None  # called with the count kept so far
    logins: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            fault = self.data_faults.pop(0) if self.data_faults else ""
        if fault == "drop":
            server.transport.abort()  # gone before the reply: the client never hears 250
            return "250 OK (never heard)"
        if fault:
            return fault
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content)))  # fmt: skip
            count = len(self.received)
        if self.after_message is not None:
            self.after_message(count)
        return f"250 OK queued as {count}"

    def numbers(self) -> list[str]:
        return [r.number for r in self.received]


def _authenticator(mailbox: Mailbox):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(), PASSWORD.encode())  # fmt: skip
        if ok:
            mailbox.logins += 1
        return AuthResult(success=ok, handled=False)  # unhandled: the server replies 535

    return check


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def mail_server(
    folder: Path, mailbox: Mailbox | None = None, *, security: str = "starttls"
) -> Iterator[tuple[Controller, Mailbox]]:
    """Run the server for the duration of the block.

    ``starttls``: STARTTLS and AUTH required; ``tls``: TLS from the first byte (port 465 style)
    and AUTH required; ``none``: a plain local relay, no TLS, no AUTH.
    """
    cert, key = make_certificate(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    mailbox = mailbox or Mailbox()
    kwargs: dict = {"hostname": HOST, "port": free_port(), "server_hostname": "localhost"}
    if security == "starttls":
        kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True,
                      authenticator=_authenticator(mailbox), auth_required=True)  # fmt: skip
    elif security == "tls":
        # aiosmtpd does not see its own implicit TLS: AUTH is offered with auth_require_tls off
        kwargs.update(ssl_context=context, auth_require_tls=False,
                      authenticator=_authenticator(mailbox), auth_required=True)  # fmt: skip
    controller = Controller(mailbox, **kwargs)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()
