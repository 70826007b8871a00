"""The hidden ``_massinvoice`` sheet: what read-back trusts, written and parsed in one place.

Layout (column A keys, column B values, then two tables, each under a marker row and a header
row of field names, ending at the first row with an empty column A)::

    massinvoice selection workbook | do not edit ...
    format_version | 1
    tool_version, created, language, filters (JSON), sources (JSON), extra_headers (JSON), ...

    [orders]
    order_no | fingerprint | status | invoice_no | bill_customer | ... | currency
    [lines]
    order_no | line_no | unit_price | boxes | packed_boxes | bunches | ... | confirmed_boxes

Text fields are written as text, exactly; quantities as numbers; prices and amounts as text so
``0.350`` reads back as ``0.350`` (the order fingerprint depends on it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from massinvoice import __version__
from massinvoice.model import Filters, Order
from massinvoice.problems import Code
from massinvoice.read.cells import cell_text
from massinvoice.select.xmlrows import INT, STR, VALUE, Cell, RowTemplate, SheetRows, number

FORMAT_VERSION = 1
STATE_SHEET = "_massinvoice"
STATE_MARK = "massinvoice selection workbook"
ORDERS_TABLE = "[orders]"
LINES_TABLE = "[lines]"
ORDER_FIELDS = (
    "order_no", "fingerprint", "status", "invoice_no", "bill_customer", "ship_customer",
    "customer_po", "order_date", "ship_date", "flight_date", "sales_rep", "cargo_agency",
    "market", "incoterm", "awb", "hawb", "dae", "currency",
)  # fmt: skip
LINE_FIELDS = (
    "order_no", "line_no", "unit_price", "boxes", "packed_boxes", "bunches", "stems_per_bunch",
    "stems", "min_price", "amount", "confirmed_boxes", "qty",
)  # fmt: skip

OrderRecords = dict[str, dict[str, str]]  # order_no -> field -> text
LineRecords = dict[str, dict[int, dict[str, str]]]  # order_no -> line_no -> field -> text


class StateError(ValueError):
    """The hidden sheet is missing, damaged or of another format version."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _text(value: object) -> str:
    # str() of a Decimal keeps its exponent: Decimal(str(d)) has the same repr as d.
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def state_rows(
    part: str,
    orders: Sequence[Order],
    *,
    language: str,
    filters: Filters,
    sources: Sequence[Any],
    created: dt.datetime,
    extra_headers: Sequence[str],
) -> SheetRows:
    """The hidden sheet's rows, rendered lazily into worksheet ``part``."""
    n_lines = sum(len(o.lines) for o in orders)
    meta = [
        (STATE_MARK, "do not edit: massinvoice reads this sheet back"),
        ("format_version", str(FORMAT_VERSION)),
        ("tool_version", __version__),
        ("created", created.isoformat()),
        ("language", language),
        ("filters", json.dumps(asdict(filters), default=str, ensure_ascii=False)),
        ("sources", json.dumps([asdict(s) for s in sources], ensure_ascii=False)),
        ("extra_headers", json.dumps(list(extra_headers), ensure_ascii=False)),
        ("orders", str(len(orders))),
        ("lines", str(n_lines)),
    ]
    last_row = len(meta) + 6 + len(orders) + n_lines
    pair = RowTemplate([Cell(STR, None)] * 2).render
    single = RowTemplate([Cell(STR, None)]).render
    order_row = RowTemplate([Cell(STR, None)] * len(ORDER_FIELDS)).render
    line_head = RowTemplate([Cell(STR, None)] * len(LINE_FIELDS)).render
    line_row = RowTemplate(
        [Cell(STR, None), Cell(INT, None), Cell(STR, None), *[Cell(INT, None)] * 5,
         Cell(STR, None), Cell(STR, None), Cell(VALUE, None), Cell(STR, None)]
    ).render  # fmt: skip

    def render(t: dict[str, str]) -> Iterator[str]:
        r = 0
        for key, value in meta:
            r += 1
            yield pair(r, t[key], t[value])
        r += 2
        yield single(r, t[ORDERS_TABLE])
        r += 1
        yield order_row(r, *(t[f] for f in ORDER_FIELDS))
        for o in orders:
            r += 1
            yield order_row(
                r, t[o.order_no], t[o.fingerprint()], t[o.status.value], t[o.invoice_no],
                t[o.bill_customer], t[o.ship_customer], t[o.customer_po], t[_text(o.order_date)],
                t[_text(o.ship_date)], t[_text(o.flight_date)], t[o.sales_rep], t[o.cargo_agency],
                t[o.market], t[o.incoterm], t[o.awb], t[o.hawb], t[o.dae], t[o.currency],
            )  # fmt: skip
        r += 2
        yield single(r, t[LINES_TABLE])
        r += 1
        yield line_head(r, *(t[f] for f in LINE_FIELDS))
        for o in orders:
            order_no = t[o.order_no]
            for line in o.lines:
                r += 1
                yield line_row(
                    r, order_no, line.line_no, t[_text(line.unit_price)], line.boxes,
                    line.packed_boxes, line.bunches, line.stems_per_bunch, line.stems,
                    t[_text(line.min_price)], t[_text(line.amount)], number(line.confirmed_boxes),
                    t[_text(line.qty)],
                )  # fmt: skip

    last_col = max(len(ORDER_FIELDS), len(LINE_FIELDS)) - 1
    return SheetRows(part, render, last_row, last_col, inline=True)


def read_state(rows: Sequence[Sequence[Any]]) -> tuple[dict[str, Any], OrderRecords, LineRecords]:
    """Meta, order records and original line records of the hidden sheet's cells."""
    if not rows or cell_text(rows[0][0]) != STATE_MARK:
        raise StateError(Code.NOT_SELECTION_WORKBOOK, "the _massinvoice sheet is not one we wrote")
    raw: dict[str, str] = {}
    for row in rows[1:]:
        key = cell_text(row[0])
        if not key:
            break
        raw[key] = cell_text(row[1]) if len(row) > 1 else ""
    version = raw.get("format_version", "")
    if version != str(FORMAT_VERSION):
        newer = version.isdigit() and int(version) > FORMAT_VERSION
        raise StateError(
            Code.FORMAT_VERSION,
            f"made by {'a newer' if newer else 'an older'} massinvoice, format "
            f"{version or '?'} (this one reads format {FORMAT_VERSION})",
        )
    try:
        meta = {
            "format_version": FORMAT_VERSION,
            "tool_version": raw.get("tool_version", ""),
            "created": raw.get("created", ""),
            "filters": json.loads(raw.get("filters") or "{}"),
            "sources": json.loads(raw.get("sources") or "[]"),
            "language": raw.get("language", ""),
            "extra_headers": json.loads(raw.get("extra_headers") or "[]"),
        }
        orders = {r["order_no"]: r for r in _table(rows, ORDERS_TABLE)}
        lines: LineRecords = {o: {} for o in orders}
        for r in _table(rows, LINES_TABLE):
            lines.setdefault(r["order_no"], {})[int(r["line_no"])] = r
    except (json.JSONDecodeError, KeyError, ValueError) as exc:
        if isinstance(exc, StateError):
            raise
        raise StateError(Code.STATE_DAMAGED, "the _massinvoice sheet was edited") from None
    return meta, orders, lines


def _table(rows: Sequence[Sequence[Any]], marker: str) -> list[dict[str, str]]:
    """The records of one table, as dicts of exact text."""
    for i, row in enumerate(rows):
        if row and row[0] == marker and i + 1 < len(rows):
            fields = [cell_text(c) for c in rows[i + 1]]
            width = len([f for f in fields if f])
            out = []
            for data in rows[i + 2 :]:
                if not data or data[0] in ("", None):
                    break
                cells = [c if type(c) is str else cell_text(c) for c in data[:width]]
                cells += [""] * (width - len(cells))
                out.append(dict(zip(fields[:width], cells, strict=True)))
            return out
    raise StateError(Code.STATE_DAMAGED, f"the _massinvoice sheet lost its {marker} table")
