"""What an invoice run leaves beside its PDFs: register.xlsx, report.txt, manifest.json, merged PDF.

Each run's records are its own, by construction: they go into the run's folder
``OUTDIR/runs/<time>_<run>/``, made new for the run, and ``OUTDIR/runs.csv`` indexes every run
of the folder (rebuilt from the runs' manifests, so it never loses one). A later run into the
same folder adds its own folder and replaces nothing. The manifest is written last: a run whose
manifest exists has recorded what it issued.

Every file is written atomically; every text value goes into workbooks as a string cell, so an
order number or a customer name can never become a formula.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import getpass
import io
import json
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from massinvoice import __version__
from massinvoice.config import Config
from massinvoice.files import atomic_path, atomic_write_bytes, atomic_write_text
from massinvoice.invoice.lines_csv import write_invoices_csv
from massinvoice.select.checks import summary

if TYPE_CHECKING:
    from massinvoice.invoice.records import InvoiceOptions, RunResult
    from massinvoice.readback.selection import Selection


RUNS = "runs"  # OUTDIR/runs/<run>/: one folder of records per run
INDEX = "runs.csv"  # OUTDIR/runs.csv: every run of the folder
INDEX_COLUMNS = ["Run", "Time (UTC)", "User", "Dry run", "Invoices", "First", "Last",
                 "Skipped", "Control OK", "Records"]  # fmt: skip


def new_run_folder(outdir: Path, run_id: str, *, dry_run: bool) -> Path:
    """Make the folder of a run's records, new: ``OUTDIR/runs/<UTC start time>_<run>``."""
    now = dt.datetime.now(dt.UTC)
    # Names sort in the order the runs started (microseconds: two runs in one second).
    name = f"{now:%Y-%m-%d_%H%M%S-%f}_{'draft_' if dry_run else ''}{run_id[:8]}"
    folder = Path(outdir) / RUNS / name
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def write_outputs(
    result: RunResult, selection: Selection, config: Config, options: InvoiceOptions
) -> dict[str, Path]:
    """Write the run's register, report, invoices.csv, merged PDF (if asked) and, last, its
    manifest into its own folder; then the folder's index of runs. Return their paths."""
    out = result.records
    files = {
        "register": out / "register.xlsx",
        "report": out / "report.txt",
        "manifest": out / "manifest.json",
        "index": result.outdir / INDEX,
    }
    write_register(files["register"], result)
    atomic_write_text(files["report"], report_text(result, selection, config))
    files["invoices"] = write_invoices_csv(out, result.invoices)
    if options.merged and result.issued:
        files["merged"] = out / ("merged-draft.pdf" if result.dry_run else "merged.pdf")
        merge_pdfs([Path(i.file) for i in result.issued], files["merged"])
    text = json.dumps(manifest(result, selection), indent=2) + "\n"
    atomic_write_text(files["manifest"], text)
    # The manifest is the record; the index is rebuilt from the manifests by the next run.
    with contextlib.suppress(OSError):
        write_index(result.outdir)
    return files


def write_index(outdir: Path) -> Path:
    """``runs.csv``: one row per run whose manifest is in ``outdir/runs``, oldest first."""
    rows = []
    for path in sorted((Path(outdir) / RUNS).glob("*/manifest.json")):
        try:
            m = json.loads(path.read_text("utf-8"))
            numbers = [i["number"] for i in m["invoices"]]
            rows.append([m["run_id"], m["time"], m.get("user", ""), "yes" if m["dry_run"] else "",
                         len(numbers), numbers[0] if numbers else "", numbers[-1] if numbers else "",
                         len(m["skipped"]), "yes" if m["control"]["ok"] else "NO",
                         os.path.relpath(path.parent, outdir)])  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours, or half-copied: the index lists what it can read
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(INDEX_COLUMNS)
    writer.writerows(sorted(rows, key=lambda r: r[-1]))  # by folder: the order they started
    path = Path(outdir) / INDEX
    atomic_write_text(path, "\ufeff" + buffer.getvalue())
    return path


def pdf_place(file: str, outdir: Path) -> str:
    """Where a PDF is, as the manifest says it: relative to the output folder when inside it."""
    try:
        return Path(file).resolve().relative_to(Path(outdir).resolve()).as_posix()
    except ValueError:
        return str(Path(file).resolve())


def summary_dict(result: RunResult) -> dict[str, Any]:
    """The run in a few numbers, for the registry's run log and the console."""
    return {
        "issued": len(result.issued),
        "recovered": sum(1 for i in result.issued if i.recovered),
        "skipped": len(result.skipped),
        "skipped_by_reason": dict(Counter(s.code for s in result.skipped)),
        "warnings": len(result.warnings),
        "edits": len(result.edits),
        "control_ok": result.control_ok,
        "total": {f"{k[0]} {k[1]}": str(v) for k, v in result.issued_totals.items()},
    }


def manifest(result: RunResult, selection: Selection) -> dict[str, Any]:
    """An audit record of the run: who, when, from which sheet, what became of each order."""
    return {
        "tool": f"massinvoice {__version__}",
        "run_id": result.run_id,
        "registry": result.registry_id,
        "output_folder": str(Path(result.outdir).resolve()),
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "user": getpass.getuser(),
        "dry_run": result.dry_run,
        "selection": {"file": Path(selection.path).name, "sha256": selection.sha256},
        "sources": selection.meta.get("sources", []),
        "invoices": [
            {
                "number": i.number,
                "file": pdf_place(i.file, result.outdir),
                "sha256": i.sha256,
                "orders": list(i.orders),
                "customer": i.bill_customer,
                "currency": i.currency,
                "subtotal": str(i.subtotal),
                "total": str(i.total),
                "recovered": i.recovered,
                "adopted": i.adopted,
            }
            for i in result.issued
        ],
        "orders": {o: i.number for i in result.issued for o in i.orders},
        "skipped": [
            {"order": s.order_no, "code": s.code, "reason": s.reason} for s in result.skipped
        ],
        "control": {
            "ok": result.control_ok,
            "rows": [
                {
                    "customer": c,
                    "currency": cur,
                    "selected": str(s),
                    "issued": str(i),
                    "skipped": str(k),
                    "difference": str(d),
                }
                for c, cur, s, i, k, d in result.control_rows()
            ],
        },
    }


def write_register(path: Path, result: RunResult) -> None:
    """register.xlsx: one row per invoice, then the skipped orders and the price edits."""
    invoices = {inv.number: inv for inv in result.invoices}
    warnings_by_order: dict[str, list] = {}
    for w in result.warnings:
        warnings_by_order.setdefault(w.order_no, []).append(w)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})  # fmt: skip
    head = book.add_format(
        {"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1}
    )
    money = book.add_format({"num_format": "#,##0.00"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})

    sheet = book.add_worksheet("Invoices")
    columns = ["Invoice #", "Date", "Orders", "Bill Customer", "Ship Customer", "Currency",
               "Subtotal", "Total", "File", "SHA-256", "Warnings", "Note"]  # fmt: skip
    widths = [20, 11, 28, 30, 30, 9, 13, 13, 26, 18, 40, 22]
    _header(sheet, columns, widths, head)
    for r, i in enumerate(result.issued, 1):
        inv = invoices.get(i.number)
        sheet.write_string(r, 0, i.number)
        if inv is not None:
            sheet.write_datetime(r, 1, dt.datetime.combine(inv.date, dt.time()), date)
            sheet.write_string(r, 4, inv.ship_customer)
        sheet.write_string(r, 2, ", ".join(i.orders))
        sheet.write_string(r, 3, i.bill_customer)
        sheet.write_string(r, 5, i.currency)
        sheet.write_number(r, 6, float(i.subtotal), money)
        sheet.write_number(r, 7, float(i.total), money)
        sheet.write_string(r, 8, pdf_place(i.file, result.outdir))
        sheet.write_string(r, 9, i.sha256)
        sheet.write_string(
            r, 10, summary(w for o in i.orders for w in warnings_by_order.get(o, []))
        )
        sheet.write_string(r, 11, _note(i))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(result.issued)), len(columns) - 1)

    skipped = book.add_worksheet("Skipped")
    _header(skipped, ["Order #", "Reason code", "Reason"], [18, 14, 90], head)
    for r, s in enumerate(result.skipped, 1):
        skipped.write_string(r, 0, s.order_no)
        skipped.write_string(r, 1, s.code)
        skipped.write_string(r, 2, s.reason)

    edits = book.add_worksheet("Edits")
    _header(edits, ["Order #", "Line", "Field", "Was", "Now"], [18, 6, 14, 14, 14], head)
    for r, e in enumerate(result.edits, 1):
        edits.write_string(r, 0, e.order_no)
        edits.write_number(r, 1, e.line_no)
        edits.write_string(r, 2, e.field)
        edits.write_string(r, 3, str(e.old))
        edits.write_string(r, 4, str(e.new))
    book.close()
    atomic_write_bytes(path, buffer.getvalue())


def _note(issued: Any) -> str:
    if issued.adopted:
        return "issued by an interrupted run, recorded here"
    return "finished for an interrupted run" if issued.recovered else ""


def _header(sheet: Any, columns: list[str], widths: list[int], fmt: Any) -> None:
    for c, (name, width) in enumerate(zip(columns, widths, strict=True)):
        sheet.write_string(0, c, name, fmt)
        sheet.set_column(c, c, width)


def report_text(result: RunResult, selection: Selection, config: Config) -> str:
    """The run's plain-text report: what was issued, skipped and why, checks and edits."""
    lines: list[str] = []
    add = lines.append
    title = "massinvoice run report" + (
        " (DRY RUN: drafts only, no number taken)" if result.dry_run else ""
    )
    add(title)
    add("=" * len(title))
    add(f"Selection sheet : {Path(selection.path).name} (sha256 {selection.sha256[:16]}…)")
    add(f"Run             : {result.run_id}")
    add(f"Output folder   : {result.outdir}")
    add(f"Run records     : {result.records}")
    add(f"Selected orders : {result.selected}")
    add(f"Invoices issued : {len(result.issued)}")
    add(f"Orders skipped  : {len(result.skipped)}")
    add("")
    add("Control totals (before taxes), selected = issued + skipped")
    add("-" * 60)
    for customer, currency, sel, iss, skp, diff in result.control_rows():
        mark = (
            "ok" if diff == 0 else ("left to invoice" if result.partial == "packed" else "MISMATCH")
        )
        add(f"  {customer[:34]:<34} {currency:<4} selected {sel:>12,.2f}  issued {iss:>12,.2f}  "
            f"skipped {skp:>12,.2f}  {mark}{'' if diff == 0 else f' {diff:,.2f}'}")  # fmt: skip
    totals: dict[str, list[Decimal]] = {}
    for _, currency, sel, iss, skp, _ in result.control_rows():
        t = totals.setdefault(currency, [Decimal(0)] * 3)
        t[0] += sel
        t[1] += iss
        t[2] += skp
    for currency, (sel, iss, skp) in sorted(totals.items()):
        add(
            f"  {'ALL':<34} {currency:<4} selected {sel:>12,.2f}  issued {iss:>12,.2f}  skipped {skp:>12,.2f}"
        )
    add(
        f"  Control: {'OK, every selected amount is issued or skipped with a reason' if result.control_ok else 'CHECK THE DIFFERENCES ABOVE'}"
    )
    add("")
    if result.issued:
        add("Invoices")
        add("-" * 60)
        for i in result.issued:
            note = f"  ({_note(i)}: {pdf_place(i.file, result.outdir)})" if i.recovered else ""
            add(f"  {i.number:<22} {i.bill_customer[:30]:<30} {i.currency} {i.total:>12,.2f}  "
                f"{', '.join(i.orders)}{note}")  # fmt: skip
        add("")
    left = [inv for inv in result.invoices if inv.remaining]
    if left:
        add("Left to invoice: boxes not packed yet (--partial packed invoiced packed boxes only)")
        add("-" * 60)
        for inv in left:
            for r in inv.remaining:
                add(f"  {r.order_no:<20} {r.boxes:>4} {r.box_type:<3} {r.product[:40]:<40} "
                    f"{r.stems:>7,} stems  {inv.currency} {r.amount:>10,.2f}")  # fmt: skip
        add("")
    if result.sri:
        add("SRI electronic invoices (Ecuador): legal once AUTORIZADO")
        add("-" * 60)
        lines += result.sri
        add("")
    if result.skipped:
        add("Skipped orders and why")
        add("-" * 60)
        for s in result.skipped:
            add(f"  {s.order_no:<20} [{s.code}] {s.reason}")
        add("")
    if result.edits:
        add("Corrections made in the sheet (used on the invoices)")
        add("-" * 60)
        for e in result.edits:
            add(f"  {e.order_no:<20} line {e.line_no}: {e.field} {e.old} -> {e.new}")
        add("")
    if result.warnings:
        add("Warnings (invoiced anyway; --strict refuses: " + ", ".join(config.strict) + ")")
        add("-" * 60)
        for w in result.warnings:
            add(f"  {w.order_no:<20} [{w.code}] {w.message}")
        add("")
    return "\n".join(lines) + "\n"


def merge_pdfs(files: list[Path], target: Path) -> None:
    """One PDF with every invoice, in number order, for printing."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for f in files:
        writer.append(str(f))
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
