"""Shared-folder batch mode: ``massinvoice run`` (one pass) and ``watch`` (polling).

``FOLDER/inbox`` takes exports and edited selection workbooks; exports become selection
workbooks in ``selections/``, selection workbooks become invoices in ``invoices/<date>/``,
processed inputs go to ``archive/`` and failed ones to ``errors/`` with ``NAME.error.txt``.

Crash safety, per input: before anything is written, an intent record in ``.massinvoice-state/``
fixes the input's archive name and its output; the input is *copied* to ``archive/`` and
processed from there (so the selection sheet and the invoice manifest name a file that stays
put); only when the outputs are complete does the original leave ``inbox/``. A run killed at any
point leaves the original in ``inbox/`` and the next run redoes the same step into the same
output: a selection sheet is rewritten in place, an invoice run issues nothing twice (the
registry holds every order) and finishes what was pending.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import logging.handlers
import os
import signal
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from massinvoice.batch.inbox import fit_name, free_name, kind_of, ready_files
from massinvoice.batch.lock import (
    DEFAULT_MAX_AGE,
    FileChanged,
    FolderBusy,
    FolderLock,
    Journal,
    copy_verified,
    describe_holder,
    move_if_unchanged,
    same_file,
)
from massinvoice.batch.mailing import send_after_invoice
from massinvoice.batch.scaffold import FOLDERS, error_note
from massinvoice.batch.scaffold import init_folder as _init_folder
from massinvoice.batch.status import clear_old_errors, every_tenth, write_status
from massinvoice.config import CONFIG_NAME, Config, check_seller, load_config
from massinvoice.files import atomic_write_text, sha256_file
from massinvoice.messages import SKIP_REASONS, count, counts_text, say
from massinvoice.problems import Code, InputError, Problem

log = logging.getLogger("massinvoice.batch.runner")
Echo = Callable[[str], None]

DEFAULT_SETTLE = 1.5  # seconds between the two looks at a file's size and modification time
DEFAULT_MIN_AGE = 5.0  # a file modified more recently than this waits for the next pass
LOG_NAME = "massinvoice.log"


@dataclass(frozen=True)
class FileOutcome:
    """What one pass did with one file of the inbox."""

    input: Path  # where the file was in inbox/
    kind: str  # export | selection | "" (not looked into: still being written)
    outcome: str  # done | error | skipped
    outputs: tuple[Path, ...] = ()  # selection workbook, or invoice folder then its PDFs
    message: str = ""
    moved_to: Path | None = None  # archive/... or errors/...
    issued: int = 0
    skipped_orders: int = 0
    not_sent: int = 0  # invoices the send step could not e-mail (send = "after-invoice")


@dataclass(frozen=True)
class BatchResult:
    folder: Path
    files: tuple[FileOutcome, ...]
    stopped: bool = False  # a stop was requested before every ready file was processed
    took_over: dict[str, Any] | None = None  # the stale lock replaced, if any

    def having(self, outcome: str) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome == outcome]

    @property
    def exit_code(self) -> int:
        """0 all done; 1 a file went to errors/, an invoice run skipped orders or e-mails failed."""
        return 1 if self.having("error") or any(f.skipped_orders or f.not_sent
                                                for f in self.files) else 0  # fmt: skip


def init_folder(folder: Path, language: str = "en") -> list[Path]:
    """Make ``folder`` a batch folder (inbox, selections, ...); return what was created."""
    return _init_folder(Path(folder), language=language)


def folder_config(folder: Path) -> Config:
    """FOLDER/massinvoice.toml if present, else the usual search; registry beside the folder."""
    own = Path(folder) / CONFIG_NAME
    config = load_config(own) if own.is_file() else load_config()
    if config.path is None and not config.registry:
        config = replace(
            config, registry=f"sqlite:///{Path(folder).resolve() / 'massinvoice.sqlite'}"
        )
    return config


@contextlib.contextmanager
def folder_log(folder: Path) -> Iterator[None]:
    """Log to FOLDER/massinvoice.log (rotated at about 1 MB, five kept) while inside."""
    path = str((Path(folder) / LOG_NAME).resolve())
    for h in log.handlers:
        if isinstance(h, logging.handlers.RotatingFileHandler) and h.baseFilename == path:
            yield
            return
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=5, encoding="utf-8", delay=True
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s [pid %(process)d] %(message)s")
    )
    log.addHandler(handler)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM set ``stop`` instead of killing: the current file is finished first."""

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    wanted = [signal.SIGINT, signal.SIGTERM]
    old = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield stop
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class _Pass:
    """One pass over a folder: what it needs and what it has done so far."""

    def __init__(self, folder: Path, config: Config, now: dt.datetime, echo: Echo | None,
                 jobs: int, strict: bool, lock: FolderLock) -> None:  # fmt: skip
        self.folder, self.config, self.now, self.echo = folder, config, now, echo
        self.jobs, self.strict, self.lock = jobs, strict, lock
        self.lang = config.language  # of what people read: the terminal, log and status file
        self.inbox = folder / "inbox"
        self.journal = Journal(folder / ".massinvoice-state")
        self.outcomes: list[FileOutcome] = []

    def say(self, message: str, level: int = logging.INFO) -> None:
        log.log(level, message)
        if self.echo:
            self.echo(message)

    def rel(self, path: Path) -> str:
        with contextlib.suppress(ValueError):
            return path.relative_to(self.folder).as_posix()
        return str(path)

    def stamp(self, name: str) -> str:
        """'orders.xlsx' -> 'orders-20261126-140512.xlsx'."""
        p = Path(name)
        return fit_name(p.stem, f"-{self.now:%Y%m%d-%H%M%S}{p.suffix}")


def run_folder(
    folder: Path,
    *,
    config: Config | None = None,
    settle_seconds: float = DEFAULT_SETTLE,
    min_age: float = DEFAULT_MIN_AGE,
    now: dt.datetime | None = None,
    echo: Echo | None = None,
    stop: threading.Event | None = None,
    lock_wait: float = 0.0,
    lock_max_age: float = DEFAULT_MAX_AGE,
    jobs: int = 1,
    strict: bool = False,
) -> BatchResult:
    """Process everything waiting in FOLDER/inbox once; one runner per folder (FolderBusy).

    ``now`` fixes the time used in output names and as the invoice date's "today" (tests).
    """
    folder = Path(folder).resolve()
    check_folder(folder)
    stop = stop or threading.Event()
    with folder_log(folder):
        try:
            config = config or folder_config(folder)
        except InputError as exc:
            log.error("cannot read the folder's settings:\n%s", exc.report())
            raise
        lock = FolderLock(folder, max_age=lock_max_age)
        try:
            lock.acquire(wait=lock_wait)
        except FolderBusy as exc:
            log.warning("%s", exc)
            raise
        try:
            ctx = _Pass(folder, config, now or dt.datetime.now(), echo, jobs, strict, lock)
            if lock.taken_over is not None:
                who = describe_holder(lock.taken_over)
                ctx.say(f"took over a stale lock ({who})", logging.WARNING)
            stopped = _run_pass(ctx, settle_seconds, min_age, stop)
        finally:
            lock.release()
        write_status(folder, config.language, ctx.now, ctx.outcomes)
        if ctx.outcomes:
            counts = Counter(f.outcome for f in ctx.outcomes)
            log.info("pass over: %d done, %d failed, %d waiting", counts["done"], counts["error"],
                     counts["skipped"])  # fmt: skip
    return BatchResult(folder, tuple(ctx.outcomes), stopped, lock.taken_over)


def check_folder(folder: Path) -> None:
    """Refuse a folder that was never set up with ``massinvoice init``; add missing subfolders."""
    if not (folder / "inbox").is_dir():
        raise InputError(
            Problem(Code.NOT_BATCH_FOLDER, "not a massinvoice folder (it has no inbox/)", str(folder),
                    level="file", hint=f"create one with: massinvoice init {folder}")
        )  # fmt: skip
    for name in FOLDERS:
        (folder / name).mkdir(exist_ok=True)


def _run_pass(ctx: _Pass, settle: float, min_age: float, stop: threading.Event) -> bool:
    _clean_leftovers(ctx)
    ready, waiting = ready_files(ctx.inbox, settle, min_age, stop, ctx.lang)
    for path, why in waiting:
        _skip(ctx, path, why)
    if stop.is_set():
        return True
    kinds = {p: kind_of(p) for p, _ in ready}
    # Invoice first, so selection sheets made in the same pass already show those orders gray.
    ready.sort(key=lambda item: (kinds[item[0]] != "selection", item[1].st_mtime_ns))
    for path, st in ready:
        if stop.is_set():
            ctx.say("stop requested: the remaining files wait for the next run")
            return True
        if not ctx.lock.still_held():
            ctx.say("the folder lock was taken over by another runner; stopping", logging.ERROR)
            return True
        ctx.outcomes.append(_handle(ctx, path, st, kinds[path]))
    return False


def _clean_leftovers(ctx: _Pass) -> None:
    """Temporary files of a run that died (we hold the lock: nobody else is writing them)."""
    for name in ("selections", "archive", "errors"):
        for p in (ctx.folder / name).glob(".*"):
            if p.is_file() and p.name.endswith((".tmp", ".part.xlsx")):
                p.unlink(missing_ok=True)
    present = {p.name for p in ctx.inbox.iterdir()}
    for record in ctx.journal.records():
        if record["input"] not in present:
            ctx.journal.drop(record)


def _skip(ctx: _Pass, path: Path, why: str) -> None:
    ctx.say(f"{path.name}: {why}")
    ctx.outcomes.append(FileOutcome(path, "", "skipped", message=why))


def _handle(ctx: _Pass, path: Path, st: os.stat_result, kind: str) -> FileOutcome:
    record: dict[str, Any] | None = None
    try:
        sha = sha256_file(path)
        record = ctx.journal.find(path.name, sha)
        if record is None:
            record = _plan(ctx, path, sha, kind)
        elif record["state"] == "done":
            return _finish(ctx, path, st, record, say("b_finished", ctx.lang))
        kind = record["kind"]
        archived = ctx.folder / record["archive"]
        copy_verified(path, archived, sha)
        if kind == "export":
            done = _select(ctx, archived, ctx.folder / record["output"])
        else:
            done = _invoice(ctx, archived, ctx.folder / record["output"])
        ctx.journal.save({**record, "state": "done"})
        return _finish(ctx, path, st, record, done.message, done)
    except FileChanged as exc:
        why = say("b_changed", ctx.lang, why=exc)
        ctx.say(f"{path.name}: {why}")
        return FileOutcome(path, kind, "skipped", message=why)
    except Exception as exc:
        return _fail(ctx, path, st, kind, record, exc)


def _plan(ctx: _Pass, path: Path, sha: str, kind: str) -> dict[str, Any]:
    """Fix where this input goes and what it makes, before anything is written."""
    archived = free_name(ctx.folder / "archive", ctx.stamp(path.name))
    if kind == "export":
        output = free_name(
            ctx.folder / "selections", fit_name(path.stem, f"-selection-{ctx.now:%Y%m%d-%H%M}.xlsx")
        )
    else:
        output = _invoice_folder(ctx)
    record = {
        "input": path.name, "sha256": sha, "kind": kind, "archive": ctx.rel(archived),
        "output": ctx.rel(output), "state": "started", "time": ctx.now.isoformat(),
    }  # fmt: skip
    ctx.journal.save(record)
    return record


def _invoice_folder(ctx: _Pass) -> Path:
    """invoices/<date>/run-HHMM-<id>/: every run its own folder, side by side under its day."""
    day = ctx.folder / "invoices" / f"{ctx.now:%Y-%m-%d}"
    day.mkdir(parents=True, exist_ok=True)
    sub = day / f"run-{ctx.now:%H%M}-{uuid.uuid4().hex[:6]}"
    sub.mkdir()
    return sub


def _select(ctx: _Pass, export: Path, out: Path) -> FileOutcome:
    from massinvoice.model import Filters
    from massinvoice.readback.targets import check_select
    from massinvoice.select.run import select_orders

    check_select([export], out)  # a selection re-saved as csv is not a new export
    tmp = out.with_name(f".{out.stem}.{uuid.uuid4().hex[:8]}.part.xlsx")
    try:
        result = select_orders(
            [export], tmp, config=ctx.config, filters=Filters(status=ctx.config.select_status),
            select_all=ctx.config.select_all,
        )  # fmt: skip
        os.replace(result.path, out)
    finally:
        tmp.unlink(missing_ok=True)
    pre = say("b_preselected", ctx.lang, n=result.preselected) if result.preselected else ""
    orders = count(result.listed, "order", ctx.lang)
    message = say("b_selection", ctx.lang, path=ctx.rel(out), orders=orders, pre=pre)
    return FileOutcome(export, "export", "done", (out,), message)


def _invoice(ctx: _Pass, sheet: Path, outdir: Path) -> FileOutcome:
    from massinvoice.invoice.run import InvoiceOptions, invoice_selection

    check_seller(ctx.config)
    options = InvoiceOptions(jobs=ctx.jobs, strict=ctx.strict, today=ctx.now.date())
    run = invoice_selection(sheet, outdir, config=ctx.config, options=options,
                            progress=every_tenth(ctx.say, sheet.name, ctx.lang))  # fmt: skip
    invoices = count(len(run.issued), "invoice", ctx.lang)
    message = say("b_invoices", ctx.lang, invoices=invoices, path=ctx.rel(outdir))
    if run.issued:
        first, last = run.issued[0].number, run.issued[-1].number
        message += f" ({first} .. {last})" if first != last else f" ({first})"
    if run.skipped:
        why = counts_text(
            Counter(s.code for s in run.skipped).most_common(), SKIP_REASONS, ctx.lang
        )
        orders = count(len(run.skipped), "order", ctx.lang)
        message += say("b_skipped", ctx.lang, orders=orders, reasons=why)
    sent = send_after_invoice(ctx.folder, ctx.config, outdir, ctx.now, len(run.issued))
    if sent is not None:
        message += f"; {sent.message}"
    outputs = (outdir, *(Path(i.file) for i in run.issued))
    return FileOutcome(sheet, "selection", "done", outputs, message, issued=len(run.issued),
                       skipped_orders=len(run.skipped), not_sent=sent.not_sent if sent else 0)  # fmt: skip


def _finish(ctx: _Pass, path: Path, st: os.stat_result, record: dict[str, Any], message: str,
            done: FileOutcome | None = None) -> FileOutcome:  # fmt: skip
    """Outputs are complete: the original leaves inbox/ (its copy is in archive/)."""
    archived = ctx.folder / record["archive"]
    if same_file(path, st):
        path.unlink()
    else:
        log.warning("%s changed while it was processed: the new version waits", path.name)
    ctx.journal.drop(record)
    for old in clear_old_errors(ctx.folder / "errors", path.name):
        log.info("%s went through: removed %s", path.name, ctx.rel(old))
    ctx.say(f"{path.name}: " + say("b_archived", ctx.lang, message=message, path=ctx.rel(archived)))
    if done is None:
        output = ctx.folder / record["output"]
        return FileOutcome(path, record["kind"], "done", (output,), message, archived)
    return replace(done, input=path, moved_to=archived, message=message)


def _fail(ctx: _Pass, path: Path, st: os.stat_result, kind: str, record: dict[str, Any] | None,
          exc: Exception) -> FileOutcome:  # fmt: skip
    """Move the input to errors/ with NAME.error.txt that says what to do next."""
    ref = f"{ctx.now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    if isinstance(exc, InputError):
        log.error("%s [ref %s]: cannot be processed:\n%s", path.name, ref, exc.report())
    else:
        log.exception("%s [ref %s]: unexpected failure", path.name, ref)
    target = free_name(ctx.folder / "errors", ctx.stamp(path.name))
    note = target.with_name(target.name + ".error.txt")
    archived = ctx.folder / record["archive"] if record else None
    text = error_note(
        exc, name=path.name, kind=kind, moved_to=ctx.rel(target), ref=ref, log_name=LOG_NAME,
        when=ctx.now, language=ctx.config.language,
        aliases={p.name for p in (path, archived) if p is not None},
    )  # fmt: skip
    try:
        atomic_write_text(note, text.replace("\n", "\r\n"))
        moved = move_if_unchanged(path, target, st)
        if record:
            (ctx.folder / record["archive"]).unlink(missing_ok=True)
            output = ctx.folder / record["output"]
            if output.is_dir() and not any(output.iterdir()):
                output.rmdir()
            ctx.journal.drop(record)
    except OSError:
        log.exception("%s: could not move it to errors/", path.name)
        moved = False
    if not moved:
        note.unlink(missing_ok=True)
        ctx.say(f"{path.name}: failed, and it changed or vanished meanwhile: left as it is",
                logging.ERROR)  # fmt: skip
        return FileOutcome(path, kind, "error", message=say("b_left", ctx.lang, ref=ref))
    if isinstance(exc, InputError) and exc.problems:
        problems = count(len(exc.problems), "problem", ctx.lang)
        shown = exc.problems[0].render(ctx.lang) if ctx.lang == "es" else exc.problems[0].message
        first = say("b_first", ctx.lang, problems=problems, message=shown)
    else:
        first = say("b_unexpected", ctx.lang, error=f"{type(exc).__name__}: {exc}")
    message = say("b_moved", ctx.lang, path=ctx.rel(target), first=first, note=note.name)
    ctx.say(f"{path.name}: {message}", logging.ERROR)
    return FileOutcome(path, kind, "error", (note,), message, target)


def watch_folder(
    folder: Path,
    interval: float = 30.0,
    stop_event: threading.Event | None = None,
    *,
    config: Config | None = None,
    echo: Echo | None = None,
    on_pass: Callable[[BatchResult], None] | None = None,
    max_passes: int | None = None,
    **run_options: Any,
) -> int:
    """Repeat :func:`run_folder` every ``interval`` seconds until ``stop_event`` is set.

    Polling works on SMB and NFS shares, where change notifications do not. The settings are
    read again every pass (fix massinvoice.toml without a restart); a busy folder, a broken
    setting or a share that went away is logged and tried again at the next poll. Returns the
    number of passes made.
    """
    folder = Path(folder).resolve()
    check_folder(folder)
    stop = stop_event or threading.Event()
    if config is None:
        folder_config(folder)  # broken settings fail now, at start; later they are retried
    passes, last_problem = 0, ""
    with folder_log(folder):
        log.info("watching %s every %gs", folder, interval)
        while not stop.is_set() and (max_passes is None or passes < max_passes):
            passes += 1
            problem = ""
            try:
                result = run_folder(folder, config=config, echo=echo, stop=stop, **run_options)
                if on_pass:
                    on_pass(result)
            except FolderBusy as exc:
                problem = f"busy ({describe_holder(exc.holder)}); trying again at the next poll"
            except InputError as exc:
                problem = exc.report()
            except Exception as exc:  # a share that went away, a full disk: retry later
                log.exception("pass failed")
                problem = f"{type(exc).__name__}: {exc}"
            if problem and problem != last_problem and echo:
                echo(problem)
            last_problem = problem
            if max_passes is None or passes < max_passes:
                stop.wait(interval)
        log.info("watch stopped after %d passes", passes)
    return passes
