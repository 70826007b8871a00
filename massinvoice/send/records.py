"""The e-mail sends of invoices, recorded in the registry: never twice.

A send is recorded *pending* (recipients, Message-ID) in its own committed transaction before
the SMTP transaction starts, and *sent* (with the server's reply) once the server has accepted
the message, or *failed* (with the server's refusal). A pending send that a later run finds,
whose run is gone, means its sender died between the two: the server may or may not hold the
message, so it becomes *ambiguous* and goes again only when asked (``--resend``), under the same
Message-ID so that mail systems can drop the duplicate.

Starting a send locks the invoice's row, so two runs (or two machines on one PostgreSQL
registry) cannot both start sending the same invoice.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from massinvoice.registry.numbering import Registry
from massinvoice.registry.schema import (
    SENDS_VERSION,
    chunks,
    invoices,
    machine_id,
    pid_gone,
    runs,
    sends,
)

STATUSES = ("pending", "sent", "failed", "ambiguous")
# A pending send older than this belongs to a run that is not coming back (one SMTP transaction
# with every retry takes minutes at most).
STALE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SendRecord:
    """One attempt to deliver one invoice by e-mail, as the registry holds it."""

    id: int
    invoice_number: str
    status: str
    recipients: tuple[str, ...]
    message_id: str
    reply: str
    run_id: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class Refusal:
    """Why an invoice may not be sent now (``code`` is stable, ``detail`` for people)."""

    code: str  # not_issued | void | already_sent | ambiguous | in_progress
    detail: str = ""


def latest(registry: Registry, numbers: Iterable[str] | None = None) -> dict[str, SendRecord]:
    """The most recent send of each invoice (all invoices when ``numbers`` is None)."""
    if registry.schema_version < SENDS_VERSION:  # opened read-only before its upgrade
        return {}

    def work(conn: Connection) -> dict[str, SendRecord]:
        if numbers is None:
            return _latest(conn, None)
        found: dict[str, SendRecord] = {}
        for chunk in chunks(sorted(set(numbers))):
            found.update(_latest(conn, chunk))
        return found

    return registry.transaction("read sends", work, write=False)


def history(registry: Registry, number: str) -> list[SendRecord]:
    """Every send of one invoice, oldest first."""
    query = select(sends).where(sends.c.invoice_number == number).order_by(sends.c.id)
    return registry.transaction(
        "read sends", lambda conn: [_record(r._asdict()) for r in conn.execute(query)], write=False
    )


def begin(
    registry: Registry, number: str, recipients: Sequence[str], message_id: str, run_id: str,
    *, resend: bool = False,
) -> SendRecord | Refusal:  # fmt: skip
    """Record a pending send of invoice ``number``, or say why it may not be sent now.

    Without ``resend`` an invoice already sent, or whose last send is ambiguous, is refused; a
    pending send of a run that is gone becomes ambiguous here. A pending send of a live run
    (another process sending it right now) is always refused.
    """

    def work(conn: Connection) -> SendRecord | Refusal:
        state = conn.execute(
            select(invoices.c.state).where(invoices.c.number == number).with_for_update()
        ).scalar_one_or_none()
        if state is None or state == "pending":
            return Refusal("not_issued", "not issued in the registry")
        if state == "void":
            return Refusal("void", "void invoices are never sent")
        now = registry.clock(conn)
        last = _latest(conn, [number]).get(number)
        if last is not None and last.status == "pending":
            if _alive(conn, last, now):
                return Refusal("in_progress", f"being sent by another run since {last.created_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
            _finish(conn, last.id, "ambiguous", _AMBIGUOUS, now)
            last = _latest(conn, [number])[number]
        if last is not None and not resend:
            if last.status == "sent":
                return Refusal("already_sent", f"sent {last.finished_at:%Y-%m-%d %H:%M} UTC to {', '.join(last.recipients)}")  # fmt: skip
            if last.status == "ambiguous":
                return Refusal("ambiguous", last.reply or _AMBIGUOUS)
        row = dict(invoice_number=number, status="pending", recipients=json.dumps(list(recipients)),
                   message_id=message_id, reply="", run_id=run_id, created_at=now)  # fmt: skip
        row["id"] = conn.execute(insert(sends).values(**row)).inserted_primary_key[0]
        return _record({**row, "finished_at": None})

    return registry.transaction("start a send", work)


def finish(registry: Registry, send_id: int, status: str, reply: str) -> None:
    """A pending (or meanwhile ambiguous) send is now ``sent`` or ``failed``, with the reply."""
    if status not in ("sent", "failed"):
        raise ValueError(f"a send finishes as sent or failed, not {status!r}")
    registry.transaction(
        "record a send", lambda conn: _finish(conn, send_id, status, reply, registry.clock(conn))
    )


def find_ambiguous(registry: Registry, run_id: str) -> list[SendRecord]:
    """Pending sends whose run is gone, now marked ambiguous (what a killed run left)."""

    def work(conn: Connection) -> list[SendRecord]:
        now = registry.clock(conn)
        rows = [_record(r._asdict()) for r in conn.execute(
            select(sends).where(sends.c.status == "pending", sends.c.run_id != run_id)
            .with_for_update())]  # fmt: skip
        gone = [r for r in rows if not _alive(conn, r, now)]
        for r in gone:
            _finish(conn, r.id, "ambiguous", _AMBIGUOUS, now)
        return gone

    return registry.transaction("look for interrupted sends", work)


# --- helpers ----------------------------------------------------------------------------------

_AMBIGUOUS = (
    "the sending run stopped during the SMTP transaction: the server may or may not have the "
    "message"
)


def _latest(conn: Connection, numbers: Sequence[str] | None) -> dict[str, SendRecord]:
    newest = select(func.max(sends.c.id)).group_by(sends.c.invoice_number)
    if numbers is not None:
        newest = newest.where(sends.c.invoice_number.in_(numbers))
    query = select(sends).where(sends.c.id.in_(newest.scalar_subquery()))
    return {r.invoice_number: _record(r._asdict()) for r in conn.execute(query)}


def _alive(conn: Connection, record: SendRecord, now: dt.datetime) -> bool:
    """Whether the run that left ``record`` pending may still be sending it."""
    if now - record.created_at > STALE:
        return False
    run = conn.execute(
        select(runs.c.host, runs.c.machine, runs.c.pid, runs.c.finished_at)
        .where(runs.c.run_id == record.run_id)
    ).one_or_none()  # fmt: skip
    if run is None or run.finished_at is not None:
        return False
    here = (socket.gethostname(), machine_id())
    return not ((run.host, run.machine) == here and pid_gone(run.pid))


def _finish(conn: Connection, send_id: int, status: str, reply: str, now: dt.datetime) -> None:
    conn.execute(update(sends).where(sends.c.id == send_id,
                                     sends.c.status.in_(("pending", "ambiguous")))
                 .values(status=status, reply=reply[:2000], finished_at=now))  # fmt: skip


def _record(row: dict[str, Any]) -> SendRecord:
    return SendRecord(
        id=row["id"], invoice_number=row["invoice_number"], status=row["status"],
        recipients=tuple(json.loads(row["recipients"])), message_id=row["message_id"],
        reply=row["reply"], run_id=row["run_id"], created_at=row["created_at"],
        finished_at=row["finished_at"],
    )  # fmt: skip
