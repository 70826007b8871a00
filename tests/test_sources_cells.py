"""Reading a workbook's cells without pandas' per-cell conversion gives what pandas gives, with
one rule of ours: only an empty cell is empty; text such as ``NA``, ``N/A``, ``None`` or ``null``
stays text (pandas' default reads it as missing, which would turn North America into nothing)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massinvoice.config import Limits
from massinvoice.read.sheets import cells_frame, spreadsheet_sheets

NA_LIKE = ["", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "None", "nan", "NaN", "-nan", "<NA>"]
cells = st.one_of(
    st.none(),
    st.sampled_from([*NA_LIKE, " ", "na", "Roses", "PO-001", "0.35", "1,5", "TRUE", "ñandú"]),
    st.text(max_size=8),
    st.booleans(),
    st.integers(-(10**12), 10**12).map(float),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([0.5, -0.0, 1e15, 2.0**63, 9.5e18, 1e300]),
    st.dates(dt.date(1950, 1, 1), dt.date(2099, 12, 31)),
    st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
)
grids = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=6)
)


def write(rows: list[list[object]], path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Orders")
    date, stamp = (
        book.add_format({"num_format": "dd/mm/yyyy"}),
        book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"}),
    )
    for r, row in enumerate(rows, 1):  # row 0 left empty, as above a title
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, stamp)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()


def same_cells(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert ours.shape == theirs.shape
    assert list(ours.columns) == list(theirs.columns) and ours.index.equals(theirs.index)
    assert list(ours.dtypes) == list(theirs.dtypes)
    for x, y in zip(ours.to_numpy().ravel(), theirs.to_numpy().ravel(), strict=True):
        assert type(x) is type(y), (x, y)
        assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y)), (x, y)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=grids)
def test_cells_read_like_pandas_reads_them(tmp_path, rows):
    path = tmp_path / "cells.xlsx"
    write(rows, path)
    (sheet,) = spreadsheet_sheets(path, Limits())
    same_cells(sheet.frame, pandas_read(path))


def pandas_read(path: Path, **kwargs):
    """pandas' reading with only the empty text as missing (our rule)."""
    return pd.read_excel(
        path, header=None, dtype=object, engine="calamine", keep_default_na=False,
        na_values=[""], **kwargs,
    )  # fmt: skip


def test_text_that_pandas_takes_for_missing_stays_text(tmp_path):
    path = tmp_path / "na.xlsx"
    write([["NA", "N/A", "None", "null", "#N/A", "nan", "", "Roses"]], path)
    (sheet,) = spreadsheet_sheets(path, Limits())
    row = sheet.frame.iloc[1].tolist()
    assert row[:6] == ["NA", "N/A", "None", "null", "#N/A", "nan"]
    assert math.isnan(row[6]) and row[7] == "Roses"


def test_an_empty_sheet_and_the_sheets_pandas_lists(tmp_path):
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Empty")
    book.add_worksheet("Data").write_row(0, 0, ["Order #", 3.0, "NA"])
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"values": "=Data!$B$1:$B$1"})
    book.add_chartsheet("Chart").set_chart(chart)  # not a worksheet: neither reader lists it
    book.close()
    ours = {s.name: s.frame for s in spreadsheet_sheets(path, Limits())}
    theirs = pandas_read(path, sheet_name=None)
    assert list(ours) == list(theirs) == ["Empty", "Data"]
    for name, frame in ours.items():
        same_cells(frame, theirs[name])
    assert cells_frame([]).shape == (0, 0)
