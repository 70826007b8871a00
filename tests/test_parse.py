"""Cell parsers: numbers, quantities, dates, units and cell text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from massinvoice.read.cells import (
    CellError,
    cell_text,
    date_text,
    is_empty,
    number_text,
    parse_date,
    parse_decimal,
    parse_int,
    parse_unit,
)
from massinvoice.read.convert import dates, decimal_comma_of, decimals, integers, texts
from massinvoice.read.header import column_letter, export_aliases, header_key
from massinvoice.text import clean

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", D("1234.56")),
        ("1,234.56", D("1234.56")),
        ("1234,5", D("1234.5")),
        ("0,35", D("0.35")),
        ("$ 1,234.00", D("1234")),
        ("USD 12.50", D("12.5")),
        ("12.50 USD", D("12.5")),
        ("US$ 3", D("3")),
        ("€5,20", D("5.2")),
        ("  7  ", D("7")),
        ("1\u00a0234,56", D("1234.56")),
        ("1 234 567", D("1234567")),
        ("(12.50)", D("-12.5")),
        ("12.50-", D("-12.5")),
        ("-3", D("-3")),
        ("+4", D("4")),
        (".5", D("0.5")),
        ("0,350", D("0.35")),
        ("1,234", D("1234")),
        ("1.234.567", D("1234567")),
        ("1.234.567,8", D("1234567.8")),
    ],
)
def test_number_text(text: str, expected: Decimal) -> None:
    assert number_text(text) == expected


@pytest.mark.parametrize("text", ["abc", "12,3,4", "1..2", "1e5", "1,23,456.7", "12 boxes", "--1"])
def test_number_text_refuses(text: str) -> None:
    with pytest.raises(CellError) as info:
        number_text(text)
    assert info.value.code == "not_a_number"
    assert text.strip()[:5] in str(info.value)


def test_column_convention_settles_ambiguous_cells() -> None:
    assert number_text("1,234", decimal_comma=True) == D("1.234")
    assert number_text("1.234", decimal_comma=True) == D("1234")
    assert number_text("1.234", decimal_comma=False) == D("1.234")
    assert decimal_comma_of(["0,35", "1,234", "12,5"], None) is True
    assert decimal_comma_of(["0.35", "1,234", 0.4], None) is False
    assert decimal_comma_of([0.35, 1.5], True) is True  # nothing to tell: the file's hint
    values, failures = decimals(["1,250", "0,35"], None)
    assert values == [D("1.25"), D("0.35")] and not failures


def test_floats_become_the_decimal_typed() -> None:
    assert parse_decimal(0.35) == D("0.35")
    assert str(parse_decimal(0.1 + 0.2)) == "0.30000000000000004"  # what the cell holds
    assert parse_decimal(282.0) == D("282")
    assert parse_decimal(12) == D("12")
    assert parse_decimal(float("nan")) is None
    assert parse_decimal("  ") is None
    with pytest.raises(CellError):
        parse_decimal(float("inf"))
    with pytest.raises(CellError):
        parse_decimal(True)


def test_quantities() -> None:
    assert parse_int(3) == 3
    assert parse_int(3.0) == 3
    assert parse_int("1.234") == 1234  # Spanish thousands
    assert parse_int(" 12 ") == 12
    assert parse_int(None) is None
    for bad, code in [(2.5, "not_an_integer"), ("1,5", "not_an_integer"), ("two", "not_a_number")]:
        with pytest.raises(CellError) as info:
            parse_int(bad)
        assert info.value.code == code
    values, failures = integers([1, 2.0, "3", None, "x"])
    assert values == [1, 2, 3, None, None]
    assert [(i, e.code) for i, e in failures] == [(4, "not_a_number")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", dt.date(2026, 11, 20)),
        ("2026/11/20", dt.date(2026, 11, 20)),
        ("2026-11-20T10:30:00", dt.date(2026, 11, 20)),
        ("20/11/2026", dt.date(2026, 11, 20)),
        ("20-11-2026", dt.date(2026, 11, 20)),
        ("20.11.2026", dt.date(2026, 11, 20)),
        ("20/11/26", dt.date(2026, 11, 20)),
        ("11/20/2026", dt.date(2026, 11, 20)),  # the first part > 12: month first
        ("05/11/2026", dt.date(2026, 11, 5)),  # ambiguous: dmy by default
        ("20/11/2026 10:30", dt.date(2026, 11, 20)),
        ("20-Nov-2026", dt.date(2026, 11, 20)),
        ("20-nov-26", dt.date(2026, 11, 20)),
        ("Nov 20, 2026", dt.date(2026, 11, 20)),
        ("November 20 2026", dt.date(2026, 11, 20)),
        ("Friday, November 20, 2026", dt.date(2026, 11, 20)),
        ("20-nov-2026", dt.date(2026, 11, 20)),
        ("20 de noviembre de 2026", dt.date(2026, 11, 20)),
        ("3 de Septiembre del 2026", dt.date(2026, 9, 3)),
        ("1-ENE-2027", dt.date(2027, 1, 1)),
        ("20261120", dt.date(2026, 11, 20)),
        ("46346", dt.date(2026, 11, 20)),
    ],
)
def test_date_text(text: str, expected: dt.date) -> None:
    assert date_text(text) == expected


def test_date_order_from_config() -> None:
    assert date_text("05/11/2026", "mdy") == dt.date(2026, 5, 11)
    assert date_text("25/11/2026", "mdy") == dt.date(2026, 11, 25)  # unambiguous either way


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "29/02/2027", "00/01/2026"])
def test_impossible_dates(text: str) -> None:
    with pytest.raises(CellError) as info:
        date_text(text)
    assert info.value.code == "bad_date"
    assert "real date" in info.value.message


@pytest.mark.parametrize("text", ["soon", "2026", "Nov 2026", "13/13/2026", "20 Nov"])
def test_not_dates(text: str) -> None:
    with pytest.raises(CellError):
        date_text(text)


def test_date_cells() -> None:
    assert parse_date(dt.datetime(2026, 11, 20, 10, 30)) == dt.date(2026, 11, 20)
    assert parse_date(dt.date(2026, 11, 20)) == dt.date(2026, 11, 20)
    assert parse_date(46346) == dt.date(2026, 11, 20)  # an Excel serial in a date column
    assert parse_date(46346.75) == dt.date(2026, 11, 20)
    assert parse_date(float("nan")) is None
    for bad in (-5, 10**9, True):
        with pytest.raises(CellError):
            parse_date(bad)


def test_units() -> None:
    assert [parse_unit(u) for u in ("Stems", "st", "TALLOS", None, "")] == ["stem"] * 5
    assert [parse_unit(u) for u in ("bunch", "BU", "bn.", "Ramos")] == ["bunch"] * 4
    with pytest.raises(CellError):
        parse_unit("box")


def test_cell_text() -> None:
    assert cell_text(1234.0) == "1234"
    assert cell_text(1234) == "1234"
    assert cell_text(0.5) == "0.5"
    assert cell_text(float("nan")) == ""
    assert cell_text(dt.datetime(2026, 11, 20)) == "2026-11-20"
    assert cell_text(dt.datetime(2026, 11, 20, 8, 5)) == "2026-11-20 08:05:00"
    assert cell_text(True) == "TRUE"


def test_header_keys() -> None:
    aliases = export_aliases({"boxes": ("Bultos",)})
    assert header_key("Nº. Pedido:") == "no pedido"
    assert aliases.lookup("nº pedido") == ("order_no", True)
    assert aliases.lookup("FECHA DESPACHO") == ("ship_date", True)
    assert aliases.lookup("Unit Price (USD)") == ("unit_price", True)
    assert aliases.lookup("Box Type (FB, HB, QB, EB)") == ("box_type", True)
    assert aliases.lookup("Precio  Mínimo") == ("min_price", True)
    assert aliases.lookup("bultos") == ("boxes", True)
    assert aliases.lookup("PO") == ("order_no", False)
    assert aliases.lookup("Farm") is None
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# Property-based: on any text, a parser gives a value or its own CellError, nothing else.

_NUMBERISH = st.text(alphabet="0123456789.,-+ $€()USDabc'\u00a0", max_size=16)
_DATEISH = st.text(alphabet="0123456789/-. :TdeNovnoviembrJaFb,", max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_NUMBERISH, st.text(max_size=20)))
def test_number_parser_never_crashes(text: str) -> None:
    try:
        value = number_text(text)
    except CellError as exc:
        assert exc.code == "not_a_number"
    else:
        assert isinstance(value, Decimal) and value.is_finite()
    try:
        parse_int(text)
    except CellError as exc:
        assert exc.code in ("not_a_number", "not_an_integer")


@settings(max_examples=300, deadline=None)
@given(st.one_of(_DATEISH, st.text(max_size=24)), st.sampled_from(["dmy", "mdy"]))
def test_date_parser_never_crashes(text: str, order: str) -> None:
    try:
        value = parse_date(text, order)
    except CellError as exc:
        assert exc.code == "bad_date"
    else:
        assert value is None or isinstance(value, dt.date)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False))
def test_formatted_numbers_read_back(value: Decimal) -> None:
    english = f"{value:,.3f}"
    spanish = english.translate(str.maketrans(",.", ".,"))
    # "1.000" alone is ambiguous: the column's convention (decimal_comma) settles it.
    assert number_text(english, decimal_comma=False) == value
    assert number_text(spanish, decimal_comma=True) == value


_CELLS = st.lists(
    st.one_of(
        st.none(),
        st.just(float("nan")),
        st.booleans(),
        st.integers(-5, 5),
        st.floats(-5, 5, allow_nan=False, allow_infinity=False),
        st.sampled_from(["1", " 2,5", "x", "TRUE", "", "20/11/2026", "ramo", "1.234"]),
        st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(_CELLS)
def test_column_conversion_matches_cell_by_cell(cells: list[object]) -> None:
    """The factorised fast path reads every column exactly as the per-cell parsers do."""
    expected_texts = ["" if is_empty(c) else clean(cell_text(c)) for c in cells]
    assert texts(cells) == expected_texts
    for convert, parse in (
        (integers, parse_int),
        (lambda v: decimals(v, None), lambda c: parse_decimal(c, decimal_comma_of(cells, None))),
        (lambda v: dates(v, "dmy"), parse_date),
    ):
        values, failures = convert(cells)
        failed = dict(failures)
        for i, cell in enumerate(cells):
            try:
                want = parse(cell)
            except CellError as exc:
                assert values[i] is None and failed[i].code == exc.code
            else:
                assert values[i] == want and i not in failed
                assert type(values[i]) is type(want)
