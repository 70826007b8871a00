"""factura 2.1.0 and notaCredito 1.1.0 built from an export invoice, checked with SRI's XSDs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from lxml import etree

from massinvoice.invoice.einvoice.sri.clave import make_key
from massinvoice.invoice.einvoice.sri.comprobante import ExportCosts, build_factura
from massinvoice.invoice.einvoice.sri.nota import build_nota_credito, compose_credit_note
from massinvoice.problems import InputError
from tests.sri_fixtures import BUYER, SETTINGS, export_invoice, sri_xsd_fixture, xsd_errors  # noqa: F401

KEY = make_key(date=dt.date(2026, 11, 20), document="01", ruc=SETTINGS.ruc, ambiente="1",
               number="001-001-000004561", code="12345678")  # fmt: skip
COSTS = ExportCosts(flete=Decimal("350.5"), seguro=Decimal("12"))


def factura() -> etree._Element:
    return etree.fromstring(build_factura(export_invoice(), SETTINGS, KEY, COSTS))


def text(root: etree._Element, path: str) -> str:
    return root.findtext(path)


def test_the_export_factura_says_what_sri_needs():
    root = factura()
    assert (root.tag, root.get("id"), root.get("version")) == ("factura", "comprobante", "2.1.0")
    assert text(root, "infoTributaria/claveAcceso") == KEY
    assert text(root, "infoTributaria/secuencial") == "000004561"
    info = root.find("infoFactura")
    assert [text(info, t) for t in ("comercioExterior", "incoTermFactura", "lugarIncoTerm",
            "paisOrigen", "puertoEmbarque", "puertoDestino", "paisDestino",
            "incoTermTotalSinImpuestos", "tipoIdentificacionComprador")] == [
        "EXPORTADOR", "FCA", "QUITO", "593", "UIO", "MIAMI", "213", "FCA", "08"]  # fmt: skip
    assert text(info, "totalConImpuestos/totalImpuesto/codigo") == "2"
    assert text(info, "totalConImpuestos/totalImpuesto/codigoPorcentaje") == "0"
    assert text(info, "fleteInternacional") == "350.50"
    assert text(info, "seguroInternacional") == "12.00"
    assert [text(info, f"pagos/pago/{t}") for t in ("formaPago", "plazo", "unidadTiempo")] == [
        "20",
        "30",
        "dias",
    ]
    first = root.find("detalles/detalle")
    assert text(first, "precioUnitario") == "0.285000"
    assert text(first, "cantidad") == "600.000000"
    assert text(first, "precioTotalSinImpuesto") == "171.00"
    assert len(first.findall("detallesAdicionales/detAdicional")) <= 3
    extra = {c.get("nombre"): c.text for c in root.iterfind("infoAdicional/campoAdicional")}
    assert extra["DAE"] == "055-2026-40-00012345" and extra["AWB"] == "369-12345675"
    assert extra["Tallos"] == "1200"
    # totals: 600 x 0.285 + 30 x 4.275 = 171.00 + 128.25
    assert text(info, "totalSinImpuestos") == "299.25" == text(info, "importeTotal")
    assert text(info, "pagos/pago/total") == "299.25"


def test_factura_and_credit_note_validate_against_sris_xsd(sri_xsd):
    assert xsd_errors(sri_xsd, build_factura(export_invoice(), SETTINGS, KEY, COSTS)) == []
    note = compose_credit_note(export_invoice(), number="001-002-000000001",
                               date=dt.date(2026, 11, 25), reason="Flores congeladas",
                               positions=[2])  # fmt: skip
    nkey = make_key(date=note.date, document="04", ruc=SETTINGS.ruc, ambiente="1",
                    number=note.number, code="87654321")  # fmt: skip
    xml = build_nota_credito(note, SETTINGS, nkey)
    assert xsd_errors(sri_xsd, xml) == []
    root = etree.fromstring(xml)
    assert text(root, "infoNotaCredito/numDocModificado") == "001-001-000004561"
    assert text(root, "infoNotaCredito/valorModificacion") == "128.25"
    assert len(root.findall("detalles/detalle")) == 1


def _mutate(path: str, value: str | None) -> bytes:
    root = factura()
    el = root.find(path)
    if value is None:
        el.getparent().remove(el)
    else:
        el.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("infoFactura/incoTermFactura", "fca", "incoTermFactura"),
        ("infoFactura/paisDestino", "US", "paisDestino"),
        ("detalles/detalle/precioUnitario", "0.2850001", "precioUnitario"),
        ("infoTributaria/ruc", "1791234567", "ruc"),
    ],
)
def test_mutants_fail_the_xsd_with_the_expected_message(sri_xsd, path, value, expected):
    errors = xsd_errors(sri_xsd, _mutate(path, value))
    assert errors and expected in errors[0], errors


def test_a_factura_without_pagos_is_ours_to_refuse(sri_xsd):
    from massinvoice.invoice.einvoice.sri.comprobante import document_problems

    xml = _mutate("infoFactura/pagos", None)
    assert xsd_errors(sri_xsd, xml) == []  # pagos is optional in the schema...
    assert any("pagos" in p for p in document_problems(xml))  # ...but SRI wants it
    assert document_problems(build_factura(export_invoice(), SETTINGS, KEY, COSTS)) == []


def test_what_the_schema_cannot_say_is_a_problem_naming_the_invoice():
    no_id = replace(BUYER, tax_id="")
    invoice = replace(export_invoice(), customer=no_id)
    with pytest.raises(InputError) as err:
        build_factura(invoice, SETTINGS, KEY)
    assert "sri_buyer_id" in err.value.codes and "001-001-000004561" in str(err.value)
    unknown = replace(export_invoice(), customer=replace(BUYER, country="Narnia"), market="NA")
    with pytest.raises(InputError) as err:
        build_factura(unknown, SETTINGS, KEY)
    assert "sri_country" in err.value.codes and "[sri.countries]" in str(err.value)
    seven = export_invoice()
    seven = replace(seven, lines=(replace(seven.lines[0], unit_price=Decimal("0.2850001")),))
    with pytest.raises(InputError, match="more than 6 decimals"):
        build_factura(seven, SETTINGS, KEY)


def test_long_and_many_additional_fields_stay_within_sris_limits(sri_xsd):
    invoice = replace(
        export_invoice(), dae="D" * 400, order_nos=tuple(f"PO-{i}" for i in range(99))
    )
    xml = build_factura(invoice, SETTINGS, KEY)
    assert xsd_errors(sri_xsd, xml) == []
    root = etree.fromstring(xml)
    fields = root.findall("infoAdicional/campoAdicional")
    assert 0 < len(fields) <= 15 and all(len(f.text) <= 300 for f in fields)
