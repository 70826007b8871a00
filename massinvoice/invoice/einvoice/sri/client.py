"""SRI's two SOAP 1.1 web services, over plain HTTP: reception and authorisation.

``validarComprobante`` takes the signed XML (base64) and answers RECIBIDA or DEVUELTA with
messages; ``autorizacionComprobante`` takes the clave de acceso and answers zero or more
entries, each AUTORIZADO, NO AUTORIZADO or EN PROCESO. What the answers mean for a document
is decided here, once (:func:`after_reception`, :func:`after_authorization`):

* 43 (clave already registered) and 70 (still being processed) on reception mean the SRI has
  the document: ask for its authorisation; never send it again under a new key.
* 45 (sequential already registered) means the SRI holds this number already: if under the
  stored key, its authorisation is asked for; if under another key (another system issued the
  number), the document is parked for a person. The numeric code is never chosen again.
* Any other DEVUELTA (35 structure, 39 signature, 52 totals, 65 date, 26 ...) parks the
  document with the SRI's messages for a person to fix and resend under the same number.
* Several entries: AUTORIZADO wins. No entry at all is not success: poll again later.

Transport trouble (refused connection, timeout, HTTP 5xx, an answer that is not SOAP) raises
:class:`SriUnavailable`: the caller queues the document and retries; nothing is lost.
"""

from __future__ import annotations

import base64
import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
RECEPTION_NS = "http://ec.gob.sri.ws.recepcion"
AUTHORIZATION_NS = "http://ec.gob.sri.ws.autorizacion"
RECIBIDA, DEVUELTA = "RECIBIDA", "DEVUELTA"
AUTORIZADO, NO_AUTORIZADO, EN_PROCESO = "AUTORIZADO", "NO AUTORIZADO", "EN PROCESO"
ALREADY_RECEIVED = {"43", "70"}  # the SRI holds this key: ask, do not resend
SEQUENCE_TAKEN = "45"

# What a document's SRI state becomes (stored in the registry, see state.py)
SENT = "sent"  # received by the SRI, authorisation to be asked for
AUTHORISED = "authorised"
PARKED = "parked"  # refused: a person fixes it and it is resent under the same number
QUEUED = "queued"  # not yet received (SRI down or not yet sent)
SEQUENCE = "sequence"  # (an outcome only) the SRI holds the number: under which key?


class SriUnavailable(Exception):
    """The SRI could not be asked (network, timeout, server error): try again later."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the SRI: its code (identificador), text, detail and kind."""

    code: str
    text: str
    detail: str = ""
    kind: str = "ERROR"  # ERROR | ADVERTENCIA | INFORMATIVO

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.code} {self.text}{detail}"


@dataclass(frozen=True, slots=True)
class Reception:
    state: str  # RECIBIDA | DEVUELTA
    messages: tuple[Message, ...] = ()

    @property
    def codes(self) -> set[str]:
        return {m.code for m in self.messages}


@dataclass(frozen=True, slots=True)
class Authorization:
    """One entry of an authorisation answer."""

    state: str  # AUTORIZADO | NO AUTORIZADO | EN PROCESO
    number: str = ""  # numeroAutorizacion: the clave de acceso since 2014
    date: str = ""  # fechaAutorizacion, as the SRI wrote it
    ambiente: str = ""
    xml: str = ""  # the authorised comprobante
    messages: tuple[Message, ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to do with a document after the SRI's answer."""

    state: str  # SENT | AUTHORISED | PARKED | QUEUED
    messages: tuple[Message, ...] = ()
    authorization: Authorization | None = None
    notes: tuple[str, ...] = field(default=())


def after_reception(reception: Reception) -> Outcome:
    """SENT when the SRI holds the document, PARKED (with its messages) when it refused it;
    SEQUENCE (45) when it holds the number: the caller asks whether under this key."""
    if reception.state == RECIBIDA or reception.codes & ALREADY_RECEIVED:
        return Outcome(SENT, reception.messages)
    if SEQUENCE_TAKEN in reception.codes:
        return Outcome(SEQUENCE, reception.messages)
    if reception.state == DEVUELTA:
        return Outcome(PARKED, reception.messages or (Message("", "DEVUELTA without message"),))
    raise SriUnavailable(f"the SRI answered an unknown reception state {reception.state!r}")


def after_sequence_taken(reception: Reception, entries: tuple[Authorization, ...]) -> Outcome:
    """After a 45: the stored key's entries decide; none means the number is at the SRI under
    another key, which only a person can sort out (the SRI portal shows it)."""
    if entries:
        return after_authorization(entries)
    note = Message(SEQUENCE_TAKEN, "the SRI holds this number under another clave de acceso",
                   "look it up on the SRI's portal; this number is never issued again")  # fmt: skip
    return Outcome(PARKED, (*reception.messages, note))


def after_authorization(entries: tuple[Authorization, ...]) -> Outcome:
    """AUTHORISED if any entry is AUTORIZADO; SENT (ask again later) while EN PROCESO or when
    the SRI has no entry yet; PARKED with the messages of a NO AUTORIZADO."""
    for entry in entries:
        if entry.state == AUTORIZADO:
            return Outcome(AUTHORISED, entry.messages, entry)
    if not entries or any(e.state == EN_PROCESO for e in entries):
        return Outcome(SENT, notes=("the SRI has not finished: ask again later",))
    refused = [e for e in entries if e.state == NO_AUTORIZADO]
    if refused:
        return Outcome(PARKED, refused[-1].messages or (Message("", NO_AUTORIZADO),), refused[-1])
    raise SriUnavailable(f"unknown authorisation states: {', '.join(e.state for e in entries)}")


class SriClient:
    """The SRI's reception and authorisation services at ``base_url`` (ends with '/')."""

    def __init__(self, base_url: str, *, timeout: float = 20.0):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout

    def send(self, signed_xml: bytes) -> Reception:
        """Send a signed comprobante to reception (validarComprobante)."""
        payload = base64.b64encode(signed_xml).decode("ascii")
        body = _envelope(RECEPTION_NS, "validarComprobante", f"<xml>{payload}</xml>")
        root = self._post("RecepcionComprobantesOffline", body)
        answer = _find(root, "RespuestaRecepcionComprobante")
        state = (answer.findtext("estado") or "").strip()
        messages = tuple(_messages(answer.iter("mensaje")))
        return Reception(state, messages)

    def authorization(self, key: str) -> tuple[Authorization, ...]:
        """Every authorisation entry the SRI holds for ``key`` (autorizacionComprobante)."""
        body = _envelope(AUTHORIZATION_NS, "autorizacionComprobante",
                         f"<claveAccesoComprobante>{key}</claveAccesoComprobante>")  # fmt: skip
        root = self._post("AutorizacionComprobantesOffline", body)
        answer = _find(root, "RespuestaAutorizacionComprobante")
        entries = []
        for entry in answer.iter("autorizacion"):
            entries.append(Authorization(
                state=(entry.findtext("estado") or "").strip(),
                number=(entry.findtext("numeroAutorizacion") or "").strip(),
                date=(entry.findtext("fechaAutorizacion") or "").strip(),
                ambiente=(entry.findtext("ambiente") or "").strip(),
                xml=entry.findtext("comprobante") or "",
                messages=tuple(_messages(entry.iter("mensaje"))),
            ))  # fmt: skip
        return tuple(entries)

    def check(self) -> list[str]:
        """Whether both services answer with their WSDL: the problems found (empty: reachable)."""
        problems = []
        for service in ("RecepcionComprobantesOffline", "AutorizacionComprobantesOffline"):
            url = f"{self.base_url}{service}?wsdl"
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response:
                    root = SafeET.fromstring(response.read())
            except (OSError, http.client.HTTPException, SafeET.ParseError) as exc:
                problems.append(f"{url}: {getattr(exc, 'reason', exc)}")
                continue
            if not root.tag.endswith("definitions"):
                problems.append(f"{url}: the answer is not a WSDL")
        return problems

    def _post(self, service: str, body: bytes):
        request = urllib.request.Request(
            self.base_url + service, data=body, method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            raise SriUnavailable(f"{service}: HTTP {exc.code} {exc.reason}") from None
        except (OSError, http.client.HTTPException) as exc:  # refused, timeout, reset, cut short
            reason = getattr(exc, "reason", exc)
            raise SriUnavailable(f"{service}: {reason or type(exc).__name__}") from None
        try:
            return SafeET.fromstring(data)
        except SafeET.ParseError as exc:
            raise SriUnavailable(f"{service}: the answer is not XML ({exc})") from None


def _envelope(namespace: str, operation: str, inner: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}" xmlns:ec="{namespace}">'
        f"<soapenv:Header/><soapenv:Body><ec:{operation}>{inner}</ec:{operation}>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _find(root, tag: str):
    """The answer element, wherever the SOAP body put it (it has no namespace of its own)."""
    for el in root.iter():
        if el.tag == tag or el.tag.endswith("}" + tag):
            return el
    fault = next((el for el in root.iter() if el.tag.endswith("faultstring")), None)
    if fault is not None:
        raise SriUnavailable(f"SOAP fault: {fault.text}")
    raise SriUnavailable(f"the answer has no {tag}")


def _messages(elements) -> list[Message]:
    found = []
    for m in elements:
        code = m.findtext("identificador")
        if code is None:  # the inner <mensaje> text element, not a message block
            continue
        found.append(Message(code.strip(), (m.findtext("mensaje") or "").strip(),
                             (m.findtext("informacionAdicional") or "").strip(),
                             (m.findtext("tipo") or "ERROR").strip()))  # fmt: skip
    return found
