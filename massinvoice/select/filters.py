"""The select filters, as a pure function over orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from massinvoice.model import Filters, Order
from massinvoice.text import fold

DATE_FIELDS = {"ship": "ship_date", "order": "order_date", "flight": "flight_date"}


def _matches(value: str, wanted: set[str]) -> bool:
    return not wanted or fold(value) in wanted


def keep(order: Order, filters: Filters) -> bool:
    """Whether one order passes the filters."""
    if filters.date_from or filters.date_to:
        day: dt.date | None = getattr(order, DATE_FIELDS[filters.date_field])
        if day is None:
            return False
        if filters.date_from and day < filters.date_from:
            return False
        if filters.date_to and day > filters.date_to:
            return False
    if not _matches(order.sales_rep, {fold(v) for v in filters.reps}):
        return False
    clients = {fold(v) for v in filters.clients}
    if (
        clients
        and fold(order.bill_customer) not in clients
        and fold(order.ship_customer) not in clients
    ):
        return False
    if not _matches(order.cargo_agency, {fold(v) for v in filters.cargo_agencies}):
        return False
    if not _matches(order.market, {fold(v) for v in filters.markets}):
        return False
    if filters.status == "invoiced":
        return not order.invoiceable
    if filters.status == "non-invoiced":
        return order.invoiceable
    return True


def apply_filters(orders: Iterable[Order], filters: Filters) -> list[Order]:
    """The orders that pass, in their original order."""
    if filters.date_field not in DATE_FIELDS:
        raise ValueError(f"date field must be one of {', '.join(DATE_FIELDS)}")
    return [o for o in orders if keep(o, filters)]
