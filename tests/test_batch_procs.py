"""Real processes on one batch folder: two runners at once, and watch stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from massinvoice.batch.lock import LOCK_NAME
from massinvoice.batch.runner import folder_config
from massinvoice.registry.numbering import Registry
from tests.test_batch_run import (
    drop_export,
    files,
    issued_records,
    make_folder,
    mark_invoiceable,
    run,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "massinvoice", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def edited_sheet(folder: Path, n_orders: int) -> tuple[Path, list[str]]:
    """An export made into a selection sheet, every invoiceable order marked, put in the inbox."""
    drop_export(folder, n_orders)
    assert run(folder).exit_code == 0
    (sheet,) = files(folder, "selections")
    marked = mark_invoiceable(sheet)
    staging = folder.parent / sheet.name
    sheet.replace(staging)
    os.replace(staging, folder / "inbox" / sheet.name)
    return sheet, marked


def check_nothing_doubled(folder: Path, marked: list[str]) -> None:
    registry = Registry(folder_config(folder).registry_url)
    try:
        assert registry.list(state="pending") == [], "nothing left half-done"
    finally:
        registry.close()
    records = issued_records(folder)
    held = [o for r in records for o in r.orders]
    assert sorted(held) == sorted(marked), "each marked order on exactly one invoice"
    pdfs = [p for p in (folder / "invoices").rglob("*.pdf")]
    assert sorted(p.name for p in pdfs) == sorted(f"{r.number}.pdf" for r in records)
    assert files(folder, "errors") == [] and files(folder, "inbox") == []


def test_second_runner_exits_with_a_clear_message(folder: Path) -> None:
    _, marked = edited_sheet(folder, 10)
    # The first runner holds the lock for as long as its settle wait lasts (up to a minute).
    first = start("run", str(folder), "--settle", "60", "--min-age", "0")
    wait_for(lambda: (folder / LOCK_NAME).exists())
    second = start("run", str(folder), "--settle", "0", "--min-age", "0")
    out2, err2 = second.communicate(timeout=120)
    assert second.returncode == 1, out2 + err2
    assert "being processed by another massinvoice" in err2 and f"pid {first.pid}" in err2
    assert len(files(folder, "inbox")) == 1 and issued_records(folder) == []
    first.send_signal(signal.SIGTERM)  # stops in its settle wait, before touching any file
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, out1 + err1
    assert "Stopped on request" in out1 and not (folder / LOCK_NAME).exists()
    third = start("run", str(folder), "--settle", "0", "--min-age", "0")
    out3, err3 = third.communicate(timeout=300)
    assert third.returncode == 0, out3 + err3
    check_nothing_doubled(folder, marked)
    assert len(files(folder, "archive", "orders-selection-*.xlsx")) == 1


def test_two_runners_started_at_once_share_the_work(folder: Path) -> None:
    _, marked = edited_sheet(folder, 12)
    drop_export(folder, 5, name="later.xlsx", seed=7)
    procs = [start("run", str(folder), "--settle", "0.2", "--min-age", "0", "--wait", "240")
             for _ in range(2)]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    check_nothing_doubled(folder, marked)
    assert len(files(folder, "selections", "later-selection-*.xlsx")) == 1
    assert len(files(folder, "archive")) == 3  # orders.xlsx, the sheet, later.xlsx
    assert not (folder / LOCK_NAME).exists()


def test_watch_stops_on_sigterm_between_files_never_mid_invoice(folder: Path) -> None:
    _, marked = edited_sheet(folder, 25)
    drop_export(folder, 4, name="next.xlsx", seed=5)
    past = time.time() - 60
    os.utime(folder / "inbox" / "next.xlsx", (past, past))  # processed after the sheet
    watch = start("watch", str(folder), "--interval", "0.2", "--settle", "0", "--min-age", "0")
    # SIGTERM as soon as the first invoice exists: the invoice run is in the middle.
    wait_for(lambda: any((folder / "invoices").rglob("*.pdf")), timeout=120)
    watch.send_signal(signal.SIGTERM)
    at_signal = len(list((folder / "invoices").rglob("*.pdf")))
    assert at_signal < len(marked), "the signal came in the middle of the invoice run"
    out, err = watch.communicate(timeout=300)
    assert watch.returncode == 0, out + err
    assert "Stopped" in out
    records = issued_records(folder)
    assert sorted(o for r in records for o in r.orders) == sorted(marked), "run finished"
    day = next(next((folder / "invoices").iterdir()).iterdir())  # invoices/<date>/run-.../
    assert list(day.glob("runs/*/register.xlsx")) and list(day.glob("runs/*/report.txt"))
    assert [p.name for p in files(folder, "inbox")] == ["next.xlsx"], "next file left waiting"
    assert files(folder, "selections", "next-selection-*.xlsx") == []
    assert not (folder / LOCK_NAME).exists()
    assert not list((folder / ".massinvoice-state").glob("*.json"))


def test_run_killed_mid_invoice_is_completed_by_the_next_run(folder: Path) -> None:
    _, marked = edited_sheet(folder, 25)
    killed = start("run", str(folder), "--settle", "0", "--min-age", "0")
    wait_for(lambda: any((folder / "invoices").rglob("*.pdf")), timeout=120)
    killed.kill()
    killed.wait()
    assert len(files(folder, "inbox")) == 1, "the sheet stays until its invoices are complete"
    assert (folder / LOCK_NAME).exists(), "a dead runner's lock is left behind"
    again = start("run", str(folder), "--settle", "0", "--min-age", "0")
    out, err = again.communicate(timeout=300)
    assert again.returncode in (0, 1), out + err
    assert "took over a stale lock" in out
    check_nothing_doubled(folder, marked)
    assert len(files(folder, "archive", "orders-selection-*.xlsx")) == 1
    assert not (folder / LOCK_NAME).exists()
