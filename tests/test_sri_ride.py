"""The RIDE: every label, the barcode decodes to the clave, and none before AUTORIZADO."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from massinvoice.invoice.einvoice.sri import barcode
from massinvoice.invoice.einvoice.sri.client import AUTHORISED, QUEUED
from massinvoice.invoice.einvoice.sri.comprobante import build_factura
from massinvoice.invoice.einvoice.sri.p12 import load_signing_certificate
from massinvoice.invoice.einvoice.sri.ride import (
    NotAuthorised,
    authorised_xml,
    render_ride,
    ride_context,
)
from massinvoice.invoice.einvoice.sri.sign import sign
from massinvoice.invoice.einvoice.sri.state import SriDocument
from tests.sri_certs import make_certs, two_key_p12
from tests.sri_fixtures import NOW, SETTINGS, export_invoice
from tests.test_sri_comprobante import COSTS, KEY

LABELS = (
    "R.U.C.", "FACTURA", "No.", "NÚMERO DE AUTORIZACIÓN", "FECHA Y HORA DE AUTORIZACIÓN",
    "AMBIENTE", "PRUEBAS", "EMISIÓN", "NORMAL", "CLAVE DE ACCESO", "Dirección Matriz",
    "Dirección Establecimiento", "Contribuyente Especial Nro", "OBLIGADO A LLEVAR CONTABILIDAD",
    "Razón Social / Nombres y Apellidos", "Identificación", "Fecha Emisión", "Cod. Principal",
    "Descripción", "Precio Unitario", "Precio Total", "SUBTOTAL 0%", "SUBTOTAL SIN IMPUESTOS",
    "IVA", "VALOR TOTAL", "Forma de pago", "Información Adicional", "INCOTERM",
    "PUERTO DE EMBARQUE", "PUERTO DE DESTINO", "PAÍS DE ORIGEN", "PAÍS DE DESTINO", "DAE", "AWB",
    "FLETE INTERNACIONAL",
)  # fmt: skip


@pytest.fixture(scope="module")
def authorised() -> SriDocument:
    certs = make_certs()
    signer = load_signing_certificate(two_key_p12(certs, b"x"), b"x")
    xml = sign(build_factura(export_invoice(), SETTINGS, KEY, COSTS), signer, now=NOW)
    return SriDocument(
        number="001-001-000004561", doc="01", series="001-001",
        invoice_number="001-001-000004561", ambiente="1", clave=KEY, issue_date=NOW.date(),
        state=AUTHORISED, xml=xml, messages=(), authorization=KEY,
        authorized_at="2026-11-20T10:31:02-05:00", attempts=1, last_error="", payload={},
    )  # fmt: skip


def test_no_ride_before_autorizado(authorised):
    for state in (QUEUED, "sent", "parked"):
        with pytest.raises(NotAuthorised, match="only after AUTORIZADO"):
            render_ride(dataclasses.replace(authorised, state=state))
    with pytest.raises(NotAuthorised):
        authorised_xml(dataclasses.replace(authorised, state=QUEUED))


def test_the_ride_context_comes_from_the_authorised_xml(authorised):
    ctx = ride_context(authorised)
    assert ctx["number"] == "001-001-000004561" and ctx["clave"] == KEY
    assert ctx["authorized_at"] == "20/11/2026 10:31:02"
    assert ctx["lines"][0]["price"] == "0.285" and ctx["total"] == "299.25"
    assert ctx["dae"] == "055-2026-40-00012345" and ctx["awb"] == "369-12345675"
    assert ("INCOTERM", "FCA") in ctx["export"]


def test_the_barcode_widths_are_code_128_of_the_key():
    # symbol values: start C, 24 pairs, code B, the last digit, check, stop
    values = barcode.symbols(KEY)
    assert values[0] == 105 and values[-1] == 106 and values[25] == 100
    assert values[1:25] == [int(KEY[i : i + 2]) for i in range(0, 48, 2)]
    assert values[26] == ord(KEY[-1]) - 32
    assert sum(barcode.widths(KEY)) == 11 * (len(values) - 1) + 13


@pytest.mark.slow
def test_the_ride_pdf_shows_every_label_and_its_barcode_decodes_to_the_key(authorised, tmp_path):
    pdf = render_ride(authorised)
    path = tmp_path / "ride.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    missing = [label for label in LABELS if label not in text]
    assert not missing, missing
    assert KEY in text.replace(" ", "")
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the barcode (test extra)")
    image = pytest.importorskip("PIL.Image")
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    [png] = list(Path(tmp_path).glob("page*.png"))
    found = zxingcpp.read_barcodes(image.open(png))
    assert [b.text for b in found if b.format == zxingcpp.BarcodeFormat.Code128] == [KEY]


def test_the_authorised_xml_wraps_the_stored_bytes(authorised):
    root = etree.fromstring(authorised_xml(authorised))
    assert root.findtext("estado") == "AUTORIZADO"
    assert root.findtext("comprobante").encode() == authorised.xml


def test_data_is_escaped_on_the_ride(authorised):
    import io

    from pypdf import PdfReader

    from massinvoice.invoice.einvoice.sri.comprobante import build_factura
    from tests.sri_fixtures import BUYER

    odd = dataclasses.replace(BUYER, name='FLORES & CO <b>BOLD</b> "QUOTED"')
    invoice = dataclasses.replace(export_invoice(), customer=odd)
    xml = build_factura(invoice, SETTINGS, KEY)  # unsigned is enough for the picture
    pdf = render_ride(dataclasses.replace(authorised, xml=xml))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert 'FLORES & CO <b>BOLD</b> "QUOTED"' in text
