"""Command line: parses options, calls the library, prints. Nothing else lives here."""

from __future__ import annotations

import click

from massinvoice import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="massinvoice")
def main() -> None:
    """Turn an ERP's order export into invoices, in bulk, never twice for the same order."""
