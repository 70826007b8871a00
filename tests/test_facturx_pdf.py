"""Factur-X PDF: PDF/A-3 with factur-x.xml attached, reproducible, still the same printed invoice."""

from __future__ import annotations

import io

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from massinvoice.invoice.einvoice.cii import build_xml
from massinvoice.invoice.einvoice.facturx import PDF_VARIANT, embed
from massinvoice.invoice.render import Renderer
from tests.einvoice_factories import CONFIG, make_invoice

RDF = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(CONFIG)


@pytest.fixture(scope="module")
def invoice():
    return make_invoice()


@pytest.fixture(scope="module")
def pdf(renderer, invoice) -> bytes:
    return embed(renderer.pdf(invoice, variant=PDF_VARIANT), invoice, CONFIG)


def xmp(pdf: bytes) -> etree._Element:
    reader = PdfReader(io.BytesIO(pdf))
    stream = reader.trailer["/Root"]["/Metadata"].get_object()
    return etree.fromstring(stream.get_data())


def values(root: etree._Element, path: str) -> list[str]:
    """Values of XMP properties, written as elements or as attributes."""
    prefix, name = path.split(":")
    tag = f"{{{RDF[prefix]}}}{name}"
    found = [e.text for e in root.iter(tag)]
    found += [d.get(tag) for d in root.iter(f"{{{RDF['rdf']}}}Description") if d.get(tag)]
    return found


def test_the_xml_is_attached_as_factur_x_xml_and_valid(pdf, invoice):
    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert xml == build_xml(invoice, CONFIG)
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["factur-x.xml"]
    root = reader.trailer["/Root"]
    (filespec,) = [ref.get_object() for ref in root["/AF"]]
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/F"] == filespec["/UF"] == "factur-x.xml"
    stream = filespec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/text/xml"
    assert stream["/Params"]["/Size"] == len(xml)


def test_it_is_pdf_a_3b_with_the_factur_x_metadata(pdf, invoice):
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pdf_header == "%PDF-1.7"
    assert "/OutputIntents" in reader.trailer["/Root"]
    meta = xmp(pdf)
    assert values(meta, "pdfaid:part") == ["3"]
    assert values(meta, "pdfaid:conformance") == ["B"]
    assert values(meta, "fx:DocumentFileName") == ["factur-x.xml"]
    assert values(meta, "fx:DocumentType") == ["INVOICE"]
    assert values(meta, "fx:ConformanceLevel") == ["EN 16931"]
    assert values(meta, "fx:Version") == ["1.0"]
    # PDF/A: the document information dictionary says what the XMP says
    info = reader.metadata
    assert values(meta, "pdf:Producer") == [info["/Producer"]]
    assert values(meta, "xmp:CreatorTool") == [info["/Creator"]]
    assert "/Keywords" not in info
    assert invoice.number in info["/Title"] and invoice.number in info["/Subject"]
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261120000000+00'00'"
    assert values(meta, "xmp:CreateDate") == ["2026-11-20T00:00:00+00:00"]


def test_the_printed_invoice_is_unchanged(pdf, invoice):
    printed = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert invoice.number in printed
    assert invoice.bill_customer in printed
    assert f"{invoice.total:,.2f}" in printed


def test_the_same_invoice_gives_the_same_bytes(renderer, invoice, pdf):
    again = embed(renderer.pdf(invoice, variant=PDF_VARIANT), invoice, CONFIG)
    assert again == pdf


def test_plain_rendering_has_no_attachment(renderer, invoice):
    plain = renderer.pdf(invoice)
    assert facturx.get_xml_from_pdf(plain, check_xsd=False) == (False, False)
    assert list(PdfReader(io.BytesIO(plain)).attachments) == []
