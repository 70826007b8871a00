"""The records the pipeline passes along: orders and their lines, statuses, warnings.

Records are frozen: later stages make new ones (``dataclasses.replace``) instead of changing
them. Money and prices are ``Decimal``; quantities are ``int``. Every record knows where it
came from (file, sheet, row) so any message can point the user at the cell to fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def order_key(order_no: str) -> str:
    """An order number as people and spreadsheets mangle it: trimmed, case-insensitive, spaces
    collapsed, and the leading zeros Excel drops (``000123`` and ``123``, ``PO-000123`` and
    ``po-123`` share a key). The one place where two order numbers are judged to look alike;
    the exact text stays the order's identity, the key only holds look-alikes back."""
    text = " ".join(unicodedata.normalize("NFKC", str(order_no)).split()).casefold()
    return _LEADING_ZEROS.sub("", text)


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def money(value: Decimal, places: int = 2) -> Decimal:
    """Round half-up to the currency's cents (2 places unless told)."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


class Status(StrEnum):
    """Order status, in the order of the source screen's colours."""

    INVOICED = "INVOICED"
    PACKED = "PACKED"
    PARTIAL = "PARTIAL"
    NOT_PACKED = "NOT PACKED"


# Real cell fills of the selection sheet, by status.
STATUS_FILLS = {
    Status.INVOICED: "BFBFBF",
    Status.NOT_PACKED: "FFFFFF",
    Status.PARTIAL: "FFEB9C",
    Status.PACKED: "C6EFCE",
}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record was read: file name, sheet (None for csv) and 1-based row."""

    file: str
    sheet: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: a number of boxes of one product at one price."""

    order_no: str
    line_no: int  # 1-based position within the order, in export order
    species: str = ""
    variety: str = ""
    length: str = ""  # length or grade as exported: "60", "60 cm", "Select"
    box_type: str = ""  # FB, HB, QB, EB ...
    boxes: int = 0
    packed_boxes: int = 0
    confirmed_boxes: int | None = None  # None: the export has no such column
    bunches: int = 0
    stems_per_bunch: int = 0
    stems: int = 0
    unit: str = "stem"  # what unit_price is per: "stem", "bunch", or "unit", "kg" ... with qty
    unit_price: Decimal | None = None
    min_price: Decimal | None = None
    amount: Decimal | None = None  # as exported; the invoice recomputes it
    currency: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # unknown columns, header -> text
    qty: Decimal | None = None  # the exported quantity, when the export counts in its own unit
    source: Source | None = field(default=None, compare=False)

    @property
    def quantity(self) -> int | Decimal:
        """How many units the price applies to."""
        return priced_quantity(self.qty, self.unit, self.bunches, self.stems)

    @property
    def computed_amount(self) -> Decimal:
        """Quantity x unit price, rounded half-up to cents (0 without a price)."""
        return money(Decimal(self.quantity) * (self.unit_price or Decimal(0)))

    def fulls(self, factors: dict[str, Decimal]) -> Decimal:
        """Full-box equivalents of the line's boxes (FB 1, HB 0.5, QB 0.25, EB 0.125 by default;
        an unknown box type counts 0)."""
        return Decimal(self.boxes) * factors.get(self.box_type.strip().upper(), Decimal(0))


def priced_quantity(qty: Decimal | None, unit: str, bunches: int, stems: int) -> int | Decimal:
    """How many units a line's price applies to: the exported quantity when the export counts in
    its own unit, else its bunches (priced per bunch) or its stems."""
    if qty is not None:
        return qty
    return bunches if unit == "bunch" else stems


def status_of(invoice_no: str, boxes: int, packed_boxes: int, delivered: str = "") -> Status:
    """An order's status from its invoice number and its boxes (packed ones capped per line);
    without boxes, from the delivered state the ERP exports ('delivered', 'partly delivered')."""
    if invoice_no:
        return Status.INVOICED
    if boxes <= 0 and delivered:
        return (
            Status.PACKED if delivered == "delivered"
            else Status.PARTIAL if delivered == "partly delivered" else Status.NOT_PACKED
        )  # fmt: skip
    if boxes > 0 and packed_boxes >= boxes:
        return Status.PACKED
    if packed_boxes > 0:
        return Status.PARTIAL
    return Status.NOT_PACKED


@dataclass(frozen=True, slots=True)
class Order:
    """A purchase order: its header fields and its lines."""

    order_no: str
    bill_customer: str
    lines: tuple[Line, ...]
    customer_po: str = ""
    order_date: dt.date | None = None
    ship_date: dt.date | None = None
    flight_date: dt.date | None = None
    ship_customer: str = ""
    sales_rep: str = ""
    cargo_agency: str = ""
    market: str = ""
    incoterm: str = ""
    awb: str = ""
    hawb: str = ""
    dae: str = ""
    currency: str = ""
    invoice_no: str = ""  # non-empty: already invoiced (by the export or by our registry)
    erp_status: str = ""  # what the ERP's status columns say: "invoiced", "partly invoiced"
    delivered: str = ""  # ... "delivered", "partly delivered", "not delivered"; "" unknown
    source: Source | None = field(default=None, compare=False)

    @property
    def boxes(self) -> int:
        return sum(line.boxes for line in self.lines)

    @property
    def packed_boxes(self) -> int:
        return sum(min(line.packed_boxes, line.boxes) for line in self.lines)

    @property
    def bunches(self) -> int:
        return sum(line.bunches for line in self.lines)

    @property
    def stems(self) -> int:
        return sum(line.stems for line in self.lines)

    @property
    def amount(self) -> Decimal:
        """Sum of the lines' rounded amounts."""
        return sum((line.computed_amount for line in self.lines), Decimal(0))

    @property
    def currencies(self) -> tuple[str, ...]:
        seen = dict.fromkeys(line.currency or self.currency for line in self.lines)
        return tuple(c for c in seen if c)

    @property
    def status(self) -> Status:
        return status_of(self.invoice_no, self.boxes, self.packed_boxes, self.delivered)

    @property
    def invoiceable(self) -> bool:
        return self.status is not Status.INVOICED

    def fulls(self, factors: dict[str, Decimal]) -> Decimal:
        """Full-box equivalents (FB 1, HB 0.5, QB 0.25, EB 0.125 by default)."""
        return sum((line.fulls(factors) for line in self.lines), Decimal(0))

    def fingerprint(self) -> str:
        """A short hash of what would be invoiced: detects edits and changed exports."""
        h = hashlib.sha256()
        for value in (self.order_no, self.bill_customer, self.ship_customer, self.currency):
            h.update(value.encode() + b"\x1f")
        for line in self.lines:
            row = (
                line.line_no, line.species, line.variety, line.length, line.box_type,
                line.boxes, line.packed_boxes, line.bunches, line.stems_per_bunch, line.stems,
                line.unit, line.unit_price, line.currency,
            )  # fmt: skip
            if line.qty is not None:
                row = (*row, line.qty)
            h.update(repr(row).encode() + b"\x1e")
        return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class OrderWarning:
    """Something the source ERP lets through and we show: an order may still be invoiced."""

    code: str
    order_no: str
    message: str
    line_no: int | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    """A bill customer's details from the customer directory (what exports rarely carry)."""

    name: str
    code: str = ""
    tax_id: str = ""
    address: tuple[str, ...] = ()
    city: str = ""
    country: str = ""
    email: str = ""
    language: str = ""  # "en" / "es"; empty = the config's language
    payment_terms: str = ""
    einvoice: bool = False


@dataclass(frozen=True, slots=True)
class Filters:
    """What `select` keeps; empty tuples mean no restriction."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    date_field: str = "ship"  # ship | order | flight
    reps: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    cargo_agencies: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    status: str = "all"  # all | invoiced | non-invoiced

    def describe(self) -> list[tuple[str, str]]:
        """The filters as (label, value) pairs, for the workbook's header and the report."""
        rows: list[tuple[str, str]] = []
        if self.date_from or self.date_to:
            span = f"{self.date_from or '…'} to {self.date_to or '…'}"
            rows.append((f"{self.date_field} date", span))
        for label, values in (
            ("sales rep", self.reps),
            ("client", self.clients),
            ("cargo agency", self.cargo_agencies),
            ("market", self.markets),
        ):
            if values:
                rows.append((label, ", ".join(values)))
        if self.status != "all":
            rows.append(("status", self.status))
        return rows
