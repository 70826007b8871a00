"""A loopback stand-in for SRI's reception and authorisation services (127.0.0.1 only).

It checks what SRI checks first (schema, signature, clave, RUC, date, totals, a key or a
sequential received before) and answers with SRI's codes, and it can misbehave on purpose:
HTTP 500, answers slower than the client waits, EN PROCESO for N polls, duplicate entries,
NO AUTORIZADO. Everything it received is kept (``received``), byte for byte, in order.
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from lxml import etree

from massinvoice.invoice.einvoice.sri.clave import parse_key
from massinvoice.invoice.einvoice.sri.comprobante import document_problems

MESSAGES = {
    "26": "RUC DEL EMISOR NO SE ENCUENTRA ACTIVO",
    "35": "ARCHIVO NO CUMPLE ESTRUCTURA XML",
    "39": "FIRMA INVALIDA",
    "43": "CLAVE ACCESO REGISTRADA",
    "45": "SECUENCIAL REGISTRADO",
    "52": "ERROR EN DIFERENCIAS",
    "65": "FECHA DE EMISION EXTEMPORANEA",
    "70": "CLAVE DE ACCESO EN PROCESAMIENTO",
}
SERVICES = {
    "reception": "RecepcionComprobantesOffline",
    "authorization": "AutorizacionComprobantesOffline",
}
WSDL = b"""<?xml version="1.0"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/"
 targetNamespace="http://ec.gob.sri.ws.recepcion" name="RecepcionComprobantesOfflineService"/>"""


@dataclass
class SriStub:
    """State and behaviour of the stand-in; ``url`` once started."""

    rucs: set[str] = field(default_factory=lambda: {"1791234567001"})
    today: dt.date | None = None  # the SRI's date; None = no date check
    validate: Callable[[bytes], list[str]] | None = None  # schema check (XSD errors)
    verify: Callable[[bytes], bool] | None = None  # signature check
    # the next requests: "500", "slow" (answer late), "late" (do the work, then answer late:
    # the client gives up although the SRI has the document), "close" (no answer at all);
    # "late@reception" (or @authorization) waits for a request to that service
    faults: list[str] = field(default_factory=list)
    slow_seconds: float = 1.5
    refuse: dict[str, str] = field(default_factory=dict)  # key -> code DEVUELTA once
    in_process: dict[str, int] = field(default_factory=dict)  # key -> EN PROCESO polls left
    processing: set[str] = field(default_factory=set)  # keys answered 70 on reception
    rejected: dict[str, str] = field(default_factory=dict)  # key -> NO AUTORIZADO code
    duplicates: set[str] = field(default_factory=set)  # keys answered NO AUTORIZADO + AUTORIZADO
    received: list[tuple[str, bytes]] = field(default_factory=list)  # (key, xml) accepted
    requests: list[tuple[str, str]] = field(default_factory=list)  # (service, key)
    _sequentials: dict[tuple[str, ...], str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def sent_keys(self) -> list[str]:
        return [k for k, _ in self.received]

    # --- services ------------------------------------------------------------------------------

    def reception(self, xml: bytes) -> tuple[str, list[tuple[str, str]], str]:
        try:
            root = etree.fromstring(xml)
            key = root.findtext("infoTributaria/claveAcceso") or ""
        except etree.XMLSyntaxError as exc:
            return "DEVUELTA", [("35", str(exc))], ""
        self.requests.append(("reception", key))
        with self._lock:
            code = self.refuse.pop(key, "")
            if code:
                return "DEVUELTA", [(code, "refused by the test")], key
            if key in dict(self.received):
                return "DEVUELTA", [("43", "")], key
            if key in self.processing:  # taken, but the SRI says it is still working on it
                self.processing.discard(key)
                problem = self._check(root, xml, key)
                if problem:
                    return "DEVUELTA", [problem], key
                self.received.append((key, xml))
                return "DEVUELTA", [("70", "")], key
            problem = self._check(root, xml, key)
            if problem:
                return "DEVUELTA", [problem], key
            self.received.append((key, xml))
            return "RECIBIDA", [], key

    def _check(self, root, xml: bytes, key: str) -> tuple[str, str] | None:
        signature = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
        unsigned = etree.fromstring(xml)
        for sig in unsigned.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
            unsigned.remove(sig)
        if self.validate:
            errors = self.validate(etree.tostring(unsigned))
            if errors:
                return "35", errors[0]
        try:
            parts = parse_key(key)
        except ValueError as exc:
            return "35", str(exc)
        if signature is None or (self.verify and not self.verify(xml)):
            return "39", "the signature does not verify"
        if parts.ruc not in self.rucs:
            return "26", parts.ruc
        if self.today and parts.date != self.today:
            return "65", f"{parts.date} is not {self.today}"
        problems = document_problems(etree.tostring(unsigned))
        if problems:
            return "52", problems[0]
        number = (parts.ruc, parts.document, parts.estab, parts.pto_emi, parts.secuencial)
        if self._sequentials.setdefault(number, key) != key:
            return "45", "-".join(number[2:])
        return None

    def authorization(self, key: str) -> list[tuple[str, list[tuple[str, str]], str]]:
        self.requests.append(("authorization", key))
        with self._lock:
            xml = dict(self.received).get(key)
            if xml is None:
                return []
            if self.in_process.get(key, 0) > 0:
                self.in_process[key] -= 1
                return [("EN PROCESO", [], "")]
            if key in self.rejected:
                return [("NO AUTORIZADO", [(self.rejected[key], "")], "")]
            entries = [("AUTORIZADO", [], xml.decode("utf-8"))]
            if key in self.duplicates:
                entries.insert(0, ("NO AUTORIZADO", [("43", "")], ""))
            return entries

    def next_fault(self, path: str) -> str:
        """The first planned fault for a request to ``path`` (removed from the plan), or ''."""
        with self._lock:
            for i, fault in enumerate(self.faults):
                name, _, service = fault.partition("@")
                if not service or path.endswith(SERVICES[service]):
                    del self.faults[i]
                    return name
        return ""

    def answer(self, path: str, body: bytes) -> tuple[int, bytes]:
        """The HTTP status and SOAP answer to one request."""
        root = etree.fromstring(body)
        if path.endswith("RecepcionComprobantesOffline"):
            payload = base64.b64decode(root.findtext(".//xml") or "")
            return 200, _reception_answer(*self.reception(payload))
        if path.endswith("AutorizacionComprobantesOffline"):
            key = root.findtext(".//claveAccesoComprobante") or ""
            return 200, _authorization_answer(key, self.authorization(key))
        return 404, b"no such service"

    # --- HTTP ----------------------------------------------------------------------------------

    def start(self) -> SriStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                self._reply(200, WSDL)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fault = stub.next_fault(self.path)
                if fault == "500":
                    return self._reply(500, b"<soap:Fault>server error</soap:Fault>")
                if fault == "close":
                    self.close_connection = True
                    return None
                if fault == "slow":
                    time.sleep(stub.slow_seconds)
                answer = stub.answer(self.path, body)  # the work is done here
                if fault == "late":  # ... but the answer comes after the client gave up
                    time.sleep(stub.slow_seconds)
                return self._reply(*answer)

            def _reply(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout tests)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/comprobantes-electronicos-ws/"
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _messages(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f"<mensaje><identificador>{code}</identificador><mensaje>{MESSAGES.get(code, '')}"
        f"</mensaje><informacionAdicional>{escape(extra)}</informacionAdicional>"
        "<tipo>ERROR</tipo></mensaje>"
        for code, extra in pairs
    )


def _reception_answer(state: str, messages: list[tuple[str, str]], key: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<ns2:validarComprobanteResponse xmlns:ns2="http://ec.gob.sri.ws.recepcion">'
        f"<RespuestaRecepcionComprobante><estado>{state}</estado><comprobantes>"
        f"<comprobante><claveAcceso>{key}</claveAcceso><mensajes>{_messages(messages)}"
        "</mensajes></comprobante></comprobantes></RespuestaRecepcionComprobante>"
        "</ns2:validarComprobanteResponse></soap:Body></soap:Envelope>"
    ).encode()


def _authorization_answer(key: str, entries: list) -> bytes:
    blocks = "".join(
        f"<autorizacion><estado>{state}</estado><numeroAutorizacion>{key}</numeroAutorizacion>"
        "<fechaAutorizacion>2026-11-20T10:31:02-05:00</fechaAutorizacion>"
        f"<ambiente>PRUEBAS</ambiente><comprobante><![CDATA[{xml}]]></comprobante>"
        f"<mensajes>{_messages(messages)}</mensajes></autorizacion>"
        for state, messages, xml in entries
    )
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<ns2:autorizacionComprobanteResponse xmlns:ns2="http://ec.gob.sri.ws.autorizacion">'
        f"<RespuestaAutorizacionComprobante><claveAccesoConsultada>{key}</claveAccesoConsultada>"
        f"<numeroComprobantes>{len(entries)}</numeroComprobantes><autorizaciones>{blocks}"
        "</autorizaciones></RespuestaAutorizacionComprobante>"
        "</ns2:autorizacionComprobanteResponse></soap:Body></soap:Envelope>"
    ).encode()
