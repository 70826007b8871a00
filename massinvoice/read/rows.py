"""Row kinds: every row of an export is an order line, a recognised non-order row, or a problem.

Below the header, a row with an order number is an order line (unless it repeats the header or
is a totals row). A row without one is, in this order: blank; a subtotal or total ("Total for
Acme", "TOTAL"); a note below the data ("Accrual basis ...", "printed by ..."); a continuation
line of the order above (profiles whose exports write order fields only on an order's first
row); a customer heading row of a grouped report (one text cell; the customer is carried down
to the lines under it); otherwise a problem (``missing_order_no``). Rows above the header are
title rows or blank. The counts of each kind are what ``select`` and ``inspect`` report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from massinvoice.read.cells import cell_text, is_empty
from massinvoice.text import clean, fold

TOTAL_WORDS = ("total", "totales", "total general", "grand total", "totals", "sum", "suma",
               "total general de", "gran total")  # fmt: skip
TOTAL_PREFIXES = ("total ", "totales ", "subtotal", "sub total", "grand total", "total:")
_TOTAL_STARTS = ("tot", "sum", "sub", "gra")
# Line fields: a row without an order number but with one of these is a continuation line.
LINE_FIELDS = (
    "species", "variety", "quantity", "unit_price", "amount", "boxes", "bunches", "stems",
    "invoiced_qty", "delivered_qty",
)  # fmt: skip


def is_total(text: str) -> bool:
    """Whether a cell says this is a totals row ('TOTAL', 'Total general', 'Sum', ...)."""
    if text[:3].lower() not in _TOTAL_STARTS:  # the cheap test first: it runs on every row
        return False
    key = fold(text).rstrip(": ")
    return key in TOTAL_WORDS or key.startswith(TOTAL_PREFIXES)


def total_kind(text: str) -> str:
    """'total' for a grand total, 'subtotal' for a group's ('Total for Acme', 'Subtotal')."""
    key = fold(text).rstrip(": ")
    return "total" if key in TOTAL_WORDS or key.startswith("grand total") else "subtotal"


@dataclass(slots=True)
class RowPlan:
    """Which rows carry order lines, and of which order; what every other row is."""

    rows: list[int] = field(default_factory=list)  # positions of line rows, in order
    orders: list[str] = field(default_factory=list)  # the order number of each line row
    headings: dict[int, str] = field(default_factory=dict)  # line position -> heading text
    kinds: Counter[str] = field(default_factory=Counter)
    unnumbered: list[int] = field(default_factory=list)  # rows that are problems


def _first_text(row: Sequence[Any]) -> tuple[str, int]:
    """The first filled cell's text, and how many cells are filled."""
    filled = [c for c in row if not is_empty(c)]
    return (clean(cell_text(filled[0])) if filled else ""), len(filled)


def plan_rows(
    cells: Any,
    numbers: list[str],
    header_text: str,
    line_columns: Sequence[int],
    *,
    continuation: bool,
    grouped: bool,
) -> RowPlan:
    """Sort the rows below the header (see the module's docstring)."""
    plan = RowPlan()
    kinds = plan.kinds
    numbered = [i for i, n in enumerate(numbers) if n and n != header_text and not is_total(n)]
    while numbered and sum(not is_empty(c) for c in cells[numbered[-1]]) == 1:
        numbered.pop()  # a footer note below the data ('printed by ...'), in the first column
    last = numbered[-1] if numbered else -1
    current, heading = "", ""
    for i, number in enumerate(numbers):
        if number and i <= last:
            if number == header_text:
                kinds["header"] += 1
            elif is_total(number):
                kinds[total_kind(number)] += 1
                current = ""
            else:
                plan.rows.append(i)
                plan.orders.append(number)
                if heading:
                    plan.headings[len(plan.rows) - 1] = heading
                current = number
            continue
        text, filled = _first_text(cells[i])
        if not filled:
            kinds["blank"] += 1
        elif is_total(text):
            kinds[total_kind(text)] += 1
            current, heading = "", "" if grouped else heading
        elif i > last:
            kinds["note"] += 1
        elif continuation and current and any(not is_empty(cells[i][j]) for j in line_columns):
            plan.rows.append(i)
            plan.orders.append(current)
            kinds["continuation"] += 1
        elif grouped and filled == 1 and text:
            heading, current = text, ""
            kinds["heading"] += 1
        else:
            plan.unnumbered.append(i)
            kinds["problem"] += 1
    kinds["line"] = len(plan.rows) - kinds["continuation"]
    return plan


def title_rows(cells: Any) -> Counter[str]:
    """The rows above the header: titles or blank."""
    kinds: Counter[str] = Counter()
    for row in cells:
        kinds["title" if _first_text(row)[1] else "blank"] += 1
    return kinds
