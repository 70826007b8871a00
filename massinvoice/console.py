"""What the commands print (summaries of select and invoice, the progress bar, the language
of their messages) and how they read a date option.

Every text comes from :mod:`massinvoice.messages`, in the config's language.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from massinvoice.config import Config
from massinvoice.messages import count, counts_text, rows_words, say
from massinvoice.problems import InputError


def print_select(result: Any, lang: str) -> None:
    """What select did, and what to do next."""
    from massinvoice.model import Status
    from massinvoice.select.labels import STATUS_LABELS, WARNING_LABELS

    for read in getattr(result, "reads", ()):  # each file: its profile and its rows of each kind
        click.echo(say("read_file", lang, read=rows_words(read, lang)))
    if getattr(result, "erp_status", None):
        erp = ", ".join(f"{k} {v}" for k, v in sorted(result.erp_status.items()))
        click.echo(say("erp_status", lang, erp=erp))
    statuses = counts_text(sorted(result.by_status.items()), {s.value: STATUS_LABELS[s] for s in Status}, lang)  # fmt: skip
    click.echo(say("select_read", lang, orders=count(result.read, "order", lang),
                   listed=result.listed, lines=count(result.lines, "line", lang),
                   statuses=statuses.lower()))  # fmt: skip
    if result.invoiced_by_registry:
        click.echo(say("select_registry", lang, orders=count(result.invoiced_by_registry, "order", lang)))  # fmt: skip
    if result.preselected:
        click.echo(say("select_preselected", lang, orders=count(result.preselected, "order", lang)))
    if result.warnings:
        warned = counts_text(sorted(result.warnings.items()), WARNING_LABELS, lang)
        click.echo(say("select_warnings", lang, warnings=warned))
    click.secho(say("wrote", lang, path=result.path), fg="green")
    if not result.listed:
        click.secho(say("no_orders_listed", lang, read=result.read), fg="yellow", err=True)
    else:
        click.echo(say("select_next", lang, path=result.path))


class Progress:
    """A progress bar on stderr, only on a terminal and only once there is work to show: no
    stray label before an error, nothing glued to piped output."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.pos = label, None, 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= 0 or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)  # fmt: skip
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(done - self.pos)
        self.pos = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def office_lock(path: Path) -> Path | None:
    """Excel's ~$ owner file (its name loses two letters when long) or LibreOffice's lock."""
    names = ("~$" + path.name, "~$" + path.name[2:], f".~lock.{path.name}#")
    return next((path.with_name(n) for n in names if path.with_name(n).exists()), None)


def print_run(result: Any, lang: str = "en") -> None:
    """The one-screen summary of an invoice run."""
    from collections import Counter

    from massinvoice.messages import SKIP_REASONS, skip_reason

    issued = count(len(result.issued), "draft" if result.dry_run else "invoice", lang)
    click.secho(say("issued", lang, invoices=issued, outdir=result.outdir), fg="green", bold=True)
    if result.issued:
        first, last = result.issued[0].number, result.issued[-1].number
        click.echo(say("numbers" if first != last else "number", lang, first=first, last=last))
    recovered = sum(1 for i in result.issued if i.recovered and not i.adopted)
    if recovered:
        click.echo(say("recovered", lang, n=recovered))
    adopted = sum(1 for i in result.issued if i.adopted)
    if adopted:
        click.echo(say("adopted", lang, n=adopted))
    totals: dict[str, Any] = {}
    for (_, currency), amount in result.issued_totals.items():
        totals[currency] = totals.get(currency, 0) + amount
    for currency, amount in sorted(totals.items()):
        click.echo(say("total_before_taxes", lang, currency=currency, amount=f"{amount:,.2f}"))
    if result.skipped:
        reasons = counts_text(Counter(s.code for s in result.skipped).most_common(), SKIP_REASONS, lang)  # fmt: skip
        click.secho(say("skipped", lang, orders=count(len(result.skipped), "order", lang),
                        reasons=reasons), fg="yellow")  # fmt: skip
        for s in result.skipped[:10]:
            click.echo(f"  {s.order_no}: {skip_reason(s.code, s.reason, lang)}")
        if len(result.skipped) > 10:
            click.echo(say("more_in_report", lang, more=len(result.skipped) - 10))
    for line in result.sri[:12]:  # Ecuador's SRI: authorised, parked, waiting
        click.echo(line)
    if result.edits:
        click.echo(
            say("edits_used", lang, corrections=count(len(result.edits), "correction", lang))
        )
    ok = say("control_ok" if result.control_ok else "control_check", lang)
    click.echo(say("control", lang, ok=ok, records=result.records))
    click.echo(say("report_and_register", lang, report=result.files.get("report"),
                   register=result.files.get("register")))  # fmt: skip


# The language of this command's messages, once its config is known (errors before that are
# in English): kept on click's context of this invocation, never in a global.
def remember_language(language: str) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["massinvoice.language"] = language


def command_language() -> str:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("massinvoice.language", "en") if ctx is not None else "en"


def date_option(value: str | None, option: str, date_order: str = "dmy") -> dt.date | None:
    """A date option: ISO (2026-11-20) or in the config's date order (20/11/2026)."""
    from massinvoice.read.cells import CellError, parse_date

    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        day = parse_date(value, date_order)
    except CellError:
        day = None
    if day is None:
        example = "11/20/2026" if date_order == "mdy" else "20/11/2026"
        raise click.BadParameter(say("bad_date_option", command_language(), value=value, example=example), param_hint=option)  # fmt: skip
    return day


def default_jobs() -> int:
    from massinvoice.invoice.pool import default_jobs

    return default_jobs()


def folder_language(folder: Path, config: Config | None) -> str:
    """The shared folder's language (its config's), English when its config cannot be read."""
    from massinvoice.batch.runner import folder_config

    if config is None:
        try:
            config = folder_config(folder)
        except InputError:
            return "en"
    remember_language(config.language)
    return config.language
