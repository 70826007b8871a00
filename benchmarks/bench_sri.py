"""SRI benchmark: what the SRI step adds to each invoice of a run, against the invoice's PDF.

Usage: ``python benchmarks/bench_sri.py [N]`` (N one-page invoices of 15 lines, default 50).

For each invoice it times, alternately so that drift affects both alike:

* the invoice PDF: ``Renderer.pdf(invoice)``, what every run does;
* the SRI step: the factura XML, its XAdES-BES signature, reception and authorisation by a
  loopback stand-in of the SRI's services (HTTP on 127.0.0.1), and the RIDE PDF,

and prints milliseconds per invoice for both, how the SRI step splits, and the ratio of the SRI
step to the invoice PDF. The real SRI's network time (often seconds) comes on top and is not
measured here. Certificates are made for the run (tests/sri_certs.py); nothing leaves the host.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_facturx import CONFIG, invoices  # noqa: E402

from massinvoice.invoice.einvoice.sri.clave import make_key  # noqa: E402
from massinvoice.invoice.einvoice.sri.client import SriClient  # noqa: E402
from massinvoice.invoice.einvoice.sri.comprobante import build_factura  # noqa: E402
from massinvoice.invoice.einvoice.sri.p12 import load_signing_certificate  # noqa: E402
from massinvoice.invoice.einvoice.sri.ride import RideRenderer  # noqa: E402
from massinvoice.invoice.einvoice.sri.settings import SriSettings  # noqa: E402
from massinvoice.invoice.einvoice.sri.sign import sign  # noqa: E402
from massinvoice.invoice.einvoice.sri.state import SriDocument  # noqa: E402
from massinvoice.invoice.render import Renderer  # noqa: E402
from tests.sri_certs import make_certs, two_key_p12  # noqa: E402
from tests.sri_stub import SriStub  # noqa: E402

SETTINGS = SriSettings(ruc="1791234567001", razon_social="FLORES DEL COTOPAXI S.A.",
                       dir_matriz="Km 12 Panamericana Norte, Lasso", puerto_embarque="UIO",
                       countries={"Germany": "110"})  # fmt: skip
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def sri_step(invoice, signer, client: SriClient, rides: RideRenderer, parts: dict) -> None:
    t0 = time.perf_counter()
    key = make_key(date=invoice.date, document="01", ruc=SETTINGS.ruc, ambiente="1",
                   number=invoice.number, code="12345678")  # fmt: skip
    xml = build_factura(invoice, SETTINGS, key)
    t1 = time.perf_counter()
    signed = sign(xml, signer, now=NOW)
    t2 = time.perf_counter()
    assert client.send(signed).state == "RECIBIDA"
    [entry] = client.authorization(key)
    assert entry.state == "AUTORIZADO"
    t3 = time.perf_counter()
    doc = SriDocument(invoice.number, "01", "001-001", invoice.number, "1", key, invoice.date,
                      "authorised", signed, (), key, entry.date, 1, "", {})  # fmt: skip
    rides.pdf(doc)
    t4 = time.perf_counter()
    for name, took in (("xml", t1 - t0), ("sign", t2 - t1), ("send + authorise", t3 - t2),
                       ("RIDE", t4 - t3)):  # fmt: skip
        parts.setdefault(name, []).append(took)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=50, help="invoices (default 50)")
    args = parser.parse_args(argv)
    batch = [replace(inv, date=NOW.date()) for inv in invoices(args.n + 3)]
    signer = load_signing_certificate(two_key_p12(make_certs(), b"bench"), b"bench")
    stub = SriStub(rucs={SETTINGS.ruc}).start()
    try:
        client, renderer, rides = SriClient(stub.url, timeout=10), Renderer(CONFIG), RideRenderer()
        warm: dict = {}
        for invoice in batch[:3]:  # fonts, caches, connections
            renderer.pdf(invoice)
            sri_step(invoice, signer, client, rides, warm)
        plain: list[float] = []
        parts: dict[str, list[float]] = {}
        for invoice in batch[3:]:
            t0 = time.perf_counter()
            renderer.pdf(invoice)
            plain.append(time.perf_counter() - t0)
            sri_step(invoice, signer, client, rides, parts)
    finally:
        stub.stop()
    pdf_ms = 1000 * statistics.mean(plain)
    sri_ms = 1000 * sum(statistics.mean(t) for t in parts.values())
    print(f"invoices: {args.n} (15 lines, one page each), one process, SRI stand-in on loopback")
    print(f"invoice PDF    : {pdf_ms:7.1f} ms/invoice")
    print(f"SRI step       : {sri_ms:7.1f} ms/invoice")
    for name, times in parts.items():
        print(f"  {name:<17}: {1000 * statistics.mean(times):6.1f} ms/invoice")
    print(f"ratio SRI step / invoice PDF: {sri_ms / pdf_ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
