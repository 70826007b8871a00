"""Invoices and configs for the e-invoice tests, built by hand (no export, no registry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from massinvoice.config import Config, Seller, TaxLine
from massinvoice.invoice.document import Invoice, compose_invoice
from massinvoice.model import Customer, Order
from tests.factories import line, order

SELLER = Seller(
    name="Flores del Cóndor Andino S.A.",
    tax_id="1791234567001",
    address=("Km 12 Vía a Cayambe, Sector El Prado", "Cayambe, Pichincha"),
    country="Ecuador",
    country_code="EC",
    email="facturacion@condorandino.example",
)
CONFIG = Config(seller=SELLER, payment_terms="Net 30", einvoice="all")

GERMAN = Customer(
    name="BLUMENKONTOR ELBWIESE GMBH", code="BKE14", tax_id="DE298456173",
    address=("Billstraße 118",), city="20539 Hamburg", country="Alemania",
    email="invoices@elbwiese.example", payment_terms="Net 30", einvoice=True,
)  # fmt: skip
AMERICAN = Customer(
    name="BLOOMRIDGE WHOLESALE INC", code="BLR01", tax_id="65-4821937",
    address=("8450 NW 70th St, Suite 110",), city="Miami, FL 33166", country="United States",
    email="invoices@bloomridge.example", payment_terms="Net 21", einvoice=False,
)  # fmt: skip


def flower_order(order_no: str = "PO-7", customer: Customer = GERMAN, **kw) -> Order:
    """An order with a per-stem line and a per-bunch line at a three-decimal price."""
    lines = kw.pop("lines", None) or [
        line(order_no, 1),
        line(order_no, 2, species="Carnations", variety="Moon Light", length="Select",
             box_type="QB", boxes=3, bunches=30, stems_per_bunch=20, stems=600, unit="bunch",
             unit_price=Decimal("4.275")),
    ]  # fmt: skip
    return order(order_no, lines, bill_customer=customer.name, **kw)


def make_invoice(
    *orders: Order,
    customer: Customer | None = GERMAN,
    config: Config = CONFIG,
    number: str = "001-001-000004561",
) -> Invoice:
    """A numbered invoice for ``orders`` (one flower order by default)."""
    orders = orders or (flower_order(customer=customer or GERMAN),)
    invoice = compose_invoice(
        list(orders), config=config, date=dt.date(2026, 11, 20), customer=customer
    )
    return invoice.with_number(number)


def with_tax(config: Config, name: str, rate: str) -> Config:
    return replace(config, taxes=(TaxLine(name, Decimal(rate)),))
