"""The RIDE: the printed representation of an authorised comprobante (PDF, WeasyPrint).

It is drawn from the signed XML the SRI authorised, as stored, so that it says exactly what the
SRI holds: the issuer's block (R.U.C., document number, authorisation number and time,
ambiente, emisión, the clave de acceso with its Code 128 barcode), razón social, addresses,
contribuyente especial, obligado a llevar contabilidad, the buyer, the lines, the subtotals per
IVA rate, IVA, total, the form of payment, the additional information and, for an export, the
Incoterm, ports, countries, DAE and AWB. A document that is not authorised has no RIDE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from lxml import etree
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from massinvoice.collector import collector_paused
from massinvoice.invoice.einvoice.sri import barcode
from massinvoice.invoice.einvoice.sri.client import AUTHORISED
from massinvoice.invoice.einvoice.sri.comprobante import IVA_CODES
from massinvoice.invoice.einvoice.sri.state import SriDocument
from massinvoice.invoice.render import FONTS, RestrictedFetcher
from massinvoice.problems import MassInvoiceError

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAYMENT_FORMS = {
    "01": "SIN UTILIZACIÓN DEL SISTEMA FINANCIERO",
    "15": "COMPENSACIÓN DE DEUDAS",
    "16": "TARJETA DE DÉBITO",
    "17": "DINERO ELECTRÓNICO",
    "18": "TARJETA PREPAGO",
    "19": "TARJETA DE CRÉDITO",
    "20": "OTROS CON UTILIZACIÓN DEL SISTEMA FINANCIERO",
    "21": "ENDOSO DE TÍTULOS",
}
_RATES = {code: rate for rate, code in IVA_CODES.items()}
_EXPORT = (
    ("INCOTERM", "incoTermFactura"), ("LUGAR INCOTERM", "lugarIncoTerm"),
    ("PUERTO DE EMBARQUE", "puertoEmbarque"), ("PUERTO DE DESTINO", "puertoDestino"),
    ("PAÍS DE ORIGEN", "paisOrigen"), ("PAÍS DE DESTINO", "paisDestino"),
    ("PAÍS DE ADQUISICIÓN", "paisAdquisicion"),
)  # fmt: skip
_COSTS = (
    ("FLETE INTERNACIONAL", "fleteInternacional"), ("SEGURO INTERNACIONAL", "seguroInternacional"),
    ("GASTOS ADUANEROS", "gastosAduaneros"), ("OTROS GASTOS DE TRANSPORTE", "gastosTransporteOtros"),
)  # fmt: skip


class NotAuthorised(MassInvoiceError):
    """A RIDE was asked for a document the SRI has not authorised."""


def ride_context(doc: SriDocument) -> dict[str, Any]:
    """What the RIDE template shows, read from the authorised XML."""
    if doc.state != AUTHORISED or not doc.xml:
        raise NotAuthorised(f"{doc.kind} {doc.number} is {doc.state}, not authorised by the SRI: "
                            "a RIDE is valid only after AUTORIZADO")  # fmt: skip
    root = etree.fromstring(doc.xml)
    factura = root.tag == "factura"
    tax = root.find("infoTributaria")
    info = root.find("infoFactura" if factura else "infoNotaCredito")
    assert tax is not None and info is not None

    def t(el: Any, path: str) -> str:
        return (el.findtext(path) or "").strip()

    subtotals: dict[str, Decimal] = {}
    iva = Decimal(0)
    for total in info.iterfind("totalConImpuestos/totalImpuesto"):
        rate = _RATES.get(t(total, "codigoPorcentaje"), Decimal(0))
        subtotals[f"SUBTOTAL {rate:f}%"] = Decimal(t(total, "baseImponible"))
        iva += Decimal(t(total, "valor"))
    lines = [{
        "code": t(d, "codigoPrincipal") or t(d, "codigoInterno"),
        "quantity": _trim(t(d, "cantidad")), "description": t(d, "descripcion"),
        "detail": "; ".join(f"{a.get('nombre')}: {a.get('valor')}"
                            for a in d.iterfind("detallesAdicionales/detAdicional")),
        "price": _trim(t(d, "precioUnitario"), 2), "discount": t(d, "descuento") or "0.00",
        "total": t(d, "precioTotalSinImpuesto"),
    } for d in root.iterfind("detalles/detalle")]  # fmt: skip
    payments = [{
        "form": f"{t(p, 'formaPago')} - {PAYMENT_FORMS.get(t(p, 'formaPago'), '')}",
        "total": t(p, "total"),
        "term": f"{t(p, 'plazo')} {t(p, 'unidadTiempo')}".strip(),
    } for p in info.iterfind("pagos/pago")]  # fmt: skip
    extra = [
        (c.get("nombre", ""), c.text or "") for c in root.iterfind("infoAdicional/campoAdicional")
    ]
    return {
        "title": "FACTURA" if factura else "NOTA DE CRÉDITO",
        "ruc": t(tax, "ruc"),
        "number": f"{t(tax, 'estab')}-{t(tax, 'ptoEmi')}-{t(tax, 'secuencial')}",
        "authorization": doc.authorization or doc.clave,
        "authorized_at": _when(doc.authorized_at),
        "ambiente": "PRODUCCIÓN" if t(tax, "ambiente") == "2" else "PRUEBAS",
        "emision": "NORMAL",
        "clave": t(tax, "claveAcceso"),
        "barcode": Markup(barcode.svg(t(tax, "claveAcceso"), module=0.75, height=34)),
        "razon_social": t(tax, "razonSocial"), "nombre_comercial": t(tax, "nombreComercial"),
        "dir_matriz": t(tax, "dirMatriz"), "dir_establecimiento": t(info, "dirEstablecimiento"),
        "contribuyente_especial": t(info, "contribuyenteEspecial"),
        "obligado": t(info, "obligadoContabilidad") or "NO",
        "buyer": t(info, "razonSocialComprador"), "buyer_id": t(info, "identificacionComprador"),
        "buyer_address": t(info, "direccionComprador"), "date": t(info, "fechaEmision"),
        "modified": (t(info, "numDocModificado"), t(info, "fechaEmisionDocSustento"),
                     t(info, "motivo")) if not factura else None,
        "export": [(label, t(info, tag)) for label, tag in _EXPORT if t(info, tag)],
        "costs": [(label, t(info, tag)) for label, tag in _COSTS if t(info, tag)],
        "lines": lines, "subtotals": sorted(subtotals.items()),
        "subtotal": t(info, "totalSinImpuestos"), "discount": t(info, "totalDescuento") or "0.00",
        "iva": f"{iva:.2f}",
        "total": t(info, "importeTotal") or t(info, "valorModificacion"),
        "currency": t(info, "moneda"), "payments": payments, "extra": extra,
        "dae": dict(extra).get("DAE", ""), "awb": dict(extra).get("AWB", ""),
    }  # fmt: skip


class RideRenderer:
    """Renders RIDEs; the template, stylesheet and fonts are loaded once and reused (about four
    times faster per document than loading them for each)."""

    def __init__(self) -> None:
        env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                          autoescape=select_autoescape(["html"]))  # fmt: skip
        self.template = env.get_template("ride.html")
        self.fetcher = RestrictedFetcher([TEMPLATES, FONTS])
        self.font_config = FontConfiguration()
        self.css = CSS(filename=str(TEMPLATES / "ride.css"), base_url=FONTS.as_uri() + "/",
                       url_fetcher=self.fetcher, font_config=self.font_config)  # fmt: skip

    def pdf(self, doc: SriDocument) -> bytes:
        """The RIDE PDF of an authorised document (NotAuthorised for any other)."""
        html = self.template.render(**ride_context(doc))
        document = HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=self.fetcher)
        with collector_paused(collect=1):  # the document's cycles, once it is written
            return document.write_pdf(stylesheets=[self.css], font_config=self.font_config,
                                      pdf_identifier=doc.clave.encode())  # fmt: skip


def render_ride(doc: SriDocument) -> bytes:
    """The RIDE PDF of one authorised document (for many, keep one :class:`RideRenderer`)."""
    return RideRenderer().pdf(doc)


def authorised_xml(doc: SriDocument) -> bytes:
    """The authorised comprobante as the SRI hands it out (for the buyer, with the RIDE)."""
    if doc.state != AUTHORISED or not doc.xml:
        raise NotAuthorised(f"{doc.number} is not authorised by the SRI")
    root = etree.Element("autorizacion")
    etree.SubElement(root, "estado").text = "AUTORIZADO"
    etree.SubElement(root, "numeroAutorizacion").text = doc.authorization or doc.clave
    etree.SubElement(root, "fechaAutorizacion").text = doc.authorized_at
    etree.SubElement(root, "ambiente").text = "PRODUCCIÓN" if doc.ambiente == "2" else "PRUEBAS"
    etree.SubElement(root, "comprobante").text = etree.CDATA(doc.xml.decode("utf-8"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _when(text: str) -> str:
    try:
        return f"{dt.datetime.fromisoformat(text):%d/%m/%Y %H:%M:%S}"
    except ValueError:
        return text


def _trim(value: str, keep: int = 0) -> str:
    """A 6-decimal figure with the decimals it needs (at least ``keep``)."""
    if not value:
        return value
    number = Decimal(value).normalize()
    places = max(keep, -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0)
    return f"{Decimal(value):.{places}f}"
