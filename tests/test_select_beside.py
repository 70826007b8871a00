"""The select done by a forked process while this one measures the workbooks' sheets.

Whatever the path (beside the measure, or here), the workbook, the result and the problems of a
bad file are the same, and nothing is left beside the output.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from massinvoice import forking
from massinvoice.config import Config
from massinvoice.problems import InputError
from massinvoice.select import run as selecting
from massinvoice.select import workbook as selection_sheet
from massinvoice.select.run import select_orders

HOSTILE = Path(__file__).parent / "hostile"
pytestmark = pytest.mark.skipif(not forking.two_cores(), reason="needs fork and two cores")


class _FixedNow(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return cls(2026, 11, 20, 8, 30)


@pytest.fixture
def fixed(monkeypatch):
    """Every workbook written at the same time, so that two of them compare byte for byte."""
    monkeypatch.setattr(selection_sheet.dt, "datetime", _FixedNow)
    return monkeypatch


def _select(export: Path, out: Path, beside: bool, monkeypatch) -> selecting.SelectResult:
    monkeypatch.setattr(selecting, "MEASURE_BESIDE_FROM", 0 if beside else 1 << 62)
    return select_orders([export], out, config=Config(), select_all=True, use_registry=False)


@pytest.fixture
def outcomes(monkeypatch) -> list:
    """What each select beside the measure gave (None: the caller selected here)."""
    seen: list = []
    real = selecting._select_beside_the_measure

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(selecting, "_select_beside_the_measure", spy)
    return seen


def _folder_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_same_workbook_and_result_beside_the_measure_or_here(
    make_export, tmp_path: Path, fixed, outcomes
) -> None:
    export = make_export(120)
    out = tmp_path / "out"
    out.mkdir()
    here = _select(export, out / "here.xlsx", False, fixed)
    beside = _select(export, out / "beside.xlsx", True, fixed)
    assert beside.path == out / "beside.xlsx" and beside.listed == here.listed > 0
    assert {**vars(beside), "path": None} == {**vars(here), "path": None}
    assert (out / "beside.xlsx").read_bytes() == (out / "here.xlsx").read_bytes()
    assert _folder_names(out) == ["beside.xlsx", "here.xlsx"]
    assert outcomes == [beside]  # done beside the measure, once


@pytest.mark.parametrize("name", ["sparse_far_corner.xlsx", "lowercase_cell_reference.xlsx"])
def test_a_file_the_measure_refuses_gives_the_same_problems(
    tmp_path: Path, fixed, outcomes, name
) -> None:
    export = tmp_path / name
    shutil.copy(HOSTILE / name, export)
    reports = []
    for beside in (False, True):
        with pytest.raises(InputError) as caught:
            _select(export, tmp_path / "out" / "s.xlsx", beside, fixed)
        reports.append([str(p) for p in caught.value.problems])
    assert reports[0] == reports[1] and "too_large" in reports[0][0]
    assert outcomes == [None]  # tried beside the measure, refused, then done here
    assert not (tmp_path / "out").exists() or _folder_names(tmp_path / "out") == []


def test_a_select_that_fails_beside_is_done_here(
    make_export, tmp_path: Path, fixed, outcomes
) -> None:
    export = make_export(120)
    here = _select(export, tmp_path / "here.xlsx", False, fixed)
    fixed.setattr(selecting, "cap_memory", lambda extra: os._exit(7))  # the forked one dies
    again = _select(export, tmp_path / "again.xlsx", True, fixed)
    assert {**vars(again), "path": None} == {**vars(here), "path": None}
    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "here.xlsx").read_bytes()
    assert sorted(p.name for p in tmp_path.glob(".*")) == []
    assert outcomes == [None]
