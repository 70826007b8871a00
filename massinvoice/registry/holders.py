"""Who holds an order: the invoice that has it exactly, or one that has an order looking like it.

An order's identity is its exact text; :func:`massinvoice.model.order_key` is the one place
that says when two texts look alike (case, spaces, Excel's lost leading zeros). A look-alike of
an order on a live invoice is held back with that reason, never invoiced silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from massinvoice.model import order_key
from massinvoice.registry.schema import Conflict, chunks, invoice_orders, invoices, pid_gone


def holders(conn: Connection, orders: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Order -> (invoice number, state) for the given orders that are held."""
    query = (
        select(invoice_orders.c.order_no, invoices.c.number, invoices.c.state)
        .join(invoices, invoices.c.number == invoice_orders.c.invoice_number)
    )  # fmt: skip
    found: dict[str, tuple[str, str]] = {}
    for chunk in chunks(sorted(set(orders))):
        for order_no, number, state in conn.execute(
            query.where(invoice_orders.c.order_no.in_(chunk))
        ):
            found[order_no] = (number, state)
    return found


def lookalikes(conn: Connection, orders: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Order -> (the held order it looks like, its invoice), for orders not held exactly."""
    by_key: dict[str, list[str]] = {}
    for o in set(orders):
        by_key.setdefault(order_key(o), []).append(o)
    query = select(invoice_orders.c.order_key, invoice_orders.c.order_no,
                   invoice_orders.c.invoice_number)  # fmt: skip
    found: dict[str, tuple[str, str]] = {}
    for chunk in chunks(sorted(by_key)):
        for key, held, number in conn.execute(query.where(invoice_orders.c.order_key.in_(chunk))):
            for o in by_key.get(key, ()):
                if o != held:
                    found.setdefault(o, (held, number))
    return found


def lookalike_reason(look: dict[str, tuple[str, str]]) -> str:
    parts = [f"order {o} looks like order {held} (the same but for case, spaces or leading "
             f"zeros), already on invoice {number}" for o, (held, number) in sorted(look.items())]  # fmt: skip
    return "; ".join(parts) + (
        ": held back, never invoiced twice; if it really is another order, give it a "
        "distinct number in the ERP"
    )


def conflict_reason(held: dict[str, tuple[str, str]]) -> str:
    parts = []
    for order_no, (number, state) in sorted(held.items()):
        how = "void, orders not released" if state == "void" else state
        parts.append(f"order {order_no} is already on invoice {number} ({how})")
    return "; ".join(parts) + ": never invoiced twice"


def abandoned(row: Any, now: dt.datetime, here: tuple[str, str]) -> bool:
    """No live run is finishing this invoice: its run ended, its lease ran out, or its run's
    process is gone from this machine."""
    return (
        row.finished_at is not None
        or row.lease_until is None
        or row.lease_until <= now
        or ((row.host, row.machine) == here and pid_gone(row.pid))
    )


def conflict_for(
    orders: Sequence[str],
    held: dict[str, tuple[str, str]],
    alike: dict[str, tuple[str, str]],
    claimed: dict[str, tuple[str, str]],
) -> Conflict | None:
    """Why a draft for ``orders`` cannot be numbered, or None: an order on a live invoice
    (``held``), or one that only looks like an invoiced one (``alike``) or like an order an
    earlier draft of the same call took (``claimed``: normalised key -> (order, number))."""
    held_now = {o: held[o] for o in orders if o in held}
    if held_now:
        return Conflict(tuple(orders), conflict_reason(held_now),
                        {o: number for o, (number, _) in held_now.items()})  # fmt: skip
    look = {o: alike[o] for o in orders if o in alike} | {
        o: claimed[order_key(o)] for o in orders if claimed.get(order_key(o), (o,))[0] != o
    }
    if look:
        return Conflict(tuple(orders), lookalike_reason(look), {o: n for o, (_, n) in look.items()})
    return None
