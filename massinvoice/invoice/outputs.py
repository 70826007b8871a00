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
from massinvoice.messages import FIELDS, say, skip_reason, warning_text, word
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
    write_register(files["register"], result, config.language)
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


def write_register(path: Path, result: RunResult, language: str = "en") -> None:
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

    sheet = book.add_worksheet(say("reg_invoices", language))
    columns = say("reg_invoice_cols", language).split("|")
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
            r, 10, summary((w for o in i.orders for w in warnings_by_order.get(o, [])), language)
        )
        sheet.write_string(r, 11, _note(i, language))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(result.issued)), len(columns) - 1)

    skipped = book.add_worksheet(say("reg_skipped", language))
    _header(skipped, say("reg_skipped_cols", language).split("|"), [18, 14, 90], head)
    for r, s in enumerate(result.skipped, 1):
        skipped.write_string(r, 0, s.order_no)
        skipped.write_string(r, 1, s.code)
        skipped.write_string(r, 2, skip_reason(s.code, s.reason, language))

    edits = book.add_worksheet(say("reg_edits", language))
    _header(edits, say("reg_edits_cols", language).split("|"), [18, 6, 14, 14, 14], head)
    for r, e in enumerate(result.edits, 1):
        edits.write_string(r, 0, e.order_no)
        edits.write_number(r, 1, e.line_no)
        edits.write_string(r, 2, word(FIELDS, e.field, language))
        edits.write_string(r, 3, str(e.old))
        edits.write_string(r, 4, str(e.new))
    book.close()
    atomic_write_bytes(path, buffer.getvalue())


def _note(issued: Any, language: str = "en") -> str:
    if issued.adopted:
        return say("note_adopted", language)
    return say("note_recovered", language) if issued.recovered else ""


def _header(sheet: Any, columns: list[str], widths: list[int], fmt: Any) -> None:
    for c, (name, width) in enumerate(zip(columns, widths, strict=True)):
        sheet.write_string(0, c, name, fmt)
        sheet.set_column(c, c, width)


def report_text(result: RunResult, selection: Selection, config: Config) -> str:
    """The run's plain-text report: what was issued, skipped and why, checks and edits."""
    lang = config.language
    lines: list[str] = []
    add = lines.append

    def section(key: str, **values: object) -> None:
        add(say(key, lang, **values))
        add("-" * 60)

    title = say("report_title", lang) + (say("report_dry", lang) if result.dry_run else "")
    add(title)
    add("=" * len(title))
    add(say("report_sheet", lang, name=Path(selection.path).name, sha=selection.sha256[:16]))
    add(say("report_run", lang, run=result.run_id))
    add(say("report_outdir", lang, outdir=result.outdir))
    add(say("report_records", lang, records=result.records))
    add(say("report_selected", lang, n=result.selected))
    add(say("report_issued", lang, n=len(result.issued)))
    add(say("report_skipped", lang, n=len(result.skipped)))
    add("")
    section("report_control")
    lines += _control_lines(result, lang)
    add("  " + say("report_control_ok" if result.control_ok else "report_control_check", lang))
    add("")
    if result.issued:
        section("report_invoices")
        for i in result.issued:
            note = (
                f"  ({_note(i, lang)}: {pdf_place(i.file, result.outdir)})" if i.recovered else ""
            )
            add(f"  {i.number:<22} {i.bill_customer[:30]:<30} {i.currency} {i.total:>12,.2f}  "
                f"{', '.join(i.orders)}{note}")  # fmt: skip
        add("")
    left = [inv for inv in result.invoices if inv.remaining]
    if left:
        section("report_left")
        stems = say("report_stems", lang)
        for inv in left:
            for r in inv.remaining:
                add(f"  {r.order_no:<20} {r.boxes:>4} {r.box_type:<3} {r.product[:40]:<40} "
                    f"{r.stems:>7,} {stems}  {inv.currency} {r.amount:>10,.2f}")  # fmt: skip
        add("")
    if result.sri:
        section("report_sri")
        lines += result.sri
        add("")
    if result.skipped:
        section("report_skipped_why")
        for s in result.skipped:
            add(f"  {s.order_no:<20} [{s.code}] {skip_reason(s.code, s.reason, lang)}")
        add("")
    if result.edits:
        section("report_edits")
        for e in result.edits:
            edit = say("report_edit", lang, line=e.line_no, field=word(FIELDS, e.field, lang),
                       old=e.old, new=e.new)  # fmt: skip
            add(f"  {e.order_no:<20} {edit}")
        add("")
    if result.warnings:
        section("report_warnings", strict=" ".join(f"[{c}]" for c in config.strict))
        for w in result.warnings:
            add(f"  {w.order_no:<20} [{w.code}] {warning_text(w.code, w.message, w.line_no, lang)}")
        add("")
    return "\n".join(lines) + "\n"


def _control_lines(result: RunResult, lang: str) -> list[str]:
    """Selected, issued and skipped per customer and currency, then per currency."""
    lines: list[str] = []
    add = lines.append
    left_key = "report_row_left" if result.partial == "packed" else "report_row_mismatch"
    totals: dict[str, list[Decimal]] = {}
    for customer, currency, sel, iss, skp, diff in result.control_rows():
        mark = say("report_row_ok" if diff == 0 else left_key, lang)
        row = say(
            "report_row", lang, sel=f"{sel:>12,.2f}", iss=f"{iss:>12,.2f}", skp=f"{skp:>12,.2f}"
        )
        add(
            f"  {customer[:34]:<34} {currency:<4} {row}  {mark}{'' if diff == 0 else f' {diff:,.2f}'}"
        )
        t = totals.setdefault(currency, [Decimal(0)] * 3)
        t[0], t[1], t[2] = t[0] + sel, t[1] + iss, t[2] + skp
    for currency, (sel, iss, skp) in sorted(totals.items()):
        row = say(
            "report_row", lang, sel=f"{sel:>12,.2f}", iss=f"{iss:>12,.2f}", skp=f"{skp:>12,.2f}"
        )
        add(f"  {say('report_all', lang):<34} {currency:<4} {row}")
    return lines


def merge_pdfs(files: list[Path], target: Path) -> None:
    """One PDF with every invoice, in number order, for printing."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for f in files:
        writer.append(str(f))
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
