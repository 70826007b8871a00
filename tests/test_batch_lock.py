"""The folder lock, the inbox file filter and the intent journal, without running a pipeline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from massinvoice.batch.lock import (
    LOCK_NAME,
    FileChanged,
    FolderBusy,
    FolderLock,
    Journal,
    copy_verified,
    ignored,
    move_if_unchanged,
    open_in_office,
)
from massinvoice.files import sha256_file


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(folder: Path, *, host: str, pid: int, age: float = 0.0) -> Path:
    path = folder / LOCK_NAME
    path.write_text(json.dumps({"host": host, "pid": pid, "time": "2026-11-26T14:05:00"}))
    if age:
        past = time.time() - age
        os.utime(path, (past, past))
    return path


def test_second_lock_is_busy_until_released(tmp_path: Path) -> None:
    first = FolderLock(tmp_path)
    first.acquire()
    holder = json.loads((tmp_path / LOCK_NAME).read_text())
    assert holder["host"] == socket.gethostname() and holder["pid"] == os.getpid()
    second = FolderLock(tmp_path)
    with pytest.raises(FolderBusy) as busy:
        second.acquire()
    assert f"pid {os.getpid()}" in str(busy.value) and "Try again later" in str(busy.value)
    first.release()
    assert not (tmp_path / LOCK_NAME).exists()
    with second:
        assert second.still_held()
    assert not (tmp_path / LOCK_NAME).exists()


def test_wait_for_a_live_lock(tmp_path: Path) -> None:
    first = FolderLock(tmp_path)
    first.acquire()
    threading.Timer(0.3, first.release).start()
    start = time.monotonic()
    second = FolderLock(tmp_path)
    second.acquire(wait=10, poll=0.05)
    assert 0.2 < time.monotonic() - start < 5
    second.release()


def test_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path: Path) -> None:
    pid = dead_pid()
    write_lock(tmp_path, host=socket.gethostname(), pid=pid)
    lock = FolderLock(tmp_path)
    lock.acquire()
    assert lock.taken_over["pid"] == pid
    assert lock.still_held()
    assert not list(tmp_path.glob(f"{LOCK_NAME}.stale-*"))
    lock.release()


def test_lock_of_a_live_process_on_this_host_is_respected(tmp_path: Path) -> None:
    write_lock(tmp_path, host=socket.gethostname(), pid=os.getppid())
    with pytest.raises(FolderBusy):
        FolderLock(tmp_path).acquire()


def test_other_hosts_lock_is_taken_over_only_when_old(tmp_path: Path) -> None:
    write_lock(tmp_path, host="cron-box", pid=4242, age=5)
    with pytest.raises(FolderBusy) as busy:
        FolderLock(tmp_path, max_age=60).acquire()
    assert "host cron-box" in str(busy.value)
    write_lock(tmp_path, host="cron-box", pid=4242, age=120)
    lock = FolderLock(tmp_path, max_age=60)
    lock.acquire()
    assert lock.taken_over["host"] == "cron-box"
    lock.release()


def test_an_unreadable_lock_ages_out(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).write_bytes(b"")
    with pytest.raises(FolderBusy):
        FolderLock(tmp_path, max_age=60).acquire()
    past = time.time() - 120
    os.utime(tmp_path / LOCK_NAME, (past, past))
    with FolderLock(tmp_path, max_age=60) as lock:
        assert lock.still_held()


def test_two_takers_of_a_stale_lock_never_both_win(tmp_path: Path) -> None:
    for _ in range(30):
        write_lock(tmp_path, host="gone-host", pid=1, age=3600)
        locks = [FolderLock(tmp_path, max_age=60) for _ in range(4)]
        barrier = threading.Barrier(len(locks))
        won: list[FolderLock] = []

        def take(lock: FolderLock, barrier: threading.Barrier, won: list[FolderLock]) -> None:
            barrier.wait()
            try:
                lock.acquire()
            except FolderBusy:
                return
            won.append(lock)

        threads = [threading.Thread(target=take, args=(lock, barrier, won)) for lock in locks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        holders = [lock for lock in won if lock.still_held()]
        assert len(holders) == 1, "exactly one taker holds the lock"
        for lock in won:
            lock.release()
        assert not (tmp_path / LOCK_NAME).exists()
        assert not list(tmp_path.glob(f"{LOCK_NAME}.*"))


def test_heartbeat_keeps_a_held_lock_fresh(tmp_path: Path) -> None:
    lock = FolderLock(tmp_path, max_age=1.0)  # touched every 0.25 s
    lock.acquire()
    time.sleep(1.5)
    with pytest.raises(FolderBusy):
        FolderLock(tmp_path, max_age=1.0).acquire()
    lock.release()


def test_release_never_removes_someone_elses_lock(tmp_path: Path) -> None:
    lock = FolderLock(tmp_path)
    lock.acquire()
    write_lock(tmp_path, host="other", pid=7)  # taken over meanwhile
    assert not lock.still_held() and not lock.refresh()
    lock.release()
    assert json.loads((tmp_path / LOCK_NAME).read_text())["host"] == "other"


@pytest.mark.parametrize(
    "name",
    ["~$orders.xlsx", ".~lock.orders.xlsx#", ".hidden.csv", "orders.xlsx.tmp", "orders.tmp",
     "copy.crdownload", "orders.xlsx~", "orders.xlsx.error.txt"],
)  # fmt: skip
def test_lock_temp_and_other_files_are_ignored(name: str) -> None:
    assert ignored(name)


@pytest.mark.parametrize(
    "name", ["orders.xlsx", "ORDERS.XLSM", "old.xls", "calc.ods", "e.csv", "e.txt", "e.tsv"]
)
def test_readable_files_are_not_ignored(name: str) -> None:
    assert ignored(name) == ""


def test_open_in_office(tmp_path: Path) -> None:
    sheet = tmp_path / "selection.xlsx"
    sheet.write_bytes(b"x")
    assert not open_in_office(sheet)
    (tmp_path / "~$selection.xlsx").write_bytes(b"owner")
    assert open_in_office(sheet)
    (tmp_path / "~$selection.xlsx").unlink()
    (tmp_path / ".~lock.selection.xlsx#").write_text("owner")
    assert open_in_office(sheet)


def test_journal_round_trip(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state")
    record = {"input": "orders.xlsx", "sha256": "ab" * 32, "kind": "export", "state": "started"}
    journal.save(record)
    assert journal.find("orders.xlsx", "ab" * 32) == record
    assert journal.find("orders.xlsx", "cd" * 32) is None
    assert journal.find("other.xlsx", "ab" * 32) is None
    (tmp_path / "state" / "junk.json").write_text("{not json")
    assert journal.records() == [record]
    assert not (tmp_path / "state" / "junk.json").exists()
    journal.drop(record)
    assert journal.records() == []


def test_copy_verified_and_move_if_unchanged(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("Order #\n1\n")
    sha = sha256_file(src)
    dst = tmp_path / "archive" / "a-1.csv"
    dst.parent.mkdir()
    copy_verified(src, dst, sha)
    copy_verified(src, dst, sha)  # a good copy is kept
    assert dst.read_text() == src.read_text()
    with pytest.raises(FileChanged):
        copy_verified(src, tmp_path / "archive" / "b.csv", "0" * 64)
    assert not (tmp_path / "archive" / "b.csv").exists()
    assert not list((tmp_path / "archive").glob(".*"))
    st = src.stat()
    src.write_text("Order #\n1\n2\n")  # a new version arrived
    assert not move_if_unchanged(src, tmp_path / "moved.csv", st)
    assert src.exists()
    assert move_if_unchanged(src, tmp_path / "moved.csv", src.stat())
    assert not src.exists() and (tmp_path / "moved.csv").exists()
