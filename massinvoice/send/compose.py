"""The e-mail of one invoice: subject and bodies from templates, the PDF attached.

Templates are jinja2 in a sandbox (a template from the shared folder can read the values it is
given and nothing else); the HTML body is autoescaped. The bundled ones (English and Spanish)
name the invoice number, amount and due date; a file of the same name in ``email/`` beside the
config (or in ``email/`` of the config's ``template_dir``) replaces one of them.
"""

from __future__ import annotations

import contextlib
import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from massinvoice.config import Config
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.cii import due_date
from massinvoice.invoice.render import Formatter
from massinvoice.problems import CONFIG, Code, InputError, Problem
from massinvoice.text import bare_address

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGES = ("en", "es")
NUMBER_HEADER = "X-Invoice-Number"  # lets a mailbox rule (and a test) find an invoice's e-mail


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who an invoice's e-mail goes to: header addresses as written, envelope ones bare."""

    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    reply_to: str = ""

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every envelope recipient (To, Cc and Bcc), bare and without repeats."""
        return tuple(dict.fromkeys(smtp_address(a) for a in (*self.to, *self.cc, *self.bcc)))

    @property
    def from_address(self) -> str:
        return smtp_address(self.sender)


@dataclass(frozen=True, slots=True)
class Composed:
    """An invoice's e-mail, ready to send: its bytes and what the registry records of it."""

    number: str
    message_id: str
    envelope: Envelope
    data: bytes  # the whole message, CRLF line ends
    international: bool  # an address needs SMTPUTF8 (non-ASCII before the @)


class Composer:
    """Builds the e-mail of each invoice from the config's templates."""

    def __init__(self, config: Config):
        self.config = config
        folders = [str(f) for f in _override_folders(config)] + [str(TEMPLATES)]
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(folders), undefined=StrictUndefined, keep_trailing_newline=True,
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        )  # fmt: skip
        self.domain = bare_address(self.sender).rpartition("@")[2] or "massinvoice.invalid"

    @property
    def sender(self) -> str:
        smtp, seller = self.config.smtp, self.config.seller
        if smtp.sender:
            return smtp.sender
        return f"{seller.name} <{seller.email}>" if seller.name else seller.email

    def check(self, sample: Invoice) -> None:
        """Render every template once, so a broken override stops the run before any e-mail."""
        for language in LANGUAGES:
            self._render(sample, language)

    def new_message_id(self) -> str:
        return email.utils.make_msgid(domain=self.domain)

    def compose(
        self, invoice: Invoice, pdf: Path, to: tuple[str, ...], language: str, message_id: str,
        extras: Sequence[Path] = (),
    ) -> Composed:  # fmt: skip
        """The message for ``invoice``, to ``to``, in ``language``, with ``pdf`` attached, and
        ``extras`` after it (an SRI invoice's RIDE and authorised XML)."""
        smtp = self.config.smtp
        envelope = Envelope(self.sender, to, smtp.cc, smtp.bcc, smtp.reply_to)
        subject, text, html = self._render(invoice, language)
        international = any(not a.isascii() for a in (*envelope.recipients, envelope.from_address))
        msg = EmailMessage(policy=policy.SMTPUTF8 if international else policy.SMTP)
        msg["From"] = _header_address(envelope.sender)
        msg["To"] = ", ".join(_header_address(a) for a in to)
        if envelope.cc:
            msg["Cc"] = ", ".join(_header_address(a) for a in envelope.cc)
        if envelope.reply_to:
            msg["Reply-To"] = _header_address(envelope.reply_to)
        msg["Subject"] = " ".join(subject.split())
        msg["Date"] = email.utils.formatdate(localtime=True)
        msg["Message-ID"] = message_id
        msg[NUMBER_HEADER] = invoice.number
        msg.set_content(text, cte="quoted-printable")
        if html is not None:
            msg.add_alternative(html, subtype="html", cte="quoted-printable")
        for path in (pdf, *extras):
            subtype = "xml" if path.suffix.lower() == ".xml" else "pdf"
            msg.add_attachment(path.read_bytes(), maintype="application", subtype=subtype,
                               filename=path.name)  # fmt: skip
        return Composed(invoice.number, message_id, envelope, msg.as_bytes(), international)

    def _render(self, invoice: Invoice, language: str) -> tuple[str, str, str | None]:
        context = message_context(invoice, self.config, language)
        names = [f"subject_{language}.txt", f"body_{language}.txt"]
        if self.config.smtp.html:
            names.append(f"body_{language}.html")
        rendered: list[str] = []
        for name in names:
            try:
                rendered.append(self.env.get_template(name).render(context))
            except TemplateError as exc:
                raise InputError(Problem(
                    Code.EMAIL_TEMPLATE, f"the e-mail template cannot be used: {exc}",
                    _template_file(self.env, name), level=CONFIG,
                    hint="fix the template, or delete it to use the bundled one",
                )) from None  # fmt: skip
        return rendered[0], rendered[1], rendered[2] if len(rendered) > 2 else None


def message_context(invoice: Invoice, config: Config, language: str) -> dict[str, Any]:
    """What an e-mail template may name: invoice number, amount, due date and a few more."""
    f = Formatter(language)
    due = due_date(invoice)
    customer = invoice.customer
    return {
        "number": invoice.number,
        "date": f.date(invoice.date),
        "amount": f.amount(invoice.total, invoice.currency),
        "total": f.money(invoice.total),
        "currency": invoice.currency,
        "due_date": f.date(due) if due else "",
        "payment_terms": invoice.payment_terms,
        "customer": customer.name if customer else invoice.bill_customer,
        "ship_customer": invoice.ship_customer,
        "orders": ", ".join(invoice.order_nos),
        "customer_pos": ", ".join(p for p in invoice.customer_pos if p),
        "awb": invoice.awb,
        "seller": config.seller.name,
        "seller_email": config.seller.email,
        "language": language,
    }


def smtp_address(address: str) -> str:
    """The bare address for the SMTP envelope, its domain in ASCII (IDNA) as servers expect."""
    local, _, domain = bare_address(address).rpartition("@")
    with contextlib.suppress(UnicodeError):  # else as written: the server will say what it thinks
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def _header_address(address: str) -> str:
    name = address.rpartition("<")[0].strip() if "<" in address else ""
    return email.utils.formataddr((name, smtp_address(address)))


def _override_folders(config: Config) -> list[Path]:
    folders = [config.base_dir / "email"]
    if config.template_dir:
        folders.insert(0, config.resolve(config.template_dir) / "email")
    return [f for f in folders if f.is_dir()]


def _template_file(env: SandboxedEnvironment, name: str) -> str:
    loader = env.loader
    if isinstance(loader, FileSystemLoader):
        for folder in loader.searchpath:
            if (Path(folder) / name).is_file():
                return str(Path(folder) / name)
    return name
