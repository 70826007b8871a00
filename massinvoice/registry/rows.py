"""The invoices table's rows: a numbered draft as a pending row, and records read back with the
orders each invoice holds (or released, once void)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from massinvoice.config import Series
from massinvoice.problems import RegistryError
from massinvoice.registry.schema import (
    Draft,
    InvoiceRecord,
    chunks,
    dumps,
    invoice_orders,
    invoices,
    record_from_row,
    released_orders,
)


def pending_row(
    draft: Draft, number: str, series: Series, seq: int, run_id: str, now: dt.datetime,
    lease_until: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """The invoices row of a draft numbered ``number``, pending."""
    try:
        payload = dumps({**draft.payload, "number": number})
    except (TypeError, ValueError) as exc:
        raise RegistryError(
            f"invoice for orders {', '.join(draft.orders)}: payload is not "
            f"JSON-serialisable ({exc}); nothing was reserved"
        ) from None
    return dict(
        number=number, series=series.name, seq=seq, date=draft.date, customer=draft.customer,
        currency=draft.currency, total=draft.total, state="pending", file="", sha256="",
        reason="", run_id=run_id, payload=payload, lease_until=lease_until, created_at=now,
    )  # fmt: skip


def read_records(
    conn: Connection, where: Any = None, limit: int | None = None
) -> list[InvoiceRecord]:
    """Invoices in the order they were numbered, each with its orders."""
    query = select(invoices).order_by(invoices.c.id)
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(limit)
    rows = [row._asdict() for row in conn.execute(query)]
    orders: dict[str, list[str]] = {}
    for chunk in chunks([r["number"] for r in rows]):
        for table in (invoice_orders, released_orders):
            for order_no, number in conn.execute(
                select(table.c.order_no, table.c.invoice_number)
                .where(table.c.invoice_number.in_(chunk)).order_by(table.c.order_no)
            ):  # fmt: skip
                orders.setdefault(number, []).append(order_no)
    return [record_from_row(r, tuple(orders.get(r["number"], ()))) for r in rows]
