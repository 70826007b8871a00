"""Factur-X benchmark: invoice PDFs with and without the embedded EN 16931 XML, in one run.

Usage: ``python benchmarks/bench_facturx.py [N]`` (N one-page invoices of 15 lines, default 100).

For each invoice it times, alternately so that drift affects both alike:

* plain: ``Renderer.pdf(invoice)``, what an invoice run does with ``einvoice = "off"``;
* Factur-X: ``Renderer.pdf(invoice, variant="pdf/a-3b")`` then ``facturx.embed`` (build the
  CII XML, check it against the official XSD, attach it and the XMP metadata),

and prints seconds per invoice for both, the ratio (goal: at most 1.20) and how the extra time
splits between the PDF/A-3b rendering, the XML and its XSD check, and the attachment.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from massinvoice.config import Config, Seller
from massinvoice.invoice.document import Invoice, compose_invoice
from massinvoice.invoice.einvoice.cii import build_xml
from massinvoice.invoice.einvoice.facturx import PDF_VARIANT, attach_xml, embed, xsd_errors
from massinvoice.invoice.render import Renderer
from massinvoice.model import Customer, Line, Order

PRODUCTS = [
    ("Roses", "Freedom", "stem", "0.35"), ("Roses", "Explorer", "stem", "0.42"),
    ("Roses", "Mondial", "stem", "0.38"), ("Spray Roses", "Lydia", "stem", "0.55"),
    ("Carnations", "Moonlight", "bunch", "3.75"), ("Gypsophila", "Xlence", "bunch", "4.20"),
]  # fmt: skip
CONFIG = Config(
    seller=Seller(
        name="FLORES DEL COTOPAXI S.A.", tax_id="1791234567001",
        address=("Km 12 Panamericana Norte", "Lasso, Cotopaxi 050150"), country="Ecuador",
        country_code="EC", email="ventas@floresdelcotopaxi.example",
    ),
    payment_terms="Net 30",
    einvoice="all",
)  # fmt: skip
CUSTOMER = Customer(
    name="BLUMENKONTOR ELBWIESE GMBH", code="BKE14", tax_id="DE298456173",
    address=("Billstraße 118",), city="20539 Hamburg", country="Germany", einvoice=True,
)  # fmt: skip


def invoices(n: int, lines: int = 15) -> list[Invoice]:
    """``n`` numbered one-page invoices of ``lines`` lines each."""
    out = []
    for i in range(n):
        order_no = f"PO-{i + 1:05d}"
        order_lines = []
        for k in range(lines):
            species, variety, unit, price = PRODUCTS[(i + k) % len(PRODUCTS)]
            boxes = 1 + (i + k) % 4
            order_lines.append(Line(
                order_no=order_no, line_no=k + 1, species=species, variety=variety,
                length=str(40 + 10 * (k % 5)), box_type="HB", boxes=boxes, packed_boxes=boxes,
                bunches=12 * boxes, stems_per_bunch=25, stems=300 * boxes, unit=unit,
                unit_price=Decimal(price), currency="USD",
            ))  # fmt: skip
        order = Order(order_no=order_no, bill_customer=CUSTOMER.name, lines=tuple(order_lines),
                      ship_customer="ELBWIESE / HAMBURG", awb="369-12345675", currency="USD")  # fmt: skip
        invoice = compose_invoice(
            [order], config=CONFIG, date=dt.date(2026, 11, 20), customer=CUSTOMER
        )
        out.append(invoice.with_number(f"001-001-{i + 1:09d}"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="invoices (default 100)")
    args = parser.parse_args(argv)
    batch = invoices(args.n)
    renderer = Renderer(CONFIG)
    for invoice in batch[:3]:  # warm up fonts, caches and the XSD
        embed(renderer.pdf(invoice, variant=PDF_VARIANT), invoice, CONFIG)
        renderer.pdf(invoice)

    plain: list[float] = []
    with_xml: list[float] = []
    parts = {"pdf/a-3b render": [], "xml + xsd": [], "attach": []}
    for invoice in batch:
        t0 = time.perf_counter()
        renderer.pdf(invoice)
        t1 = time.perf_counter()
        pdf = renderer.pdf(invoice, variant=PDF_VARIANT)
        t2 = time.perf_counter()
        xml = build_xml(invoice, CONFIG)
        assert not xsd_errors(xml)
        t3 = time.perf_counter()
        attach_xml(pdf, xml, invoice, CONFIG)
        t4 = time.perf_counter()
        plain.append(t1 - t0)
        with_xml.append(t4 - t1)
        parts["pdf/a-3b render"].append(t2 - t1)
        parts["xml + xsd"].append(t3 - t2)
        parts["attach"].append(t4 - t3)

    total_plain, total_xml = sum(plain), sum(with_xml)
    ratio = total_xml / total_plain
    print(f"invoices: {args.n} (15 lines, one page each), one process")
    print(f"plain PDF      : {total_plain:7.2f} s  {1000 * total_plain / args.n:6.1f} ms/invoice")
    print(f"with Factur-X  : {total_xml:7.2f} s  {1000 * total_xml / args.n:6.1f} ms/invoice")
    for name, times in parts.items():
        print(f"  {name:<15}: {1000 * statistics.mean(times):6.1f} ms/invoice")
    print(f"ratio          : {ratio:.3f} (goal <= 1.20) {'OK' if ratio <= 1.20 else 'OVER'}")
    return 0 if ratio <= 1.20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
