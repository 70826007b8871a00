"""Kill the invoice run (SIGKILL) at several points; a rerun must finish with nothing lost or doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from massinvoice.files import sha256_file
from massinvoice.registry.numbering import Registry
from tests.sheet_tools import mark, never_invoiced


def start_run(workspace: Path, sheet: Path, out: Path, jobs: int = 1) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "massinvoice", "invoice", str(sheet), "-o", str(out),
           "--config", str(workspace / "massinvoice.toml"), "--jobs", str(jobs)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    return subprocess.Popen(
        cmd, cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def kill_when(proc: subprocess.Popen, ready, timeout: float = 120) -> bool:
    """SIGKILL the process as soon as ready() holds; False if it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            proc.kill()
            proc.wait()
            return True
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("run neither finished nor reached the kill point")


def pending_count(url: str) -> int:
    if not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    try:
        reg = Registry(url)
    except Exception:  # the database may be mid-creation by the process under test
        return 0
    try:
        return len(reg.list(state="pending"))
    except Exception:
        return 0
    finally:
        reg.close()


def check_invariants(config, out: Path, marked: list[str]) -> None:
    reg = Registry(config.registry_url)
    try:
        records = reg.list()
    finally:
        reg.close()
    assert not [r.number for r in records if r.state == "pending"], (
        "no pending invoice after a rerun"
    )
    seqs = sorted(r.seq for r in records)
    assert seqs == list(range(1, len(records) + 1)), "numbers are gap-free"
    held = [o for r in records for o in r.orders]
    assert len(held) == len(set(held)), "no order on two invoices"
    assert sorted(held) == sorted(marked), "every marked order invoiced, nothing lost"
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert pdfs == sorted(f"{r.number}.pdf" for r in records), "one PDF per number, no extra"
    for r in records:
        assert sha256_file(out / f"{r.number}.pdf") == r.sha256


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_killed_runs_are_finished_by_the_next_run(workspace, make_selection, jobs):
    config, export, sheet = make_selection(40)
    marked = mark(sheet, skip=never_invoiced(export, config))
    out = workspace / "out"
    url = config.registry_url
    kill_points = [
        lambda: pending_count(url) > 0,  # right after the reservation
        lambda: len(list(out.glob("*.pdf"))) >= 3,
        lambda: len(list(out.glob("*.pdf"))) >= 7,
        lambda: len(list(out.glob("*.pdf"))) >= 12,
    ]
    killed = 0
    for ready in kill_points:
        killed += kill_when(start_run(workspace, sheet, out, jobs), ready)
    assert killed >= 2, "the test must actually interrupt runs"
    final = start_run(workspace, sheet, out, jobs)
    _stdout, stderr = final.communicate(timeout=300)
    assert final.returncode in (0, 1), stderr.decode()
    check_invariants(config, out, marked)
    assert not list(out.glob(".*.tmp")), "the killed runs' half-written files are swept"
    # one more run issues nothing new
    again = start_run(workspace, sheet, out, jobs)
    again.communicate(timeout=300)
    assert again.returncode == 1
    check_invariants(config, out, marked)
