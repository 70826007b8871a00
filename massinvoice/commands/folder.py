"""Commands on a folder: init, the demo, and the shared folder's run and watch."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from massinvoice.commands.common import (
    EXIT_PARTIAL,
    friendly,
    load,
    note_slow_rendering,
)
from massinvoice.console import default_jobs, folder_language, remember_language
from massinvoice.messages import count, say


@click.command()
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


@click.command()
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

    note_slow_rendering()
    run_demo(Path(outdir), jobs=jobs, echo=click.echo)


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


@click.command()
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

    config = load(config_path) if config_path else None
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


@click.command()
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

    config = load(config_path) if config_path else None
    lang = folder_language(Path(folder), config)
    jobs = jobs or default_jobs()
    click.echo(say("watching", lang, folder=folder, interval=f"{interval:g}"))
    with stop_on_signals(threading.Event()) as stop:
        passes = watch_folder(
            Path(folder), interval, stop, config=config, echo=click.echo, settle_seconds=settle,
            min_age=min_age, lock_max_age=stale_lock, jobs=jobs, strict=strict,
        )  # fmt: skip
    click.echo(say("watch_stopped", lang, passes=count(passes, "pass", lang)))
