"""SRI's ``notaCredito`` 1.1.0: a credit note correcting lines of an authorised factura.

It names the invoice it corrects (``codDocModificado`` 01, its number and date), says why
(``motivo``) and gives back whole lines at their invoiced price, with the invoice's IVA; its
total never exceeds what is left of the invoice (checked where it is numbered, ``state``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from massinvoice.invoice.document import Invoice, InvoiceLine, TaxAmount
from massinvoice.invoice.einvoice.sri.clave import FACTURA, NOTA_CREDITO
from massinvoice.invoice.einvoice.sri.comprobante import (
    MAX_CAMPOS,
    amount,
    buyer,
    check_rules,
    clean,
    info_adicional,
    info_tributaria,
    invoice_fields,
    line_body,
    sub,
    tax_totals,
    to_bytes,
)
from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.model import money
from massinvoice.problems import Code, InputError, Problem

NOTA_CREDITO_VERSION = "1.1.0"


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
                Code.SRI_REASON,
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
                    Code.SRI_LINES,
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


def build_nota_credito(note: CreditNote, settings: SriSettings, key: str) -> bytes:
    """The unsigned ``notaCredito`` 1.1.0 for ``note`` under ``key``, as UTF-8 bytes."""
    invoice = note.invoice
    problems = [p for p in check_rules(invoice, settings) if p.code != "sri_country"]
    if problems:
        raise InputError(problems)
    root = etree.Element("notaCredito", id="comprobante", version=NOTA_CREDITO_VERSION)
    info_tributaria(root, settings, key, NOTA_CREDITO, note.number)
    info = sub(root, "infoNotaCredito")
    sub(info, "fechaEmision", f"{note.date:%d/%m/%Y}")
    if settings.dir_establecimiento:
        sub(info, "dirEstablecimiento", clean(settings.dir_establecimiento))
    buyer(info, invoice, with_address=False)
    if settings.contribuyente_especial:
        sub(info, "contribuyenteEspecial", settings.contribuyente_especial)
    sub(info, "obligadoContabilidad", "SI" if settings.obligado_contabilidad else "NO")
    sub(info, "codDocModificado", FACTURA)
    sub(info, "numDocModificado", invoice.number)
    sub(info, "fechaEmisionDocSustento", f"{invoice.date:%d/%m/%Y}")
    sub(info, "totalSinImpuestos", amount(note.subtotal))
    sub(info, "valorModificacion", amount(note.total))
    sub(info, "moneda", "DOLAR" if invoice.currency == "USD" else invoice.currency)
    tax_totals(info, note.taxes, with_rate=False)
    sub(info, "motivo", clean(note.reason))
    details = sub(root, "detalles")
    for x in note.lines:
        d = sub(details, "detalle")
        if x.hs_code:
            sub(d, "codigoInterno", x.hs_code[:25])
        line_body(d, x, invoice.taxes, unit=False)
    info_adicional(root, [("Factura", invoice.number), *invoice_fields(invoice)[: MAX_CAMPOS - 1]])
    return to_bytes(root)
