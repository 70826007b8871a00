"""The SRI step of an invoice run, and of ``massinvoice sri poll``.

:func:`start` checks everything the SRI step needs before any number is taken (the ``[sri]``
settings, the certificate and its password); :meth:`SriFlow.check` refuses invoices the SRI
would refuse (a buyer without identification, an unknown country, a date that is not today in
Ecuador); :attr:`SriFlow.with_numbers` stores each clave with its number; :meth:`SriFlow.run`
sends, polls, and writes the RIDE and the authorised XML beside the invoice's PDF for each
document the SRI authorised. Whatever cannot be finished now waits in the registry for the next
run or ``massinvoice sri poll``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from massinvoice.config import Config, Series
from massinvoice.files import atomic_write_bytes
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.sri.clave import ecuador_date, split_number
from massinvoice.invoice.einvoice.sri.client import AUTHORISED, PARKED, QUEUED, SriClient
from massinvoice.invoice.einvoice.sri.comprobante import check_rules
from massinvoice.invoice.einvoice.sri.p12 import SigningCertificate, load_signing_certificate
from massinvoice.invoice.einvoice.sri.queue import UNAVAILABLE, PollReport, SriQueue
from massinvoice.invoice.einvoice.sri.ride import RideRenderer, authorised_xml
from massinvoice.invoice.einvoice.sri.settings import (
    SriSettings,
    p12_bytes,
    p12_password,
    sri_settings,
)
from massinvoice.invoice.einvoice.sri.sign import issuer_name
from massinvoice.invoice.einvoice.sri.state import (
    ANNULLED,
    WITHDRAWN,
    SriDocument,
    get_document,
    keys_writer,
    record_annulment,
    void_refusal,
    withdraw,
)
from massinvoice.problems import CONFIG, FILE, ROW, Code, InputError, Problem
from massinvoice.registry.numbering import Registry
from massinvoice.text import safe_filename


def today_for(config: Config, now: dt.datetime | None = None) -> dt.date:
    """Today's date for invoices: Ecuador's with an ``[sri]`` section, else this machine's."""
    if config.sri is None:
        return dt.date.today()
    return ecuador_date(now or dt.datetime.now(dt.UTC))


def ride_paths(folder: Path, number: str) -> tuple[Path, Path]:
    """Where a document's RIDE and authorised XML go: beside its invoice PDF."""
    name = safe_filename(number)
    return folder / f"{name}-RIDE.pdf", folder / f"{name}-autorizado.xml"


class SriFlow:
    """The SRI step for one registry and config."""

    def __init__(self, registry: Registry, settings: SriSettings, signer: SigningCertificate,
                 *, fallback_dir: Path | None = None,
                 clock: Callable[[], dt.datetime] | None = None):  # fmt: skip
        self.registry = registry
        self.settings = settings
        self.fallback_dir = fallback_dir or Path.cwd()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        client = SriClient(settings.base_url, timeout=settings.timeout)
        self.queue = SriQueue(registry, settings, client, lambda: signer,
                              on_authorised=self._write_authorised, clock=self.clock)  # fmt: skip
        self.signer = signer
        self.with_numbers = keys_writer(registry, settings)
        self.written: list[Path] = []
        self.series: Series | None = None  # the invoices' series, checked for SRI's form
        self._rides: RideRenderer | None = None  # made at the first authorised document

    def check(self, invoices: Iterable[Invoice], today: dt.date) -> None:
        """Refuse, before any number is taken, what the SRI would refuse."""
        problems: list[Problem] = []
        for invoice in invoices:
            problems += check_rules(invoice, self.settings)
            if invoice.date != today:
                problems.append(Problem(
                    Code.SRI_DATE, f"orders {', '.join(invoice.order_nos)}: the SRI takes invoices "
                    f"dated the day they are sent ({today:%d/%m/%Y} in Ecuador), not "
                    f"{invoice.date:%d/%m/%Y}", hint="invoice with --date today", level=ROW,
                ))  # fmt: skip
        problems = [p for p in problems if p.code != "sri_number"]  # numbers come later
        if self.series is not None:
            try:
                split_number(self.series.number(self.series.start))
            except ValueError as exc:
                problems.append(Problem(Code.SRI_NUMBER, str(exc), column="series.format",
                                        level=CONFIG))  # fmt: skip
        if problems:
            raise InputError(problems)

    def run(self, numbers: Iterable[str] = (), *, sleep: Callable[[float], None] = time.sleep,
            monotonic: Callable[[], float] = time.monotonic) -> PollReport:  # fmt: skip
        """Send and poll the waiting documents (all of them, or just ``numbers``), then keep
        asking for those the SRI is still processing for up to ``wait`` seconds (the SRI takes
        a few seconds to authorise); what is left waits for the next run or ``sri poll``."""
        report = self.queue.run(numbers)
        deadline, pause = monotonic() + self.settings.wait, 1.0
        while report.waiting and monotonic() + pause <= deadline:
            if any(why.startswith(UNAVAILABLE) or "not tried" in why for _, why in report.waiting):
                break  # the SRI is down: asking again now would only wait again
            sleep(pause)
            pause = min(pause * 2, 8.0)
            again = self.queue.run([d.number for d, _ in report.waiting])
            report = PollReport(report.authorised + again.authorised,
                                report.parked + again.parked, again.waiting,
                                report.other_ambiente)  # fmt: skip
        return report

    def write_files(self, number: str) -> list[Path]:
        """Write the RIDE and authorised XML of an authorised document where they are missing
        (after a failure to write them, or a folder moved); NotAuthorised for any other."""
        doc = get_document(self.registry, number)
        if doc is None:
            raise InputError(Problem(Code.SRI_UNKNOWN, f"no SRI document {number} in the registry",
                                     level=FILE, hint="see 'massinvoice sri list'"))  # fmt: skip
        before = len(self.written)
        self._write_authorised(doc)
        return self.written[before:]

    def _write_authorised(self, doc: SriDocument) -> None:
        record = self.registry.get(doc.invoice_number)
        folder = Path(record.payload.get("outdir", "")) if record else None
        if folder is None or not folder.is_dir():
            folder = self.fallback_dir
        ride, xml = ride_paths(folder, doc.number)
        if self._rides is None:
            self._rides = RideRenderer()
        for path, make in ((ride, self._rides.pdf), (xml, authorised_xml)):
            if not path.exists():  # written once: a RIDE is never replaced
                atomic_write_bytes(path, make(doc))
                self.written.append(path)


def start(config: Config, registry: Registry, *, fallback_dir: Path | None = None,
          clock: Callable[[], dt.datetime] | None = None) -> SriFlow | None:  # fmt: skip
    """The SRI step, checked (settings, certificate, password); None without ``[sri]``."""
    settings = sri_settings(config)
    if settings is None:
        return None
    now = (clock or (lambda: dt.datetime.now(dt.UTC)))()
    signer = load_signing_certificate(p12_bytes(settings), p12_password(settings), now=now)
    flow = SriFlow(registry, settings, signer, fallback_dir=fallback_dir, clock=clock)
    flow.series = config.series
    return flow


def required(config: Config, registry: Registry, *, fallback_dir: Path | None = None) -> SriFlow:
    """The SRI step for the ``sri`` and ``credit-note`` commands: an ``[sri]`` section needed."""
    flow = start(config, registry, fallback_dir=fallback_dir)
    if flow is None:
        raise _no_section(config)
    return flow


def _no_section(config: Config) -> InputError:
    return InputError(Problem(
        Code.SRI_OFF, "the config has no [sri] section", str(config.path or "<no config>"),
        column="sri", level=CONFIG, hint="see 'SRI electronic invoices (Ecuador)' in the README "
        "to set it up",
    ))  # fmt: skip


def before_void(registry: Registry, number: str, *, annulled_on_portal: bool,
                today: dt.date) -> Callable[[], str]:  # fmt: skip
    """What ``void`` must do about an SRI invoice, checked before the void: an authorised one is
    refused (with what to do instead) unless it was annulled on the SRI's portal. Returns what
    to run once the invoice is void (record the annulment, or take a never-sent document out of
    the queue); it returns the note to print ('' when there is nothing to do)."""
    doc = get_document(registry, number)
    if doc is None or doc.state in (ANNULLED, WITHDRAWN):
        return lambda: ""
    if doc.state == AUTHORISED:
        if not annulled_on_portal:
            raise InputError(Problem(Code.SRI_AUTHORISED, void_refusal(doc, today), number,
                                     level=FILE))  # fmt: skip

        def annul() -> str:
            record_annulment(registry, number)
            return f"recorded as annulled on the SRI's portal ({doc.clave})"

        return annul
    if not (doc.state == PARKED or (doc.state == QUEUED and not doc.attempts)):
        raise InputError(Problem(
            Code.SRI_IN_FLIGHT, f"invoice {number} is {doc.state} at the SRI and may be authorised "
            "there", number, level=FILE, hint="run 'massinvoice sri poll' first, then void it "
            "(or credit it) as its state says",
        ))  # fmt: skip

    def take_out() -> str:
        withdraw(registry, number)
        return f"withdrawn from the SRI queue (it was {doc.state}, never authorised)"

    return take_out


def check_setup(config: Config, now: dt.datetime | None = None) -> tuple[list[str], list[str]]:
    """What ``massinvoice sri check`` reports: (facts, problems) of the settings, the
    certificate and the SRI's services (their WSDL); sends nothing, opens no registry."""
    s = sri_settings(config)
    if s is None:
        raise _no_section(config)
    now = now or dt.datetime.now(dt.UTC)
    signer = load_signing_certificate(p12_bytes(s), p12_password(s), now=now)
    cert = signer.cert
    facts = [
        f"ambiente {s.ambiente}: {s.base_url}",
        f"RUC {s.ruc}, {s.razon_social}",
        f"certificate {cert.subject.rfc4514_string()}",
        f"  issued by {issuer_name(signer)}, serial {cert.serial_number}",
        f"  valid until {cert.not_valid_after_utc:%Y-%m-%d}",
    ]
    problems = SriClient(s.base_url, timeout=s.timeout).check()
    if cert.not_valid_after_utc < now:
        problems.append(f"the certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    return facts, problems
