"""Hand-built orders for tests that must not depend on the export reader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from massinvoice.model import Line, Order


def line(order_no: str = "PO-1", line_no: int = 1, **kw) -> Line:
    base = dict(
        species="Roses", variety="Freedom", length="60", box_type="HB", boxes=2, packed_boxes=2,
        confirmed_boxes=2, bunches=24, stems_per_bunch=25, stems=600, unit="stem",
        unit_price=Decimal("0.35"), min_price=Decimal("0.30"), currency="USD",
    )  # fmt: skip
    base.update(kw)
    return Line(order_no=order_no, line_no=line_no, **base)


def order(order_no: str = "PO-1", lines: list[Line] | None = None, **kw) -> Order:
    base = dict(
        bill_customer="BLOOM WHOLESALE INC", ship_customer="BLOOM / MARK A", customer_po="C-77",
        order_date=dt.date(2026, 11, 10), ship_date=dt.date(2026, 11, 12),
        flight_date=dt.date(2026, 11, 13), sales_rep="Ana Torres", cargo_agency="Andes Cargo",
        market="US", incoterm="FOB", awb="369-12345675", dae="055-2026-40-00012345",
        currency="USD",
    )  # fmt: skip
    base.update(kw)
    return Order(order_no=order_no, lines=tuple(lines or [line(order_no)]), **base)
