"""Temporary files are named for their host and process, so a later run removes the ones a
killed run of this machine left, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from massinvoice import files as fsutil
from massinvoice.files import atomic_path, new_temp_beside, sweep_temps


@pytest.fixture
def dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_a_temporary_name_says_host_and_process(tmp_path: Path) -> None:
    tmp = new_temp_beside(tmp_path / ("x" * 250 + ".pdf"))
    found = fsutil._TEMP_NAME.fullmatch(tmp.name)
    assert found and int(found["pid"]) == os.getpid() and len(tmp.name.encode()) <= 255


@pytest.mark.skipif(os.name != "posix", reason="process liveness is asked with kill(pid, 0)")
def test_only_a_dead_process_of_this_host_has_its_files_swept(tmp_path: Path, dead_pid) -> None:
    host = fsutil._owner().rsplit("-", 1)[0]
    dead = tmp_path / f".001-000004561.pdf.{host}-{dead_pid}.0123456789ab.tmp"
    live = tmp_path / f".001-000004562.pdf.{host}-{os.getpid()}.0123456789ab.tmp"
    other_host = tmp_path / f".001-000004563.pdf.otherhost{host}-{dead_pid}.0123456789ab.tmp"
    not_ours = tmp_path / ".notes.tmp"
    for path in (dead, live, other_host, not_ours):
        path.write_bytes(b"half")
    assert sweep_temps(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, other_host, not_ours)
    )


def test_a_finished_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    with atomic_path(tmp_path / "a.pdf") as tmp:
        tmp.write_bytes(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]
    assert sweep_temps(tmp_path / "missing") == []
