"""Whole-column conversion: a column's cells to Python values, with the cells that failed.

A column is converted in one tight loop. The common case (numbers that are already numbers,
dates that are already dates, text repeated on many lines) takes a fast path or a per-column
cache; only the odd cell goes through the full parser in :mod:`parse`. Each function returns
the values (``None`` where a cell failed) and the failures as ``(position, CellError)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from massinvoice.sources.parse import (
    CellError,
    cell_text,
    parse_date,
    parse_decimal,
    parse_int,
    parse_unit,
)
from massinvoice.text import clean

Failures = list[tuple[int, CellError]]


def texts(values: Sequence[object]) -> list[str]:
    """Cells as cleaned text; repeated values are cleaned once."""
    cache: dict[object, str] = {}
    out: list[str] = []
    append = out.append
    for v in values:
        key = v if type(v) is str else (type(v), v)  # True == 1, but reads 'TRUE'
        try:
            append(cache[key])
        except KeyError:
            text = clean(cell_text(v))
            if v == v:  # NaN never finds itself again; do not fill the cache with it
                cache[key] = text
            append(text)
        except TypeError:  # an unhashable cell from an odd engine
            append(clean(cell_text(v)))
    return out


def integers(values: Sequence[object]) -> tuple[list[int | None], Failures]:
    """Quantity cells as ints; a fraction or text is a failure."""
    out: list[int | None] = []
    failures: Failures = []
    append = out.append
    for i, v in enumerate(values):
        if type(v) is int:
            append(v)
            continue
        try:
            append(parse_int(v))
        except CellError as exc:
            append(None)
            failures.append((i, exc))
    return out, failures


def decimal_comma_of(values: Sequence[object], default: bool | None) -> bool | None:
    """Which decimal mark a column's text numbers use, by the cells that say so plainly."""
    comma = point = 0
    for v in values:
        if type(v) is not str or ("," not in v and "." not in v):
            continue
        s = v.strip()
        c, p = s.count(","), s.count(".")
        if c and p:
            if s.rfind(",") > s.rfind("."):
                comma += 1
            else:
                point += 1
        elif c + p == 1:
            tail = s.rpartition("," if c else ".")[2]
            if len(tail.strip()) != 3 or not tail.strip().isdigit():
                comma, point = (comma + 1, point) if c else (comma, point + 1)
        elif c > 1:
            point += 1
        elif p > 1:
            comma += 1
    if comma == point:
        return default
    return comma > point


def decimals(
    values: Sequence[object], default_comma: bool | None = None
) -> tuple[list[Decimal | None], Failures]:
    """Money or price cells as Decimal (floats through their repr: 0.35 stays 0.35)."""
    decimal_comma = decimal_comma_of(values, default_comma)
    return _cached(values, lambda v: parse_decimal(v, decimal_comma), float)


def _cached(
    values: Sequence[object], parse: Callable[[object], Any], common: type | None = None
) -> tuple[list[Any], Failures]:
    """Parse each distinct cell once; empty cells are None.

    Cells of the ``common`` type (float for money, datetime for dates) are cached by value;
    others by (type, value), since 1, 1.0 and True are equal keys for a dict.
    """
    cache: dict[object, object] = {}
    out: list[object] = []
    failures: Failures = []
    append = out.append
    for i, v in enumerate(values):
        if v is None:
            append(None)
            continue
        key: object = v if type(v) is common else (type(v), v)
        try:
            append(cache[key])
            continue
        except KeyError:
            pass
        except TypeError:  # an unhashable cell from an odd engine
            key = None
        try:
            value = parse(v)
        except CellError as exc:
            append(None)
            failures.append((i, exc))
            continue
        if key is not None and v == v:  # NaN never finds itself: keep it out
            cache[key] = value
        append(value)
    return out, failures


def dates(values: Sequence[object], date_order: str) -> tuple[list[dt.date | None], Failures]:
    """Date cells (real dates, Excel serials or text) as dates."""
    return _cached(values, lambda v: parse_date(v, date_order), dt.datetime)


def units(values: Sequence[object]) -> tuple[list[str], Failures]:
    """Unit cells as 'stem' or 'bunch' (empty is 'stem')."""
    out, failures = _cached(values, parse_unit)
    return [u or "stem" for u in out], failures
