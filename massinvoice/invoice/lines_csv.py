"""invoices.csv: every line of a run's invoices, for an importer's system or a spreadsheet.

One row per invoice line, in invoice order. The layout is documented in
``docs/invoices-csv.md`` and is stable: columns are only ever added at the end.

* UTF-8 with a byte-order mark, so Excel shows accents right; comma-separated; CRLF line ends;
  fields quoted when they hold a comma, a quote or a line break (RFC 4180).
* Numbers with a ``.`` decimal point and no thousands separator (``1234.50``); amounts to the
  cent, unit prices with their own precision (``0.275``); dates ISO (``2026-11-20``).
* Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
  tab or a line break) is written with a leading ``'``; number columns never are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from massinvoice.files import atomic_write_text
from massinvoice.invoice.document import Invoice, InvoiceLine
from massinvoice.text import FORMULA_PREFIXES

FILENAME = "invoices.csv"
BOM = "\ufeff"
COLUMNS = (
    "Invoice #", "Invoice Date", "Customer", "Ship Customer", "Order #", "Line",
    "Species", "Variety", "Length", "HS Code", "Box Type", "Boxes", "Bunches",
    "Stems/Bunch", "Stems", "Unit", "Unit Price", "Amount", "Currency",
)  # fmt: skip


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading ``'`` on what would start a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def decimal_text(value: Decimal) -> str:
    """A number as plain text with a '.' decimal point and never an exponent."""
    return f"{value:f}"


def line_row(invoice: Invoice, line: InvoiceLine) -> list[str]:
    """The CSV fields of one invoice line, in :data:`COLUMNS` order."""
    texts = (
        invoice.number, invoice.bill_customer, invoice.ship_customer, line.order_no,
        line.species, line.variety, line.length, line.hs_code, line.box_type,
    )  # fmt: skip
    (number, customer, ship, order_no, species, variety, length, hs, box) = map(safe_text, texts)
    return [
        number, invoice.date.isoformat(), customer, ship, order_no, str(line.line_no),
        species, variety, length, hs, box, str(line.boxes), str(line.bunches),
        str(line.stems_per_bunch), str(line.stems), line.unit, decimal_text(line.unit_price),
        decimal_text(line.amount), safe_text(line.currency or invoice.currency),
    ]  # fmt: skip


def invoices_csv_text(invoices: Iterable[Invoice]) -> str:
    """The whole file as text, byte-order mark included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for invoice in invoices:
        for line in invoice.lines:
            writer.writerow(line_row(invoice, line))
    return BOM + buffer.getvalue()


def write_invoices_csv(outdir: Path, invoices: Iterable[Invoice]) -> Path:
    """Write ``invoices.csv`` into ``outdir`` atomically; return its path."""
    path = Path(outdir) / FILENAME
    atomic_write_text(path, invoices_csv_text(invoices))
    return path
