"""The EN 16931 invoice as UN/CEFACT Cross Industry Invoice XML (CII D16B, Factur-X 1.0).

Built from the same :class:`~massinvoice.invoice.document.Invoice` record as the printed PDF, so both
say the same: same number, lines, amounts (``Decimal`` text, to the cent) and totals. The
profile is Factur-X EN 16931 (guideline ``urn:cen.eu:en16931:2017``). :mod:`massinvoice.invoice.einvoice.facturx`
checks the data first and embeds the result in the PDF.

Choices the standard leaves to us (documented in ``docs/invoices-csv.md``, "E-invoices"):

* VAT category of the invoice's tax line: rate > 0 is ``S`` (standard rate); rate 0 on a tax
  line whose name says export ("VAT 0% (export)", "IVA 0% exportación") is ``G`` (export
  outside the EU, exemption reason ``VATEX-EU-G``); any other 0 % line is ``Z`` (zero rated).
* Units: a price per stem is billed in ``C62`` (one); a price per bunch in ``XBH`` (bunch, a
  UN/ECE Rec. 21 package code that the EN 16931 code lists accept).
* Tax ids: the seller's RUC/NIT is its VAT identifier with the ISO country prefix
  (``EC1791234567001``, rule BR-CO-09), which export invoices need (BR-G-02). A buyer's tax id
  that starts with its country's code is its VAT identifier; any other (a US EIN) is its
  legal registration identifier.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from decimal import Decimal

from babel import Locale
from lxml import etree

from massinvoice.config import Config
from massinvoice.invoice.document import Invoice, InvoiceLine, TaxAmount
from massinvoice.model import money
from massinvoice.text import bare_address, email_addresses, fold

GUIDELINE = "urn:cen.eu:en16931:2017"
TYPE_INVOICE = "380"
UNIT_CODES = {"stem": "C62", "bunch": "XBH"}  # one; bunch
EXPORT_EXEMPTION = ("VATEX-EU-G", "Export outside the EU")

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

# Territory codes babel knows that are not ISO 3166-1 country codes (EN 16931 accepts only those).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
_COUNTRY_ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
    "eeuu": "US", "ee.uu.": "US", "ee. uu.": "US", "uk": "GB", "great britain": "GB",
    "england": "GB", "holland": "NL", "the netherlands": "NL", "russian federation": "RU",
}  # fmt: skip
# Characters XML 1.0 cannot carry at all (lxml refuses them): dropped from data text.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NET_DAYS = re.compile(r"\b(?:net|neto|neta)\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:days|d[ií]as)\b")


# --- country codes ---------------------------------------------------------------------------


@functools.cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", "es"):
        for code, territory in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES:
                names.setdefault(fold(territory), code)
    for alias, code in _COUNTRY_ALIASES.items():
        names.setdefault(fold(alias), code)
    return names


def is_country_code(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 country code EN 16931 accepts."""
    code = code.strip().upper()
    return code in _codes()


@functools.cache
def _codes() -> frozenset[str]:
    return frozenset(_country_names().values())


def country_code(country: str) -> str:
    """ISO 3166-1 alpha-2 code of a country given by name (English or Spanish) or code; ''."""
    text = country.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper() if text.upper() in _codes() else ""
    return _country_names().get(fold(text), "")


# --- the XML ---------------------------------------------------------------------------------


def tax_category(tax: TaxAmount) -> str:
    """EN 16931 VAT category of a tax line: S (rate > 0), G (0 %, export) or Z (0 %)."""
    if tax.rate > 0:
        return "S"
    return "G" if "export" in fold(tax.name) else "Z"


def build_xml(invoice: Invoice, config: Config) -> bytes:
    """The invoice as Factur-X EN 16931 CII XML (UTF-8 bytes with declaration).

    Check it with :func:`massinvoice.invoice.einvoice.facturx.facturx_problems` first: this assumes every
    mandatory field is there.
    """
    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=NS)
    context = _sub(root, "rsm", "ExchangedDocumentContext")
    _sub(_sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", GUIDELINE)

    document = _sub(root, "rsm", "ExchangedDocument")
    _sub(document, "ram", "ID", invoice.number)
    _sub(document, "ram", "TypeCode", TYPE_INVOICE)
    _date(_sub(document, "ram", "IssueDateTime"), invoice.date)
    note = _shipping_note(invoice)
    if note:
        _sub(_sub(document, "ram", "IncludedNote"), "ram", "Content", note)

    transaction = _sub(root, "rsm", "SupplyChainTradeTransaction")
    tax = invoice.taxes[0]
    category = tax_category(tax)
    origin = config.seller.country_code.strip().upper()
    several = len(invoice.order_nos) > 1
    for n, line in enumerate(invoice.lines, 1):
        _line_item(transaction, n, line, tax, category, origin, several)

    agreement = _sub(transaction, "ram", "ApplicableHeaderTradeAgreement")
    _seller(agreement, config)
    _buyer(agreement, invoice)
    if invoice.customer_pos:
        order_ref = _sub(agreement, "ram", "BuyerOrderReferencedDocument")
        _sub(order_ref, "ram", "IssuerAssignedID", ", ".join(invoice.customer_pos))

    delivery = _sub(transaction, "ram", "ApplicableHeaderTradeDelivery")
    if invoice.ship_customer:
        _sub(_sub(delivery, "ram", "ShipToTradeParty"), "ram", "Name", invoice.ship_customer)
    if invoice.flight_date:
        event = _sub(delivery, "ram", "ActualDeliverySupplyChainEvent")
        _date(_sub(event, "ram", "OccurrenceDateTime"), invoice.flight_date)

    settlement = _sub(transaction, "ram", "ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram", "InvoiceCurrencyCode", invoice.currency)
    breakdown = _sub(settlement, "ram", "ApplicableTradeTax")
    _sub(breakdown, "ram", "CalculatedAmount", _amount(tax.amount))
    _sub(breakdown, "ram", "TypeCode", "VAT")
    if category == "G":
        _sub(breakdown, "ram", "ExemptionReason", EXPORT_EXEMPTION[1])
    _sub(breakdown, "ram", "BasisAmount", _amount(invoice.subtotal))
    _sub(breakdown, "ram", "CategoryCode", category)
    if category == "G":
        _sub(breakdown, "ram", "ExemptionReasonCode", EXPORT_EXEMPTION[0])
    _sub(breakdown, "ram", "RateApplicablePercent", _number(tax.rate))
    if invoice.payment_terms.strip():
        terms = _sub(settlement, "ram", "SpecifiedTradePaymentTerms")
        _sub(terms, "ram", "Description", invoice.payment_terms)
        due = due_date(invoice)
        if due:
            _date(_sub(terms, "ram", "DueDateDateTime"), due)
    sums = _sub(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(sums, "ram", "LineTotalAmount", _amount(invoice.subtotal))
    _sub(sums, "ram", "TaxBasisTotalAmount", _amount(invoice.subtotal))
    _sub(sums, "ram", "TaxTotalAmount", _amount(invoice.tax_total), currencyID=invoice.currency)
    _sub(sums, "ram", "GrandTotalAmount", _amount(invoice.total))
    _sub(sums, "ram", "DuePayableAmount", _amount(invoice.total))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def due_date(invoice: Invoice) -> dt.date | None:
    """The payment due date (BT-9) when the terms say a number of days ("Net 30", "30 días")."""
    match = _NET_DAYS.search(fold(invoice.payment_terms))
    if not match:
        return None
    return invoice.date + dt.timedelta(days=int(match.group(1) or match.group(2)))


def product_name(line: InvoiceLine) -> str:
    """Item name (BT-153): species, variety and length, e.g. 'Roses Freedom 60 cm'."""
    length = line.length.strip()
    if length.isdigit():
        length += " cm"
    return " ".join(p for p in (line.species, line.variety, length) if p.strip()) or "Cut flowers"


def _line_item(
    parent: etree._Element, n: int, line: InvoiceLine, tax: TaxAmount, category: str,
    origin: str, several: bool,
) -> None:  # fmt: skip
    item = _sub(parent, "ram", "IncludedSupplyChainTradeLineItem")
    doc = _sub(item, "ram", "AssociatedDocumentLineDocument")
    _sub(doc, "ram", "LineID", str(n))
    _sub(_sub(doc, "ram", "IncludedNote"), "ram", "Content", _line_note(line, several))
    product = _sub(item, "ram", "SpecifiedTradeProduct")
    _sub(product, "ram", "Name", product_name(line))
    for label, value in (("Species", line.species), ("Variety", line.variety),
                         ("Length", line.length), ("Box type", line.box_type)):  # fmt: skip
        if value.strip():
            characteristic = _sub(product, "ram", "ApplicableProductCharacteristic")
            _sub(characteristic, "ram", "Description", label)
            _sub(characteristic, "ram", "Value", value)
    if line.hs_code:
        classification = _sub(product, "ram", "DesignatedProductClassification")
        _sub(classification, "ram", "ClassCode", line.hs_code, listID="HS")
    if origin:
        _sub(_sub(product, "ram", "OriginTradeCountry"), "ram", "ID", origin)
    agreement = _sub(item, "ram", "SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram", "NetPriceProductTradePrice")
    _sub(price, "ram", "ChargeAmount", _number(line.unit_price))
    delivery = _sub(item, "ram", "SpecifiedLineTradeDelivery")
    unit = UNIT_CODES.get(line.unit, "C62")
    _sub(delivery, "ram", "BilledQuantity", str(line.quantity), unitCode=unit)
    settlement = _sub(item, "ram", "SpecifiedLineTradeSettlement")
    line_tax = _sub(settlement, "ram", "ApplicableTradeTax")
    _sub(line_tax, "ram", "TypeCode", "VAT")
    _sub(line_tax, "ram", "CategoryCode", category)
    _sub(line_tax, "ram", "RateApplicablePercent", _number(tax.rate))
    sums = _sub(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(sums, "ram", "LineTotalAmount", _amount(line.amount))


def _line_note(line: InvoiceLine, several: bool) -> str:
    per = f" x {line.stems_per_bunch} stems" if line.stems_per_bunch else ""
    text = (f"{line.boxes} {line.box_type or 'boxes'}, {line.bunches} bunches{per}, "
            f"{line.stems} stems")  # fmt: skip
    return f"Order {line.order_no}, line {line.line_no}: {text}" if several else text


def _shipping_note(invoice: Invoice) -> str:
    facts = (
        ("Orders", ", ".join(invoice.order_nos)), ("Incoterm", invoice.incoterm),
        ("AWB", invoice.awb), ("HAWB", invoice.hawb), ("DAE", invoice.dae),
        ("Cargo agency", invoice.cargo_agency),
    )  # fmt: skip
    return "; ".join(f"{k} {v}" for k, v in facts if v)


def _seller(agreement: etree._Element, config: Config) -> None:
    seller = config.seller
    code = seller.country_code.strip().upper()
    party = _sub(agreement, "ram", "SellerTradeParty")
    _sub(party, "ram", "Name", seller.name)
    _address(party, seller.address, "", code)
    if seller.email:
        _sub(_sub(party, "ram", "URIUniversalCommunication"), "ram", "URIID", seller.email,
             schemeID="EM")  # fmt: skip
    registration = _sub(party, "ram", "SpecifiedTaxRegistration")
    _sub(registration, "ram", "ID", _vat_id(seller.tax_id, code), schemeID="VA")


def _buyer(agreement: etree._Element, invoice: Invoice) -> None:
    customer = invoice.customer
    party = _sub(agreement, "ram", "BuyerTradeParty")
    if customer and customer.code:
        _sub(party, "ram", "ID", customer.code)
    _sub(party, "ram", "Name", invoice.bill_customer)
    if customer is None:
        return
    code = country_code(customer.country)
    tax_id = re.sub(r"\s+", "", customer.tax_id)
    is_vat = bool(code) and tax_id[:2].upper() in (code, "EL" if code == "GR" else code)
    if tax_id and not is_vat:
        _sub(_sub(party, "ram", "SpecifiedLegalOrganization"), "ram", "ID", tax_id)
    _address(party, customer.address, customer.city, code)
    addresses = email_addresses(customer.email)[0]
    if addresses:  # BT-49 holds one address; the directory may list several
        _sub(_sub(party, "ram", "URIUniversalCommunication"), "ram", "URIID",
             bare_address(addresses[0]), schemeID="EM")  # fmt: skip
    if tax_id and is_vat:
        _sub(_sub(party, "ram", "SpecifiedTaxRegistration"), "ram", "ID", tax_id, schemeID="VA")


def _address(party: etree._Element, lines: Iterable[str], city: str, code: str) -> None:
    address = _sub(party, "ram", "PostalTradeAddress")
    lines = [x.strip() for x in lines if x.strip()]
    if len(lines) > 3:  # CII has three address lines; the rest joins the third
        lines = [*lines[:2], ", ".join(lines[2:])]
    for tag, text in zip(("LineOne", "LineTwo", "LineThree"), lines, strict=False):
        _sub(address, "ram", tag, text)
    if city.strip():
        _sub(address, "ram", "CityName", city.strip())
    _sub(address, "ram", "CountryID", code)


def _vat_id(tax_id: str, code: str) -> str:
    """A VAT identifier with its ISO country prefix (BR-CO-09): 1791234567001 -> EC1791...."""
    tax_id = re.sub(r"\s+", "", tax_id)
    return tax_id if tax_id[:2].upper() == code else f"{code}{tax_id}"


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _sub(
    parent: etree._Element, prefix: str, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    element = etree.SubElement(parent, _q(prefix, tag), attrs)
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _date(parent: etree._Element, day: dt.date) -> None:
    _sub(parent, "udt", "DateTimeString", day.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal) -> str:
    return f"{money(value):f}"


def _number(value: Decimal) -> str:
    """A rate or unit price as plain decimal text: 0, 12, 0.35, 0.275 (no exponent)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
