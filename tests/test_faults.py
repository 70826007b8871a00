"""Faults: runs killed at random points, two runs at once, a read-only folder, a full disk.

Each test drives ``massinvoice invoice`` as a separate process and then checks, through the
registry, the PDFs and the run's own outputs, that nothing was lost or doubled
(:func:`tests.fault_tools.check_invariants`). Kill points are seeded: a failure names its seed
and point, and the same seed replays the same sequence.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from massinvoice.files import sha256_file
from tests.fault_tools import (
    Billing,
    check_invariants,
    finish,
    kill_plan,
    kill_when,
    measure_pace,
    pdf_count,
    prepare,
    reap,
    registry_records,
    run_until_killed,
    start,
    start_invoice,
    wait_group_gone,
)
from tests.sheet_tools import mark


@pytest.fixture(autouse=True)
def _reap_children() -> Iterator[None]:
    """Kill whatever a test started and left running."""
    yield
    reap()


def kill_chain(b: Billing, out: Path, count: int, seed: int) -> tuple[int, float]:
    """Run and kill ``count`` times at seeded points, then rerun to the end; check everything.

    Returns how many runs were really interrupted and the seconds it all took.
    """
    registry = Path(b.config.registry_url.removeprefix("sqlite:///"))
    before = sha256_file(registry)
    pace = measure_pace(b, b.workspace / "dry-run")
    assert sha256_file(registry) == before, "a dry run changes no registry"
    print(f"  pace: start-up {pace.startup:.1f} s, {pace.per_invoice:.2f} s per invoice")
    started = time.monotonic()
    killed = 0
    for i, point in enumerate(kill_plan(count, seed)):
        if run_until_killed(b, out, point, pace):
            killed += 1
        print(f"  kill {i + 1:2d}/{count} at {point}: {pdf_count(out)} PDFs")
    code, stdout, stderr = finish(start_invoice(b, out, jobs=2))
    assert code in (0, 1), stdout + stderr
    assert "Traceback" not in stderr
    audit = check_invariants(b, [out], manifest_of=out)
    assert audit.issued == len(b.marked)
    # and one more run issues nothing: every order is already invoiced
    code, stdout, stderr = finish(start_invoice(b, out))
    assert code == 1 and "Issued 0 invoices" in stdout, stdout + stderr
    check_invariants(b, [out])
    return killed, time.monotonic() - started


@pytest.mark.slow
def test_killed_at_8_points_of_a_30_invoice_run(workspace: Path) -> None:
    b = prepare(workspace, 30)
    killed, seconds = kill_chain(b, workspace / "out", count=8, seed=30)
    print(f"8 kill points, 30 invoices: {killed} runs interrupted, {seconds:.0f} s")
    assert killed >= 6, "the kill points must interrupt runs, not wait for their end"


@pytest.mark.slow
def test_killed_at_50_points_of_a_100_invoice_run(workspace: Path) -> None:
    b = prepare(workspace, 100)
    killed, seconds = kill_chain(b, workspace / "out", count=50, seed=2611)
    print(f"50 kill points, 100 invoices: {killed} runs interrupted, {seconds:.0f} s")
    assert killed >= 35, "the kill points must interrupt runs, not wait for their end"


def test_render_workers_die_with_their_killed_run(workspace: Path) -> None:
    b = prepare(workspace, 12)
    out = workspace / "out"
    proc = start_invoice(b, out, jobs=2)
    assert kill_when(proc, lambda: pdf_count(out) >= 1)  # the main process only, mid-run
    alive = wait_group_gone(proc.pid, timeout=15)
    assert not alive, f"render workers {alive} outlived their run"


def test_two_invoice_runs_on_one_sheet_at_once(workspace: Path) -> None:
    b = prepare(workspace, 24)
    outs = [workspace / "out-a", workspace / "out-b"]
    procs = [start_invoice(b, out, jobs) for out, jobs in zip(outs, (1, 2), strict=True)]
    results = [finish(p) for p in procs]
    for code, stdout, stderr in results:
        assert code in (0, 1), stdout + stderr
        assert "Traceback" not in stderr
    counts = [pdf_count(out) for out in outs]
    print(f"two runs at once: {counts[0]} + {counts[1]} invoices")
    assert sum(counts) == 24
    check_invariants(b, outs)


def test_two_runs_on_overlapping_sheets_at_once(workspace: Path) -> None:
    """Two people mark overlapping orders on two copies and invoice at the same moment."""
    b = prepare(workspace, 24)
    first, second = workspace / "first.xlsx", workspace / "second.xlsx"
    for sheet, orders in ((first, b.marked[:16]), (second, b.marked[8:])):
        shutil.copy(b.sheet, sheet)
        mark(sheet, b.marked, value="")
        mark(sheet, orders)
    outs = [workspace / "out-1", workspace / "out-2"]
    procs = [
        start("invoice", sheet, "-o", out, "--config", b.config_path, "--jobs", jobs,
              cwd=workspace)
        for sheet, out, jobs in ((first, outs[0], 2), (second, outs[1], 1))
    ]  # fmt: skip
    for code, stdout, stderr in (finish(p) for p in procs):
        assert code in (0, 1), stdout + stderr
        assert "Traceback" not in stderr
    counts = [pdf_count(out) for out in outs]
    print(f"two runs on overlapping sheets: {counts[0]} + {counts[1]} invoices")
    assert sum(counts) == 24
    check_invariants(b, outs, sheets=[first, second])


# --- the output folder cannot be written ---------------------------------------------------------


def _mount(*args: str) -> bool:
    """Run mount(8); False when this machine does not allow it."""
    try:
        done = subprocess.run(["mount", *args], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` read-only for everybody, root included; yield how."""
    folder.mkdir(parents=True, exist_ok=True)
    if _mount("--bind", str(folder), str(folder)):
        try:
            if _mount("-o", "remount,bind,ro", str(folder)):
                yield "read-only bind mount"
                return
        finally:
            _mount_off(folder)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "permission bits 555"
        finally:
            folder.chmod(0o755)
        return
    pytest.skip("root here, and mount is not allowed: no way to make a folder read-only")


def _mount_off(folder: Path) -> None:
    """Unmount, retrying while a process of the test still has the folder open."""
    for _ in range(50):
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def test_a_read_only_output_folder_is_refused_before_numbering(workspace: Path) -> None:
    b = prepare(workspace, 5)
    out = workspace / "out"
    with read_only(out) as how:
        code, stdout, stderr = finish(start_invoice(b, out))
        print(f"read-only output folder ({how}): exit {code}: {stderr.strip()}")
    assert code == 2, stdout + stderr
    assert "[output_not_writable]" in stderr and str(out) in stderr
    assert "Read-only file system" in stderr or "Permission denied" in stderr
    assert "Traceback" not in stderr
    assert registry_records(b.config) == [], "no number taken"
    assert pdf_count(out) == 0


# --- the disk fills up ---------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[None]:
    """A tmpfs of ``size`` mounted on ``folder``; skip when mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)):
        pytest.skip("mount -t tmpfs is not allowed here")
    try:
        yield
    finally:
        _mount_off(folder)


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_disk_that_fills_up_mid_run(workspace: Path, jobs: int) -> None:
    """Issued invoices stay valid, the rest stay pending; with space, a rerun finishes them."""
    b = prepare(workspace, 40)
    out = workspace / "out"
    with small_disk(out, "256k"):
        started = time.monotonic()
        code, stdout, stderr = finish(start_invoice(b, out, jobs))
        seconds = time.monotonic() - started
        print(f"disk full, --jobs {jobs}: exit {code} after {seconds:.1f} s\n{stderr.strip()}")
        assert code == 2, stdout + stderr
        assert "[output_write_failed]" in stderr and "No space left on device" in stderr
        assert "Traceback" not in stderr
        records = registry_records(b.config)
        issued = [r for r in records if r.state == "issued"]
        pending = [r for r in records if r.state == "pending"]
        assert issued and pending, "the disk filled up in the middle of the run"
        assert f"{len(issued)} invoices issued" in stderr
        assert f"{len(pending)} unfinished stay pending" in stderr
        assert sorted(r.seq for r in records) == list(range(1, 41)), "numbers gap-free"
        for r in issued:  # what was issued is complete and valid
            assert sha256_file(Path(r.file)) == r.sha256
        assert pdf_count(out) == len(issued), "no PDF for an unfinished invoice"
        numbers = {r.orders: r.number for r in records}

        assert _mount("-o", "remount,size=64m", str(out))
        code, stdout, stderr = finish(start_invoice(b, out, jobs))
        assert code in (0, 1), stdout + stderr
        assert f"{len(pending)} finished for an interrupted earlier run" in stdout
        audit = check_invariants(b, [out], manifest_of=out)
        assert audit.issued == 40
        assert {r.orders: r.number for r in registry_records(b.config)} == numbers, "same numbers"


def _file_size_limit(limit: int) -> Callable[[], None]:
    """A preexec_fn: no file of the child may grow past ``limit`` bytes (EFBIG, not SIGXFSZ)."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize(
    ("limit_kib", "expected"),
    # The registry exists (init made it) and is written only once the renderer is ready, so a
    # tiny limit is met by the renderer first, as a larger one is: either way no number taken.
    [(64, "[renderer_failed]"), (192, "[renderer_failed]")],
    ids=["tiny-limit", "no-room-for-the-fonts"],
)
def test_a_file_size_limit_is_refused_before_numbering(
    workspace: Path, limit_kib: int, expected: str
) -> None:
    """Too small for the registry, or for the renderer's temporary fonts: a clear error,
    no number taken; without the limit the same command then issues everything."""
    b = prepare(workspace, 30)
    out = workspace / "out"
    limit = _file_size_limit(limit_kib * 1024)
    code, stdout, stderr = finish(start_invoice(b, out, preexec_fn=limit))
    print(f"file size limit {limit_kib} KiB: exit {code}: {stderr.strip()}")
    assert code == 2, stdout + stderr
    assert expected in stderr and "Traceback" not in stderr
    if Path(b.config.registry_url.removeprefix("sqlite:///")).exists():
        assert registry_records(b.config) == [], "no number taken"
    assert pdf_count(out) == 0
    code, stdout, stderr = finish(start_invoice(b, out))
    assert code == 0, stdout + stderr
    check_invariants(b, [out], manifest_of=out)
