"""SRI's ``factura`` 2.1.0 document, built from our invoice record (credit notes: ``nota``).

The element order is the schema's. Quantities and unit prices carry 6 decimals (2.1.0; a
0.285 stem price needs them), every amount 2; all figures are ``Decimal`` text, never floats.
An export invoice says so: ``comercioExterior`` EXPORTADOR, the Incoterm in upper case with its
place, SRI's 3-digit country codes, the ports, freight and insurance, buyer type 08 (foreign
identification) and IVA 0 % (``codigo`` 2, ``codigoPorcentaje`` 0). SRI has no element for the
DAE, air waybills, boxes or stems: they go in ``infoAdicional`` (at most 15 fields of 300
characters) and per line in ``detallesAdicionales`` (at most 3).

What SRI would refuse and the schema cannot say (no payment, a buyer without identification, an
unknown country) is found here first, as problems naming the invoice: :func:`check_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from massinvoice.invoice.document import Invoice, InvoiceLine, TaxAmount
from massinvoice.invoice.einvoice.cii import NOT_XML
from massinvoice.invoice.einvoice.sri.clave import FACTURA, split_number
from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.model import money
from massinvoice.problems import ROW, Code, InputError, Problem

FACTURA_VERSION = "2.1.0"
IVA = "2"  # SRI's tax code for IVA
# IVA rate in percent -> SRI's codigoPorcentaje (tabla 17 of the ficha técnica)
IVA_CODES = {Decimal(0): "0", Decimal(12): "2", Decimal(14): "3", Decimal(15): "4",
             Decimal(5): "5", Decimal(13): "10"}  # fmt: skip
FOREIGN_ID = "08"  # identificación del exterior
MAX_CAMPOS = 15
MAX_DETALLES = 3
MAX_TEXT = 300
_UNITS = {"stem": "TALLOS", "bunch": "RAMOS"}


@dataclass(frozen=True, slots=True)
class ExportCosts:
    """Freight, insurance and other costs of an export, printed in the invoice's totals."""

    flete: Decimal = Decimal(0)
    seguro: Decimal = Decimal(0)
    gastos_aduaneros: Decimal = Decimal(0)
    otros_transporte: Decimal = Decimal(0)


def check_rules(invoice: Invoice, settings: SriSettings) -> list[Problem]:
    """What SRI would refuse in this invoice, beyond its schema; empty when it may go."""
    problems: list[Problem] = []

    def problem(code: str, message: str, hint: str) -> None:
        problems.append(
            Problem(
                code,
                f"invoice {invoice.number or '(new)'} of {invoice.bill_customer}: {message}",
                hint=hint,
                level=ROW,
            )
        )

    customer = invoice.customer
    if customer is None or not customer.tax_id.strip():
        problem(Code.SRI_BUYER_ID, "the buyer has no identification (tax id) for SRI",
                "add the customer's tax id to the customer directory")  # fmt: skip
    if not _destination(invoice, settings):
        where = (customer.country if customer else "") or invoice.market or "(none)"
        problem(
            Code.SRI_COUNTRY,
            f"no SRI country code for {where!r}",
            f'add it under [sri.countries], e.g. "{where}" = "<3-digit SRI code>"',
        )
    for tax in invoice.taxes:
        if tax.rate not in IVA_CODES:
            problem(Code.SRI_TAX, f"IVA rate {tax.rate}% has no SRI code",
                    f"use one of {', '.join(str(r) for r in IVA_CODES)}")  # fmt: skip
    for x in invoice.lines:
        if x.unit_price != x.unit_price.quantize(Decimal("0.000001")):
            problem(
                Code.SRI_PRICE,
                f"line {x.line_no} of order {x.order_no}: price {x.unit_price}"
                " has more than 6 decimals",
                "round the price in the Lines sheet",
            )
    if not invoice.lines:
        problem(Code.SRI_LINES, "an SRI invoice needs at least one line", "select another order")
    try:
        split_number(invoice.number)
    except ValueError as exc:
        problem(Code.SRI_NUMBER, str(exc), "fix [series] format in the config")
    return problems


def build_factura(
    invoice: Invoice, settings: SriSettings, key: str, costs: ExportCosts = ExportCosts()
) -> bytes:
    """The unsigned ``factura`` 2.1.0 for ``invoice`` under ``key``, as UTF-8 bytes."""
    problems = check_rules(invoice, settings)
    if problems:
        raise InputError(problems)
    root = etree.Element("factura", id="comprobante", version=FACTURA_VERSION)
    info_tributaria(root, settings, key, FACTURA, invoice.number)
    info = sub(root, "infoFactura")
    sub(info, "fechaEmision", f"{invoice.date:%d/%m/%Y}")
    _issuer_fields(info, settings)
    incoterm, place = _incoterm(invoice, settings)
    country = _destination(invoice, settings)
    sub(info, "comercioExterior", "EXPORTADOR")
    sub(info, "incoTermFactura", incoterm)
    sub(info, "lugarIncoTerm", place)
    sub(info, "paisOrigen", settings.pais_origen)
    sub(info, "puertoEmbarque", settings.puerto_embarque)
    sub(info, "puertoDestino", _destination_port(invoice, settings))
    sub(info, "paisDestino", country)
    sub(info, "paisAdquisicion", country)
    buyer(info, invoice, with_address=True)
    sub(info, "totalSinImpuestos", amount(invoice.subtotal))
    sub(info, "incoTermTotalSinImpuestos", incoterm)
    sub(info, "totalDescuento", "0.00")
    tax_totals(info, invoice.taxes, with_rate=True)
    sub(info, "propina", "0.00")
    sub(info, "fleteInternacional", amount(costs.flete))
    sub(info, "seguroInternacional", amount(costs.seguro))
    sub(info, "gastosAduaneros", amount(costs.gastos_aduaneros))
    sub(info, "gastosTransporteOtros", amount(costs.otros_transporte))
    sub(info, "importeTotal", amount(invoice.total))
    sub(info, "moneda", "DOLAR" if invoice.currency == "USD" else invoice.currency)
    pago = sub(sub(info, "pagos"), "pago")
    sub(pago, "formaPago", settings.forma_pago)
    sub(pago, "total", amount(invoice.total))
    if settings.plazo_dias:
        sub(pago, "plazo", str(settings.plazo_dias))
        sub(pago, "unidadTiempo", "dias")
    details = sub(root, "detalles")
    for x in invoice.lines:
        d = sub(details, "detalle")
        if x.hs_code:
            sub(d, "codigoPrincipal", x.hs_code[:25])
        line_body(d, x, invoice.taxes, unit=True)
    info_adicional(root, invoice_fields(invoice))
    return to_bytes(root)


def invoice_fields(invoice: Invoice) -> list[tuple[str, str]]:
    """The export facts SRI has no element for, as (name, value) for ``infoAdicional``."""
    boxes = ", ".join(f"{n} {t}" for t, n in invoice.boxes_by_type)
    customer = invoice.customer
    pairs = [
        ("DAE", invoice.dae), ("AWB", invoice.awb), ("HAWB", invoice.hawb),
        ("Cajas", boxes), ("Fulls", f"{invoice.fulls.normalize():f}" if invoice.fulls else ""),
        ("Ramos", str(invoice.bunches) if invoice.bunches else ""),
        ("Tallos", str(invoice.stems) if invoice.stems else ""),
        ("Pedidos", ", ".join(invoice.order_nos)), ("PO", ", ".join(invoice.customer_pos)),
        ("Marcacion", invoice.ship_customer), ("Agencia de carga", invoice.cargo_agency),
        ("Fecha de vuelo", f"{invoice.flight_date:%d/%m/%Y}" if invoice.flight_date else ""),
        ("Condiciones de pago", invoice.payment_terms),
        ("Email", customer.email if customer else ""),
    ]  # fmt: skip
    return [(n, v) for n, v in pairs if v.strip()][:MAX_CAMPOS]


def line_fields(line: InvoiceLine) -> list[tuple[str, str]]:
    """Per-line facts for ``detallesAdicionales`` (SRI allows three)."""
    pairs = [
        ("Cajas", f"{line.boxes} {line.box_type}".strip() if line.boxes else ""),
        ("Ramos", f"{line.bunches} x {line.stems_per_bunch}" if line.bunches else ""),
        ("Pedido", line.order_no),
    ]
    return [(n, v) for n, v in pairs if v.strip()][:MAX_DETALLES]


def description(line: InvoiceLine) -> str:
    length = line.length.strip()
    if length.isdigit():
        length += " cm"
    return " ".join(p for p in (line.species, line.variety, length) if p) or "Flores"


def document_problems(xml: bytes) -> list[str]:
    """SRI's rules a schema-valid document may still break; empty when none.

    factura 2.1.0 leaves ``pagos`` optional, but SRI refuses an invoice without its payment;
    every factura and credit note needs its lines and taxes to add up to its totals.
    """
    root = etree.fromstring(xml)
    problems: list[str] = []
    if root.tag == "factura":
        info = root.find("infoFactura")
        if info is None or info.find("pagos/pago") is None:
            problems.append("infoFactura/pagos is missing: SRI needs the form of payment")
        total_path = "infoFactura/totalSinImpuestos"
    else:
        total_path = "infoNotaCredito/totalSinImpuestos"
    lines = sum((Decimal(x) for x in root.xpath("detalles/detalle/precioTotalSinImpuesto/text()")),
                Decimal(0))  # fmt: skip
    stated = root.findtext(total_path)
    if stated is None or Decimal(stated) != lines:
        problems.append(f"{total_path} {stated} is not the sum of the lines ({lines}): code 52")
    return problems


# --- pieces ------------------------------------------------------------------------------------


def info_tributaria(root: etree._Element, s: SriSettings, key: str, doc: str, number: str) -> None:
    estab, pto_emi, secuencial = split_number(number)
    info = sub(root, "infoTributaria")
    sub(info, "ambiente", s.ambiente_code)
    sub(info, "tipoEmision", "1")
    sub(info, "razonSocial", clean(s.razon_social))
    if s.nombre_comercial:
        sub(info, "nombreComercial", clean(s.nombre_comercial))
    sub(info, "ruc", s.ruc)
    sub(info, "claveAcceso", key)
    sub(info, "codDoc", doc)
    sub(info, "estab", estab)
    sub(info, "ptoEmi", pto_emi)
    sub(info, "secuencial", secuencial)
    sub(info, "dirMatriz", clean(s.dir_matriz))
    if s.agente_retencion:
        sub(info, "agenteRetencion", s.agente_retencion)
    if s.contribuyente_rimpe:
        sub(info, "contribuyenteRimpe", s.contribuyente_rimpe)


def _issuer_fields(info: etree._Element, s: SriSettings) -> None:
    if s.dir_establecimiento:
        sub(info, "dirEstablecimiento", clean(s.dir_establecimiento))
    if s.contribuyente_especial:
        sub(info, "contribuyenteEspecial", s.contribuyente_especial)
    sub(info, "obligadoContabilidad", "SI" if s.obligado_contabilidad else "NO")


def buyer(info: etree._Element, invoice: Invoice, *, with_address: bool) -> None:
    customer = invoice.customer
    assert customer is not None  # check_rules refused it otherwise
    sub(info, "tipoIdentificacionComprador", FOREIGN_ID)
    sub(info, "razonSocialComprador", clean(customer.name or invoice.bill_customer))
    sub(info, "identificacionComprador", clean(customer.tax_id)[:20])
    address = ", ".join(p for p in (*customer.address, customer.city, customer.country) if p)
    if with_address and address:
        sub(info, "direccionComprador", clean(address))


def line_body(d: etree._Element, x: InvoiceLine, taxes: Iterable[TaxAmount], unit: bool) -> None:
    sub(d, "descripcion", clean(description(x)))
    if unit:
        sub(d, "unidadMedida", _UNITS.get(x.unit, "TALLOS"))
    sub(d, "cantidad", _six(Decimal(x.quantity)))
    sub(d, "precioUnitario", _six(x.unit_price))
    sub(d, "descuento", "0.00")
    sub(d, "precioTotalSinImpuesto", amount(x.amount))
    extra = line_fields(x)
    if extra:
        more = sub(d, "detallesAdicionales")
        for name, value in extra:
            etree.SubElement(more, "detAdicional", nombre=name, valor=clean(value))
    impuestos = sub(d, "impuestos")
    for tax in taxes:
        i = sub(impuestos, "impuesto")
        sub(i, "codigo", IVA)
        sub(i, "codigoPorcentaje", IVA_CODES[tax.rate])
        sub(i, "tarifa", amount(tax.rate))
        sub(i, "baseImponible", amount(x.amount))
        sub(i, "valor", amount(money(x.amount * tax.rate / 100)))


def info_adicional(root: etree._Element, pairs: list[tuple[str, str]]) -> None:
    if not pairs:
        return
    info = sub(root, "infoAdicional")
    for name, value in pairs[:MAX_CAMPOS]:
        etree.SubElement(info, "campoAdicional", nombre=name).text = clean(value)


def _incoterm(invoice: Invoice, s: SriSettings) -> tuple[str, str]:
    """The Incoterm code (upper case) and its place: 'fob uio' -> FOB, UIO."""
    text = invoice.incoterm.split(",")[0].strip()
    code, _, place = text.partition(" ")
    code = code.upper() or s.incoterm
    place = place.strip() or s.lugar_incoterm or s.puerto_embarque or "ECUADOR"
    return code, clean(place)


def _destination(invoice: Invoice, s: SriSettings) -> str:
    customer = invoice.customer
    for where in (customer.country if customer else "", invoice.market):
        if where and s.country_code(where):
            return s.country_code(where)
    return ""


def _destination_port(invoice: Invoice, s: SriSettings) -> str:
    customer = invoice.customer
    for where in (customer.country if customer else "", invoice.market):
        if where and s.port(where):
            return clean(s.port(where))
    return clean((customer.city if customer else "") or invoice.market or "EXTERIOR")


def clean(value: str) -> str:
    """Data text as SRI takes it: one line, no characters XML cannot carry, 300 at most."""
    one_line = " ".join(NOT_XML.sub("", value).split())
    return one_line[:MAX_TEXT] or "-"


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def amount(value: Decimal) -> str:
    return f"{money(value):f}"


def _six(value: Decimal) -> str:
    return f"{money(value, 6):f}"


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def tax_totals(parent: etree._Element, taxes: Sequence[TaxAmount], *, with_rate: bool) -> None:
    """``totalConImpuestos``: one ``totalImpuesto`` per tax line (IVA; ``tarifa`` in a factura,
    not in a nota de crédito)."""
    totals = sub(parent, "totalConImpuestos")
    for tax in taxes:
        t = sub(totals, "totalImpuesto")
        sub(t, "codigo", IVA)
        sub(t, "codigoPorcentaje", IVA_CODES[tax.rate])
        sub(t, "baseImponible", amount(tax.base))
        if with_rate:
            sub(t, "tarifa", amount(tax.rate))
        sub(t, "valor", amount(tax.amount))
