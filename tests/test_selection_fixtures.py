"""Orders built by hand and small workbook edits, shared by the selection-workbook tests.

The export reader is not used here: every order is a literal, so these tests say exactly what
goes into the sheet. The edits use openpyxl the way a person's spreadsheet would change cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from massinvoice.config import Config, Seller
from massinvoice.model import Filters, Line, Order
from massinvoice.select.checks import order_warnings
from massinvoice.select.workbook import SheetSource, write_selection

CONFIG = Config(seller=Seller(name="ANDES CUMBRE FLOWERS S.A."))
CONFIG_ES = Config(language="es", seller=Seller(name="ANDES CUMBRE FLOWERS S.A."))
CREATED = dt.datetime(2026, 11, 22, 18, 0)
FILTERS = Filters(date_from=dt.date(2026, 11, 9), date_to=dt.date(2026, 11, 22), reps=("Carla",))
SOURCES = [SheetSource("orders.xlsx", "ab" * 32, "/share/inbox/orders.xlsx")]
HOSTILE = ('=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "\t=1")


def line(order_no: str, n: int, **kw: Any) -> Line:
    """A rose line: 2 HB boxes, 24 bunches of 25 stems at 0.35 per stem."""
    values: dict[str, Any] = {
        "species": "Roses", "variety": "Freedom", "length": "60", "box_type": "HB",
        "boxes": 2, "packed_boxes": 2, "confirmed_boxes": 2, "bunches": 24,
        "stems_per_bunch": 25, "stems": 600, "unit": "stem", "unit_price": Decimal("0.35"),
        "min_price": Decimal("0.30"), "amount": Decimal("210.00"), "currency": "USD",
        "extra": (("Farm", "FINCA LAS GARZAS"),),
    }  # fmt: skip
    values.update(kw)
    return Line(order_no, n, **values)


def order(order_no: str, status: str = "packed", n_lines: int = 2, **kw: Any) -> Order:
    """An order whose lines give it the status asked for (packed, partial, not packed, invoiced)."""
    packed = {"packed": 2, "invoiced": 2, "partial": 1, "not packed": 0}[status]
    lines = kw.pop("lines", None) or tuple(
        line(order_no, n, packed_boxes=packed if n == 1 or status != "partial" else 0)
        for n in range(1, n_lines + 1)
    )
    values: dict[str, Any] = {
        "customer_po": f"BLR-{order_no[-4:]}", "order_date": dt.date(2026, 11, 2),
        "ship_date": dt.date(2026, 11, 9), "flight_date": dt.date(2026, 11, 10),
        "ship_customer": "BLOOMRIDGE / MARK A", "sales_rep": "Carla Andrade",
        "cargo_agency": "ALTIPLANO AIR CARGO", "market": "US", "incoterm": "FOB",
        "awb": "145-12345675", "hawb": "ALT123456", "dae": "055-2026-40-00123456",
        "currency": "USD",
        "invoice_no": "001-001-000004512" if status == "invoiced" else "",
    }  # fmt: skip
    bill_customer = kw.pop("bill_customer", "BLOOMRIDGE WHOLESALE INC")
    values.update(kw)
    return Order(order_no, bill_customer, lines, **values)


def sample_orders() -> list[Order]:
    """One order of each status, one with a zero price, one full of formula-looking text."""
    hostile_lines = (
        line("PO-1006", 1, variety=HOSTILE[0], length=HOSTILE[3], extra=(("Farm", HOSTILE[1]),)),
    )
    return [
        order("PO-1001", "packed"),
        order("PO-1002", "partial", n_lines=3),
        order("PO-1003", "not packed"),
        order("PO-1004", "invoiced"),
        order("PO-1005", "packed", lines=(line("PO-1005", 1, unit_price=Decimal("0.00")),)),
        order(
            "PO-1006",
            "packed",
            lines=hostile_lines,
            bill_customer=HOSTILE[0],
            ship_customer=HOSTILE[1],
            sales_rep=HOSTILE[2],
            cargo_agency=HOSTILE[3],
            market=HOSTILE[4],
            customer_po="=1+2",
        ),
    ]


def write(
    folder: Path,
    orders: Iterable[Order] | None = None,
    *,
    config: Config = CONFIG,
    select_all: bool = False,
    name: str = "selection.xlsx",
) -> Path:
    """Write a selection workbook of ``orders`` (the samples by default) into ``folder``."""
    orders = list(sample_orders() if orders is None else orders)
    return write_selection(
        folder / name, orders, config=config, filters=FILTERS, sources=SOURCES,
        warnings={o.order_no: order_warnings(o) for o in orders}, select_all=select_all,
        created=CREATED,
    )  # fmt: skip


def header_row(ws: Any, label: str) -> tuple[int, dict[str, int]]:
    """The row holding ``label`` and its labels' column numbers (1-based)."""
    for row in ws.iter_rows(min_row=1, max_row=40):
        labels = {c.value: c.column for c in row if isinstance(c.value, str)}
        if label in labels:
            return row[0].row, labels
    raise AssertionError(f"no header {label!r}")


def row_of(ws: Any, order_no: str, line_no: int | None = None, order_label: str = "Order #") -> int:
    """The sheet row of an order (or of one of its lines on the Lines sheet)."""
    top, cols = header_row(ws, order_label)
    line_col = cols.get("Line") or cols.get("Línea")
    for r in range(top + 1, ws.max_row + 1):
        if ws.cell(r, cols[order_label]).value != order_no:
            continue
        if line_no is None or ws.cell(r, line_col).value == line_no:
            return r
    raise AssertionError(f"no row for {order_no} {line_no}")


def edit(path: Path, change: Callable[[Any], None], out: Path | None = None) -> Path:
    """Open with openpyxl, let ``change`` edit the workbook, save (to ``out`` or in place)."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(out or path)
    return out or path


def mark(path: Path, marks: dict[str, object], sheet: str = "Selection") -> Path:
    """Type values into the Select cells of the given orders."""

    def change(wb: Any) -> None:
        ws = wb[sheet]
        _, cols = header_row(ws, "Order #" if sheet == "Selection" else "Pedido")
        select = cols.get("Select") or cols["Seleccionar"]
        for order_no, value in marks.items():
            label = "Order #" if sheet == "Selection" else "Pedido"
            ws.cell(row_of(ws, order_no, order_label=label), select).value = value

    return edit(path, change)


def set_line(path: Path, order_no: str, line_no: int, label: str, value: object) -> Path:
    """Type a value into one cell of one line on the Lines sheet."""

    def change(wb: Any) -> None:
        ws = wb["Lines"]
        _, cols = header_row(ws, "Order #")
        ws.cell(row_of(ws, order_no, line_no), cols[label]).value = value

    return edit(path, change)
