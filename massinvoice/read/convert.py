"""Whole-column conversion: a column's cells to Python values, with the cells that failed.

An export repeats itself: a column of 100,000 cells holds a few hundred distinct values. So a
column is factorised by pandas (hashing in C), each distinct value is parsed once by
:mod:`parse`, and the results are spread back with a NumPy take. Columns whose cells mix kinds
that compare equal (``True == 1``) take a per-cell path keyed by (type, value) instead. Each
function returns the values (``None`` where a cell failed or is empty) and the failures as
``(position, CellError)``, in position order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from massinvoice.read.cells import (
    CellError,
    cell_text,
    parse_date,
    parse_decimal,
    parse_int,
    parse_unit,
)
from massinvoice.text import clean

Failures = list[tuple[int, CellError]]
# Kinds of column (pandas' infer_dtype) whose equal cells always read alike.
_FACTORISABLE = {
    "string", "integer", "floating", "mixed-integer-float", "boolean", "datetime", "date",
    "empty",
}  # fmt: skip


def _objects(values: Sequence[object] | np.ndarray) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def by_value(
    values: Sequence[object] | np.ndarray, parse: Callable[[object], Any], empty: Any = None
) -> tuple[list[Any], Failures]:
    """Parse each distinct cell of a column once; empty cells (None, NaN, NaT) give ``empty``."""
    array = _objects(values)
    if infer_dtype(array, skipna=True) not in _FACTORISABLE:
        return _per_cell(array, parse, empty)
    codes, uniques = pd.factorize(array)
    results = np.empty(len(uniques) + 1, dtype=object)  # the last slot: code -1, empty
    results[-1] = empty
    bad: dict[int, CellError] = {}
    for u, value in enumerate(uniques):
        try:
            results[u] = parse(value)
        except CellError as exc:
            bad[u] = exc
    failures: Failures = []
    if bad:
        wrong = np.flatnonzero(np.isin(codes, list(bad)))
        failures = [(int(i), bad[int(codes[i])]) for i in wrong]
    return results[codes].tolist(), failures


def _per_cell(
    array: np.ndarray, parse: Callable[[object], Any], empty: Any
) -> tuple[list[Any], Failures]:
    cache: dict[object, Any] = {}
    out: list[Any] = []
    failures: Failures = []
    append = out.append
    for i, v in enumerate(array.tolist()):
        if v is None or v != v:  # empty, NaN, NaT
            append(empty)
            continue
        key: object = (type(v), v)  # True == 1 == 1.0, but they read differently
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
        if key is not None:
            cache[key] = value
        append(value)
    return out, failures


def _text(value: object) -> str:
    return clean(cell_text(value))


def texts(values: Sequence[object] | np.ndarray) -> list[str]:
    """Cells as cleaned text ('' when empty)."""
    return by_value(values, _text, "")[0]


def integers(values: Sequence[object] | np.ndarray) -> tuple[list[int | None], Failures]:
    """Quantity cells as ints; a fraction or text is a failure."""
    return by_value(values, parse_int)


def decimal_comma_of(values: Sequence[object] | np.ndarray, default: bool | None) -> bool | None:
    """Which decimal mark a column's text numbers use, by the cells that say so plainly."""
    comma = point = 0
    for v in pd.unique(_objects(values)):
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
            tail = s.rpartition("," if c else ".")[2].strip()
            if len(tail) != 3 or not tail.isdigit():
                comma, point = (comma + 1, point) if c else (comma, point + 1)
        elif c > 1:
            point += 1
        elif p > 1:
            comma += 1
    if comma == point:
        return default
    return comma > point


def decimals(
    values: Sequence[object] | np.ndarray, default_comma: bool | None = None
) -> tuple[list[Any], Failures]:
    """Money or price cells as Decimal (floats through their repr: 0.35 stays 0.35)."""
    decimal_comma = decimal_comma_of(values, default_comma)
    return by_value(values, lambda v: parse_decimal(v, decimal_comma))


def dates(values: Sequence[object] | np.ndarray, date_order: str) -> tuple[list[Any], Failures]:
    """Date cells (real dates, Excel serials or text) as dates."""
    return by_value(values, lambda v: parse_date(v, date_order))


def units(values: Sequence[object] | np.ndarray) -> tuple[list[str], Failures]:
    """Unit cells as 'stem' or 'bunch' (empty is 'stem')."""
    return by_value(values, parse_unit, "stem")
