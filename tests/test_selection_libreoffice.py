"""A real LibreOffice round trip: mark rows, re-save with soffice, read back the same selection.

Skipped when soffice is not installed, except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from massinvoice.model import STATUS_FILLS, Status
from massinvoice.readback.selection import LineEdit, is_selection_workbook, read_selection
from tests.test_selection_fixtures import CONFIG, header_row, mark, row_of, set_line, write

pytestmark = pytest.mark.libreoffice


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice is required in CI (install libreoffice-calc-nogui)")
        pytest.skip("soffice is not installed")
    return found


def resave(path: Path, folder: Path, to: str = "xlsx") -> Path:
    """Open and save the workbook with LibreOffice, as a person re-saving it would."""
    out = folder / "resaved"
    out.mkdir(exist_ok=True)
    profile = (folder / "lo-profile").as_uri()
    subprocess.run(
        [_soffice(), f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", to, "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    result = out / f"{path.stem}.{to.split(':')[0]}"
    assert result.is_file(), f"LibreOffice wrote nothing for {path.name}"
    return result


def _fill(cell: openpyxl.cell.Cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    _soffice()
    (tmp_path / "in").mkdir()
    path = write(tmp_path / "in")
    mark(path, {"PO-1001": "x", "PO-1003": "✓", "PO-1005": "sí", "PO-1004": "X"})
    set_line(path, "PO-1005", 1, "Unit Price", 0.35)
    set_line(path, "PO-1003", 2, "Boxes", 3)
    return path


def test_libreoffice_resave_keeps_the_selection(marked: Path, tmp_path: Path) -> None:
    before = read_selection(marked, config=CONFIG)
    after = read_selection(resave(marked, tmp_path), config=CONFIG)
    assert [o.order_no for o in after.orders] == ["PO-1001", "PO-1003", "PO-1005"]
    assert after.orders == before.orders
    assert (
        after.edits
        == before.edits
        == (
            LineEdit("PO-1003", 2, "boxes", "2", "3"),
            LineEdit("PO-1005", 1, "unit_price", "0.00", "0.35"),
        )
    )
    assert [r.order_no for r in after.refused] == ["PO-1004"]
    assert after.fingerprints == before.fingerprints
    assert after.selected_totals == before.selected_totals
    assert after.meta == before.meta


def test_libreoffice_resave_keeps_fills_locks_and_hidden_state(
    marked: Path, tmp_path: Path
) -> None:
    wb = openpyxl.load_workbook(resave(marked, tmp_path))
    assert wb.sheetnames == ["Selection", "Lines", "Legend", "_massinvoice"]
    assert wb["_massinvoice"].sheet_state == "hidden"
    ws = wb["Selection"]
    assert ws.protection.sheet
    _, cols = header_row(ws, "Order #")
    # (A headless conversion has no window, so LibreOffice writes no frozen panes back; the
    # test does not ask for them.)
    expected = {
        "PO-1001": Status.PACKED, "PO-1002": Status.PARTIAL, "PO-1003": Status.NOT_PACKED,
        "PO-1004": Status.INVOICED,
    }  # fmt: skip
    for order_no, status in expected.items():
        r = row_of(ws, order_no)
        assert {_fill(ws.cell(r, c)) for c in range(1, 22)} == {STATUS_FILLS[status]}
        assert ws.cell(r, cols["Select"]).protection.locked == (status is Status.INVOICED)
        assert ws.cell(r, cols["Bill Customer"]).protection.locked
    assert ws.cell(row_of(ws, "PO-1004"), cols["Select"]).value == "X"  # typed over, refused
    lines = wb["Lines"]
    assert lines.protection.sheet
    _, line_cols = header_row(lines, "Order #")
    r = row_of(lines, "PO-1002", 2)
    assert not lines.cell(r, line_cols["Unit Price"]).protection.locked
    assert lines.cell(r, line_cols["Variety"]).protection.locked
    assert _fill(lines.cell(r, line_cols["Variety"])) == STATUS_FILLS[Status.PARTIAL]


def test_libreoffice_computes_the_live_selected_line(marked: Path, tmp_path: Path) -> None:
    # openpyxl saved the marks without cached values, so LibreOffice had to compute them.
    wb = openpyxl.load_workbook(resave(marked, tmp_path), data_only=True)
    ws = wb["Selection"]
    texts = [ws.cell(r, 1).value for r in range(1, 8)]
    # PO-1001 420.00 + PO-1003 (3 boxes on line 2 do not change stems) 420.00 + PO-1005 210.00;
    # the X typed on the invoiced PO-1004 is not counted.
    assert "Selected: 3 orders · amount 1,050.00 USD" in texts
    lines = wb["Lines"]
    _, cols = header_row(lines, "Order #")
    assert lines.cell(row_of(lines, "PO-1005", 1), cols["Amount"]).value == 210


def test_a_fresh_workbook_survives_libreoffice_untouched(tmp_path: Path) -> None:
    _soffice()
    (tmp_path / "in").mkdir()
    path = write(tmp_path / "in", select_all=True)
    got = read_selection(resave(path, tmp_path), config=CONFIG)
    assert [o.order_no for o in got.orders] == [
        "PO-1001",
        "PO-1002",
        "PO-1003",
        "PO-1005",
        "PO-1006",
    ]
    assert got.edits == ()


def test_saved_as_ods_reads_the_same(marked: Path, tmp_path: Path) -> None:
    before = read_selection(marked, config=CONFIG)
    ods = resave(marked, tmp_path, to="ods")
    assert is_selection_workbook(ods)
    after = read_selection(ods, config=CONFIG)
    assert after.orders == before.orders
    assert after.edits == before.edits
    assert after.refused == before.refused
