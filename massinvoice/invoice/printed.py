"""How the invoice prints what is not a plain label: prices with the decimals their line's math
needs, figures shrunk to fit their column, payment terms and the default tax line in the
invoice's language, countries by name."""

from __future__ import annotations

import re
from decimal import Decimal

from massinvoice.invoice.document import InvoiceLine
from massinvoice.model import money

Labels = dict[str, str]


def decimals(value: Decimal, low: int, high: int) -> int:
    """How many decimals ``value`` needs, kept between ``low`` and ``high``."""
    exponent = value.normalize().as_tuple().exponent
    return min(high, max(low, -exponent if isinstance(exponent, int) else 0))


def price_places(line: InvoiceLine) -> int:
    """The decimals a line's unit price is printed with: its own (2 to 6), more when fewer
    would make the printed quantity x printed price differ from the printed amount."""
    places, full = decimals(line.unit_price, 2, 6), decimals(line.unit_price, 2, 28)
    while places < full and money(line.quantity * money(line.unit_price, places)) != line.amount:
        places += 1
    return places


# Widths of DejaVu Sans glyphs in em (digits and figure space, then narrow punctuation), for
# fitting a long figure into its fixed-width column by shrinking it rather than overflowing.
_NARROW = set(",.  \u202f'")
CONTENT_MM = 186.0  # A4 less the margins (Letter is wider): the narrower page decides
PT_MM = 25.4 / 72


def fit(text: str, width_mm: float, size_pt: float, bold: bool = False) -> str:
    """An inline style that shrinks ``text`` to fit ``width_mm`` at most ``size_pt``; '' if
    it fits already."""
    em = sum(0.318 if ch in _NARROW else 0.636 for ch in text) * (1.1 if bold else 1.0)
    needed = em * size_pt * PT_MM
    if needed <= width_mm:
        return ""
    return f"font-size: {max(3.5, int(size_pt * width_mm / needed * 10) / 10):.1f}pt"


_NET = re.compile(r"^\s*net\s*(\d{1,3})(?:\s*days?)?\s*$", re.IGNORECASE)
_PREPAID = {"prepaid", "cash in advance", "cia", "prepayment"}
_ON_RECEIPT = {"due on receipt", "on receipt", "cash on receipt"}
DEFAULT_TAX = "VAT 0% (export)"  # the config's default tax line


def payment_terms(text: str, labels: Labels) -> str:
    """Common English payment terms in the invoice's language ('Net 30' -> 'Neto 30 días');
    anything else as the config or directory writes it."""
    if m := _NET.match(text):
        return labels["terms_net"].format(days=m[1])
    folded = text.strip().casefold()
    if folded in _PREPAID:
        return labels["terms_prepaid"]
    if folded in _ON_RECEIPT:
        return labels["terms_on_receipt"]
    return text


def tax_name(name: str, labels: Labels) -> str:
    """The default tax line in the invoice's language; a configured name as written."""
    return labels["tax_export"] if name == DEFAULT_TAX else name


def country_name(code: str, language: str) -> str:
    """'US' -> 'United States' / 'Estados Unidos'; a name is kept as written."""
    from babel import Locale

    text = code.strip()
    if len(text) == 2 and text.isalpha():
        return Locale.parse(language).territories.get(text.upper(), text)
    return text
