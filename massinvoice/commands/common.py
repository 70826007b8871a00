"""What every command shares: clear messages instead of tracebacks, the config, common options.

Exit codes: 0 success, 1 partial (some orders skipped or failed), 2 bad input or usage, 130
interrupted.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from massinvoice.config import Config, load_config
from massinvoice.console import command_language, remember_language
from massinvoice.messages import count, say
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


def load(path: str | None) -> Config:
    """The config for this command (and the language of its messages from then on)."""
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


def note_slow_rendering() -> None:
    """Say so when invoices will render slowly here (HarfBuzz's subsetter missing)."""
    from massinvoice.invoice.render import font_subsetting_note

    note = font_subsetting_note()
    if note:
        click.secho(f"Note: {note}.", fg="yellow", err=True)
