"""The selection workbook as written: checked cell by cell with openpyxl (and calamine)."""

from __future__ import annotations

import json
import os
import stat
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from massinvoice.model import STATUS_FILLS, Status
from massinvoice.problems import InputError
from massinvoice.select import workbook as selection_sheet
from massinvoice.select import xmlrows as selection_xml
from massinvoice.select.workbook import FORMAT_VERSION, write_selection
from massinvoice.select.xmlrows import escape_text
from tests.test_selection_fixtures import (
    CONFIG,
    CONFIG_ES,
    FILTERS,
    HOSTILE,
    SOURCES,
    header_row,
    line,
    order,
    row_of,
    sample_orders,
    write,
)

STATUS_OF = {
    "PO-1001": Status.PACKED,
    "PO-1002": Status.PARTIAL,
    "PO-1003": Status.NOT_PACKED,
    "PO-1004": Status.INVOICED,
}


@pytest.fixture
def book(tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write(tmp_path))


def _fill(cell: openpyxl.cell.Cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


def test_sheets_in_order_with_selection_active_and_state_hidden(book) -> None:
    assert book.sheetnames == ["Selection", "Lines", "Legend", "_massinvoice"]
    assert book.active.title == "Selection"
    assert book["_massinvoice"].sheet_state == "hidden"
    assert [book[n].sheet_state for n in book.sheetnames[:3]] == ["visible"] * 3


def test_every_cell_of_a_row_has_its_status_fill(book) -> None:
    ws = book["Selection"]
    _, cols = header_row(ws, "Order #")
    assert len(cols) == 21
    for order_no, status in STATUS_OF.items():
        r = row_of(ws, order_no)
        fills = {_fill(ws.cell(r, c)) for c in range(1, 22)}
        assert fills == {STATUS_FILLS[status]}, order_no
    lines = book["Lines"]
    for order_no, status in STATUS_OF.items():
        r = row_of(lines, order_no, 1)
        width = lines.max_column
        assert {_fill(lines.cell(r, c)) for c in range(1, width + 1)} == {STATUS_FILLS[status]}


def test_invoiced_rows_say_invoiced_and_are_locked(book) -> None:
    ws = book["Selection"]
    _, cols = header_row(ws, "Order #")
    select = cols["Select"]
    invoiced = ws.cell(row_of(ws, "PO-1004"), select)
    assert invoiced.value == "INVOICED!"
    assert invoiced.protection.locked
    for order_no in ("PO-1001", "PO-1002", "PO-1003"):
        r = row_of(ws, order_no)
        assert ws.cell(r, select).value is None
        assert not ws.cell(r, select).protection.locked
        assert all(ws.cell(r, c).protection.locked for c in range(2, 22))


def test_select_drop_down_allows_other_values_with_an_info_message(book) -> None:
    ws = book["Selection"]
    top, _ = header_row(ws, "Order #")
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"X"'
    assert dv.errorStyle == "information" and dv.allow_blank
    assert str(dv.sqref) == f"A{top + 1}:A{top + 6}"
    assert dv.prompt and dv.error


def test_freeze_panes_autofilter_and_protection_without_password(book) -> None:
    ws = book["Selection"]
    top, _ = header_row(ws, "Order #")
    assert ws.freeze_panes == f"A{top + 1}"
    assert ws.auto_filter.ref == f"A{top}:U{top + 6}"
    for sheet in (ws, book["Lines"]):
        p = sheet.protection
        assert p.sheet and not p.password
        # In OOXML a true flag forbids: these must be allowed.
        assert not (p.sort or p.autoFilter or p.formatColumns or p.formatRows)
        assert not (p.selectLockedCells or p.selectUnlockedCells)
    lines = book["Lines"]
    assert lines.freeze_panes == "A2"
    assert lines.auto_filter.ref.startswith("A1:")


def test_number_formats_en_and_es(tmp_path: Path) -> None:
    for config, date_format in ((CONFIG, "yyyy-mm-dd"), (CONFIG_ES, "dd/mm/yyyy")):
        wb = openpyxl.load_workbook(write(tmp_path, config=config, name=f"{config.language}.xlsx"))
        ws = wb.worksheets[0]
        r = row_of(ws, "PO-1001", order_label="Order #" if config.language == "en" else "Pedido")
        formats = [ws.cell(r, c).number_format for c in range(1, 22)]
        assert formats[4:7] == [date_format] * 3
        assert formats[13] == formats[14] == formats[16] == "#,##0"
        assert formats[15] == "0.000"
        assert formats[17] == "#,##0.00"
        assert formats[0] == formats[1] == "General"


def test_lines_prices_and_quantities_are_the_only_unlocked_cells(book) -> None:
    ws = book["Lines"]
    _, cols = header_row(ws, "Order #")
    r = row_of(ws, "PO-1001", 1)
    unlocked = {label for label, c in cols.items() if not ws.cell(r, c).protection.locked}
    assert unlocked == {"Boxes", "Packed", "Bunches", "Stems/Bunch", "Stems", "Unit Price"}
    assert ws.cell(r, cols["Unit Price"]).number_format == "#,##0.00###"
    assert ws.cell(r, cols["Amount"]).number_format == "#,##0.00"
    assert list(cols)[-1] == "Farm"  # unknown export columns follow


def test_hostile_text_is_stored_as_text(book) -> None:
    ws = book["Selection"]
    r = row_of(ws, "PO-1006")
    values = {ws.cell(r, c).value: ws.cell(r, c).data_type for c in range(1, 22)}
    for text in (*HOSTILE, "=1+2"):
        assert values.get(text) == "s", text
    lines = book["Lines"]
    r = row_of(lines, "PO-1006", 1)
    cells = {lines.cell(r, c).value: lines.cell(r, c).data_type for c in range(1, 19)}
    for text in (HOSTILE[0], HOSTILE[1], HOSTILE[3]):
        assert cells.get(text) == "s", text
    formulas = [
        c.coordinate
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.data_type == "f" and "HYPERLINK" in str(c.value)
    ]
    assert formulas == []


def test_only_our_formulas_with_their_values_cached(tmp_path: Path) -> None:
    path = write(tmp_path, select_all=True)
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    formulas = {
        c.value.split("(")[0].lstrip('="')
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }
    assert formulas <= {"ROUND", "SUM", "SUMIFS", 'Selected: "&SUMPRODUCT'}
    lines, values = wb["Lines"], cached["Lines"]
    _, cols = header_row(lines, "Order #")
    r = row_of(lines, "PO-1002", 2)
    assert lines.cell(r, cols["Amount"]).value == f'=ROUND(IF(M{r}="bunch",J{r},L{r})*N{r},2)'
    assert values.cell(r, cols["Amount"]).value == 210
    sel = cached["Selection"]
    texts = [sel.cell(r, 1).value for r in range(1, 8)]
    assert "Selected: 5 orders · amount 1,680.00 USD" in texts  # PO-1004 is invoiced


def test_select_all_marks_every_invoiceable_row(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path, select_all=True))["Selection"]
    _, cols = header_row(ws, "Order #")
    marks = {
        o.order_no: ws.cell(row_of(ws, o.order_no), cols["Select"]).value for o in sample_orders()
    }
    assert marks == {
        "PO-1001": "X", "PO-1002": "X", "PO-1003": "X", "PO-1004": "INVOICED!",
        "PO-1005": "X", "PO-1006": "X",
    }  # fmt: skip


def test_title_block_totals_and_warnings(book) -> None:
    ws = book["Selection"]
    top, cols = header_row(ws, "Order #")
    title = [ws.cell(r, 1).value for r in range(1, top)]
    assert title[0] == "ANDES CUMBRE FLOWERS S.A."
    assert title[1] == "Invoice selection · 2026-11-22 18:00"
    assert "ship date: 2026-11-09 to 2026-11-22" in title[2] and "sales rep: Carla" in title[2]
    assert title[3] == "Source: orders.xlsx"
    live = title[4]
    assert live.startswith('="Selected: "&SUMPRODUCT(ISNUMBER(MATCH($A$')
    total_row = top + 6 + 2
    assert ws.cell(total_row, cols["Status"]).value == "Total USD: 6 orders"
    assert ws.cell(total_row, cols["Amount"]).value == f"=SUM($R${top + 1}:$R${top + 6})"
    warnings = ws.cell(row_of(ws, "PO-1005"), cols["Warnings"]).value
    assert warnings == "zero price, amount is not qty x price"  # words, never codes
    assert ws.cell(row_of(ws, "PO-1003"), cols["Warnings"]).value == "not packed"


def test_widths_fit_the_longest_text(book) -> None:
    ws = book["Selection"]
    _, cols = header_row(ws, "Order #")
    width = {
        label: ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width
        for label, c in cols.items()
    }
    assert width["Bill Customer"] >= len("BLOOMRIDGE WHOLESALE INC")
    assert width["Select"] >= len("INVOICED!")
    assert width["Market"] < 10
    assert all(w <= 46 for w in width.values())


def test_print_setup(book) -> None:
    for name in ("Selection", "Lines"):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows
    top, _ = header_row(book["Selection"], "Order #")
    assert book["Selection"].print_title_rows == f"${top}:${top}"


def test_legend_explains_colours_with_real_fills(book) -> None:
    ws = book["Legend"]
    fills = {ws.cell(r, 1).value: _fill(ws.cell(r, 1)) for r in range(1, ws.max_row + 1)}
    for status, rgb in STATUS_FILLS.items():
        assert fills[status.value] == rgb
    texts = " ".join(str(ws.cell(r, c).value) for r in range(1, ws.max_row + 1) for c in (1, 2))
    # the words the Warnings column shows, never the codes
    for word in ("zero price", "no AWB", "under minimum price", "unconfirmed boxes"):
        assert word in texts
    assert "zero_price" not in texts
    assert "INVOICED!" in texts and "sí" in texts


def test_spanish_workbook(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write(tmp_path, config=CONFIG_ES))
    assert wb.sheetnames == ["Selección", "Líneas", "Leyenda", "_massinvoice"]
    _, cols = header_row(wb["Selección"], "Pedido")
    assert list(cols)[:4] == ["Seleccionar", "Estado", "Pedido", "PO Cliente"]
    _, lines = header_row(wb["Líneas"], "Pedido")
    assert "Precio Unitario" in lines
    assert wb["Leyenda"]["A1"].value == "Cómo usar este libro"


def test_hidden_sheet_holds_format_sources_and_fingerprints(book) -> None:
    ws = book["_massinvoice"]
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 11)}
    assert meta["format_version"] == str(FORMAT_VERSION)
    assert json.loads(meta["sources"]) == [
        {"name": "orders.xlsx", "sha256": "ab" * 32, "path": "/share/inbox/orders.xlsx"}
    ]
    assert json.loads(meta["filters"])["date_from"] == "2026-11-09"
    assert meta["language"] == "en" and meta["created"] == "2026-11-22T18:00:00"
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == "[orders]")
    fields = rows[start + 1]
    records = {r[0]: dict(zip(fields, r, strict=False)) for r in rows[start + 2 : start + 8]}
    by_no = {o.order_no: o for o in sample_orders()}
    for order_no, record in records.items():
        assert record["fingerprint"] == by_no[order_no].fingerprint()
        assert record["status"] == by_no[order_no].status.value
    assert records["PO-1004"]["invoice_no"] == "001-001-000004512"
    lines = next(i for i, row in enumerate(rows) if row[0] == "[lines]")
    assert rows[lines + 1][:8] == [
        "order_no", "line_no", "unit_price", "boxes", "packed_boxes", "bunches",
        "stems_per_bunch", "stems",
    ]  # fmt: skip
    assert rows[lines + 2][:4] == ["PO-1001", 1, "0.35", 2]


def test_calamine_reads_every_string_back(tmp_path: Path) -> None:
    path = write(tmp_path)
    book = CalamineWorkbook.from_path(str(path))
    cells = {
        v
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for v in row
    }
    for text in (*HOSTILE, "Order #", "Unit Price", "FINCA LAS GARZAS", "PO-1006", "INVOICED!"):
        assert text in cells


def test_control_characters_and_escape_lookalikes_round_trip(tmp_path: Path) -> None:
    odd = ["a\rb", "x_x000D_y", "tab\there", "  padded  ", "bell\x07", "<&>", "ünï ✓"]
    orders = [order(f"PO-2{i:03d}", bill_customer=text) for i, text in enumerate(odd)]
    path = write(tmp_path, orders)
    ws = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Selection").to_python()
    assert set(odd) <= {v for row in ws for v in row}
    ws = openpyxl.load_workbook(path)["Selection"]  # openpyxl does not decode _xHHHH_ escapes
    assert set(odd[1:4] + odd[5:]) <= {c.value for row in ws.iter_rows() for c in row}
    assert escape_text("_x0041_") == "_x005F_x0041_"


def test_no_orders_still_makes_a_readable_workbook(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write(tmp_path, []))["Selection"]
    top, _ = header_row(ws, "Order #")
    assert ws.cell(top + 1, 1).value == "No orders match the filters."


def test_write_is_atomic_and_readable_by_others(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path)
    before = path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["selection.xlsx"]
    mode = stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask

    def broken(self, target, sheets, level=1, started=()):
        target.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(selection_xml.Package, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        write(tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["selection.xlsx"]


def test_duplicate_order_numbers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="listed twice"):
        write(tmp_path, [order("PO-1"), order("PO-1")])


def test_several_currencies_get_a_live_line_and_a_total_each(tmp_path: Path) -> None:
    orders = [
        order("PO-1"),
        order("PO-2", currency="EUR", lines=(line("PO-2", 1, currency="EUR"),)),
    ]
    wb = openpyxl.load_workbook(write(tmp_path, orders, select_all=True), data_only=True)
    ws = wb["Selection"]
    texts = [ws.cell(r, 1).value for r in range(1, 8)]
    assert "Selected: 1 orders · amount 420.00 USD" in texts
    assert "Selected: 1 orders · amount 210.00 EUR" in texts
    statuses = [
        c.value for c in ws["B"] if isinstance(c.value, str) and c.value.startswith("Total")
    ]
    assert statuses == ["Total USD: 1 orders", "Total EUR: 1 orders"]


def test_exact_prices_keep_their_digits(tmp_path: Path) -> None:
    orders = [order("PO-1", lines=(line("PO-1", 1, unit_price=Decimal("0.285")),))]
    ws = openpyxl.load_workbook(write(tmp_path, orders))["Lines"]
    _, cols = header_row(ws, "Order #")
    assert ws.cell(2, cols["Unit Price"]).value == 0.285


def test_sources_are_optional_and_listed_by_name(tmp_path: Path) -> None:
    orders = [order("PO-1")]
    path = write_selection(
        tmp_path / "s.xlsx", orders, config=CONFIG, filters=FILTERS, sources=[*SOURCES, SOURCES[0]],
        warnings={},
    )  # fmt: skip
    ws = openpyxl.load_workbook(path)["Selection"]
    assert ws["A4"].value == "Source: orders.xlsx, orders.xlsx"


def test_order_amounts_follow_lines_unless_the_sheet_is_huge(tmp_path: Path, monkeypatch) -> None:
    ws = openpyxl.load_workbook(write(tmp_path))["Selection"]
    _, cols = header_row(ws, "Order #")
    r = row_of(ws, "PO-1002")
    live = f"=SUMIFS('Lines'!$P$2:$P$12,'Lines'!$A$2:$A$12,$C{r})"
    assert ws.cell(r, cols["Amount"]).value == live
    monkeypatch.setattr(selection_sheet, "LIVE_AMOUNT_WORK", 10)
    ws = openpyxl.load_workbook(write(tmp_path, name="big.xlsx"))["Selection"]
    assert ws.cell(r, cols["Amount"]).value == 630


def test_a_failure_while_rendering_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path)
    before = path.read_bytes()
    real = selection_sheet.state_rows

    def failing(*args, **kwargs):
        rows = real(*args, **kwargs)
        original = rows.rows

        def render(strings):
            yield from list(original(strings))[:3]
            raise RuntimeError("export record broken")

        rows.rows = render
        return rows

    monkeypatch.setattr(selection_sheet, "state_rows", failing)
    with pytest.raises(RuntimeError, match="export record broken"):
        write(tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["selection.xlsx"]


def test_more_lines_than_a_sheet_holds_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(selection_sheet, "MAX_ROWS", 30)
    with pytest.raises(InputError) as caught:
        write(tmp_path)
    assert caught.value.codes == {"too_many_lines"}
    assert list(tmp_path.iterdir()) == []
