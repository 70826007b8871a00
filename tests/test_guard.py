"""The guard: every workbook (xlsx, xlsm, ods, xls, xlsb) is read in one memory-capped worker
process. A sheet that asks the engine for too much ends that worker, never the caller: the
file is refused as ``too_large``, and the next file reads as usual."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from massinvoice.config import Config, Limits
from massinvoice.problems import InputError
from massinvoice.read import load_export
from massinvoice.read.guard import read_workbook
from tests.test_hostile import HOSTILE, M
from tests.test_selection_libreoffice import resave

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter whose own address space may grow by 1 GiB at most (soft limit, so
# the worker it starts can set its own): a sheet loaded here instead of in the worker fails.
CAPPED = """
import json, resource, sys
from pathlib import Path
if __name__ == "__main__":
    size = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmSize:")))
    resource.setrlimit(resource.RLIMIT_AS, (size * 1024 + (1 << 30), resource.RLIM_INFINITY))
    from massinvoice.config import Config
    from massinvoice.problems import InputError
    from massinvoice.read import load_export
    out = {}
    for path in sys.argv[1:]:
        try:
            out[Path(path).name] = ["read", len(load_export([Path(path)], Config()))]
        except InputError as exc:
            out[Path(path).name] = [p.code for p in exc.problems]
    print(json.dumps(out))
"""


def _capped(*paths: Path) -> dict[str, list]:
    done = subprocess.run(
        [sys.executable, "-c", CAPPED, *map(str, paths)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")
def test_huge_sheets_end_the_worker_not_a_capped_caller() -> None:
    names = ["sparse_far_corner.xlsx", "four_letter_column.xlsx", "ods_repeated_columns.ods",
             "formula_injection.xlsx"]  # fmt: skip
    got = _capped(*(HOSTILE / n for n in names))
    assert got["sparse_far_corner.xlsx"] == ["too_large"]
    assert got["four_letter_column.xlsx"] == ["too_large"]
    assert got["ods_repeated_columns.ods"] == ["too_large"]
    assert got["formula_injection.xlsx"] == ["read", 10]  # the worker is back for the next file


def test_the_worker_reads_from_a_process_with_other_threads() -> None:
    """The batch runner holds its folder lock with a heartbeat thread: the guard still works."""
    stop = threading.Event()
    beat = threading.Thread(target=stop.wait, daemon=True)
    beat.start()
    try:
        with pytest.raises(InputError) as caught:
            load_export([HOSTILE / "sparse_far_corner.xlsx"], Config())
        assert [p.code for p in caught.value.problems] == ["too_large"]
        assert len(load_export([HOSTILE / "formula_injection.xlsx"], Config())) == 10
    finally:
        stop.set()


def test_a_cap_too_small_for_a_sheet_names_the_file_and_the_setting(tmp_path: Path) -> None:
    rows = [(1, M.HEADER)] + [(r, M.order_row(f"PO-{r}")) for r in range(2, 3000)]
    path = M.raw_xlsx(tmp_path / "big.xlsx", M._SHEET.format(rows=M.sheet_rows(rows)))
    with pytest.raises(InputError) as caught:
        load_export([path], Config(limits=Limits(max_memory_mb=1)))
    (problem,) = caught.value.problems
    assert problem.code == "too_large" and problem.file == "big.xlsx"
    assert "max_memory_mb" in problem.hint
    assert len(load_export([path], Config())) == 2998  # the default cap reads it


def test_rows_columns_and_cells_are_limited_before_cells_are_made(tmp_path: Path) -> None:
    rows = [(1, M.HEADER)] + [(r, M.order_row(f"PO-{r}")) for r in range(2, 40)]
    path = M.raw_xlsx(tmp_path / "x.xlsx", M._SHEET.format(rows=M.sheet_rows(rows)))
    for limits, words in (
        (Limits(max_rows=10), "39 rows, over the limit of 10"),
        (Limits(max_columns=5), "columns, over the limit of 5"),
        (Limits(max_cells=100), "cells, over the limit of 100"),
    ):
        with pytest.raises(InputError) as caught:
            load_export([path], Config(limits=limits))
        (problem,) = caught.value.problems
        assert problem.code == "too_large" and words in problem.message, problem
    assert [name for name, _ in read_workbook(path, Limits())] == ["Orders"]


@pytest.fixture(scope="module")
def stray(tmp_path_factory) -> Path:
    """An export with one stray cell at row 60000, column 200 (the shape that made calamine
    allocate a whole rectangle)."""
    folder = tmp_path_factory.mktemp("stray")
    rows = [(1, M.HEADER), (2, M.order_row("LEG-1"))]
    far = '<row r="60000"><c r="GR60000" t="inlineStr"><is><t>stray</t></is></c></row>'
    return M.raw_xlsx(folder / "stray.xlsx", M._SHEET.format(rows=M.sheet_rows(rows) + far))


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xls", "ods"])  # no writer of .xlsb is at hand here
def test_every_workbook_format_goes_through_the_worker(stray: Path, kind: str) -> None:
    try:
        path = resave(stray, stray.parent, kind)
    except (AssertionError, subprocess.SubprocessError) as exc:
        pytest.skip(f"LibreOffice cannot write {kind} here: {exc}")
    assert [o.order_no for o in load_export([path], Config())] == ["LEG-1"]
    with pytest.raises(InputError) as caught:
        load_export([path], Config(limits=Limits(max_memory_mb=8)))
    assert [p.code for p in caught.value.problems] == ["too_large"]
    with pytest.raises(InputError) as caught:
        load_export([path], Config(limits=Limits(max_rows=1000)))
    (problem,) = caught.value.problems
    assert problem.code == "too_large" and "60000 rows, over the limit of 1000" in problem.message
