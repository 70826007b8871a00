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

import contextlib
import datetime as dt
import getpass
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from massinvoice import __version__
from massinvoice.config import Config, check_seller
from massinvoice.files import check_writable, sha256_file, sweep_temps
from massinvoice.invoice import outputs
from massinvoice.invoice import pool as render_pool
from massinvoice.invoice.document import Invoice, compose_invoice
from massinvoice.invoice.einvoice.facturx import einvoice_problems
from massinvoice.invoice.einvoice.sri import flow as sri_flow
from massinvoice.invoice.glyphs import glyph_warnings
from massinvoice.invoice.records import (
    InvoiceOptions,
    Issued,
    RunResult,
    Skipped,
    issued_totals,
    selected_totals,
    skipped_totals,
)
from massinvoice.model import Customer, Order, OrderWarning, Status
from massinvoice.problems import CONFIG, Code, ConfigError, InputError, Problem, RegistryError
from massinvoice.read import load_customers, load_export
from massinvoice.readback.selection import Selection, read_selection
from massinvoice.registry.holders import lookalike_reason
from massinvoice.registry.numbering import Draft, InvoiceRecord, Registry
from massinvoice.registry.recovery import adopt_unrecorded, relocate
from massinvoice.select import checks
from massinvoice.text import fold, safe_filename

Progress = Callable[[int, int], None]
__all__ = ["InvoiceOptions", "Issued", "RunResult", "Skipped", "invoice_selection"]


def invoice_selection(
    selection_path: Path,
    outdir: Path,
    *,
    config: Config,
    options: InvoiceOptions | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Issue one invoice per selected order (or per customer) of a saved selection workbook."""
    options = options or InvoiceOptions()
    outdir = Path(outdir)
    selection = _prepare(Path(selection_path), outdir, config)
    registry = _open_registry(options.registry_url or config.registry_url, options.dry_run)
    try:
        plan = _plan(selection, config, options, registry)
        # Ecuador's SRI: settings, certificate and what the SRI would refuse, before any number
        sri = None if options.dry_run else sri_flow.start(config, registry, fallback_dir=outdir)
        if sri is not None:
            sri.check(plan.drafts, options.today or sri_flow.today_for(config))
        render_pool.start_renderer(config)  # a template, font or temp-space problem costs no number
        if options.dry_run:
            return _dry_run(plan, outdir, config, options, progress)
        assert registry is not None
        return _issue(plan, outdir, config, options, progress, registry, sri)
    finally:
        if registry:
            registry.close()


@dataclass
class _Plan:
    """What a run will invoice, decided before any number is taken."""

    selection: Selection
    partial: str
    skipped: list[Skipped]
    warnings: list[OrderWarning]
    drafts: list[Invoice]
    registry_id: str = ""
    drafts_kept: list[Invoice] = field(default_factory=list)  # adopted, their PDFs intact


def _prepare(selection_path: Path, outdir: Path, config: Config) -> Selection:
    """Check the config, read the sheet, check the output folder: bad input consumes nothing."""
    _check_config(config)
    selection = read_selection(selection_path, config=config)
    reason = check_writable(outdir)
    if reason:
        raise InputError(
            Problem(Code.OUTPUT_NOT_WRITABLE, f"cannot write to the output folder: {reason}",
                    str(outdir), level="file", hint="choose another folder with -o, or fix its permissions")
        )  # fmt: skip
    sweep_temps(outdir)  # what a killed run of this machine left half-written
    return selection


def _open_registry(url: str, dry_run: bool) -> Registry | None:
    """The registry; a dry run only reads it (and previews without one)."""
    if not dry_run:
        return Registry(url)
    try:
        return Registry(url, read_only=True)
    except RegistryError:
        return None


def _plan(
    selection: Selection, config: Config, options: InvoiceOptions, registry: Registry | None
) -> _Plan:
    """Which selected orders go on invoices, composed; the rest skipped with their reason."""
    partial = options.partial or config.partial
    strict = config.strict if options.strict else ()
    customers = load_customers(config.resolve(config.customers), config)
    skipped = [Skipped(r.order_no, "refused", r.reason) for r in selection.refused]
    candidates, stale = _export_decides(selection, config)
    skipped += stale
    order_nos = [o.order_no for o in candidates]
    held = registry.invoiced(order_nos) if registry else {}
    alike = registry.lookalikes(order_nos) if registry else {}
    warnings: list[OrderWarning] = []
    ready: list[Order] = []
    for order in candidates:
        if order.order_no in held:
            skipped.append(Skipped(order.order_no, "invoiced",
                f"already invoiced as {held[order.order_no]} (registry); never invoiced twice"))  # fmt: skip
            continue
        if order.order_no in alike:
            skipped.append(Skipped(order.order_no, "lookalike",
                                   lookalike_reason({order.order_no: alike[order.order_no]})))  # fmt: skip
            continue
        found = checks.order_warnings(order, _known(customers))
        warnings += found
        refused = checks.refusals(found, strict)
        if refused:
            skipped.append(Skipped(order.order_no, "strict",
                "refused by --strict: " + "; ".join(w.message for w in refused)))  # fmt: skip
        elif order.amount == 0:
            skipped.append(Skipped(order.order_no, "zero_total",
                "its total is 0.00 (no price or amount on its lines): an invoice of nothing is "
                "never issued; correct the prices in the Lines sheet"))  # fmt: skip
        elif order.status is Status.PARTIAL and partial == "skip":
            skipped.append(Skipped(order.order_no, "partial", "partially packed (--partial skip)"))
        else:
            ready.append(order)
    drafts = _compose(ready, config, options, customers, partial, skipped)
    warnings += glyph_warnings(drafts)  # names no installed font can draw
    # Factur-X needs data the PDF can do without: refuse before any number is taken.
    if problems := einvoice_problems(drafts, config):
        raise InputError(problems)
    registry_id = registry.identity.id if registry else ""
    return _Plan(selection, partial, skipped, warnings, drafts, registry_id)


def _compose(
    ready: list[Order], config: Config, options: InvoiceOptions,
    customers: dict[str, Customer], partial: str, skipped: list[Skipped],
) -> list[Invoice]:  # fmt: skip
    """One composed invoice per group of ready orders; what cannot be one is skipped."""
    date_rule = options.date or config.invoice_date
    today = options.today or sri_flow.today_for(config)  # Ecuador's date with [sri]
    drafts: list[Invoice] = []
    for group in group_orders(ready, options.group_by):
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
    return drafts


def _dry_run(
    plan: _Plan, outdir: Path, config: Config, options: InvoiceOptions, progress: Progress | None
) -> RunResult:
    """DRAFT previews in the run's own folder; no number taken, the registry never written."""
    run_id = uuid.uuid4().hex
    records = outputs.new_run_folder(outdir, run_id, dry_run=True)
    jobs = [(inv.with_number(f"DRAFT-{i:04d}"), records / f"DRAFT-{i:04d}-{safe_filename(inv.order_nos[0])}.pdf", False)
            for i, inv in enumerate(plan.drafts, 1)]  # fmt: skip
    failures: dict[str, str] = {}
    issued = _render_all(jobs, config, options.jobs, None, progress, failures)
    result = _result(plan, outdir, records, run_id, options, jobs, issued, failures)
    try:
        files = outputs.write_outputs(result, plan.selection, config, options)
    except OSError as exc:
        raise _outputs_failed(result, exc, len(failures)) from None
    return replace(result, files=files)


def _issue(
    plan: _Plan, outdir: Path, config: Config, options: InvoiceOptions,
    progress: Progress | None, registry: Registry, sri: sri_flow.SriFlow | None = None,
) -> RunResult:  # fmt: skip
    """Number, render, mark issued, record: a run whose records are not written (interrupted,
    killed, a full disk) leaves what it issued to the next run's records."""
    registry.check_series(config.series, raise_start=options.raise_start)
    run_id = registry.start_run(
        {**_run_info(plan.selection, options), "outdir": str(outdir.resolve())}
    )
    recorded = False
    try:
        records = outputs.new_run_folder(outdir, run_id, dry_run=False)
        pending = registry.claim_pending(run_id)
        adopted = adopt_unrecorded(registry, run_id)
        registry_file = {rec.number: (rec.file, rec.sha256) for rec in adopted}
        kept, relost = _adopted(adopted, outdir)
        plan.drafts_kept = [inv for inv, _ in kept]
        reserved, conflicts = registry.reserve(
            config.series,
            [_draft(inv, outdir) for inv in plan.drafts],
            run_id,
            with_numbers=sri.with_numbers if sri else None,  # each SRI clave with its number
        )
        plan.skipped += [Skipped(o, "conflict", c.reason) for c in conflicts for o in c.orders]
        jobs = ([_job(rec, True, outdir) for rec in pending] + relost
                + [_job(rec, False, outdir) for rec in reserved])  # fmt: skip
        failures: dict[str, str] = {}
        lost = {inv.number: inv for inv, _, _ in relost}
        rendered = _render_all(jobs, config, options.jobs, registry, progress, failures, set(lost))
        # A lost PDF that cannot be rendered again is still listed, as the registry has it:
        # every issued number stays in exactly one manifest (its failure is in the report).
        issued = [i for _, i in kept] + rendered + [
            _issued(inv, *registry_file[n], recovered=True, adopted=True)
            for n, inv in lost.items() if n in failures
        ]  # fmt: skip
        result = _result(plan, outdir, records, run_id, options, jobs, issued, failures)
        if sri is not None:  # send, poll, and write the RIDEs of what the SRI authorised
            report = sri.run()
            result = replace(result, sri=tuple(report.lines()),
                             sri_unfinished=len(report.parked) + len(report.waiting))  # fmt: skip
        try:
            files = outputs.write_outputs(result, plan.selection, config, options)
        except OSError as exc:
            raise _outputs_failed(result, exc, len(failures)) from None
        registry.finish_run(run_id, outputs.summary_dict(result), recorded=True)
        recorded = True
        return replace(result, files=files)
    finally:
        if not recorded:  # what it issued and what is pending are the next run's, at once
            with contextlib.suppress(Exception):
                registry.finish_run(run_id, {"interrupted": True}, recorded=False)


def _adopted(
    records: list[InvoiceRecord], outdir: Path
) -> tuple[list[tuple[Invoice, Issued]], list[tuple[Invoice, Path, bool]]]:
    """Issued invoices no run recorded: kept as they are where their PDF is intact, else
    rendered again into this run's folder (the registry then says where they went)."""
    kept: list[tuple[Invoice, Issued]] = []
    relost: list[tuple[Invoice, Path, bool]] = []
    for rec in records:
        path = Path(rec.file)
        if path.is_file() and sha256_file(path) == rec.sha256:
            inv = Invoice.from_dict(rec.payload["invoice"]).with_number(rec.number)
            kept.append((inv, _issued(inv, rec.file, rec.sha256, recovered=True, adopted=True)))
        else:
            relost.append(_job(rec, True, outdir))
    return kept, relost


def _result(
    plan: _Plan, outdir: Path, records: Path, run_id: str, options: InvoiceOptions,
    jobs: list[tuple[Invoice, Path, bool]], issued: list[Issued], failures: dict[str, str],
) -> RunResult:  # fmt: skip
    """The run as it ended: issued, skipped with reasons, totals."""
    selection, skipped = plan.selection, list(plan.skipped)
    for inv, _, _ in jobs:
        if inv.number in failures:
            why = f"invoice {inv.number} not finished ({failures[inv.number]}); rerun to finish it"
            skipped += [Skipped(o, "failed", why) for o in inv.order_nos]
    # A crashed run of this same sheet left some of its orders pending (or issued but not
    # recorded): finishing them here is issuing them, not skipping them as "already invoiced".
    on_sheet = {o.order_no for o in selection.orders}
    finished = {o for i in issued if i.recovered and set(i.orders) <= on_sheet for o in i.orders}
    skipped = [s for s in skipped if not (s.code == "invoiced" and s.order_no in finished)]
    this_run = {inv.number: inv for inv in plan.drafts_kept} | {
        inv.number: inv for inv, _, _ in jobs
    }
    return RunResult(
        outdir=outdir, run_id=run_id, dry_run=options.dry_run, records=records,
        registry_id=plan.registry_id,
        selected=len(selection.orders) + len(selection.refused),
        issued=tuple(issued), skipped=tuple(skipped), warnings=tuple(plan.warnings),
        edits=selection.edits, partial=plan.partial,
        skipped_totals=skipped_totals(selection, skipped),
        selected_totals=selected_totals(selection),
        issued_totals=issued_totals(i for i in issued if not i.recovered or set(i.orders) <= finished),
        invoices=tuple(this_run[i.number] for i in issued if i.number in this_run),
    )  # fmt: skip


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
    relocated: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Issued]:
    """Render the jobs (see :mod:`render_pool`), marking each issued as it is written (or, for
    an issued invoice whose PDF was lost, recording where it is now)."""
    issued: list[Issued] = []

    def done(invoice: Invoice, recovered: bool, file: str, sha: str) -> None:
        if registry is not None and invoice.number in relocated:
            relocate(registry, invoice.number, file, sha)
        elif registry is not None:
            registry.mark_issued(invoice.number, file, sha)
        adopted = invoice.number in relocated
        issued.append(_issued(invoice, file, sha, recovered=recovered, adopted=adopted))
        if progress:
            progress(len(issued), len(jobs))

    if progress:
        progress(0, len(jobs))
    render_pool.render_all(jobs, config, processes, done, failures)
    order = {inv.number: i for i, (inv, _, _) in enumerate(jobs)}
    return sorted(issued, key=lambda i: order[i.number])


# --- helpers ---------------------------------------------------------------------------------


def _issued(invoice: Invoice, file: str, sha: str, *, recovered: bool, adopted: bool) -> Issued:
    return Issued(invoice.number, file, sha, invoice.order_nos, invoice.bill_customer,
                  invoice.currency, invoice.subtotal, invoice.total, recovered, adopted)  # fmt: skip


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
    check_seller(config)  # the placeholder 'init' writes, as the batch runner refuses it
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


def _export_decides(selection: Selection, config: Config) -> tuple[list[Order], list[Skipped]]:
    """The export, when it can be read, decides what the sheet cannot be trusted with.

    Whatever the visible cells or the hidden sheet say, an order the export now shows as
    invoiced is skipped; if the export changed since the sheet was made, an order changed or
    gone from it is stale. The export is read again every run, not only when its hash changed:
    the hidden sheet, and the hash in it, can be edited.
    """
    changed: dict[str, tuple[str, str]] = {}  # order -> (code, reason)
    for source in selection.meta.get("sources", []):
        path = Path(source.get("path", "") or "")
        if not source.get("path") or not path.is_file():
            continue
        same = sha256_file(path) == source.get("sha256")
        try:
            now = {o.order_no: o for o in load_export([path], config)}
        except InputError:
            now = {}
        for order in selection.orders:
            current = now.get(order.order_no)
            if current is not None and current.invoice_no:
                changed[order.order_no] = (
                    ("invoiced", f"invoiced as {current.invoice_no} in {path.name}, whatever "
                     "the sheet says; never invoiced twice") if same else
                    ("stale", f"stale sheet: invoiced as {current.invoice_no} since the sheet was made")
                )  # fmt: skip
            elif same or order.order_no not in selection.fingerprints:
                continue
            elif current is None:
                changed[order.order_no] = ("stale", f"stale sheet: order no longer in {path.name}")
            elif current.fingerprint() != selection.fingerprints[order.order_no]:
                changed[order.order_no] = ("stale",
                    f"stale sheet: order changed in {path.name} since the sheet was made")  # fmt: skip
    keep = [o for o in selection.orders if o.order_no not in changed]
    skipped = [Skipped(o.order_no, *changed[o.order_no]) for o in selection.orders
               if o.order_no in changed]  # fmt: skip
    return keep, skipped


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


def _job(record: InvoiceRecord, recovered: bool, outdir: Path) -> tuple[Invoice, Path, bool]:
    """Render this invoice into this run's folder; a recovered one whose PDF its own run
    already wrote (killed before marking it issued) keeps that file, if still there."""
    invoice = Invoice.from_dict(record.payload["invoice"]).with_number(record.number)
    name = f"{safe_filename(record.number)}.pdf"
    first = Path(record.payload.get("outdir", outdir)) / name
    path = first if recovered and record.state == "pending" and first.is_file() else outdir / name
    return invoice, path, recovered


def _run_info(selection: Selection, options: InvoiceOptions) -> dict:
    return {
        "selection": selection.path, "selection_sha256": selection.sha256, "version": __version__,
        "group_by": options.group_by, "jobs": options.jobs, "host": socket.gethostname(),
        "pid": os.getpid(), "user": getpass.getuser(),
    }  # fmt: skip
