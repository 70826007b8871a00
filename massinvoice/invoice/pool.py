"""The render processes of an invoice run: one per CPU, each with its own renderer.

A render writes its PDF to a temporary file and renames it to its final name; the run (in
:mod:`invoicing`) marks it issued when told it is done. A render process exits with its run
when the run is killed, and a full disk stops the renders not started yet.
"""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from pathlib import Path

from massinvoice.config import Config
from massinvoice.files import exit_with, write_once_bytes
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.facturx import PDF_VARIANT, embed, wants_facturx
from massinvoice.invoice.render import Renderer
from massinvoice.problems import Code, InputError, Problem

Done = Callable[[Invoice, bool, str, str], None]  # invoice, recovered, file, sha256

MAX_DEFAULT_JOBS = 8  # each render process holds its own fonts and layout (about 150 MB)


def default_jobs() -> int:
    """Render processes when none are asked for: one per CPU this process may use, at most 8.

    Rendering is CPU-bound and the processes share nothing, so one per CPU is the fastest; a
    run of one invoice renders in this process whatever the number.
    """
    try:
        cpus = len(os.sched_getaffinity(0))  # what a container or taskset allows, not the host
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_JOBS))


_worker_renderer: Renderer | None = None


def init_worker(config: Config, parent: int | None = None) -> None:
    """Prepare a render process; ``parent``: the run's process id, to exit when it is gone
    (given by the run itself: if it was killed while this process started, ``getppid()``
    would already name another)."""
    global _worker_renderer
    if parent is not None:
        # Ctrl-C is the run's to handle (it stops handing out work); a render in progress
        # finishes its file instead of dying half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        exit_with(parent)
    _worker_renderer = Renderer(config)


def start_renderer(config: Config) -> None:
    """Build this process's renderer now, before numbering; a failure is the user's to fix."""
    try:
        init_worker(config)
    except Exception as exc:
        raise InputError(
            Problem(Code.RENDERER_FAILED, f"cannot prepare the invoice template: "
                    f"{type(exc).__name__}: {exc}", str(config.template_dir or "templates"),
                    level="file", hint="check the template folder and its fonts, and that the "
                    "temporary folder has free space; no number was taken")
        ) from None  # fmt: skip


# The disk or the folder takes nothing more: rendering the rest would fail the same way.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def _no_room(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _NO_ROOM


def render_one(invoice: Invoice, path: Path) -> tuple[str, str]:
    """Render to a temporary file, rename it to its final name; return (file, sha256).

    An existing file of other content is never replaced (the render fails, the invoice stays
    pending); one of the same bytes (a killed run wrote it) is kept."""
    assert _worker_renderer is not None
    config = _worker_renderer.config
    if wants_facturx(invoice, config) and not invoice.draft:  # a draft is no e-invoice
        pdf = embed(_worker_renderer.pdf(invoice, variant=PDF_VARIANT), invoice, config)
    else:
        pdf = _worker_renderer.pdf(invoice)
    sha = write_once_bytes(path, pdf)
    return str(path), sha


def render_all(
    jobs: list[tuple[Invoice, Path, bool]],
    config: Config,
    processes: int,
    done: Done,
    failures: dict[str, str],
) -> None:
    """Render every job (invoice, path, recovered), calling ``done`` as each is written;
    what failed goes into ``failures`` (number -> reason) and stays pending."""
    processes = max(1, min(processes, len(jobs)))
    # A failed render leaves its invoice pending: the next run finishes it with the same number.
    # A full disk stops the run: the invoices not rendered yet stay pending as well.
    stopped = ""
    if processes == 1:
        if _worker_renderer is None or _worker_renderer.config is not config:
            init_worker(config)
        for invoice, path, recovered in jobs:
            if stopped:
                failures[invoice.number] = stopped
                continue
            try:
                file, sha = render_one(invoice, path)
            except Exception as exc:
                failures[invoice.number] = f"{type(exc).__name__}: {exc}"
                stopped = f"not started: {exc}" if _no_room(exc) else ""
                continue
            done(invoice, recovered, file, sha)
    else:
        pool = ProcessPoolExecutor(processes, initializer=init_worker,
                                   initargs=(config, os.getpid()))  # fmt: skip
        try:
            futures = {pool.submit(render_one, inv, path): (inv, rec) for inv, path, rec in jobs}
            for future in as_completed(futures):
                invoice, recovered = futures[future]
                try:
                    file, sha = future.result()
                except CancelledError:
                    failures[invoice.number] = stopped
                    continue
                except Exception as exc:
                    failures[invoice.number] = f"{type(exc).__name__}: {exc}"
                    if _no_room(exc) and not stopped:
                        stopped = f"not started: {exc}"
                        for other in futures:
                            other.cancel()
                    continue
                done(invoice, recovered, file, sha)
        except BaseException:  # Ctrl-C: hand out no more work; what is not done stays pending
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
