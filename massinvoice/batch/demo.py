"""``massinvoice demo``: the whole cycle on the bundled samples, with a throwaway registry."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from massinvoice.config import load_config
from massinvoice.problems import Code, InputError, Problem

SAMPLES = Path(__file__).resolve().parent / "samples"  # package data: there in every install


def run_demo(outdir: Path, *, jobs: int = 2, echo: Callable[[str], None] = print) -> int:
    """Copy the samples into ``outdir``, select, select-all, invoice; return the exit code."""
    from massinvoice.invoice.run import InvoiceOptions, invoice_selection
    from massinvoice.model import Filters
    from massinvoice.registry.numbering import Registry
    from massinvoice.select.run import select_orders

    if not (SAMPLES / "orders.xlsx").is_file():
        raise InputError(Problem(Code.NO_SAMPLES, f"bundled samples not found in {SAMPLES}",
                                 hint="reinstall massinvoice: its package lost the sample files"))  # fmt: skip
    outdir.mkdir(parents=True, exist_ok=True)
    for name in ("orders.xlsx", "orders_es.csv", "customers.csv", "massinvoice.toml"):
        shutil.copy2(SAMPLES / name, outdir / name)
    registry = outdir / "massinvoice.sqlite"
    # Throwaway: every demo starts from an empty registry, and so without its earlier invoices.
    registry.unlink(missing_ok=True)
    shutil.rmtree(outdir / "invoices", ignore_errors=True)
    config = load_config(outdir / "massinvoice.toml")
    url = f"sqlite:///{registry}"
    Registry(url, create=True).close()

    echo(f"1. select: {outdir / 'orders.xlsx'} -> selection.xlsx (every order, colour-coded)")
    sel = select_orders(
        [outdir / "orders.xlsx"], outdir / "selection.xlsx", config=config, registry_url=url
    )
    echo(
        f"   {sel.read} orders, {sel.lines} lines: "
        + ", ".join(f"{k.lower()} {v}" for k, v in sorted(sel.by_status.items()))
    )
    echo("   warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(sel.warnings.items())))

    day_from, day_to = dt.date(2026, 11, 20), dt.date(2026, 11, 22)
    echo(f"2. select --from {day_from} --to {day_to} --status non-invoiced --select-all")
    echo("   -> selection-all.xlsx: the last days' shipments, every invoiceable order marked X")
    sel_all = select_orders(
        [outdir / "orders.xlsx"], outdir / "selection-all.xlsx", config=config,
        filters=Filters(date_from=day_from, date_to=day_to, status="non-invoiced"),
        select_all=True, registry_url=url,
    )  # fmt: skip
    echo(f"   {sel_all.preselected} orders pre-selected")

    echo(f"3. invoice selection-all.xlsx -> {outdir / 'invoices'} ({jobs} processes)")
    result = invoice_selection(
        outdir / "selection-all.xlsx", outdir / "invoices", config=config,
        options=InvoiceOptions(jobs=jobs, merged=True, registry_url=url),
    )  # fmt: skip
    echo(
        f"   issued {len(result.issued)} invoices, skipped {len(result.skipped)}; control totals {'OK' if result.control_ok else 'CHECK'}"
    )

    echo("4. select again: the invoiced orders now show GRAY with INVOICED! and their numbers")
    again = select_orders(
        [outdir / "orders.xlsx"], outdir / "selection-after.xlsx", config=config, registry_url=url
    )
    echo(
        f"   {again.by_status.get('INVOICED', 0)} of {again.listed} orders invoiced, {again.invoiced_by_registry} by this demo"
    )
    echo("")
    echo(f"Look at: {outdir / 'selection.xlsx'} (open in Excel or LibreOffice)")
    echo(
        f"         {outdir / 'invoices'} (the PDFs; runs.csv lists the runs)\n"
        f"         {result.records} (this run's merged.pdf, register.xlsx, report.txt, manifest.json)"
    )
    return result.exit_code
