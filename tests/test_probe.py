"""Binary workbooks (old .xls) are loaded once by a memory-capped forked process to learn their
sheets' size before this process loads them: a sheet too large is refused, not loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from massinvoice.config import Config, Limits
from massinvoice.forking import can_fork
from massinvoice.problems import InputError
from massinvoice.read import load_export, probe
from tests.test_hostile import M
from tests.test_selection_libreoffice import resave

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(not can_fork(), reason="the probe forks (Linux)"),
]


@pytest.fixture(scope="module")
def far_xls(tmp_path_factory) -> Path:
    """An .xls export with one stray cell at row 60000, column 200 (as LibreOffice saves it)."""
    folder = tmp_path_factory.mktemp("xls")
    rows = [(1, M.HEADER), (2, M.order_row("LEG-1"))]
    far = '<row r="60000"><c r="GR60000" t="inlineStr"><is><t>stray</t></is></c></row>'
    source = M.raw_xlsx(folder / "stray.xlsx", M._SHEET.format(rows=M.sheet_rows(rows) + far))
    return resave(source, folder, "xls")


def test_a_binary_workbook_within_the_limits_reads(far_xls: Path) -> None:
    orders = load_export([far_xls], Config())
    assert [o.order_no for o in orders] == ["LEG-1"]


def test_a_binary_sheet_over_the_row_limit_is_refused_before_loading(far_xls: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_export([far_xls], Config(limits=Limits(max_rows=1000)))
    (problem,) = caught.value.problems
    assert problem.code == "too_large" and "60000 rows, over the limit of 1000" in problem.message
    assert problem.file == far_xls.name


def test_a_binary_sheet_asking_for_too_much_memory_ends_the_probe_not_us(
    far_xls: Path, monkeypatch
) -> None:
    monkeypatch.setattr(probe, "PROBE_MEMORY", 16 << 20)  # 60000 x 200 cells need far more
    with pytest.raises(InputError) as caught:
        load_export([far_xls], Config())
    (problem,) = caught.value.problems
    assert problem.code == "too_large" and "over 16 MB of memory" in problem.message
