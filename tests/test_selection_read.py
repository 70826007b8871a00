"""Reading a selection workbook back after a person worked on it (edits made with openpyxl)."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from massinvoice.problems import InputError
from massinvoice.readback.selection import LineEdit, Refusal, is_selection_workbook, read_selection
from tests.test_selection_fixtures import (
    CONFIG,
    CONFIG_ES,
    HOSTILE,
    edit,
    header_row,
    line,
    mark,
    order,
    row_of,
    sample_orders,
    set_line,
    write,
)

ACCEPTED = ["x", "X", "yes", "y", "si", "sí", "SÍ", "1", "true", "TRUE", "✓", "✔", 1, 1.0, True]


def _read(path: Path, config=CONFIG):
    return read_selection(path, config=config)


def _problems(path: Path) -> dict[str, list[str]]:
    with pytest.raises(InputError) as caught:
        _read(path)
    out: dict[str, list[str]] = {}
    for p in caught.value.problems:
        out.setdefault(p.code, []).append(str(p))
    return out


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write(tmp_path)


@pytest.mark.parametrize("value", ACCEPTED, ids=repr)
def test_every_accepted_select_value_selects(sheet: Path, value: object) -> None:
    mark(sheet, {"PO-1002": value})
    got = _read(sheet)
    assert [o.order_no for o in got.orders] == ["PO-1002"]
    assert got.refused == () and got.edits == ()


def test_nothing_selected_reads_empty(sheet: Path) -> None:
    got = _read(sheet)
    assert got.orders == () and got.all_orders_count == 6
    assert got.meta["format_version"] == 1 and got.meta["language"] == "en"
    assert got.meta["sources"][0]["name"] == "orders.xlsx"
    assert got.meta["filters"]["reps"] == ["Carla"]
    assert got.fingerprints == {o.order_no: o.fingerprint() for o in sample_orders()}
    assert len(got.sha256) == 64


def test_selected_orders_come_back_exactly_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, select_all=True)
    got = _read(path)
    originals = {o.order_no: o for o in sample_orders()}
    assert [o.order_no for o in got.orders] == [
        "PO-1001",
        "PO-1002",
        "PO-1003",
        "PO-1005",
        "PO-1006",
    ]
    for o in got.orders:
        assert o == originals[o.order_no]
        assert o.fingerprint() == got.fingerprints[o.order_no]
        assert got.selected_totals[o.order_no] == o.amount
    assert got.selected_totals["PO-1002"] == Decimal("630.00")
    assert got.orders[4].bill_customer == HOSTILE[0]
    assert (
        got.orders[0].source.sheet == "Selection" and got.orders[0].lines[0].source.sheet == "Lines"
    )
    assert got.refused == ()


def test_unclear_select_value_is_a_problem_naming_the_row(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "maybe", "PO-1003": 2})
    problems = _problems(sheet)["unclear_select"]
    ws = openpyxl.load_workbook(sheet)["Selection"]
    r = row_of(ws, "PO-1001")
    assert f"unclear Select value 'maybe' in row {r}" in problems[0]
    assert "type X or leave empty" in problems[0]
    assert len(problems) == 2


def test_x_on_an_invoiced_row_is_refused_never_invoiced(sheet: Path) -> None:
    mark(sheet, {"PO-1004": "X", "PO-1001": "x"})
    got = _read(sheet)
    assert [o.order_no for o in got.orders] == ["PO-1001"]
    assert got.refused == (
        Refusal("PO-1004", "order is already invoiced (001-001-000004512); never invoiced twice"),
    )
    assert got.refused[0].code == "invoiced"


def test_invoiced_per_hidden_sheet_even_if_the_visible_row_was_cleaned(sheet: Path) -> None:
    def scrub(wb) -> None:
        ws = wb["Selection"]
        _, cols = header_row(ws, "Order #")
        r = row_of(ws, "PO-1004")
        for label in ("Status", "Invoice #"):
            ws.cell(r, cols[label]).value = None
        ws.cell(r, cols["Select"]).value = "X"

    edit(sheet, scrub)
    assert [r.order_no for r in _read(sheet).refused] == ["PO-1004"]


def test_sorted_rows_read_the_same(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "X", "PO-1005": "X"})
    set_line(sheet, "PO-1005", 1, "Unit Price", 0.4)

    def reverse(wb) -> None:
        for name in ("Selection", "Lines"):
            ws = wb[name]
            top, _ = header_row(ws, "Order #")
            last = top + (6 if name == "Selection" else 11)
            rows = [[c.value for c in ws[r]] for r in range(top + 1, last + 1)]
            for r, values in zip(range(top + 1, last + 1), reversed(rows), strict=True):
                for c, value in enumerate(values, 1):
                    ws.cell(r, c).value = value

    before = _read(sheet)
    edit(sheet, reverse)
    after = _read(sheet)
    assert [o.order_no for o in after.orders] == ["PO-1001", "PO-1005"]
    assert after.orders == before.orders and after.edits == before.edits


def test_hidden_rows_and_columns_and_inserted_columns(sheet: Path) -> None:
    mark(sheet, {"PO-1002": "X"})
    set_line(sheet, "PO-1002", 3, "Unit Price", 0.5)

    def rearrange(wb) -> None:
        for name in ("Selection", "Lines"):
            ws = wb[name]
            top, _ = header_row(ws, "Order #")
            ws.insert_cols(1)
            ws.cell(top, 1).value = "My notes"
            ws.cell(top + 1, 1).value = "call Carla"
            ws.insert_cols(5, 2)
            ws.cell(top, 5).value = "Select" if name == "Lines" else "Comment"
            ws.row_dimensions[top + 2].hidden = True
            ws.column_dimensions["C"].hidden = True

    edit(sheet, rearrange)
    got = _read(sheet)
    assert [o.order_no for o in got.orders] == ["PO-1002"]
    assert got.edits == (LineEdit("PO-1002", 3, "unit_price", "0.35", "0.5"),)


def test_corrected_price_is_reported_and_used(sheet: Path) -> None:
    mark(sheet, {"PO-1005": "X"})
    set_line(sheet, "PO-1005", 1, "Unit Price", 0.35)
    got = _read(sheet)
    assert got.edits == (LineEdit("PO-1005", 1, "unit_price", "0.00", "0.35"),)
    assert str(got.edits[0]) == "order PO-1005 line 1: price 0.00 -> 0.35"
    (o,) = got.orders
    assert o.lines[0].unit_price == Decimal("0.35")
    assert got.selected_totals["PO-1005"] == Decimal("210.00")
    assert got.fingerprints["PO-1005"] != o.fingerprint()


def test_corrected_quantities_must_agree(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "X"})
    set_line(sheet, "PO-1001", 1, "Bunches", 20)
    set_line(sheet, "PO-1001", 1, "Stems", 500)
    set_line(sheet, "PO-1001", 2, "Packed", 1)
    got = _read(sheet)
    assert {(e.field, e.old, e.new) for e in got.edits} == {
        ("bunches", "24", "20"), ("stems", "600", "500"), ("packed_boxes", "2", "1"),
    }  # fmt: skip
    assert got.orders[0].lines[0].stems == 500 and got.orders[0].lines[1].packed_boxes == 1
    set_line(sheet, "PO-1001", 1, "Stems", 510)
    (problem,) = _problems(sheet)["stems_mismatch"]
    assert "stems 510 is not bunches 20 x stems/bunch 25 = 500" in problem


@pytest.mark.parametrize("typed", ["abc", "0,3x", "1.2.3", "12 usd"])
def test_a_price_that_is_not_a_number_names_sheet_row_and_column(sheet: Path, typed: str) -> None:
    mark(sheet, {"PO-1001": "X"})
    set_line(sheet, "PO-1001", 2, "Unit Price", typed)
    (problem,) = _problems(sheet)["bad_number"]
    r = row_of(openpyxl.load_workbook(sheet)["Lines"], "PO-1001", 2)
    assert f"sheet 'Lines', row {r}, column 'Unit Price'" in problem
    assert repr(typed) in problem


def test_text_numbers_with_a_decimal_comma_are_read(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "X"})
    set_line(sheet, "PO-1001", 1, "Unit Price", "0,38")
    set_line(sheet, "PO-1001", 2, "Boxes", "3")
    got = _read(sheet)
    assert got.orders[0].lines[0].unit_price == Decimal("0.38")
    assert got.orders[0].lines[1].boxes == 3


@pytest.mark.parametrize(
    ("label", "value", "code"),
    [
        ("Boxes", 2.5, "bad_number"),
        ("Stems", -600, "bad_number"),
        ("Unit Price", None, "empty_value"),
    ],
)
def test_impossible_quantities(sheet: Path, label: str, value: object, code: str) -> None:
    mark(sheet, {"PO-1001": "X"})
    set_line(sheet, "PO-1001", 1, label, value)
    assert code in _problems(sheet)


def test_problems_of_unselected_orders_do_not_matter(sheet: Path) -> None:
    set_line(sheet, "PO-1001", 1, "Unit Price", "abc")
    mark(sheet, {"PO-1003": "X"})
    assert [o.order_no for o in _read(sheet).orders] == ["PO-1003"]


def test_deleted_added_and_copied_lines_are_problems(sheet: Path) -> None:
    mark(sheet, {"PO-1002": "X", "PO-1001": "X"})

    def change(wb) -> None:
        ws = wb["Lines"]
        _, cols = header_row(ws, "Order #")
        ws.delete_rows(row_of(ws, "PO-1002", 2))
        r = row_of(ws, "PO-1001", 2)
        ws.cell(r, cols["Line"]).value = 9  # a line the export did not have
        last = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(last, c).value = ws.cell(row_of(ws, "PO-1001", 1), c).value

    edit(sheet, change)
    problems = _problems(sheet)
    assert "lines 2 deleted" not in str(problems)
    assert any("order PO-1002: line 2 deleted" in p for p in problems["line_deleted"])
    assert any("order PO-1001: line 2 deleted" in p for p in problems["line_deleted"])
    assert any("has no line 9" in p for p in problems["line_added"])
    assert any("line 1 is listed twice" in p for p in problems["line_added"])


def test_orders_that_were_not_in_the_selection(sheet: Path) -> None:
    def change(wb) -> None:
        ws = wb["Selection"]
        _, cols = header_row(ws, "Order #")
        r = ws.max_row + 2
        ws.cell(r, cols["Select"]).value = "X"
        ws.cell(r, cols["Order #"]).value = "PO-9999"
        ws.cell(r + 1, cols["Select"]).value = "X"  # marked, but no order at all

    edit(sheet, change)
    problems = _problems(sheet)
    assert "order 'PO-9999' was not in this selection" in problems["unknown_order"][0]
    assert "no_order" in problems


def test_a_copied_order_row_is_a_problem(sheet: Path) -> None:
    def change(wb) -> None:
        ws = wb["Selection"]
        src = row_of(ws, "PO-1001")
        dst = ws.max_row + 2
        for c in range(1, 22):
            ws.cell(dst, c).value = ws.cell(src, c).value

    edit(sheet, change)
    assert "listed twice" in _problems(sheet)["duplicate_order"][0]


def test_changed_descriptions_are_caught(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "X"})
    set_line(sheet, "PO-1001", 2, "Variety", "Explorer")
    (problem,) = _problems(sheet)["changed_cells"]
    assert "order PO-1001" in problem


def test_missing_columns_and_sheets(sheet: Path) -> None:
    mark(sheet, {"PO-1001": "X"})

    def drop(wb) -> None:
        ws = wb["Lines"]
        _, cols = header_row(ws, "Order #")
        ws.delete_cols(cols["Bunches"])

    edit(sheet, drop)
    assert "Bunches" in _problems(sheet)["missing_column"][0]

    def drop_lines(wb) -> None:
        del wb["Lines"]

    edit(sheet, drop_lines)
    assert "missing_sheet" in _problems(sheet)


def test_a_foreign_workbook_is_not_a_selection(tmp_path: Path) -> None:
    other = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Order #", "Bill Customer"])
    wb.save(other)
    with pytest.raises(InputError) as caught:
        _read(other)
    (problem,) = caught.value.problems
    assert problem.code == "not_selection_workbook"
    assert "not a selection workbook made by massinvoice" in str(problem)
    assert "massinvoice select" in problem.hint


def test_files_that_are_not_workbooks(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    assert _problem_code(junk) == "corrupt"  # as select says of it: one guard for both
    assert _problem_code(tmp_path / "missing.xlsx") == "file_missing"


def _problem_code(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        _read(path)
    return caught.value.problems[0].code


@pytest.mark.parametrize(
    ("version", "word"), [("2", "a newer"), ("0", "an older"), ("", "an older")]
)
def test_another_format_version_is_refused_clearly(sheet: Path, version: str, word: str) -> None:
    def change(wb) -> None:
        wb["_massinvoice"]["B2"].value = version

    edit(sheet, change)
    with pytest.raises(InputError) as caught:
        _read(sheet)
    (problem,) = caught.value.problems
    assert problem.code == "format_version"
    assert f"made by {word} massinvoice, format {version or '?'}" in problem.message
    assert "make a new selection with 'massinvoice select'" in problem.hint


def test_a_damaged_state_sheet(sheet: Path) -> None:
    def change(wb) -> None:
        ws = wb["_massinvoice"]
        for row in ws.iter_rows():
            if row[0].value == "[lines]":
                row[0].value = "lines?"

    edit(sheet, change)
    assert _problem_code(sheet) == "state_damaged"


def test_spanish_workbook_reads_back(tmp_path: Path) -> None:
    path = write(tmp_path, config=CONFIG_ES)
    mark(path, {"PO-1002": "sí"}, sheet="Selección")

    def price(wb) -> None:
        ws = wb["Líneas"]
        _, cols = header_row(ws, "Pedido")
        ws.cell(row_of(ws, "PO-1002", 1, order_label="Pedido"), cols["Precio Unitario"]).value = 0.4

    edit(path, price)
    got = _read(path, CONFIG_ES)
    assert [o.order_no for o in got.orders] == ["PO-1002"]
    assert got.edits == (LineEdit("PO-1002", 1, "unit_price", "0.35", "0.4"),)
    assert got.orders[0].order_date == dt.date(2026, 11, 2)


def test_is_selection_workbook(tmp_path: Path, sheet: Path) -> None:
    assert is_selection_workbook(sheet)
    other = tmp_path / "export.xlsx"
    openpyxl.Workbook().save(other)
    assert not is_selection_workbook(other)
    (tmp_path / "x.csv").write_text("Order #,Customer\n")
    assert not is_selection_workbook(tmp_path / "x.csv")
    assert not is_selection_workbook(tmp_path / "nowhere.xlsx")
    with zipfile.ZipFile(tmp_path / "z.xlsx", "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert not is_selection_workbook(tmp_path / "z.xlsx")


def test_edits_are_listed_order_by_order(tmp_path: Path) -> None:
    orders = [order(f"PO-{i}", lines=(line(f"PO-{i}", 1), line(f"PO-{i}", 2))) for i in (3, 1, 2)]
    path = write(tmp_path, orders, select_all=True)
    for order_no in ("PO-2", "PO-3", "PO-1"):
        set_line(path, order_no, 2, "Unit Price", 0.5)
        set_line(path, order_no, 1, "Boxes", 3)
    got = _read(path)
    assert [(e.order_no, e.line_no, e.field) for e in got.edits] == [
        (o, n, f) for o in ("PO-3", "PO-1", "PO-2") for n, f in ((1, "boxes"), (2, "unit_price"))
    ]
