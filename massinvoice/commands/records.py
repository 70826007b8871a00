"""Commands on issued invoices: void, send, and the registry itself (list, migrate)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from massinvoice.commands.common import (
    config_option,
    friendly,
    load,
    registry_option,
)
from massinvoice.console import date_option
from massinvoice.messages import count


@click.command()
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

    config = load(config_path)
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


@click.command()
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
    config = load(config_path)
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


@click.group()
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

    config = load(config_path)
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
