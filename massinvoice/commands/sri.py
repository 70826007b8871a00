"""Ecuador's SRI: follow, resend and print electronic invoices, and credit notes (see the
README's "SRI electronic invoices")."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from massinvoice.commands.common import (
    EXIT_PARTIAL,
    config_option,
    friendly,
    load,
    registry_option,
)


def _sri_run(
    config_path: str | None, registry_url: str, output: str | None, work: Callable
) -> None:
    """Open the registry and the SRI step, run ``work(flow)``, print its report, exit 1 while
    documents are parked or waiting."""
    from massinvoice.invoice.einvoice.sri import flow as sri_flow
    from massinvoice.registry.numbering import Registry

    config = load(config_path)
    with Registry(registry_url or config.registry_url) as reg:
        flow = sri_flow.required(config, reg, fallback_dir=Path(output) if output else None)
        report = work(flow)
    for line in report.lines():
        click.echo(line)
    for path in flow.written:
        click.echo(f"  wrote {path}")
    if report.parked or report.waiting:
        sys.exit(EXIT_PARTIAL)


_sri_output = click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for RIDEs whose invoice folder is gone (default: here).",
)


@click.group()
def sri() -> None:
    """Ecuador's SRI: send, authorise and follow electronic invoices (see the README)."""


@sri.command("poll")
@_sri_output
@config_option
@registry_option
@friendly
def sri_poll(output, config_path, registry_url) -> None:
    """Send what waits and ask the SRI for authorisations; write the RIDE of each authorised one.

    Resumes after a kill or an SRI outage; nothing is numbered or sent twice. Exit 1 while some
    document is parked (refused: fix and 'sri resend') or still waiting.

    \b
    Example:
      massinvoice sri poll
    """
    _sri_run(config_path, registry_url, output, lambda flow: flow.run())


@sri.command("check")
@config_option
@friendly
def sri_check(config_path) -> None:
    """Check the SRI set-up without sending anything: settings, certificate and its password,
    and that the SRI's services of the ambiente answer. Exit 1 on a problem.

    \b
    Example:
      MASSINVOICE_SRI_PASSWORD=... massinvoice sri check
    """
    from massinvoice.invoice.einvoice.sri.flow import check_setup

    facts, problems = check_setup(load(config_path))
    for line in facts:
        click.echo(line)
    for line in problems:
        click.secho(f"problem: {line}", fg="red")
    if problems:
        sys.exit(EXIT_PARTIAL)
    click.secho("SRI set-up OK", fg="green")


@sri.command("resend")
@click.argument("number")
@_sri_output
@config_option
@registry_option
@friendly
def sri_resend(number, output, config_path, registry_url) -> None:
    """Resend a parked document under the same number and key, rebuilt from the current config.

    \b
    Example:
      massinvoice sri resend 001-001-000004561
    """
    from massinvoice.invoice.einvoice.sri.state import requeue

    def work(flow):
        requeue(flow.registry, number)
        return flow.run([number])

    _sri_run(config_path, registry_url, output, work)


@sri.command("ride")
@click.argument("number")
@_sri_output
@config_option
@registry_option
@friendly
def sri_ride(number, output, config_path, registry_url) -> None:
    """Write the RIDE and authorised XML of an authorised document where they are missing.

    \b
    Example:
      massinvoice sri ride 001-001-000004561 -o rides/
    """
    from massinvoice.invoice.einvoice.sri import flow as sri_flow
    from massinvoice.registry.numbering import Registry

    config = load(config_path)
    with Registry(registry_url or config.registry_url) as reg:
        flow = sri_flow.required(config, reg, fallback_dir=Path(output) if output else None)
        written = flow.write_files(number)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo(f"the RIDE and XML of {number} are already written")


@sri.command("list")
@config_option
@registry_option
@friendly
def sri_list(config_path, registry_url) -> None:
    """List SRI documents: number, state, clave de acceso, the SRI's last message."""
    from massinvoice.invoice.einvoice.sri.state import documents
    from massinvoice.registry.numbering import Registry

    config = load(config_path)
    with Registry(registry_url or config.registry_url) as reg:
        docs = documents(reg)
    for d in docs:
        last = "; ".join(map(str, d.messages)) or d.last_error
        click.echo(f"{d.number:<20} {d.kind:<16} {d.state:<10} {d.clave}  {last}")
    click.echo(f"{len(docs)} SRI documents")


@click.command("credit-note")
@click.argument("number")
@click.option("--reason", required=True, help="Why (the SRI's 'motivo', printed on the RIDE).")
@click.option("--lines", default="", metavar="1,3",
              help="Credit only these lines of the invoice (default: all of it).")  # fmt: skip
@_sri_output
@config_option
@registry_option
@friendly
def credit_note(number, reason, lines, output, config_path, registry_url) -> None:
    """SRI (Ecuador): a signed, authorised nota de crédito for an authorised invoice.

    \b
    Example:
      massinvoice credit-note 001-001-000004561 --reason "flores congeladas" --lines 2
    """
    from massinvoice.invoice.einvoice.sri.state import create_credit_note

    try:
        positions = [int(x) for x in lines.replace(" ", "").split(",") if x]
    except ValueError:
        raise click.BadParameter(f"{lines!r} is not a list of line numbers like 1,3",
                                 param_hint="--lines") from None  # fmt: skip

    def work(flow):
        note = create_credit_note(flow.registry, flow.settings, number, reason=reason,
                                  positions=positions)  # fmt: skip
        click.echo(f"credit note {note.number} for invoice {number} ({note.clave})")
        return flow.run([note.number])

    _sri_run(config_path, registry_url, output, work)
