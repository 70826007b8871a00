"""Property-based hostile input: whatever a cell, a sheet or a name holds, a value or a clear error.

* The selection read-back, on a selection workbook whose Select and Unit Price cells hold any
  text, number, date, boolean or formula: a Selection (whose orders compose into invoices) or
  an InputError.
* The export reader, on workbooks whose cells sit anywhere up to XFD1048576 (numbered, implicit,
  prefixed, out of order) and ODS tables with any repeats: orders or an InputError, read in a
  forked child under a memory cap so that an engine abort fails the test, not the run.
* The number and date parsers (extending ``test_parse``): Unicode digits, huge and tiny
  magnitudes, long strings give a value that cents arithmetic can take, or a CellError.
* ``safe_filename``: any text gives a plain, bounded, non-reserved file name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from massinvoice.config import Config, Limits
from massinvoice.invoice.document import compose_invoice
from massinvoice.model import money
from massinvoice.problems import InputError
from massinvoice.read import load_export
from massinvoice.read.cells import MAX_MAGNITUDE, CellError, parse_date, parse_decimal, parse_int
from massinvoice.readback.selection import read_selection
from massinvoice.select.run import select_orders
from massinvoice.text import safe_filename
from tests.fault_tools import export_rows, write_csv
from tests.test_hostile import M

SETTINGS = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
CONFIG = Config()

# --- the selection read-back -------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["X", "x", "sí", "✓", "yes", "INVOICED!", "=1+2", '=HYPERLINK("http://x")',
                     "#DIV/0!", "1e308", "0,35", " 12 ", "-0", "1" * 40, "TRUE", "@SUM(A1)"]),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
)  # fmt: skip


@functools.cache
def base_sheet() -> Path:
    """A selection workbook of six clean orders, made once."""
    folder = Path(tempfile.mkdtemp(prefix="massinvoice-prop-"))
    export = write_csv(folder / "orders.csv", export_rows(6, prefix="P"))
    sheet = folder / "selection.xlsx"
    select_orders([export], sheet, config=CONFIG, use_registry=False)
    return sheet


def _edit(path: Path, selects: list[object], prices: list[object]) -> None:
    """Type the values into the Select cells and the Unit Price cells, as a person would."""
    book = openpyxl.load_workbook(path)
    for ws, column, values in ((book["Selection"], "Select", selects),
                               (book["Lines"], "Unit Price", prices)):  # fmt: skip
        header = next(r for r in ws.iter_rows() if any(c.value == column for c in r))
        col = next(c.column for c in header if c.value == column)
        order_col = next(c.column for c in header if c.value == "Order #")
        rows = [r for r in range(header[0].row + 1, ws.max_row + 1) if ws.cell(r, order_col).value]
        for r, value in zip(rows, values, strict=False):
            ws.cell(r, col).value = value
    book.save(path)


@SETTINGS
@given(st.lists(CELL, min_size=6, max_size=6), st.lists(CELL, min_size=1, max_size=18))
def test_selection_read_back_gives_a_selection_or_an_input_error(
    selects: list[object], prices: list[object]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sheet = Path(tmp) / "selection.xlsx"
        shutil.copy(base_sheet(), sheet)
        _edit(sheet, selects, prices)
        try:
            selection = read_selection(sheet, config=CONFIG)
        except InputError as exc:
            assert exc.problems and all(p.code and p.message for p in exc.problems)
            return
    for order in selection.orders:
        for line in order.lines:
            assert line.unit_price is None or abs(line.unit_price) < MAX_MAGNITUDE
        try:
            invoice = compose_invoice([order], config=CONFIG, date=dt.date(2026, 11, 20))
        except InputError:
            continue
        assert invoice.total == sum((x.amount for x in invoice.lines), Decimal(0))


# --- the export reader on sheets that sit anywhere ---------------------------------------------

ROWS = st.one_of(st.integers(1, 40), st.integers(1, 1_048_576), st.sampled_from([1_048_576]))
COLUMNS = st.one_of(st.integers(1, 30), st.integers(1, 16_384), st.sampled_from([16_384]))


@st.composite
def sparse_sheets(draw: st.DrawFn) -> str:
    """Worksheet XML: a real header, lines, then cells anywhere, numbered or not, any order."""
    rows = [(1, M.HEADER)] + [(r, M.order_row(f"S-{r}")) for r in range(2, draw(st.integers(2, 6)))]
    xml = [M.sheet_rows(rows)]
    for _ in range(draw(st.integers(0, 6))):
        r, c = draw(ROWS), draw(COLUMNS)
        tag = draw(st.sampled_from(["c", "x:c"]))
        ref = f"{M.column_letters(c - 1)}{r}"
        ref = draw(st.sampled_from([ref, ref.lower(), f"ZZZ{ref}", f"{ref[:-1]}0{ref[-1]}"]))
        ref = draw(st.sampled_from([f' r="{ref}"', f" r='{ref}'", f' r = "{ref}"', f'\tr="{ref}"',
                                    f' r="A1" r="{ref}"', f' t=">" r="{ref}"', ""]))  # fmt: skip
        cells = f"<{tag}{ref}><v>1</v></{tag}>" * draw(st.integers(1, 3))
        row_ref = f' r="{draw(ROWS)}"' if draw(st.booleans()) else ""
        xml.append(f"<row{row_ref}>{cells}</row>")
    return M._SHEET.format(rows="".join(xml))


@st.composite
def repeated_tables(draw: st.DrawFn) -> str:
    """ODS table XML: a header row, then rows and cells repeated any number of times."""
    xml = M.ods_row(M.ods_cell("Order #") + M.ods_cell("Bill Customer"))
    for _ in range(draw(st.integers(1, 4))):
        cells = "".join(
            M.ods_cell("x", draw(st.integers(1, 20_000)))
            if draw(st.booleans())
            else f'<table:table-cell table:number-columns-repeated="{draw(st.integers(1, 20_000))}"/>'
            for _ in range(draw(st.integers(1, 3)))
        )
        xml += M.ods_row(cells, draw(st.integers(1, 1_100_000)))
    return xml


def read_in_a_child(path: Path, limits: Limits | None = None) -> None:
    """load_export here: orders or an InputError, never an abort or another exception (the
    workbook itself is read by the guard's memory-capped worker, so this process survives)."""
    with contextlib.suppress(InputError):
        load_export([path], Config(limits=limits or Limits()))


FOUND = [  # what this test found: calamine asked for 1,048,577 x 111 cells (3.5 GB)
    '<row r="1048576"><c r="DG1"><v>1</v></c></row><row><c><v>1</v></c></row>',
    '<row r="1048576"><c r="A1"><v>1</v></c></row>',
    # calamine reads references in lower case and columns of four letters (200 GB, 76 GB)
    '<row r="5"><c r="xfd400000"><v>1</v></c></row>',
    '<row r="5"><c r="ZZZZ5000"><v>1</v></c></row>',
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_sheets())
@example(M._SHEET.format(rows=M.sheet_rows([(1, M.HEADER)]) + FOUND[0]))
@example(M._SHEET.format(rows=M.sheet_rows([(1, M.HEADER)]) + FOUND[1]))
@example(M._SHEET.format(rows=M.sheet_rows([(1, M.HEADER)]) + FOUND[2]))
@example(M._SHEET.format(rows=M.sheet_rows([(1, M.HEADER)]) + FOUND[3]))
def test_a_sheet_with_cells_anywhere_reads_or_is_refused(sheet_xml: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = M.raw_xlsx(Path(tmp) / "sparse.xlsx", sheet_xml)
        read_in_a_child(path)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repeated_tables())
def test_an_ods_table_with_any_repeats_reads_or_is_refused(table_xml: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        read_in_a_child(M.ods(Path(tmp) / "repeats.ods", table_xml))


# --- the cell parsers, beyond test_parse -------------------------------------------------------

DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩０１２３４５６７８９²½.,-+ eE$€()'\u00a0"
NUMBERISH = st.one_of(
    st.text(alphabet=DIGITS, max_size=60),
    st.from_regex(r"[1-9][0-9]{10,60}([.,][0-9]{1,40})?", fullmatch=True),
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@settings(max_examples=400, deadline=None)
@given(NUMBERISH, st.integers(0, 10**9))
def test_parsed_numbers_always_fit_the_cents_arithmetic(value: object, quantity: int) -> None:
    for parse in (parse_decimal, parse_int):
        try:
            parsed = parse(value)
        except CellError as exc:
            assert exc.code in ("not_a_number", "not_an_integer") and exc.message
            continue
        if parsed is None:
            continue
        assert abs(parsed) < MAX_MAGNITUDE
        money(Decimal(quantity) * Decimal(parsed))  # never InvalidOperation


@settings(max_examples=300, deadline=None)
@given(st.one_of(NUMBERISH, st.text(max_size=40), st.datetimes(), st.dates()))
def test_dates_from_anything_are_dates_or_a_cell_error(value: object) -> None:
    try:
        parsed = parse_date(value)
    except CellError as exc:
        assert exc.code == "bad_date" and exc.message
    else:
        assert parsed is None or isinstance(parsed, dt.date)


# --- names for files ---------------------------------------------------------------------------

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=400), st.integers(8, 200))
def test_safe_filename_of_any_text(text: str, max_len: int) -> None:
    name = safe_filename(text, max_len=max_len)
    assert name and len(name) <= max_len + 1  # + the "_" in front of a reserved name
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert name.split(".")[0].upper() not in RESERVED
    assert not name.startswith((".", "-")) and name not in (".", "..")
