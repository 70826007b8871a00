"""SRI's ``factura`` 2.1.0 and ``notaCredito`` 1.1.0 documents, built from our invoice records.

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

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from massinvoice.invoice.document import Invoice, InvoiceLine, TaxAmount
from massinvoice.invoice.einvoice.cii import NOT_XML
from massinvoice.invoice.einvoice.sri.clave import FACTURA, NOTA_CREDITO, split_number
from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.model import money
from massinvoice.problems import ROW, InputError, Problem

FACTURA_VERSION = "2.1.0"
NOTA_CREDITO_VERSION = "1.1.0"
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


@dataclass(frozen=True, slots=True)
class CreditNote:
    """A nota de crédito: lines of an authorised invoice given back, with the reason."""

    number: str
    date: dt.date
    invoice: Invoice  # the invoice it corrects
    reason: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    taxes: tuple[TaxAmount, ...]
    total: Decimal


def compose_credit_note(
    invoice: Invoice, *, number: str, date: dt.date, reason: str,
    positions: Sequence[int] = (),
) -> CreditNote:  # fmt: skip
    """A credit note for the whole invoice, or for the lines at ``positions`` (1-based)."""
    if not reason.strip():
        raise InputError(
            Problem(
                "sri_reason",
                "a credit note needs its reason (motivo)",
                hint="say why, e.g. --reason 'flowers arrived frozen'",
            )
        )
    picked = invoice.lines
    if positions:
        bad = [p for p in positions if not 1 <= p <= len(invoice.lines)]
        if bad:
            raise InputError(
                Problem(
                    "sri_lines",
                    f"invoice {invoice.number} has lines 1 to "
                    f"{len(invoice.lines)}, not {', '.join(map(str, bad))}",
                )
            )
        picked = tuple(invoice.lines[p - 1] for p in dict.fromkeys(positions))
    subtotal = money(sum((x.amount for x in picked), Decimal(0)))
    taxes = tuple(TaxAmount(t.name, t.rate, subtotal, money(subtotal * t.rate / 100))
                  for t in invoice.taxes)  # fmt: skip
    total = subtotal + sum((t.amount for t in taxes), Decimal(0))
    return CreditNote(number, date, invoice, reason.strip(), tuple(picked), subtotal, taxes,
                      total)  # fmt: skip


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
        problem("sri_buyer_id", "the buyer has no identification (tax id) for SRI",
                "add the customer's tax id to the customer directory")  # fmt: skip
    if not _destination(invoice, settings):
        where = (customer.country if customer else "") or invoice.market or "(none)"
        problem(
            "sri_country",
            f"no SRI country code for {where!r}",
            f'add it under [sri.countries], e.g. "{where}" = "<3-digit SRI code>"',
        )
    for tax in invoice.taxes:
        if tax.rate not in IVA_CODES:
            problem("sri_tax", f"IVA rate {tax.rate}% has no SRI code",
                    f"use one of {', '.join(str(r) for r in IVA_CODES)}")  # fmt: skip
    for x in invoice.lines:
        if x.unit_price != x.unit_price.quantize(Decimal("0.000001")):
            problem(
                "sri_price",
                f"line {x.line_no} of order {x.order_no}: price {x.unit_price}"
                " has more than 6 decimals",
                "round the price in the Lines sheet",
            )
    if not invoice.lines:
        problem("sri_lines", "an SRI invoice needs at least one line", "select another order")
    try:
        split_number(invoice.number)
    except ValueError as exc:
        problem("sri_number", str(exc), "fix [series] format in the config")
    return problems


def build_factura(
    invoice: Invoice, settings: SriSettings, key: str, costs: ExportCosts = ExportCosts()
) -> bytes:
    """The unsigned ``factura`` 2.1.0 for ``invoice`` under ``key``, as UTF-8 bytes."""
    problems = check_rules(invoice, settings)
    if problems:
        raise InputError(problems)
    root = etree.Element("factura", id="comprobante", version=FACTURA_VERSION)
    _info_tributaria(root, settings, key, FACTURA, invoice.number)
    info = _sub(root, "infoFactura")
    _sub(info, "fechaEmision", f"{invoice.date:%d/%m/%Y}")
    _issuer_fields(info, settings)
    incoterm, place = _incoterm(invoice, settings)
    country = _destination(invoice, settings)
    _sub(info, "comercioExterior", "EXPORTADOR")
    _sub(info, "incoTermFactura", incoterm)
    _sub(info, "lugarIncoTerm", place)
    _sub(info, "paisOrigen", settings.pais_origen)
    _sub(info, "puertoEmbarque", settings.puerto_embarque)
    _sub(info, "puertoDestino", _destination_port(invoice, settings))
    _sub(info, "paisDestino", country)
    _sub(info, "paisAdquisicion", country)
    _buyer(info, invoice, with_address=True)
    _sub(info, "totalSinImpuestos", _amount(invoice.subtotal))
    _sub(info, "incoTermTotalSinImpuestos", incoterm)
    _sub(info, "totalDescuento", "0.00")
    totals = _sub(info, "totalConImpuestos")
    for tax in invoice.taxes:
        t = _sub(totals, "totalImpuesto")
        _sub(t, "codigo", IVA)
        _sub(t, "codigoPorcentaje", IVA_CODES[tax.rate])
        _sub(t, "baseImponible", _amount(tax.base))
        _sub(t, "tarifa", _amount(tax.rate))
        _sub(t, "valor", _amount(tax.amount))
    _sub(info, "propina", "0.00")
    _sub(info, "fleteInternacional", _amount(costs.flete))
    _sub(info, "seguroInternacional", _amount(costs.seguro))
    _sub(info, "gastosAduaneros", _amount(costs.gastos_aduaneros))
    _sub(info, "gastosTransporteOtros", _amount(costs.otros_transporte))
    _sub(info, "importeTotal", _amount(invoice.total))
    _sub(info, "moneda", "DOLAR" if invoice.currency == "USD" else invoice.currency)
    pago = _sub(_sub(info, "pagos"), "pago")
    _sub(pago, "formaPago", settings.forma_pago)
    _sub(pago, "total", _amount(invoice.total))
    if settings.plazo_dias:
        _sub(pago, "plazo", str(settings.plazo_dias))
        _sub(pago, "unidadTiempo", "dias")
    details = _sub(root, "detalles")
    for x in invoice.lines:
        d = _sub(details, "detalle")
        if x.hs_code:
            _sub(d, "codigoPrincipal", x.hs_code[:25])
        _line_body(d, x, invoice.taxes, unit=True)
    _info_adicional(root, invoice_fields(invoice))
    return _bytes(root)


def build_nota_credito(note: CreditNote, settings: SriSettings, key: str) -> bytes:
    """The unsigned ``notaCredito`` 1.1.0 for ``note`` under ``key``, as UTF-8 bytes."""
    invoice = note.invoice
    problems = [p for p in check_rules(invoice, settings) if p.code != "sri_country"]
    if problems:
        raise InputError(problems)
    root = etree.Element("notaCredito", id="comprobante", version=NOTA_CREDITO_VERSION)
    _info_tributaria(root, settings, key, NOTA_CREDITO, note.number)
    info = _sub(root, "infoNotaCredito")
    _sub(info, "fechaEmision", f"{note.date:%d/%m/%Y}")
    if settings.dir_establecimiento:
        _sub(info, "dirEstablecimiento", _text(settings.dir_establecimiento))
    _buyer(info, invoice, with_address=False)
    if settings.contribuyente_especial:
        _sub(info, "contribuyenteEspecial", settings.contribuyente_especial)
    _sub(info, "obligadoContabilidad", "SI" if settings.obligado_contabilidad else "NO")
    _sub(info, "codDocModificado", FACTURA)
    _sub(info, "numDocModificado", invoice.number)
    _sub(info, "fechaEmisionDocSustento", f"{invoice.date:%d/%m/%Y}")
    _sub(info, "totalSinImpuestos", _amount(note.subtotal))
    _sub(info, "valorModificacion", _amount(note.total))
    _sub(info, "moneda", "DOLAR" if invoice.currency == "USD" else invoice.currency)
    totals = _sub(info, "totalConImpuestos")
    for tax in note.taxes:
        t = _sub(totals, "totalImpuesto")
        _sub(t, "codigo", IVA)
        _sub(t, "codigoPorcentaje", IVA_CODES[tax.rate])
        _sub(t, "baseImponible", _amount(tax.base))
        _sub(t, "valor", _amount(tax.amount))
    _sub(info, "motivo", _text(note.reason))
    details = _sub(root, "detalles")
    for x in note.lines:
        d = _sub(details, "detalle")
        if x.hs_code:
            _sub(d, "codigoInterno", x.hs_code[:25])
        _line_body(d, x, invoice.taxes, unit=False)
    _info_adicional(root, [("Factura", invoice.number), *invoice_fields(invoice)[: MAX_CAMPOS - 1]])
    return _bytes(root)


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


def _info_tributaria(root: etree._Element, s: SriSettings, key: str, doc: str, number: str) -> None:
    estab, pto_emi, secuencial = split_number(number)
    info = _sub(root, "infoTributaria")
    _sub(info, "ambiente", s.ambiente_code)
    _sub(info, "tipoEmision", "1")
    _sub(info, "razonSocial", _text(s.razon_social))
    if s.nombre_comercial:
        _sub(info, "nombreComercial", _text(s.nombre_comercial))
    _sub(info, "ruc", s.ruc)
    _sub(info, "claveAcceso", key)
    _sub(info, "codDoc", doc)
    _sub(info, "estab", estab)
    _sub(info, "ptoEmi", pto_emi)
    _sub(info, "secuencial", secuencial)
    _sub(info, "dirMatriz", _text(s.dir_matriz))
    if s.agente_retencion:
        _sub(info, "agenteRetencion", s.agente_retencion)
    if s.contribuyente_rimpe:
        _sub(info, "contribuyenteRimpe", s.contribuyente_rimpe)


def _issuer_fields(info: etree._Element, s: SriSettings) -> None:
    if s.dir_establecimiento:
        _sub(info, "dirEstablecimiento", _text(s.dir_establecimiento))
    if s.contribuyente_especial:
        _sub(info, "contribuyenteEspecial", s.contribuyente_especial)
    _sub(info, "obligadoContabilidad", "SI" if s.obligado_contabilidad else "NO")


def _buyer(info: etree._Element, invoice: Invoice, *, with_address: bool) -> None:
    customer = invoice.customer
    assert customer is not None  # check_rules refused it otherwise
    _sub(info, "tipoIdentificacionComprador", FOREIGN_ID)
    _sub(info, "razonSocialComprador", _text(customer.name or invoice.bill_customer))
    _sub(info, "identificacionComprador", _text(customer.tax_id)[:20])
    address = ", ".join(p for p in (*customer.address, customer.city, customer.country) if p)
    if with_address and address:
        _sub(info, "direccionComprador", _text(address))


def _line_body(d: etree._Element, x: InvoiceLine, taxes: Iterable[TaxAmount], unit: bool) -> None:
    _sub(d, "descripcion", _text(description(x)))
    if unit:
        _sub(d, "unidadMedida", _UNITS.get(x.unit, "TALLOS"))
    _sub(d, "cantidad", _six(Decimal(x.quantity)))
    _sub(d, "precioUnitario", _six(x.unit_price))
    _sub(d, "descuento", "0.00")
    _sub(d, "precioTotalSinImpuesto", _amount(x.amount))
    extra = line_fields(x)
    if extra:
        more = _sub(d, "detallesAdicionales")
        for name, value in extra:
            etree.SubElement(more, "detAdicional", nombre=name, valor=_text(value))
    impuestos = _sub(d, "impuestos")
    for tax in taxes:
        i = _sub(impuestos, "impuesto")
        _sub(i, "codigo", IVA)
        _sub(i, "codigoPorcentaje", IVA_CODES[tax.rate])
        _sub(i, "tarifa", _amount(tax.rate))
        _sub(i, "baseImponible", _amount(x.amount))
        _sub(i, "valor", _amount(money(x.amount * tax.rate / 100)))


def _info_adicional(root: etree._Element, pairs: list[tuple[str, str]]) -> None:
    if not pairs:
        return
    info = _sub(root, "infoAdicional")
    for name, value in pairs[:MAX_CAMPOS]:
        etree.SubElement(info, "campoAdicional", nombre=name).text = _text(value)


def _incoterm(invoice: Invoice, s: SriSettings) -> tuple[str, str]:
    """The Incoterm code (upper case) and its place: 'fob uio' -> FOB, UIO."""
    text = invoice.incoterm.split(",")[0].strip()
    code, _, place = text.partition(" ")
    code = code.upper() or s.incoterm
    place = place.strip() or s.lugar_incoterm or s.puerto_embarque or "ECUADOR"
    return code, _text(place)


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
            return _text(s.port(where))
    return _text((customer.city if customer else "") or invoice.market or "EXTERIOR")


def _text(value: str) -> str:
    """Data text as SRI takes it: one line, no characters XML cannot carry, 300 at most."""
    one_line = " ".join(NOT_XML.sub("", value).split())
    return one_line[:MAX_TEXT] or "-"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _amount(value: Decimal) -> str:
    return f"{money(value):f}"


def _six(value: Decimal) -> str:
    return f"{money(value, 6):f}"


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
