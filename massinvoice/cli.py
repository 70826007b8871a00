"""Command line: parses options, calls the library, prints. Nothing else lives here.

Exit codes: 0 success, 1 partial (some orders skipped or failed), 2 bad input or usage.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from massinvoice import __version__
from massinvoice.config import PROFILE_NAMES, Config, load_config
from massinvoice.console import (
    Progress,
    command_language,
    date_option,
    default_jobs,
    folder_language,
    office_lock,
    print_run,
    print_select,
    remember_language,
)
from massinvoice.messages import count, say
from massinvoice.model import Filters
from massinvoice.problems import InputError, MassInvoiceError, RegistryError

EXIT_PARTIAL, EXIT_INPUT, EXIT_INTERRUPTED = 1, 2, 130


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our errors into clear messages and exit codes: never a traceback for a user mistake."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            lang = command_language()
            problems = count(len(exc.problems), "problem", lang)
            click.secho(say("cannot_continue", lang, problems=problems), fg="red", err=True)
            click.echo(exc.report(language=lang), err=True)
            sys.exit(EXIT_INPUT)
        except RegistryError as exc:
            click.secho(say("registry_error", command_language(), error=exc), fg="red", err=True)
            sys.exit(EXIT_INPUT)
        except MassInvoiceError as exc:
            click.secho(str(exc), fg="red", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper


def _config(path: str | None) -> Config:
    config = load_config(path)
    remember_language(config.language)
    return config


config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False),
    help="massinvoice.toml to use (default: $MASSINVOICE_CONFIG, else the nearest one upwards).",
)  # fmt: skip
registry_option = click.option(
    "--registry", "registry_url", default="", metavar="URL",
    help="Registry database URL (default: the config's, else sqlite beside the config).",
)  # fmt: skip


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

    config = _config(config_path)
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

    config = _config(config_path)
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

    config = _config(config_path)
    _note_slow_rendering()
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


def _note_slow_rendering() -> None:
    from massinvoice.invoice.render import font_subsetting_note

    note = font_subsetting_note()
    if note:
        click.secho(f"Note: {note}.", fg="yellow", err=True)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--language",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Language of the README, the sheets and the invoices.",
)
@friendly
def init(folder, language) -> None:
    """Set up FOLDER for batch mode: inbox/ selections/ invoices/ archive/ errors/, a commented
    massinvoice.toml, an empty customers.csv and a README.txt for the people who use it.

    Existing files are never overwritten: running it again only adds what is missing.

    \b
    Example:
      massinvoice init /srv/billing --language es && $EDITOR /srv/billing/massinvoice.toml
    """
    from massinvoice.batch.runner import init_folder

    remember_language(language)
    created = init_folder(Path(folder), language=language)
    for path in created:
        click.echo(say("created", language, path=f"{path}{'/' if path.is_dir() else ''}"))
    if not created:
        click.echo(say("nothing_to_do", language))
    config = Path(folder) / "massinvoice.toml"
    click.echo(say("init_next", language, config=config, folder=folder))


@main.command()
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=2, show_default=True)
@friendly
def demo(outdir, jobs) -> None:
    """Run the whole cycle on the bundled samples, in OUTDIR, with a throwaway registry.

    \b
    Example:
      massinvoice demo demo-out
    """
    from massinvoice.batch.demo import run_demo

    _note_slow_rendering()
    run_demo(Path(outdir), jobs=jobs, echo=click.echo)


@main.command()
@click.argument("number")
@click.option("--reason", required=True, help="Why the invoice is void (kept in the registry).")
@click.option(
    "--release-orders",
    is_flag=True,
    help="Make its orders invoiceable again (they get a new number).",
)
@click.option("--annulled-on-portal", is_flag=True,
              help="SRI (Ecuador): the authorised invoice was annulled on the SRI's portal; "
              "record that, then void it.")  # fmt: skip
@config_option
@registry_option
@friendly
def void(number, reason, release_orders, annulled_on_portal, config_path, registry_url) -> None:
    """Void an issued invoice: the number stays recorded with its reason, never reused.

    \b
    Example:
      massinvoice void 001-001-000000042 --reason "wrong customer" --release-orders
    """
    from massinvoice.invoice.einvoice.sri import flow as sri_flow
    from massinvoice.registry.numbering import Registry
    from massinvoice.registry.void import describe, void_invoice

    config = _config(config_path)
    registry = Registry(registry_url or config.registry_url)
    try:
        after = sri_flow.before_void(registry, number, annulled_on_portal=annulled_on_portal,
                                     today=sri_flow.today_for(config))  # fmt: skip
        outcome = void_invoice(registry, number, reason, release_orders=release_orders)
        note = after()
    finally:
        registry.close()
    for line in describe(outcome, reason):
        click.echo(line)
    if note:
        click.echo(f"SRI: {note}")


# --- send: e-mail the issued invoices (massinvoice.send) ---------------------------------------


@main.command()
@click.argument("run_folder", required=False, type=click.Path(file_okay=False, exists=True))
@click.option("--since", metavar="YYYY-MM-DD", help="Invoices dated from this day on.")
@click.option("--until", metavar="YYYY-MM-DD", help="Invoices dated up to this day.")
@click.option(
    "-n",
    "--number",
    "numbers",
    multiple=True,
    metavar="NUMBER",
    help="An invoice number (repeatable).",
)
@click.option(
    "--resend",
    multiple=True,
    metavar="NUMBER",
    help="Send this invoice again on purpose, or after an interrupted send (repeatable).",
)
@click.option(
    "--dry-run", is_flag=True, help="Write the .eml files; contact no server, record nothing."
)
@click.option(
    "--eml-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where --dry-run writes (default: emails/ in RUN_FOLDER, else here).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the send report is written (default: RUN_FOLDER).",
)
@config_option
@registry_option
@friendly
def send(run_folder, since, until, numbers, resend, dry_run, eml_dir, report_dir, config_path,
         registry_url) -> None:  # fmt: skip
    """E-mail issued invoices to their customers, each once: an invoice run's folder, a range
    of invoice dates, or numbers.

    Addresses and languages come from the customer directory; the server from [smtp] in the
    config; the password from $MASSINVOICE_SMTP_PASSWORD. Exit code 1 when any invoice was not
    sent (no address, refused, interrupted); the report says why.

    \b
    Examples:
      massinvoice send invoices/2026-11-20 --dry-run       look at the e-mails first
      massinvoice send invoices/2026-11-20
      massinvoice send --since 2026-11-01 --until 2026-11-30
      massinvoice send --resend 001-001-000000042
    """
    from massinvoice.send import SendOptions, send_invoices

    if not (run_folder or since or until or numbers or resend):
        raise click.UsageError("say what to send: a run folder, --since/--until, -n or --resend")
    config = _config(config_path)
    options = SendOptions(
        run_folder=Path(run_folder) if run_folder else None, since=date_option(since, "--since"),
        until=date_option(until, "--until"), numbers=tuple(numbers), resend=tuple(resend),
        dry_run=dry_run, eml_dir=Path(eml_dir) if eml_dir else None,
        report_dir=Path(report_dir) if report_dir else None,
    )  # fmt: skip
    if options.since and options.until and options.since > options.until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    result = send_invoices(config, options, registry_url=registry_url, echo=click.echo)
    if result.report_path:  # the summary here, every invoice's line in the file
        click.echo("\n".join(result.report.splitlines()[:3]))
        click.echo(f"Report: {result.report_path}")
    else:
        click.echo(result.report)
    if not result.items:
        click.secho("No invoices to send.", fg="yellow")
    sys.exit(result.exit_code)


# --- end of send --------------------------------------------------------------------------------


@main.group()
def registry() -> None:
    """Look at or move the invoice registry."""


@registry.command("list", short_help="List invoices, oldest first.")
@click.option("--state", type=click.Choice(["pending", "issued", "void"]), default=None)
@click.option("--limit", type=int, default=None)
@config_option
@registry_option
@friendly
def registry_list(state, limit, config_path, registry_url) -> None:
    """List invoices in the registry, oldest first (--limit N: the newest N).

    \b
    Example:
      massinvoice registry list --state void
    """
    from massinvoice.registry.numbering import Registry
    from massinvoice.send.records import latest

    config = _config(config_path)
    reg = Registry(registry_url or config.registry_url)
    try:
        records = reg.list(state=state)
        if limit is not None:  # the newest N, still oldest first
            records = records[-limit:] if limit > 0 else []
        sent = latest(reg, [r.number for r in records])  # e-mail: the last send's status
    finally:
        reg.close()
    for r in records:
        extra = f"  ({r.reason})" if r.reason else ""
        mail = sent[r.number].status if r.number in sent else "-"
        click.echo(
            f"{r.number:<22} {r.state:<8} {mail:<9} {r.date}  {r.customer[:32]:<32} {r.currency} {r.total:>12,.2f}  {', '.join(r.orders)}{extra}"
        )
    click.echo(count(len(records), "invoice", config.language))


@registry.command("migrate", short_help="Copy a registry into another, e.g. SQLite to PostgreSQL.")
@click.argument("source_url")
@click.argument("target_url")
@friendly
def registry_migrate(source_url, target_url) -> None:
    """Copy a registry into another, for example SQLite into PostgreSQL; checked, idempotent.

    The source is read, never created or changed, then retired: it refuses to number from then
    on and names the new registry, so no machine can go on numbering in the old one.

    \b
    Example:
      massinvoice registry migrate sqlite:///massinvoice.sqlite "$MASSINVOICE_REGISTRY"
    """
    from massinvoice.registry.migrate import migrate_registry

    summary = migrate_registry(source_url, target_url)
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


def _batch_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by run and watch."""
    options = [
        click.option("--settle", type=click.FloatRange(0), default=1.5, show_default=True,
                     metavar="S", help="Seconds between two looks at a file: a file whose size or "
                     "time changes is still being copied and waits."),
        click.option("--min-age", type=click.FloatRange(0), default=5.0, show_default=True,
                     metavar="S", help="A file modified less than S seconds ago waits for the next pass."),
        click.option("--stale-lock", type=click.FloatRange(1), default=600, show_default=True,
                     metavar="S", help="Take over another host's folder lock untouched for S seconds."),
        click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
                     help="Render invoices with N processes (default: one per CPU, at most 8)."),
        click.option("--strict", is_flag=True, help="Refuse orders with the config's strict warnings."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     help="massinvoice.toml to use (default: FOLDER/massinvoice.toml, else the "
                     "nearest one upwards)."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--wait", type=click.FloatRange(0), default=0, metavar="S",
              help="If another run is working on FOLDER, wait up to S seconds for it.")  # fmt: skip
@_batch_options
@friendly
def run(folder, wait, settle, min_age, stale_lock, jobs, strict, config_path) -> None:
    """Process what waits in FOLDER/inbox, once: exports become selection sheets in
    selections/, edited selection sheets become invoices in invoices/<date>/.

    Processed files move to archive/; a file that fails moves to errors/ with NAME.error.txt
    saying what to fix. Lock files, temporary files and files still being copied are left for
    the next run. One run per folder at a time: a second one exits with code 1 (or --wait).
    Everything is logged to FOLDER/massinvoice.log.

    \b
    Examples:
      massinvoice run /srv/billing
      */5 * * * * massinvoice run /srv/billing --wait 60     (crontab: every 5 minutes)
    """
    import threading

    from massinvoice.batch.runner import FolderBusy, run_folder, stop_on_signals

    config = _config(config_path) if config_path else None
    lang = folder_language(Path(folder), config)
    jobs = jobs or default_jobs()
    with stop_on_signals(threading.Event()) as stop:
        try:
            result = run_folder(
                Path(folder), config=config, settle_seconds=settle, min_age=min_age,
                echo=click.echo, stop=stop, lock_wait=wait, lock_max_age=stale_lock, jobs=jobs,
                strict=strict,
            )  # fmt: skip
        except FolderBusy as exc:
            click.secho(str(exc), fg="yellow", err=True)
            sys.exit(EXIT_PARTIAL)
    done, errors, waiting = (result.having(k) for k in ("done", "error", "skipped"))
    if not result.files:
        click.echo(say("inbox_empty", lang))
    else:
        color = "red" if errors else "green"
        click.secho(say("processed", lang, done=len(done), failed=len(errors), waiting=len(waiting)), fg=color)  # fmt: skip
    if result.stopped:
        click.echo(say("stopped_on_request", lang))
    sys.exit(result.exit_code)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("--interval", type=click.FloatRange(0.1), default=30, show_default=True,
              metavar="S", help="Seconds between two looks at the inbox.")  # fmt: skip
@_batch_options
@friendly
def watch(folder, interval, settle, min_age, stale_lock, jobs, strict, config_path) -> None:
    """Keep processing FOLDER like 'run', looking into the inbox every --interval seconds.

    Polling works on network shares (SMB, NFS) where change notifications do not. Ctrl-C or
    SIGTERM stops it cleanly between two files, never in the middle of an invoice run.

    \b
    Example:
      massinvoice watch /srv/billing --interval 20
    """
    import threading

    from massinvoice.batch.runner import stop_on_signals, watch_folder

    config = _config(config_path) if config_path else None
    lang = folder_language(Path(folder), config)
    jobs = jobs or default_jobs()
    click.echo(say("watching", lang, folder=folder, interval=f"{interval:g}"))
    with stop_on_signals(threading.Event()) as stop:
        passes = watch_folder(
            Path(folder), interval, stop, config=config, echo=click.echo, settle_seconds=settle,
            min_age=min_age, lock_max_age=stale_lock, jobs=jobs, strict=strict,
        )  # fmt: skip
    click.echo(say("watch_stopped", lang, passes=count(passes, "pass", lang)))
