"""The queue that carries SRI documents to AUTORIZADO: send, ask, park, and say what it did.

One pass (:meth:`SriQueue.run`) takes every queued or sent document of this ambiente as far as
the SRI lets it now. A document is signed once: the signed bytes are stored *before* they are
sent and the attempt counted, so the SRI always gets the stored bytes, and a document whose send
may have reached the SRI before a kill or a timeout is first looked up (authorisation) rather
than sent again. The SRI being down leaves documents waiting, with the reason, for the next pass
(the next invoice run, or ``massinvoice sri poll``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from massinvoice.invoice.einvoice.sri.clave import FACTURA
from massinvoice.invoice.einvoice.sri.client import (
    AUTHORISED,
    PARKED,
    QUEUED,
    SENT,
    SEQUENCE,
    Message,
    Outcome,
    SriClient,
    SriUnavailable,
    after_authorization,
    after_reception,
    after_sequence_taken,
)
from massinvoice.invoice.einvoice.sri.comprobante import build_factura
from massinvoice.invoice.einvoice.sri.nota import build_nota_credito, compose_credit_note
from massinvoice.invoice.einvoice.sri.p12 import SigningCertificate
from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.invoice.einvoice.sri.sign import sign
from massinvoice.invoice.einvoice.sri.state import (
    SriDocument,
    documents,
    invoice_of,
    update_document,
)
from massinvoice.problems import InputError, RegistryError
from massinvoice.registry.numbering import Registry

UNAVAILABLE = "SRI unavailable"


@dataclass
class PollReport:
    """What one pass of the queue did, for the console and the run report."""

    authorised: list[SriDocument] = field(default_factory=list)
    parked: list[SriDocument] = field(default_factory=list)
    waiting: list[tuple[SriDocument, str]] = field(default_factory=list)  # and why
    other_ambiente: int = 0

    def lines(self) -> list[str]:
        out = [f"SRI: {len(self.authorised)} authorised, {len(self.parked)} parked, "
               f"{len(self.waiting)} waiting"]  # fmt: skip
        out += [f"  parked {d.number} ({d.clave}): " + "; ".join(map(str, d.messages))
                for d in self.parked]  # fmt: skip
        out += [f"  waiting {d.number}: {why}" for d, why in self.waiting]
        if self.other_ambiente:
            out.append(f"  {self.other_ambiente} documents of the other ambiente left alone")
        return out


class SriQueue:
    """Carries queued and sent documents of this ambiente to AUTORIZADO (or parks them)."""

    def __init__(
        self, registry: Registry, settings: SriSettings, client: SriClient,
        signer: Callable[[], SigningCertificate], *,
        on_authorised: Callable[[SriDocument], None] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ):  # fmt: skip
        self.registry = registry
        self.settings = settings
        self.client = client
        self._signer_factory = signer
        self._signer: SigningCertificate | None = None
        self.on_authorised = on_authorised
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def run(self, numbers: Iterable[str] = ()) -> PollReport:
        """One pass over the waiting documents (or just ``numbers``); the SRI being down leaves
        them waiting with the reason, for the next pass. Once the SRI cannot be reached, the
        rest of the pass is not tried (a thousand timeouts would hold the run for hours)."""
        report = PollReport()
        wanted = set(numbers)
        down = ""
        for doc in documents(self.registry, states=(QUEUED, SENT)):
            if wanted and doc.number not in wanted:
                continue
            if doc.ambiente != self.settings.ambiente_code:
                report.other_ambiente += 1
                continue
            if down:
                report.waiting.append((doc, f"not tried in this pass: {down}"))
                continue
            done = self.advance(doc)
            if done.last_error.startswith(UNAVAILABLE):
                down = done.last_error
            if done.state == AUTHORISED:
                report.authorised.append(done)
            elif done.state == PARKED:
                report.parked.append(done)
            else:
                report.waiting.append((done, done.last_error or done.state))
        return report

    def advance(self, doc: SriDocument) -> SriDocument:
        """Move one document as far as the SRI lets it now; return it as stored."""
        try:
            if doc.state == QUEUED:
                doc = self._send(doc)
            if doc.state == SENT:
                doc = self._ask(doc)
        except SriUnavailable as exc:
            doc = self._store(doc, last_error=f"{UNAVAILABLE}: {exc}")
        except InputError as exc:  # it cannot be built as the data or config now stand
            found = tuple(Message(p.code, p.message, p.hint) for p in exc.problems)
            doc = self._store(doc, state=PARKED, messages=found)
        return doc

    def _send(self, doc: SriDocument) -> SriDocument:
        if doc.attempts:  # an earlier send may have reached the SRI before a kill: look first
            entries = self.client.authorization(doc.clave)
            if entries:
                return self._apply(doc, after_authorization(entries))
        if doc.xml is None:
            doc = self._store(doc, xml=self._signed(doc), attempts=doc.attempts + 1)
        else:
            doc = self._store(doc, attempts=doc.attempts + 1)
        assert doc.xml is not None
        reception = self.client.send(doc.xml)
        outcome = after_reception(reception)
        if outcome.state == SEQUENCE:  # the number is at the SRI: under this key or another?
            outcome = after_sequence_taken(reception, self.client.authorization(doc.clave))
        return self._apply(doc, outcome)

    def _ask(self, doc: SriDocument) -> SriDocument:
        return self._apply(doc, after_authorization(self.client.authorization(doc.clave)))

    def _apply(self, doc: SriDocument, outcome: Outcome) -> SriDocument:
        changes: dict[str, Any] = {"state": outcome.state, "last_error": ""}
        if outcome.messages or outcome.state in (PARKED, AUTHORISED):
            changes["messages"] = outcome.messages
        if outcome.state == SENT and outcome.notes:
            changes["last_error"] = outcome.notes[0]
        if outcome.state == AUTHORISED and outcome.authorization is not None:
            changes["authorization"] = outcome.authorization.number or doc.clave
            changes["authorized_at"] = outcome.authorization.date
        stored = self._store(doc, **changes)
        if stored.state == AUTHORISED and self.on_authorised is not None:
            self.on_authorised(stored)
        return stored

    def _signed(self, doc: SriDocument) -> bytes:
        if self._signer is None:
            self._signer = self._signer_factory()
        return sign(build_document(self.registry, self.settings, doc), self._signer,
                    now=self.clock())  # fmt: skip

    def _store(self, doc: SriDocument, **changes: Any) -> SriDocument:
        return update_document(self.registry, doc.number, **changes)


def build_document(registry: Registry, settings: SriSettings, doc: SriDocument) -> bytes:
    """The unsigned XML of a stored document, from its invoice as the registry holds it."""
    record = registry.get(doc.invoice_number)
    if record is None:
        raise RegistryError(f"no invoice {doc.invoice_number} in the registry")
    invoice = invoice_of(record.number, record.payload)
    if doc.doc == FACTURA:
        return build_factura(invoice, settings, doc.clave)
    note = compose_credit_note(invoice, number=doc.number, date=doc.issue_date,
                               reason=doc.payload["reason"],
                               positions=doc.payload.get("positions", ()))  # fmt: skip
    return build_nota_credito(note, settings, doc.clave)
