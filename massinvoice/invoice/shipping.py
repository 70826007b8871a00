"""The export-invoice fields a flower exporter's invoice carries when the export has them:
incoterm with its place (FOB UIO), gross and net weight, pieces, airline and flight, airports,
phytosanitary certificate, destination country, and the farm of each line.

They come from the lines' extra columns, recognised by ``read.header.SHIPPING_ALIASES``; an
order's value is the first non-empty one of its lines (order-level columns repeat on each line).
"""

from __future__ import annotations

from collections.abc import Sequence

from massinvoice.model import Line, Order
from massinvoice.read.header import shipping_field

# The order-level fields, in the order the invoice prints them (farm is per line).
ORDER_FIELDS = (
    "incoterm_place", "gross_weight", "net_weight", "pieces", "airline", "flight_no",
    "origin_airport", "destination_airport", "phyto", "destination_country",
)  # fmt: skip


def line_fields(line: Line) -> dict[str, str]:
    """The export-invoice fields among one line's extra columns."""
    found: dict[str, str] = {}
    for header, value in line.extra:
        field = shipping_field(header)
        if field and value.strip() and field not in found:
            found[field] = value.strip()
    return found


def shipping_facts(orders: Sequence[Order]) -> tuple[tuple[str, str], ...]:
    """(field, value) for each order-level field the orders carry; several orders' different
    values are joined ('AV 123, LA 456')."""
    values: dict[str, list[str]] = {f: [] for f in ORDER_FIELDS}
    for order in orders:
        for line in order.lines:
            for field, value in line_fields(line).items():
                if field in values and value not in values[field]:
                    values[field].append(value)
    return tuple((f, ", ".join(v)) for f, v in values.items() if v)


def farm_of(line: Line) -> str:
    return line_fields(line).get("farm", "")
