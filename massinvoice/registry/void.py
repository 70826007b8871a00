"""Voiding an invoice: the number stays recorded with its reason, and the answer says what changed.

A pending invoice that a live run is finishing cannot be voided (the run would then fail to
issue it, after issuing others); an invoice already void stays void with its first reason; a
release says which orders it made invoiceable again and which are on another live invoice.
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from massinvoice.problems import RegistryError
from massinvoice.registry.holders import abandoned
from massinvoice.registry.rows import read_records
from massinvoice.registry.schema import (
    InvoiceRecord,
    invoice_orders,
    invoices,
    machine_id,
    released_orders,
    runs,
)


@dataclass(frozen=True)
class VoidOutcome:
    """What a void did: the invoice as it is now, and what changed."""

    record: InvoiceRecord
    voided_now: bool  # False: it was void already (its first reason is kept)
    released_now: tuple[str, ...] = ()  # orders this call released
    released_before: tuple[str, ...] = ()  # orders an earlier void released
    held_elsewhere: dict[str, str] | None = None  # released order -> live invoice holding it

    @property
    def invoiceable_again(self) -> tuple[str, ...]:
        """Released orders that no live invoice holds now."""
        elsewhere = self.held_elsewhere or {}
        released = self.released_now + self.released_before
        return tuple(o for o in released if o not in elsewhere)


def void_invoice(
    registry, number: str, reason: str, *, release_orders: bool = False
) -> VoidOutcome:
    """Void ``number`` in ``registry`` (a :class:`~massinvoice.registry.numbering.Registry`)."""
    if not reason.strip():
        raise RegistryError("a void needs a reason")

    def work(conn: Connection) -> VoidOutcome:
        row = conn.execute(
            select(invoices.c.state, invoices.c.reason, invoices.c.lease_until, runs.c.host,
                   runs.c.machine, runs.c.pid, runs.c.finished_at, runs.c.started_at)
            .outerjoin(runs, runs.c.run_id == invoices.c.run_id)
            .where(invoices.c.number == number).with_for_update(of=invoices)
        ).one_or_none()  # fmt: skip
        if row is None:
            raise RegistryError(f"no invoice {number} in the registry")
        now = registry._now(conn)
        here = (socket.gethostname(), machine_id())
        if row.state == "pending" and not abandoned(row, now, here):
            raise RegistryError(
                f"invoice {number} is being issued right now by a run on {row.host} (process "
                f"{row.pid}, started {row.started_at:%Y-%m-%d %H:%M} UTC): nothing was changed. "
                "Wait for that run to finish (or stop it), then void the issued invoice"
            )
        voided_now = row.state != "void"
        if voided_now:
            conn.execute(update(invoices).where(invoices.c.number == number).values(
                state="void", reason=reason, voided_at=now, lease_until=None))  # fmt: skip
        released_now: tuple[str, ...] = ()
        if release_orders:
            released_now = _release(conn, number, reason, now)
        before = conn.scalars(select(released_orders.c.order_no)
                              .where(released_orders.c.invoice_number == number)).all()  # fmt: skip
        released_before = tuple(sorted(set(before) - set(released_now)))
        elsewhere = dict(conn.execute(
            select(invoice_orders.c.order_no, invoice_orders.c.invoice_number)
            .join(invoices, invoices.c.number == invoice_orders.c.invoice_number)
            .where(invoice_orders.c.order_no.in_(released_now + released_before),
                   invoices.c.state.in_(("pending", "issued")))
        ).all())  # fmt: skip
        record = read_records(conn, invoices.c.number == number)[0]
        return VoidOutcome(record, voided_now, released_now, released_before, elsewhere)

    return registry._run("void", work)


def _release(conn: Connection, number: str, reason: str, now: dt.datetime) -> tuple[str, ...]:
    held = conn.scalars(select(invoice_orders.c.order_no)
                        .where(invoice_orders.c.invoice_number == number)).all()  # fmt: skip
    if held:
        conn.execute(insert(released_orders), [
            {"order_no": o, "invoice_number": number, "released_at": now, "reason": reason}
            for o in held])  # fmt: skip
        conn.execute(invoice_orders.delete().where(invoice_orders.c.invoice_number == number))
    return tuple(sorted(held))


def describe(outcome: VoidOutcome, reason: str) -> list[str]:
    """What to tell the person who asked for the void: only what is true."""
    r = outcome.record
    if outcome.voided_now:
        lines = [f"voided {r.number}: {r.reason}"]
    else:
        when = f" since {r.voided_at:%Y-%m-%d %H:%M} UTC" if r.voided_at else ""
        kept = "" if reason == r.reason else f" (the reason given now, {reason!r}, is not recorded)"
        lines = [f"{r.number} was already void{when}: {r.reason}{kept}"]
    if outcome.released_now:
        lines.append(f"orders released now: {', '.join(outcome.released_now)}")
    if outcome.released_before:
        lines.append(f"orders released by an earlier void: {', '.join(outcome.released_before)}")
    for order, holder in sorted((outcome.held_elsewhere or {}).items()):
        lines.append(f"order {order} is on live invoice {holder}: not invoiceable again")
    if outcome.invoiceable_again:
        lines.append(f"orders invoiceable again: {', '.join(outcome.invoiceable_again)}")
    elif outcome.released_now or outcome.released_before:
        lines.append("no order is invoiceable again")
    return lines
