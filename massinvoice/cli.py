"""Command line: parses options, calls the library, prints. Nothing else lives here.

Exit codes: 0 success, 1 partial (some orders skipped or failed), 2 bad input or usage.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from massinvoice import __version__
from massinvoice.commands import folder, records, sri
from massinvoice.commands.common import (
    EXIT_INTERRUPTED,
    EXIT_PARTIAL,
    config_option,
    friendly,
    load,
    note_slow_rendering,
    registry_option,
)
from massinvoice.config import PROFILE_NAMES
from massinvoice.console import (
    Progress,
    date_option,
    default_jobs,
    office_lock,
    print_run,
    print_select,
)
from massinvoice.messages import say
from massinvoice.model import Filters


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="massinvoice")
def main() -> None:
    """Turn an ERP's order export into invoices, in bulk, never twice for the same order.

    \b
    1. massinvoice select orders.xlsx -o selection.xlsx     colour-coded sheet to mark
    2. (open it in Excel or LibreOffice, type X in Select, save)
    3. massinvoice invoice selection.xlsx -o invoices/      numbered PDFs, register, report
    4. massinvoice send invoices/                          e-mail them, each once

    Try it on the bundled samples: massinvoice demo demo-out
    """


@main.command()
@click.argument("exports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Selection workbook to write (.xlsx).",
)
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date to include.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date to include.")
@click.option(
    "--date-field",
    type=click.Choice(["ship", "order", "flight"]),
    default="ship",
    show_default=True,
    help="Which date --from/--to apply to.",
)
@click.option("--rep", multiple=True, help="Sales rep (repeatable).")
@click.option("--client", multiple=True, help="Bill or ship customer (repeatable).")
@click.option("--cargo-agency", multiple=True, help="Cargo agency (repeatable).")
@click.option("--market", multiple=True, help="Market (repeatable).")
@click.option(
    "--status",
    type=click.Choice(["all", "invoiced", "non-invoiced"]),
    default="all",
    show_default=True,
)
@click.option(
    "--select-all", is_flag=True, help="Pre-mark every invoiceable (not gray) order with X."
)
@click.option(
    "--no-registry", is_flag=True, help="Do not ask the registry which orders it has invoiced."
)
@click.option(
    "--profile", type=click.Choice(PROFILE_NAMES), help="Read the export(s) as this ERP writes "
    "them (default: detected from the header)."
)  # fmt: skip
@click.option(
    "--force", is_flag=True,
    help="Replace an existing output even if it holds marks or is not a selection workbook.",
)  # fmt: skip
@config_option
@registry_option
@friendly
def select(exports, output, date_from, date_to, date_field, rep, client, cargo_agency, market,
           status, select_all, no_registry, profile, force, config_path, registry_url) -> None:  # fmt: skip
    """Read order export(s) and write the colour-coded selection workbook.

    EXPORTS are .xlsx, .xlsm, .xls, .ods or .csv files, English or Spanish headers; several are
    merged. Filters match case- and accent-insensitively; --client also matches ship customers.

    \b
    Examples:
      massinvoice select orders.xlsx -o selection.xlsx
      massinvoice select orders.xlsx -o sel.xlsx --from 2026-11-16 --to 2026-11-22 --status non-invoiced
      massinvoice select a.csv b.xlsx -o sel.xlsx --rep "Ana Torres" --market US --select-all
    """
    from massinvoice.readback.targets import check_select
    from massinvoice.select.run import select_orders

    config = load(config_path)
    if profile:
        config = replace(config, profile=profile)
    check_select([Path(p) for p in exports], Path(output), force=force)
    lang, order = config.language, config.date_order
    filters = Filters(
        date_from=date_option(date_from, "--from", order), date_to=date_option(date_to, "--to", order),
        date_field=date_field, reps=rep, clients=client, cargo_agencies=cargo_agency,
        markets=market, status=status,
    )  # fmt: skip
    result = select_orders(
        [Path(p) for p in exports], Path(output), config=config, filters=filters,
        select_all=select_all, registry_url=registry_url, use_registry=not no_registry,
    )  # fmt: skip
    print_select(result, lang)
    sys.exit(EXIT_PARTIAL if not result.listed else 0)


# --- inspect (how an export reads; the config that makes it read) ---------------------------
@main.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--profile", type=click.Choice(PROFILE_NAMES), help="Read the export as this ERP writes it."
)
@config_option
@friendly
def inspect(export, profile, config_path) -> None:
    """Show how an export reads: profile, each column's field, rows of each kind, statuses.

    Unmapped columns are listed with sample values and a likely meaning, and a ready-to-paste
    [aliases] / [status] snippet is printed for what select is missing.

    \b
    Examples:
      massinvoice inspect orders.xlsx
      massinvoice inspect "Sales Order.csv" --profile erpnext
    """
    from massinvoice.read.inspect import inspect_export, render

    config = load(config_path)
    if profile:
        config = replace(config, profile=profile)
    click.echo(render(inspect_export(Path(export), config)))


# --- end inspect ----------------------------------------------------------------------------


@main.command()
@click.argument("selection", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the PDFs, register and report.",
)
@click.option(
    "--dry-run", is_flag=True, help="Render DRAFT previews; take no number, change no registry."
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse orders with the config's strict warnings (zero price, under minimum ...).",
)
@click.option(
    "--date",
    "date_rule",
    default="",
    metavar="today|ship|flight|YYYY-MM-DD",
    help="Invoice date (default: config, else today).",
)
@click.option(
    "--group-by",
    type=click.Choice(["order", "customer"]),
    default="order",
    show_default=True,
    help="One invoice per order, or per bill customer + ship customer + currency + AWB.",
)
@click.option(
    "--partial",
    type=click.Choice(["ordered", "packed", "skip"]),
    default=None,
    help="Partially packed orders (default: config, else ordered).",
)
@click.option("--merged", is_flag=True, help="Also write one merged PDF for printing.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Render with N processes (default: one per CPU, at most 8).",
)
@click.option(
    "--raise-start",
    is_flag=True,
    help="The config's [series] start was raised on purpose: jump the series forward to it.",
)
@config_option
@registry_option
@friendly
def invoice(selection, output, dry_run, strict, date_rule, group_by, partial, merged, jobs,
            raise_start, config_path, registry_url) -> None:  # fmt: skip
    """Issue numbered PDF invoices for the orders marked in a saved selection workbook.

    Orders already invoiced (in the export or in the registry) are skipped with a reason, whatever
    the sheet says; a rerun after a crash finishes the interrupted invoices with the same numbers.

    \b
    Examples:
      massinvoice invoice selection.xlsx -o invoices/2026-11-20
      massinvoice invoice selection.xlsx -o preview --dry-run
      massinvoice invoice selection.xlsx -o out --group-by customer --merged --jobs 2 --strict
    """
    from massinvoice.invoice.run import InvoiceOptions, invoice_selection, parse_date_rule

    config = load(config_path)
    note_slow_rendering()
    options = InvoiceOptions(
        dry_run=dry_run, strict=strict, date=parse_date_rule(date_rule) if date_rule else "",
        group_by=group_by, partial=partial or "", merged=merged, jobs=jobs or default_jobs(),
        registry_url=registry_url, raise_start=raise_start,
    )  # fmt: skip
    lang = config.language
    with Progress(say("progress", lang)) as progress:
        try:
            result = invoice_selection(
                Path(selection), Path(output), config=config, options=options, progress=progress
            )
        except KeyboardInterrupt:
            progress.close()
            click.secho(say("interrupted", lang), fg="yellow", err=True)
            sys.exit(EXIT_INTERRUPTED)
    print_run(result, lang)
    if not result.selected and not result.skipped:
        click.secho(say("nothing_selected", lang, path=selection), fg="yellow", err=True)
        if lock := office_lock(Path(selection)):
            click.secho(say("still_open", lang, lock=lock.name), fg="yellow", err=True)
        sys.exit(EXIT_PARTIAL)
    sys.exit(result.exit_code)


for command in (
    folder.init, folder.demo, records.void, records.send, records.registry, folder.run,
    folder.watch, sri.sri, sri.credit_note,
):  # fmt: skip
    main.add_command(command)
