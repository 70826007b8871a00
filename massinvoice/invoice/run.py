"""The invoice run: a saved selection workbook in, numbered PDF invoices out, never twice.

The order of work is what makes it crash-safe:

1. read and check everything (sheet, config, output folder, registry, strict checks) before any
   number is taken: bad input consumes nothing;
2. finish what a crashed run left pending (same numbers, same content);
3. reserve numbers and orders as *pending* in one registry transaction;
4. render each PDF to a temporary file and rename it atomically to its final name;
5. mark it *issued* in the registry.

A kill between any two steps leaves a state the next run completes without duplicates: an order
is held by exactly one invoice from step 3 on, and a pending invoice is re-rendered from the
payload stored with it, so its number and content never change.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from massinvoice import __version__
from massinvoice.config import Config
from massinvoice.files import check_writable, sweep_temps
from massinvoice.invoice import pool as render_pool
from massinvoice.invoice.document import Invoice, compose_invoice
from massinvoice.invoice.einvoice.facturx import einvoice_problems
from massinvoice.invoice.glyphs import glyph_warnings
from massinvoice.model import Customer, Order, OrderWarning, Status
from massinvoice.problems import CONFIG, Code, ConfigError, InputError, Problem
from massinvoice.read import file_sha256, load_customers, load_export
from massinvoice.readback.selection import LineEdit, Selection, read_selection
from massinvoice.registry.numbering import Draft, InvoiceRecord, Registry
from massinvoice.select import checks
from massinvoice.text import fold, safe_filename

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class InvoiceOptions:
    dry_run: bool = False
    strict: bool = False
    date: str = ""  # today | ship | flight | YYYY-MM-DD; empty = config.invoice_date
    group_by: str = "order"  # order | customer
    partial: str = ""  # ordered | packed | skip; empty = config.partial
    merged: bool = False
    jobs: int = 1
    registry_url: str = ""  # empty = the config's registry
    today: dt.date | None = None  # for reproducible runs and tests


@dataclass(frozen=True, slots=True)
class Skipped:
    order_no: str
    code: str  # invoiced | stale | refused | strict | partial | conflict | failed
    reason: str


@dataclass(frozen=True, slots=True)
class Issued:
    number: str
    file: str
    sha256: str
    orders: tuple[str, ...]
    bill_customer: str
    currency: str
    subtotal: Decimal
    total: Decimal
    recovered: bool = False  # finished for a run that had crashed


@dataclass(frozen=True)
class RunResult:
    outdir: Path
    run_id: str
    dry_run: bool
    selected: int
    issued: tuple[Issued, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[OrderWarning, ...]
    edits: tuple[LineEdit, ...]
    selected_totals: dict[tuple[str, str], Decimal]  # (bill customer, currency) -> amount
    issued_totals: dict[tuple[str, str], Decimal]
    invoices: tuple[Invoice, ...] = ()  # this run's composed invoices, numbered
    files: dict[str, Path] = field(default_factory=dict)  # register, report, manifest, merged

    skipped_totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    partial: str = "ordered"

    def control_rows(self) -> list[tuple[str, str, Decimal, Decimal, Decimal, Decimal]]:
        """Per (customer, currency): selected, issued, skipped, and what is unaccounted for.

        Under ``--partial packed`` the unaccounted part is what stays to invoice (not packed).
        """
        keys = sorted(
            set(self.selected_totals) | set(self.issued_totals) | set(self.skipped_totals)
        )
        zero = Decimal(0)
        rows = []
        for key in keys:
            sel = self.selected_totals.get(key, zero)
            iss = self.issued_totals.get(key, zero)
            skp = self.skipped_totals.get(key, zero)
            rows.append((key[0], key[1], sel, iss, skp, sel - iss - skp))
        return rows

    @property
    def control_ok(self) -> bool:
        """Every selected cent is either issued or skipped with a reason."""
        diffs = [row[5] for row in self.control_rows()]
        if self.partial == "packed":
            return all(d >= 0 for d in diffs)
        return all(d == 0 for d in diffs)

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0


def invoice_selection(
    selection_path: Path,
    outdir: Path,
    *,
    config: Config,
    options: InvoiceOptions | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Issue one invoice per selected order (or per customer) of a saved selection workbook."""
    from massinvoice.invoice import outputs  # output writers import our records

    options = options or InvoiceOptions()
    selection_path, outdir = Path(selection_path), Path(outdir)
    _check_config(config)
    selection = read_selection(selection_path, config=config)
    reason = check_writable(outdir)
    if reason:
        raise InputError(
            Problem(Code.OUTPUT_NOT_WRITABLE, f"cannot write to the output folder: {reason}",
                    str(outdir), level="file", hint="choose another folder with -o, or fix its permissions")
        )  # fmt: skip
    sweep_temps(outdir)  # what a killed run of this machine left half-written
    partial = options.partial or config.partial
    strict = config.strict if options.strict else ()
    customers = load_customers(config.resolve(config.customers), config)
    today = options.today or dt.date.today()

    skipped = [Skipped(r.order_no, "refused", r.reason) for r in selection.refused]
    candidates, stale = _drop_stale(selection, config)
    skipped += stale

    registry = None
    url = options.registry_url or config.registry_url
    if not options.dry_run or _registry_exists(url):
        registry = Registry(url)
    try:
        held = registry.invoiced(o.order_no for o in candidates) if registry else {}
        all_warnings: list[OrderWarning] = []
        ready: list[Order] = []
        for order in candidates:
            if order.order_no in held:
                skipped.append(Skipped(order.order_no, "invoiced",
                    f"already invoiced as {held[order.order_no]} (registry); never invoiced twice"))  # fmt: skip
                continue
            warnings = checks.order_warnings(order, _known(customers))
            all_warnings += warnings
            refused = checks.refusals(warnings, strict)
            if refused:
                skipped.append(Skipped(order.order_no, "strict",
                    "refused by --strict: " + "; ".join(w.message for w in refused)))  # fmt: skip
            elif order.status is Status.PARTIAL and partial == "skip":
                skipped.append(
                    Skipped(order.order_no, "partial", "partially packed (--partial skip)")
                )
            else:
                ready.append(order)

        groups = group_orders(ready, options.group_by)
        date_rule = options.date or config.invoice_date
        drafts: list[Invoice] = []
        for group in groups:
            try:
                draft = compose_invoice(
                    group, config=config, date=invoice_date(group, date_rule, today),
                    customer=_lookup(customers, group[0]), partial=partial, draft=options.dry_run,
                )  # fmt: skip
            except InputError as exc:  # e.g. lines in two currencies: cannot be one invoice
                why = "; ".join(p.message for p in exc.problems)
                skipped += [Skipped(o.order_no, "refused", why) for o in group]
                continue
            if draft.lines:
                drafts.append(draft)
            else:
                skipped += [Skipped(o.order_no, "partial", "nothing packed yet") for o in group]
        all_warnings += glyph_warnings(drafts)  # names no installed font can draw
        # Factur-X needs data the PDF can do without: refuse before any number is taken.
        if problems := einvoice_problems(drafts, config):
            raise InputError(problems)

        render_pool.start_renderer(config)  # a template, font or temp-space problem costs no number

        if options.dry_run:
            run_id = "dry-run"
            jobs = [(inv.with_number(f"DRAFT-{i:04d}"), outdir / f"DRAFT-{i:04d}-{safe_filename(inv.order_nos[0])}.pdf", False)
                    for i, inv in enumerate(drafts, 1)]  # fmt: skip
        else:
            assert registry is not None
            run_id = registry.start_run(_run_info(selection, options))
            recovered = registry.claim_pending(run_id)
            records, conflicts = registry.reserve(
                config.series, [_draft(inv, outdir) for inv in drafts], run_id
            )
            for c in conflicts:
                for order_no in c.orders:
                    skipped.append(Skipped(order_no, "conflict", c.reason))
            jobs = [_job(rec, True) for rec in recovered] + [_job(rec, False) for rec in records]

        failures: dict[str, str] = {}
        issued = _render_all(jobs, config, options.jobs, registry, progress, failures)
        for inv, _, _ in jobs:
            if inv.number in failures:
                why = f"invoice {inv.number} not finished ({failures[inv.number]}); rerun to finish it"
                skipped += [Skipped(o, "failed", why) for o in inv.order_nos]
        # A crashed run of this same sheet left some of its orders pending: finishing them here
        # is issuing them, not skipping them as "already invoiced".
        on_sheet = {o.order_no for o in selection.orders}
        finished = {
            o for i in issued if i.recovered and set(i.orders) <= on_sheet for o in i.orders
        }
        skipped = [s for s in skipped if not (s.code == "invoiced" and s.order_no in finished)]
        this_run = {inv.number: inv for inv, _, _ in jobs}
        result = RunResult(
            outdir=outdir, run_id=run_id, dry_run=options.dry_run,
            selected=len(selection.orders) + len(selection.refused),
            issued=tuple(issued), skipped=tuple(skipped), warnings=tuple(all_warnings),
            edits=selection.edits, partial=partial,
            skipped_totals=_skipped_totals(selection, skipped),
            selected_totals=_selected_totals(selection),
            issued_totals=_issued_totals(i for i in issued if not i.recovered or set(i.orders) <= finished),
            invoices=tuple(this_run[i.number] for i in issued if i.number in this_run),
        )  # fmt: skip
        try:
            files = outputs.write_outputs(result, selection, config, options)
        except OSError as exc:
            if registry and not options.dry_run:  # what is pending is claimable at once
                registry.finish_run(run_id, outputs.summary_dict(result))
            raise _outputs_failed(result, exc, len(failures)) from None
        result = replace(result, files=files)
        if registry and not options.dry_run:
            registry.finish_run(run_id, outputs.summary_dict(result))
        return result
    finally:
        if registry:
            registry.close()


def group_orders(orders: Sequence[Order], group_by: str) -> list[list[Order]]:
    """One group per order, or per bill customer + ship customer + currency + AWB."""
    if group_by == "order":
        return [[o] for o in orders]
    groups: dict[tuple[str, ...], list[Order]] = {}
    for o in orders:
        key = (fold(o.bill_customer), fold(o.ship_customer), o.currency, o.awb)
        groups.setdefault(key, []).append(o)
    return list(groups.values())


def invoice_date(orders: Sequence[Order], rule: str, today: dt.date) -> dt.date:
    """The invoice date: today, the orders' ship or flight date, or a fixed date."""
    if rule in ("", "today"):
        return today
    if rule in ("ship", "flight"):
        days = [getattr(o, f"{rule}_date") for o in orders if getattr(o, f"{rule}_date")]
        return min(days) if days else today
    return dt.date.fromisoformat(rule)


def parse_date_rule(rule: str) -> str:
    """Validate a --date value; return it or raise InputError."""
    if rule in ("today", "ship", "flight"):
        return rule
    try:
        dt.date.fromisoformat(rule)
    except ValueError:
        raise InputError(
            Problem(Code.BAD_OPTION, f"--date {rule!r} is not today, ship, flight or YYYY-MM-DD",
                    level="file", hint="for example --date 2026-11-20")
        ) from None  # fmt: skip
    return rule


# --- rendering -----------------------------------------------------------------------------


def _render_all(
    jobs: list[tuple[Invoice, Path, bool]],
    config: Config,
    processes: int,
    registry: Registry | None,
    progress: Progress | None,
    failures: dict[str, str],
) -> list[Issued]:
    """Render the jobs (see :mod:`render_pool`), marking each issued as it is written."""
    issued: list[Issued] = []

    def done(invoice: Invoice, recovered: bool, file: str, sha: str) -> None:
        if registry is not None:
            registry.mark_issued(invoice.number, file, sha)
        issued.append(Issued(invoice.number, file, sha, invoice.order_nos, invoice.bill_customer,
                             invoice.currency, invoice.subtotal, invoice.total, recovered))  # fmt: skip
        if progress:
            progress(len(issued), len(jobs))

    if progress:
        progress(0, len(jobs))
    render_pool.render_all(jobs, config, processes, done, failures)
    order = {inv.number: i for i, (inv, _, _) in enumerate(jobs)}
    return sorted(issued, key=lambda i: order[i.number])


# --- helpers ---------------------------------------------------------------------------------


def _outputs_failed(result: RunResult, exc: OSError, unfinished: int) -> InputError:
    """The register, report or manifest could not be written: say what became of the invoices."""
    done = [i.number for i in result.issued]
    if result.dry_run:
        state = f"{len(done)} drafts written"
    else:
        state = (f"{len(done)} invoices issued" + (f" ({done[0]} .. {done[-1]})" if done else "")
                 + " are complete and valid; "
                 + (f"{unfinished} unfinished stay pending and the next run finishes them "
                    "with the same numbers" if unfinished else "none is left unfinished"))  # fmt: skip
    return InputError(
        Problem(Code.OUTPUT_WRITE_FAILED,
                f"cannot write the run's register and report: {exc.strerror or exc}; {state}",
                str(exc.filename or result.outdir), level="file",
                hint="free some space (or fix the folder), then run the same command again")
    )  # fmt: skip


def _check_config(config: Config) -> None:
    missing = [k for k in ("name", "tax_id") if not getattr(config.seller, k)]
    if not config.seller.address:
        missing.append("address")
    if missing:
        raise ConfigError(
            Problem(Code.SELLER_MISSING, f"the config has no seller {', '.join(missing)}",
                    str(config.path or "<no config file>"), column="[seller]", level=CONFIG,
                    hint="an invoice must say who issues it: fill in [seller] in massinvoice.toml "
                         "(massinvoice init DIR writes a commented example)")
        )  # fmt: skip


def _drop_stale(selection: Selection, config: Config) -> tuple[list[Order], list[Skipped]]:
    """Orders whose export changed since the sheet was made are stale; the rest proceed."""
    changed: dict[str, str] = {}
    for source in selection.meta.get("sources", []):
        path = Path(source.get("path", ""))
        if (
            not source.get("path")
            or not path.is_file()
            or file_sha256(path) == source.get("sha256")
        ):
            continue
        try:
            now = {o.order_no: o for o in load_export([path], config)}
        except InputError:
            now = {}
        for order_no, fingerprint in selection.fingerprints.items():
            current = now.get(order_no)
            if current is None:
                changed[order_no] = f"stale sheet: order no longer in {path.name}"
            elif current.fingerprint() != fingerprint:
                changed[order_no] = (
                    f"stale sheet: order changed in {path.name} since the sheet was made"
                )
            elif current.invoice_no:
                changed[order_no] = (
                    f"stale sheet: invoiced as {current.invoice_no} since the sheet was made"
                )
    keep = [o for o in selection.orders if o.order_no not in changed]
    skipped = [
        Skipped(o.order_no, "stale", changed[o.order_no])
        for o in selection.orders
        if o.order_no in changed
    ]
    return keep, skipped


def _registry_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).is_file()
    return True


def _known(customers: dict[str, Customer]) -> set[str] | None:
    return None if not customers else {c.name for c in customers.values()}


def _lookup(customers: dict[str, Customer], order: Order) -> Customer | None:
    return customers.get(fold(order.bill_customer))


def _draft(invoice: Invoice, outdir: Path) -> Draft:
    return Draft(
        orders=invoice.order_nos, customer=invoice.bill_customer, date=invoice.date,
        currency=invoice.currency, total=invoice.total,
        payload={"invoice": invoice.to_dict(), "outdir": str(outdir.resolve())},
    )  # fmt: skip


def _job(record: InvoiceRecord, recovered: bool) -> tuple[Invoice, Path, bool]:
    invoice = Invoice.from_dict(record.payload["invoice"]).with_number(record.number)
    path = Path(record.payload["outdir"]) / f"{safe_filename(record.number)}.pdf"
    return invoice, path, recovered


def _run_info(selection: Selection, options: InvoiceOptions) -> dict:
    return {
        "selection": selection.path, "selection_sha256": selection.sha256, "version": __version__,
        "group_by": options.group_by, "jobs": options.jobs, "host": socket.gethostname(),
        "pid": os.getpid(), "user": getpass.getuser(),
    }  # fmt: skip


def _selected_totals(selection: Selection) -> dict[tuple[str, str], Decimal]:
    """What the sheet's selected rows add up to, per (bill customer, currency)."""
    out: dict[tuple[str, str], Decimal] = {}
    for o in selection.orders:
        key = (o.bill_customer, o.currency)
        out[key] = out.get(key, Decimal(0)) + selection.selected_totals.get(o.order_no, o.amount)
    return out


def _skipped_totals(selection: Selection, skipped: list[Skipped]) -> dict[tuple[str, str], Decimal]:
    """What the selected but skipped orders add up to, per (bill customer, currency)."""
    by_no = {o.order_no: o for o in selection.orders}
    out: dict[tuple[str, str], Decimal] = {}
    for order_no in dict.fromkeys(s.order_no for s in skipped):
        o = by_no.get(order_no)
        if o is not None:
            key = (o.bill_customer, o.currency)
            out[key] = out.get(key, Decimal(0)) + selection.selected_totals.get(order_no, o.amount)
    return out


def _issued_totals(issued: Iterable[Issued]) -> dict[tuple[str, str], Decimal]:
    """What this run invoiced before taxes, per (bill customer, currency)."""
    out: dict[tuple[str, str], Decimal] = {}
    for i in issued:
        key = (i.bill_customer, i.currency)
        out[key] = out.get(key, Decimal(0)) + i.subtotal
    return out
