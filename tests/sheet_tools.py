"""Act like the accountant on a selection workbook: mark rows, correct prices (with openpyxl)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import openpyxl


def _table(ws, *headers: str):
    for row in ws.iter_rows(min_row=1, max_row=60):
        names = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if all(h in names for h in headers):
            return row[0].row, names
    raise AssertionError(f"no header row with {headers} in {ws.title}")


def mark(
    path: Path, orders: Iterable[str] | None = None, value: str = "X", skip: Iterable[str] = ()
) -> list[str]:
    """Type ``value`` into the Select cell of the given orders (all non-invoiced if None)."""
    skip = set(skip)
    wb = openpyxl.load_workbook(path)
    ws = wb["Selection"]
    header, cols = _table(ws, "Select", "Order #")
    wanted = set(orders) if orders is not None else None
    marked = []
    for r in range(header + 1, ws.max_row + 1):
        order_no = ws.cell(r, cols["Order #"]).value
        if not order_no or str(order_no) in skip:
            continue
        select = ws.cell(r, cols["Select"])
        if wanted is None and select.value == "INVOICED!":
            continue
        if wanted is None or str(order_no) in wanted:
            select.value = value
            marked.append(str(order_no))
    wb.save(path)
    return marked


def listed_orders(path: Path) -> dict[str, dict]:
    """Order # -> {column: value} of the Selection sheet."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb["Selection"]
    rows = list(ws.iter_rows(values_only=True))
    for i, row in enumerate(rows):
        if row and "Select" in row and "Order #" in row:
            head = [str(v) if v is not None else "" for v in row]
            out = {}
            for values in rows[i + 1 :]:
                rec = dict(zip(head, values, strict=False))
                if rec.get("Order #") and str(rec["Order #"]).startswith("PO"):
                    out[str(rec["Order #"])] = rec
            return out
    raise AssertionError("no Selection header")


def set_line_value(path: Path, order_no: str, line_no: int, column: str, value) -> None:
    """Correct one cell of the Lines sheet, found by header name, order and line number."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Lines"]
    header, cols = _table(ws, "Order #", "Line", column)
    for r in range(header + 1, ws.max_row + 1):
        if str(ws.cell(r, cols["Order #"]).value) == order_no and ws.cell(
            r, cols["Line"]
        ).value in (line_no, str(line_no)):
            ws.cell(r, cols[column]).value = value
            wb.save(path)
            return
    raise AssertionError(f"{order_no} line {line_no} not on Lines")


def mixed_currency(export: Path, config) -> set[str]:
    """Orders whose lines are in two currencies (the generator seeds one)."""
    from massinvoice.read import load_export

    return {o.order_no for o in load_export([export], config) if len(o.currencies) > 1}


def never_invoiced(export: Path, config) -> set[str]:
    """Orders an invoice run never issues, so they are left unmarked: lines in two currencies
    and orders whose total is 0.00 (the generator seeds both)."""
    from massinvoice.read import load_export

    return {
        o.order_no for o in load_export([export], config) if len(o.currencies) > 1 or not o.amount
    }
