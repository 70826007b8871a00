"""Each SRI document's state in the registry, and the queue that carries it to AUTORIZADO.

A factura's row is written by :func:`keys_writer` in the very transaction that reserves its
number, with its clave de acceso: a rerun, a resend or ``sri poll`` after a kill reuses that key
and never makes another. States: ``queued`` (to send), ``sent`` (the SRI holds it; ask for its
authorisation), ``authorised``, ``parked`` (refused: the SRI's messages are kept for a person to
fix and resend under the same number) and ``annulled`` (annulled on SRI's portal, recorded).

The queue that moves documents between these states is :mod:`.queue`. A registry keeps one
ambiente: pruebas and producción documents never share one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from massinvoice.config import Series
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.sri.clave import (
    FACTURA,
    NOTA_CREDITO,
    ecuador_date,
    make_key,
    numeric_code,
)
from massinvoice.invoice.einvoice.sri.client import (
    AUTHORISED,
    PARKED,
    QUEUED,
    Message,
)
from massinvoice.invoice.einvoice.sri.nota import compose_credit_note
from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.problems import RegistryError
from massinvoice.registry.numbering import Registry
from massinvoice.registry.schema import InvoiceRecord, dumps, invoices, sri_documents

ANNULLED = "annulled"  # annulled on SRI's portal, recorded here
WITHDRAWN = "withdrawn"  # never reached the SRI; its invoice was voided
AMBIENTE_NAMES = {"1": "pruebas", "2": "producción"}


@dataclass(frozen=True)
class SriDocument:
    """One comprobante as the registry holds it."""

    number: str
    doc: str  # 01 factura, 04 nota de crédito
    series: str
    invoice_number: str
    ambiente: str
    clave: str
    issue_date: dt.date
    state: str
    xml: bytes | None
    messages: tuple[Message, ...]
    authorization: str
    authorized_at: str
    attempts: int
    last_error: str
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        return "factura" if self.doc == FACTURA else "nota de crédito"


# --- keys, written with the numbers -------------------------------------------------------------


def keys_writer(
    registry: Registry, settings: SriSettings, *, code: Callable[[], str] = numeric_code
) -> Callable[[Connection, list[InvoiceRecord]], None]:
    """For ``Registry.reserve(with_numbers=...)``: each new invoice's clave, queued."""

    def write(conn: Connection, records: list[InvoiceRecord]) -> None:
        check_ambiente(conn, settings)
        now = registry.clock(conn)
        conn.execute(insert(sri_documents), [
            _row(r.number, FACTURA, r.series, r.number, r.date, settings, code(), now)
            for r in records
        ])  # fmt: skip

    return write


def check_ambiente(conn: Connection, settings: SriSettings) -> None:
    """Refuse to mix pruebas and producción documents in one registry."""
    other = conn.scalar(select(func.count()).select_from(sri_documents)
                        .where(sri_documents.c.ambiente != settings.ambiente_code))  # fmt: skip
    if other:
        theirs = AMBIENTE_NAMES["2" if settings.ambiente_code == "1" else "1"]
        raise RegistryError(
            f"this registry holds {other} SRI documents of {theirs}; {settings.ambiente} "
            "documents need a registry of their own (pruebas and producción never mix): "
            "start producción with a new registry ('massinvoice init')"
        )


def _row(number: str, doc: str, series: str, invoice_number: str, date: dt.date,
         settings: SriSettings, code: str, now: dt.datetime, payload: str = "{}") -> dict:  # fmt: skip
    clave = make_key(date=date, document=doc, ruc=settings.ruc, ambiente=settings.ambiente_code,
                     number=number, code=code)  # fmt: skip
    return dict(number=number, doc=doc, series=series, invoice_number=invoice_number,
                ambiente=settings.ambiente_code, clave=clave, issue_date=date, state=QUEUED,
                xml=None, messages="[]", authorization="", authorized_at="", attempts=0,
                last_error="", payload=payload, created_at=now, updated_at=now)  # fmt: skip


def create_credit_note(
    registry: Registry, settings: SriSettings, invoice_number: str, *, reason: str,
    positions: Iterable[int] = (), now: dt.datetime | None = None,
) -> SriDocument:  # fmt: skip
    """Number a credit note for an authorised invoice, with its key, queued to send."""
    positions = list(positions)
    when = now or dt.datetime.now(dt.UTC)
    date = ecuador_date(when)
    series = Series(settings.credit_note_series, settings.credit_note_format)

    def work(conn: Connection) -> str:
        check_ambiente(conn, settings)
        doc = _get(conn, invoice_number)
        row = conn.execute(select(invoices.c.state, invoices.c.payload, invoices.c.date)
                           .where(invoices.c.number == invoice_number)).one_or_none()  # fmt: skip
        if row is None or doc is None or doc.doc != FACTURA:
            raise RegistryError(f"no SRI invoice {invoice_number} in the registry")
        if row.state == "void" or doc.state == ANNULLED:
            raise RegistryError(f"invoice {invoice_number} is void: nothing to credit")
        if doc.state != AUTHORISED:
            raise RegistryError(
                f"invoice {invoice_number} is {doc.state}, not authorised by "
                "the SRI: a credit note can only correct an authorised invoice"
            )
        if date > _add_months(row.date, 12):
            raise RegistryError(
                f"invoice {invoice_number} of {row.date} is more than 12 months "
                "old: the SRI accepts no credit note for it"
            )
        invoice = invoice_of(invoice_number, json.loads(row.payload))
        note = compose_credit_note(invoice, number="001-001-000000001", date=date,
                                   reason=reason, positions=positions)  # fmt: skip
        credited = sum((_credited(conn, invoice_number)), note.total)
        if credited > invoice.total:
            raise RegistryError(
                f"credit notes would total {credited}, more than invoice "
                f"{invoice_number}'s {invoice.total}"
            )
        number, _seq = registry.take_number(conn, series)
        payload = dumps({"reason": note.reason, "positions": positions, "total": note.total})
        conn.execute(insert(sri_documents).values(_row(
            number, NOTA_CREDITO, series.name, invoice_number, date, settings, numeric_code(),
            registry.clock(conn), payload)))  # fmt: skip
        return number

    number = registry.transaction("credit note", work)
    found = get_document(registry, number)
    assert found is not None
    return found


def _credited(conn: Connection, invoice_number: str) -> list[Decimal]:
    rows = conn.scalars(select(sri_documents.c.payload).where(
        sri_documents.c.invoice_number == invoice_number, sri_documents.c.doc == NOTA_CREDITO,
        sri_documents.c.state != ANNULLED)).all()  # fmt: skip
    return [Decimal(json.loads(p)["total"]) for p in rows]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


# --- reading ------------------------------------------------------------------------------------


def get_document(registry: Registry, number: str) -> SriDocument | None:
    """The SRI document with this number, or None."""
    return registry.transaction("read SRI document", lambda c: _get(c, number), write=False)


def documents(
    registry: Registry, *, states: Iterable[str] = (), invoice: str = ""
) -> list[SriDocument]:
    """SRI documents in number order, optionally by state or by the invoice they belong to."""
    query = select(sri_documents).order_by(sri_documents.c.created_at, sri_documents.c.number)
    states = tuple(states)
    if states:
        query = query.where(sri_documents.c.state.in_(states))
    if invoice:
        query = query.where(sri_documents.c.invoice_number == invoice)
    return registry.transaction(
        "list SRI documents", lambda c: [_doc(r._asdict()) for r in c.execute(query)], write=False
    )


def _get(conn: Connection, number: str) -> SriDocument | None:
    row = conn.execute(select(sri_documents).where(sri_documents.c.number == number)).one_or_none()
    return _doc(row._asdict()) if row is not None else None


def _doc(row: dict[str, Any]) -> SriDocument:
    return SriDocument(
        number=row["number"], doc=row["doc"], series=row["series"],
        invoice_number=row["invoice_number"], ambiente=row["ambiente"], clave=row["clave"],
        issue_date=row["issue_date"], state=row["state"],
        xml=bytes(row["xml"]) if row["xml"] is not None else None,
        messages=tuple(Message(**m) for m in json.loads(row["messages"] or "[]")),
        authorization=row["authorization"], authorized_at=row["authorized_at"],
        attempts=row["attempts"], last_error=row["last_error"],
        payload=json.loads(row["payload"] or "{}"),
    )  # fmt: skip


def update_document(registry: Registry, number: str, **changes: Any) -> SriDocument:
    """Store changes to a document (messages as Message records); return it as stored."""
    values = dict(changes)
    if "messages" in values:
        values["messages"] = json.dumps([_message_dict(m) for m in values["messages"]],
                                        ensure_ascii=False)  # fmt: skip

    def work(conn: Connection) -> SriDocument:
        values["updated_at"] = registry.clock(conn)
        conn.execute(update(sri_documents).where(sri_documents.c.number == number)
                     .values(**values))  # fmt: skip
        found = _get(conn, number)
        assert found is not None
        return found

    return registry.transaction("SRI state", work)


def _message_dict(m: Message) -> dict[str, str]:
    return {"code": m.code, "text": m.text, "detail": m.detail, "kind": m.kind}


def invoice_of(number: str, payload: dict[str, Any]) -> Invoice:
    """The invoice a registry payload holds (the run stores it under "invoice")."""
    return Invoice.from_dict(payload.get("invoice", payload)).with_number(number)


def requeue(registry: Registry, number: str) -> SriDocument:
    """A parked document back in the queue under the same number and key, to be rebuilt from
    the current config and data and signed again (after a person fixed what the SRI said)."""

    def work(conn: Connection) -> SriDocument:
        doc = _get(conn, number)
        if doc is None:
            raise RegistryError(f"no SRI document {number} in the registry")
        if doc.state != PARKED:
            raise RegistryError(
                f"SRI document {number} is {doc.state}: only a parked one is resent"
            )
        conn.execute(update(sri_documents).where(sri_documents.c.number == number).values(
            state=QUEUED, xml=None, updated_at=registry.clock(conn)))  # fmt: skip
        found = _get(conn, number)
        assert found is not None
        return found

    return registry.transaction("requeue SRI document", work)


def withdraw(registry: Registry, number: str) -> SriDocument:
    """A document the SRI never got (queued and never tried, or parked) leaves the queue: its
    invoice is being voided. One that may have reached the SRI is refused."""

    def work(conn: Connection) -> SriDocument:
        doc = _get(conn, number)
        if doc is None:
            raise RegistryError(f"no SRI document {number} in the registry")
        if not (doc.state == PARKED or (doc.state == QUEUED and not doc.attempts)):
            raise RegistryError(
                f"SRI document {number} is {doc.state} and may be at the SRI: "
                "run 'massinvoice sri poll' first, then void it or credit it"
            )
        conn.execute(update(sri_documents).where(sri_documents.c.number == number).values(
            state=WITHDRAWN, updated_at=registry.clock(conn)))  # fmt: skip
        return _get(conn, number)  # type: ignore[return-value]

    return registry.transaction("withdraw SRI document", work)


def record_annulment(registry: Registry, number: str) -> SriDocument:
    """Record that an authorised invoice was annulled on SRI's portal."""

    def work(conn: Connection) -> SriDocument:
        doc = _get(conn, number)
        if doc is None or doc.state not in (AUTHORISED, ANNULLED):
            raise RegistryError(f"{number} is not an authorised SRI document")
        conn.execute(update(sri_documents).where(sri_documents.c.number == number).values(
            state=ANNULLED, updated_at=registry.clock(conn)))  # fmt: skip
        return _get(conn, number)  # type: ignore[return-value]

    return registry.transaction("record annulment", work)


def void_refusal(doc: SriDocument, today: dt.date) -> str:
    """Why ``void`` does not void an authorised SRI invoice, and what to do instead."""
    next_month = _add_months(doc.issue_date.replace(day=1), 1)
    deadline = next_month.replace(day=7)
    if today <= deadline:
        how = (
            f"annul it on the SRI's portal (possible until {deadline:%d/%m/%Y}, unless it "
            "backs an IVA refund), then record that here with 'massinvoice void "
            f"{doc.number} --reason ... --annulled-on-portal'; or issue a credit note"
        )
    else:
        how = "the portal's annulment period ended: issue a credit note"
    return (
        f"invoice {doc.number} is authorised by the SRI ({doc.authorization}); it cannot "
        f"simply be voided: {how} ('massinvoice credit-note {doc.number} --reason ...')"
    )
