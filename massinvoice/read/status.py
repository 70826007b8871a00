"""Order status from the ERP's own columns: invoiced, partly invoiced, delivered.

Each status column gives some rows a say: an order-status text (Odoo "Invoice Status", ERPNext
"Status", Dolibarr "Estado", or the config's ``[status] column``) read through a
:class:`~massinvoice.read.profiles.StatusMap`; a yes/no flag (Dolibarr "Billed"/"Facturado");
a percentage (ERPNext "% Amount Billed", "% Delivered"); a line's invoiced or delivered quantity
against its quantity (Odoo, QuickBooks "Invoiced"). An order is invoiced when every say is
"invoiced", open when every say is "open", and partly invoiced otherwise; delivered likewise.
A value a profile does not know is a problem, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from massinvoice.read import convert
from massinvoice.read.cells import CellError, parse_decimal
from massinvoice.read.profiles import (
    DELIVERED,
    INVOICED,
    NO,
    NOT_DELIVERED,
    OPEN,
    PARTLY,
    PARTLY_DELIVERED,
    YES,
    StatusMap,
)
from massinvoice.text import fold

Say = tuple[str | None, str | None]  # (invoiced state, delivered state) of one row
HUNDRED = Decimal(100)


def looks_like_flag(values: Sequence[str]) -> bool:
    """Whether a column's texts are yes/no flags or percentages, not invoice numbers."""
    seen = {fold(v) for v in set(values) if v}  # each distinct text folded once
    return bool(seen) and all(v in YES or v in NO or v.endswith("%") for v in seen)


def flag_says(values: Sequence[str]) -> list[Say]:
    """A yes/no column: yes is invoiced, no is open; '100%' and '40%' as percentages."""
    out: list[Say] = []
    for v in values:
        key = fold(v)
        if not key:
            out.append((None, None))
        elif key.endswith("%"):
            out.append((_by_percent(_number(key[:-1]), INVOICED, PARTLY, OPEN), None))
        else:
            out.append((INVOICED if key in YES else OPEN, None))
    return out


def _number(text: str) -> Decimal | None:
    try:
        return parse_decimal(text.strip(), None)
    except CellError:
        return None


def _by_percent(p: Decimal | None, full: str, part: str, none: str) -> str | None:
    if p is None:
        return None
    return full if p >= HUNDRED else part if p > 0 else none


def percents(raw: Any, decimal_comma: bool | None) -> tuple[list[Decimal | None], list[int]]:
    """A percentage column ('28.64', '28,64 %', 0.2864 as a formatted cell is not seen)."""
    texts = [t.replace("%", "").strip() for t in convert.texts(raw)]
    values, failures = convert.decimals(texts, decimal_comma)
    return values, [pos for pos, _ in failures]


def quantity_say(done: Decimal | int | None, qty: Decimal | int, full: str, part: str,
                 none: str) -> str | None:  # fmt: skip
    """A line's invoiced (or delivered) quantity against its quantity."""
    if done is None:
        return None
    if qty > 0 and done >= qty:
        return full
    return part if done > 0 else none


def combine(says: Sequence[str], full: str, none: str, part: str) -> str:
    """An order's state from the says of its rows and columns ('' when none has a say)."""
    kinds = set(says)
    if not kinds:
        return ""
    if kinds == {full}:
        return full
    if kinds == {none}:
        return none
    return part


def order_states(
    positions: Sequence[int], invoiced: Sequence[list[str | None]],
    delivered: Sequence[list[str | None]],
) -> tuple[str, str]:  # fmt: skip
    """(invoiced state, delivered state) of one order from its rows' says in every column."""
    inv = [col[p] for col in invoiced for p in positions if col[p] is not None]
    dlv = [col[p] for col in delivered for p in positions if col[p] is not None]
    state = combine(inv, INVOICED, OPEN, PARTLY)  # type: ignore[arg-type]
    shipped = combine(dlv, DELIVERED, NOT_DELIVERED, PARTLY_DELIVERED)  # type: ignore[arg-type]
    return state, shipped


def read_status_column(
    texts: Sequence[str], status_map: StatusMap, unknown: Callable[[int, str], None]
) -> tuple[list[str | None], list[str | None]]:
    """An order-status column's says; ``unknown(position, value)`` for a value not known."""
    invoiced: list[str | None] = []
    delivered: list[str | None] = []
    cache: dict[str, Say | None] = {}
    for pos, text in enumerate(texts):
        if text not in cache:
            cache[text] = status_map.read(text)
        say = cache[text]
        if say is None:
            unknown(pos, text)
            say = (None, None)
        invoiced.append(say[0])
        delivered.append(say[1])
    return invoiced, delivered
