"""A send run: choose the issued invoices, skip what must not go, send the rest, report.

Each invoice goes through :mod:`massinvoice.send.records` (pending before the SMTP transaction,
sent or failed after it), so a run killed at any moment sends the rest on rerun and none twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import massinvoice.send.records as records
from massinvoice.config import Config
from massinvoice.files import atomic_write_bytes, sha256_file
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.sri.flow import ride_paths
from massinvoice.model import Customer
from massinvoice.problems import Code, InputError, Problem
from massinvoice.read import load_customers
from massinvoice.registry.numbering import InvoiceRecord, Registry
from massinvoice.send.choose import Target, choose
from massinvoice.send.compose import Composed, Composer
from massinvoice.send.delivery import Mailer, smtp_password
from massinvoice.send.report import REASONS, Item, report_text, word, write_report
from massinvoice.text import email_addresses, fold, safe_filename

Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SendOptions:
    """Which invoices to send, and how."""

    run_folder: Path | None = None  # an invoice run's output folder (its manifest.json)
    since: dt.date | None = None  # invoice dates, inclusive
    until: dt.date | None = None
    numbers: tuple[str, ...] = ()
    resend: tuple[str, ...] = ()  # send these again on purpose (or after an ambiguous send)
    dry_run: bool = False  # write .eml files, contact no server, record nothing
    eml_dir: Path | None = None  # where a dry run writes (default: emails/ in the run folder)
    report_dir: Path | None = None  # where the report goes (default: the run folder)
    backoff: float = 2.0  # seconds before the second try; doubles each try


@dataclass
class SendResult:
    items: list[Item]
    dry_run: bool
    report: str = ""
    report_path: Path | None = None
    run_id: str = ""
    connections: int = 0
    files: list[Path] = field(default_factory=list)  # the .eml files of a dry run

    @property
    def exit_code(self) -> int:
        """0 when every chosen invoice is sent (or was already, or is void), else 1."""
        return 0 if self.items and all(i.done for i in self.items) else 1


def send_invoices(
    config: Config, options: SendOptions, *, registry_url: str = "",
    password: str | None = None, echo: Echo | None = None,
) -> SendResult:  # fmt: skip
    """Send the chosen invoices (see :class:`SendOptions`); a dry run only writes .eml files."""
    echo = echo or (lambda _text: None)
    smtp = config.smtp
    _check_settings(config, password, options.dry_run)
    if not options.dry_run:
        password = password if password is not None else smtp_password(smtp)
    url = registry_url or config.registry_url
    with Registry(url, read_only=options.dry_run) as registry:  # a dry run records nothing
        targets = choose(registry, run_folder=options.run_folder, since=options.since,
                         until=options.until, numbers=(*options.numbers, *options.resend))  # fmt: skip
        directory = load_customers(config.resolve(config.customers), config)
        composer = Composer(config)
        if targets:
            composer.check(_invoice(targets[0].record))
        run_id = "" if options.dry_run else registry.start_run({"command": "send"})
        result = SendResult([], options.dry_run, run_id=run_id)
        try:
            if not options.dry_run:
                for gone in records.find_ambiguous(registry, run_id):
                    echo(f"{gone.invoice_number}: {word(REASONS, 'ambiguous', config.language)}")
            _send_all(registry, config, options, targets, directory, composer, result,
                      password, echo)  # fmt: skip
        finally:
            if run_id:
                registry.finish_run(run_id, _summary(result.items))
    when = dt.datetime.now().astimezone()
    result.report = report_text(result.items, config.language, dry_run=options.dry_run, when=when)
    folder = options.report_dir or options.run_folder
    if folder is not None:
        result.report_path = write_report(Path(folder), result.report, when)
    return result


def _send_all(
    registry: Registry, config: Config, options: SendOptions, targets: list[Target],
    directory: dict[str, Customer], composer: Composer, result: SendResult,
    password: str | None, echo: Echo,
) -> None:  # fmt: skip
    latest = records.latest(registry, [t.record.number for t in targets])
    resend = set(options.resend)
    mailer = Mailer(config.smtp, password, backoff=options.backoff)
    unreachable = ""
    with mailer:
        for target in targets:
            record, number = target.record, target.record.number
            customer = record.customer
            last = latest.get(number)
            skip = _skip(target, last, number in resend, config)
            invoice = _invoice(record) if skip is None else None
            to, wrong, language = (
                _recipients(invoice, directory, config) if invoice else ((), (), "")
            )
            if skip is None and wrong:  # fixed in the directory first: never a partial list
                skip = Item(number, customer, "bad_address", ", ".join(map(repr, wrong)))
            if skip is None and not to:
                skip = Item(number, customer, "no_address")
            if skip is None and unreachable:
                skip = Item(number, customer, "unreachable", unreachable)
            if skip is not None:
                result.items.append(skip)
                echo(skip.line(config.language))
                continue
            assert invoice is not None
            reuse = last is not None and last.status in ("ambiguous", "failed", "pending")
            message_id = last.message_id if reuse and last else composer.new_message_id()
            extras = _sri_files(target) if config.sri is not None else ()
            message = composer.compose(invoice, target.pdf, to, language, message_id, extras)
            if options.dry_run:
                result.items.append(_write_eml(message, options, result, customer))
                continue
            if not mailer.connections:
                mailer.connect()  # a wrong password or host stops here, before any record
            item = _deliver(registry, mailer, message, customer, result.run_id, number in resend)
            if item.code == "unreachable":
                unreachable = item.detail
            result.items.append(item)
            echo(item.line(config.language))
        result.connections = mailer.connections


def _deliver(
    registry: Registry, mailer: Mailer, message: Composed, customer: str, run_id: str,
    resend: bool,
) -> Item:  # fmt: skip
    """One invoice: pending, the SMTP transaction, then sent or failed."""
    recipients = message.envelope.recipients
    started = records.begin(registry, message.number, recipients, message.message_id, run_id,
                            resend=resend)  # fmt: skip
    if isinstance(started, records.Refusal):
        return Item(message.number, customer, started.code, started.detail)
    outcome = mailer.send(message)
    refused = "; ".join(f"{r}: {why}" for r, why in outcome.refused.items())
    reply = f"{outcome.reply}; refused {refused}" if refused else outcome.reply
    records.finish(registry, started.id, outcome.status, reply)
    if outcome.status == "sent":
        code = "partly_refused" if refused else "sent"
        return Item(message.number, customer, code, refused or ", ".join(recipients))
    return Item(message.number, customer, "unreachable" if outcome.unreachable else "failed",
                outcome.reply)  # fmt: skip


def _skip(
    target: Target, last: records.SendRecord | None, resend: bool, config: Config
) -> Item | None:
    """Why this invoice is not sent in this run, or None to send it."""
    record = target.record
    number, customer = record.number, record.customer
    if record.state != "issued":
        code = "void" if record.state == "void" else "not_issued"
        return Item(number, customer, code, record.reason)
    if last is not None and not resend:
        if last.status == "sent":
            when = f"{last.finished_at:%Y-%m-%d %H:%M} UTC" if last.finished_at else ""
            return Item(number, customer, "already_sent", when)
        if last.status == "ambiguous":
            return Item(number, customer, "ambiguous", f"Message-ID {last.message_id}")
        if last.status == "pending":
            return Item(
                number, customer, "in_progress", f"since {last.created_at:%Y-%m-%d %H:%M} UTC"
            )
    if not target.pdf.is_file():
        return Item(number, customer, "pdf_missing", str(target.pdf))
    if target.sha256 and sha256_file(target.pdf) != target.sha256:
        return Item(number, customer, "pdf_changed", str(target.pdf))
    if config.sri is not None and not all(p.is_file() for p in _sri_files(target)):
        return Item(number, customer, "not_authorised", str(_sri_files(target)[0]))
    return None


def _sri_files(target: Target) -> tuple[Path, Path]:
    """An SRI invoice's RIDE and authorised XML, which go with it (they exist once AUTORIZADO)."""
    return ride_paths(target.pdf.parent, target.record.number)


def _recipients(
    invoice: Invoice, directory: dict[str, Customer], config: Config
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The customer's addresses (directory first, else as on the invoice), the parts of its
    e-mail cell that are not addresses, and its language."""
    known = invoice.customer
    found = directory.get(fold(invoice.bill_customer))
    if found is None and known is not None and known.code:
        found = directory.get(fold(known.code))
    source = found or known
    addresses, wrong = email_addresses(source.email if source else "")
    language = (source.language if source else "") or invoice.language or config.language
    return addresses, wrong, language if language in ("en", "es") else config.language


def _write_eml(message: Composed, options: SendOptions, result: SendResult, customer: str) -> Item:
    folder = options.eml_dir or (options.run_folder or Path.cwd()) / "emails"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_filename(message.number)}.eml"
    atomic_write_bytes(path, message.data)
    result.files.append(path)
    return Item(message.number, customer, "written", f"{', '.join(message.envelope.recipients)} -> {path.name}")  # fmt: skip


def _invoice(record: InvoiceRecord) -> Invoice:
    return Invoice.from_dict(record.payload["invoice"]).with_number(record.number)


def _check_settings(config: Config, password: str | None, dry_run: bool) -> None:
    smtp = config.smtp
    where = str(config.path or "massinvoice.toml")
    if not (smtp.sender or config.seller.email):
        raise InputError(Problem(Code.SMTP_SENDER, "no sender address", where, column="smtp.sender",
                                 level="config", hint="set [smtp] sender or [seller] email"))  # fmt: skip
    if dry_run:
        return
    if not smtp.host:
        raise InputError(Problem(Code.SMTP_MISSING, "no mail server configured", where,
                                 column="smtp.host", level="config",
                                 hint="add [smtp] with host, port, security and user"))  # fmt: skip
    if smtp.user and password is None and smtp_password(smtp) is None:
        raise InputError(Problem(Code.SMTP_PASSWORD, f"the environment variable {smtp.password_env} "
                                 f"holding the password of {smtp.user!r} is not set", where,
                                 column="smtp.user", level="config",
                                 hint=f"export {smtp.password_env}=... on this machine (never in the config)"))  # fmt: skip


def _summary(items: list[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.code] = counts.get(item.code, 0) + 1
    return counts
