"""Cell values of a re-saved selection workbook, read the way a person meant them.

Excel and LibreOffice change types when they save: ``'60'`` may come back as ``60.0``, ``1`` as
``1.0`` or ``True``, a date as a datetime. These helpers undo that, and find header rows by label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from massinvoice.model import Status
from massinvoice.read.cells import MAX_MAGNITUDE, cell_text
from massinvoice.select.labels import (
    INVOICED_MARKS,
    NOT_SELECTED_MARKS,
    SELECT_MARKS,
    STATUS_LABELS,
)
from massinvoice.text import fold

HEADER_SCAN = 40  # header rows are searched in the first rows of a sheet
_NUMBER_TEXT = re.compile(r"-?\d+(?:[.,]\d+)?")
INVOICED_WORDS = frozenset(
    {fold(m) for m in INVOICED_MARKS} | {fold(p) for p in STATUS_LABELS[Status.INVOICED]}
)


class NotANumber(ValueError):
    """A cell that should hold a number and does not."""


def select_mark(value: object) -> str:
    """What a Select cell says: 'yes', 'no', 'invoiced' or 'unclear'."""
    if value is None or value == "":
        return "no"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return "yes" if value == 1 else "no" if value == 0 else "unclear"
    folded = fold(value)
    if not folded or folded in NOT_SELECTED_MARKS:
        return "no"
    if folded in INVOICED_WORDS:
        return "invoiced"
    return "yes" if folded in SELECT_MARKS else "unclear"


def cell_number(value: object) -> Decimal | None:
    """A cell as a Decimal, None when empty; raises NotANumber.

    Floats go through their shortest repr (0.35, not 0.34999...); text is accepted when it is
    plainly a number, with a decimal point or a decimal comma ('0.35', '0,35'). A trillion or
    more is no price or quantity (and would overflow the cents arithmetic): NotANumber.
    """
    number = _cell_decimal(value)
    if number is not None and abs(number) >= MAX_MAGNITUDE:
        raise NotANumber
    return number


def _cell_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise NotANumber
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise NotANumber
        return Decimal(repr(value))
    text = str(value).strip()
    if not text:
        return None
    if not _NUMBER_TEXT.fullmatch(text):
        raise NotANumber
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise NotANumber from None


def find_header(
    rows: Sequence[Sequence[object]], keys: dict[str, str], required: Sequence[str]
) -> tuple[int, dict[str, list[int]]] | None:
    """The first row holding every required label: (row index, key -> column indexes)."""
    for r, row in enumerate(rows[:HEADER_SCAN]):
        found: dict[str, list[int]] = {}
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell:
                key = keys.get(fold(cell))
                if key:
                    found.setdefault(key, []).append(c)
        if all(k in found for k in required):
            return r, found
    return None


@dataclass
class FoundSheet:
    """A visible sheet found by its header row."""

    name: str
    rows: list[list[Any]]
    header: int  # 0-based index of the header row
    cols: dict[str, list[int]]  # key -> column indexes

    def col(self, key: str) -> int | None:
        found = self.cols.get(key)
        return found[0] if found else None

    def label(self, key: str, columns: dict[str, tuple[str, str]]) -> str:
        """The header as the sheet has it (for messages), else our English label."""
        c = self.col(key)
        return cell_text(self.rows[self.header][c]) if c is not None else columns[key][0]
