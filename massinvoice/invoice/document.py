"""The invoice record: what one invoice says, built from one or more orders. Pure, no I/O.

An :class:`Invoice` holds every figure the document prints, already computed and rounded, so
the renderer only formats and the registry can store it (``to_dict``) and re-render the same
invoice after a crash (``from_dict``) without recomputing anything.

Money rules (to the cent, ``Decimal`` only): a line's amount is quantity x unit price rounded
half-up to cents (quantity = stems or bunches, by the line's unit); the subtotal is the sum of
the rounded line amounts; each tax is its rate percent of the subtotal, rounded half-up; the
total is the subtotal plus the rounded taxes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from massinvoice.config import Config
from massinvoice.invoice.shipping import farm_of, shipping_facts
from massinvoice.model import Customer, Line, Order, money, priced_quantity
from massinvoice.problems import ROW, Code, InputError, Problem

LANGUAGES = ("en", "es")
PARTIAL_MODES = ("ordered", "packed", "skip")  # 'skip' reaches us only for whole orders
FORMAT_VERSION = 1  # of to_dict(); stored in the registry's payloads


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One invoiced line: a number of boxes of one product at one price."""

    order_no: str
    line_no: int
    boxes: int
    box_type: str
    fulls: Decimal
    species: str
    variety: str
    length: str
    hs_code: str
    bunches: int
    stems_per_bunch: int
    stems: int
    unit: str  # what unit_price is per: "stem", "bunch", or "unit", "kg" ... with qty
    unit_price: Decimal
    amount: Decimal  # quantity x unit_price, rounded half-up to cents
    currency: str
    farm: str = ""  # the farm that grew it, when the export says
    qty: Decimal | None = None  # the exported quantity, when the export counts in its own unit

    @property
    def quantity(self) -> int | Decimal:
        """How many units the price applies to."""
        return priced_quantity(self.qty, self.unit, self.bunches, self.stems)

    @property
    def product(self) -> str:
        return " ".join(p for p in (self.species, self.variety) if p)


@dataclass(frozen=True, slots=True)
class TaxAmount:
    """One tax line: its rate in percent of the base, and the rounded amount."""

    name: str
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Invoice:
    """Everything one invoice document says, computed and rounded."""

    number: str
    date: dt.date
    series: str
    currency: str
    language: str  # "en" | "es"
    bill_customer: str
    ship_customer: str
    customer: Customer | None
    order_nos: tuple[str, ...]
    customer_pos: tuple[str, ...]
    sales_reps: tuple[str, ...]
    incoterm: str
    payment_terms: str
    cargo_agency: str
    awb: str
    hawb: str
    dae: str
    flight_date: dt.date | None
    lines: tuple[InvoiceLine, ...]
    boxes_by_type: tuple[tuple[str, int], ...]  # ("HB", 12), ("QB", 4): larger boxes first
    boxes: int
    fulls: Decimal
    bunches: int
    stems: int
    subtotal: Decimal
    taxes: tuple[TaxAmount, ...]
    total: Decimal
    draft: bool = False
    partial: str = "ordered"  # how partially packed orders were invoiced
    remaining: tuple[InvoiceLine, ...] = ()  # not yet packed, left to invoice (partial='packed')
    market: str = ""
    # export-invoice fields the export carries: (field, value), see invoice/shipping.py
    shipping: tuple[tuple[str, str], ...] = ()

    @property
    def tax_total(self) -> Decimal:
        return sum((t.amount for t in self.taxes), Decimal(0))

    @property
    def remaining_amount(self) -> Decimal:
        return sum((r.amount for r in self.remaining), Decimal(0))

    def with_number(self, number: str) -> Invoice:
        """The same invoice under another number (the registry gives numbers after composing)."""
        return replace(self, number=number)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: Decimals as strings, dates as ISO text, tuples as lists."""
        d = {f.name: _encode(getattr(self, f.name)) for f in fields(self)}
        d["format"] = FORMAT_VERSION
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Invoice:
        """The invoice that ``to_dict`` gave ``d`` for (exact round trip through JSON)."""
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        kw.update(
            date=dt.date.fromisoformat(d["date"]),
            flight_date=dt.date.fromisoformat(d["flight_date"]) if d.get("flight_date") else None,
            customer=_customer_from_dict(d["customer"]) if d.get("customer") else None,
            order_nos=tuple(d["order_nos"]),
            customer_pos=tuple(d["customer_pos"]),
            sales_reps=tuple(d["sales_reps"]),
            lines=tuple(_line_from_dict(x) for x in d["lines"]),
            remaining=tuple(_line_from_dict(x) for x in d.get("remaining", ())),
            shipping=tuple((str(k), str(v)) for k, v in d.get("shipping", ())),
            boxes_by_type=tuple((str(t), int(n)) for t, n in d["boxes_by_type"]),
            fulls=Decimal(d["fulls"]),
            subtotal=Decimal(d["subtotal"]),
            total=Decimal(d["total"]),
            taxes=tuple(
                TaxAmount(t["name"], Decimal(t["rate"]), Decimal(t["base"]), Decimal(t["amount"]))
                for t in d["taxes"]
            ),
        )
        return cls(**kw)


def compose_invoice(
    orders: Sequence[Order],
    *,
    config: Config,
    number: str = "",
    date: dt.date,
    customer: Customer | None = None,
    partial: str = "ordered",
    draft: bool = False,
) -> Invoice:
    """Build the invoice for one order, or for several of one bill customer and currency.

    ``partial='ordered'`` invoices every box as ordered; ``'packed'`` invoices each line for its
    packed boxes only (bunches and stems in proportion, per box), drops lines with nothing
    packed and lists what is left in ``remaining``. ``'skip'`` is decided by the caller for
    whole orders; the orders it lets through are invoiced as ordered.

    Raises :class:`InputError` when the orders cannot make one invoice (mixed bill customers or
    currencies) or a packed part cannot be split evenly per box; every problem is reported.
    """
    if not orders:
        raise ValueError("an invoice needs at least one order")
    if partial not in PARTIAL_MODES:
        raise ValueError(f"partial must be one of {', '.join(PARTIAL_MODES)}, not {partial!r}")
    problems: list[Problem] = []
    currency = _one_currency_and_customer(orders, config, problems)
    lines, remaining = _lines(orders, currency, config, partial, problems)
    if problems:
        raise InputError(problems)

    subtotal = money(sum((x.amount for x in lines), Decimal(0)))  # 0.00 without lines
    taxes = tuple(
        TaxAmount(t.name, t.rate, subtotal, money(subtotal * t.rate / Decimal(100)))
        for t in config.taxes
    )
    language = customer.language if customer and customer.language in LANGUAGES else ""
    first = orders[0]
    return Invoice(
        number=number,
        date=date,
        series=config.series.name,
        currency=currency,
        language=language or (config.language if config.language in LANGUAGES else "en"),
        bill_customer=first.bill_customer,
        ship_customer=", ".join(_unique(o.ship_customer for o in orders)),
        customer=customer,
        order_nos=tuple(o.order_no for o in orders),
        customer_pos=_unique(o.customer_po for o in orders),
        sales_reps=_unique(o.sales_rep for o in orders),
        incoterm=", ".join(_unique(o.incoterm for o in orders)),
        payment_terms=(customer.payment_terms if customer else "") or config.payment_terms,
        cargo_agency=", ".join(_unique(o.cargo_agency for o in orders)),
        awb=", ".join(_unique(o.awb for o in orders)),
        hawb=", ".join(_unique(o.hawb for o in orders)),
        dae=", ".join(_unique(o.dae for o in orders)),
        flight_date=min((o.flight_date for o in orders if o.flight_date), default=None),
        lines=tuple(lines),
        boxes_by_type=_boxes_by_type(lines, config.fulls),
        boxes=sum(x.boxes for x in lines),
        fulls=sum((x.fulls for x in lines), Decimal(0)),
        bunches=sum(x.bunches for x in lines),
        stems=sum(x.stems for x in lines),
        subtotal=subtotal,
        taxes=taxes,
        total=subtotal + sum((t.amount for t in taxes), Decimal(0)),
        draft=draft,
        partial="packed" if partial == "packed" else "ordered",
        remaining=tuple(remaining),
        market=", ".join(_unique(o.market for o in orders)),
        shipping=shipping_facts(orders),
    )


def _one_currency_and_customer(
    orders: Sequence[Order], config: Config, problems: list[Problem]
) -> str:
    """The invoice's currency; a problem when the orders mix currencies or bill customers."""
    first = orders[0]
    # a line without a currency takes its order's, then the invoice's (config's as last resort)
    currencies = _unique(
        line.currency or order.currency for order in orders for line in order.lines
    )
    if len(currencies) > 1:
        problems.append(_problem(first, Code.MIXED_CURRENCY,
            f"orders {', '.join(o.order_no for o in orders)} mix currencies "
            f"({', '.join(currencies)}); one invoice has one currency",
            "invoice them apart, or correct the currency in the Lines sheet"))  # fmt: skip
    bills = _unique(o.bill_customer for o in orders)
    if len(bills) > 1:
        problems.append(_problem(first, Code.MIXED_CUSTOMERS,
            f"orders {', '.join(o.order_no for o in orders)} have different bill customers "
            f"({', '.join(bills)})", "group orders by bill customer"))  # fmt: skip
    return currencies[0] if currencies else config.currency


def _lines(
    orders: Sequence[Order], currency: str, config: Config, partial: str, problems: list[Problem]
) -> tuple[list[InvoiceLine], list[InvoiceLine]]:
    """The lines to invoice and, with ``partial='packed'``, what is left for later."""
    lines: list[InvoiceLine] = []
    remaining: list[InvoiceLine] = []
    for order in orders:
        for line in order.lines:
            packed = min(max(line.packed_boxes, 0), line.boxes)
            if partial != "packed" or packed == line.boxes:
                lines.append(_invoice_line(line, currency, config))
                continue
            if packed == 0:
                remaining.append(_invoice_line(line, currency, config))
                continue
            split = _split(line, packed, order, problems)
            if split is None:
                continue
            done, left = split
            lines.append(_invoice_line(done, currency, config))
            remaining.append(_invoice_line(left, currency, config))
    return lines, remaining


def _invoice_line(line: Line, currency: str, config: Config) -> InvoiceLine:
    box_type = line.box_type.strip().upper()
    return InvoiceLine(
        order_no=line.order_no,
        line_no=line.line_no,
        boxes=line.boxes,
        box_type=box_type,
        fulls=line.fulls(config.fulls),
        species=line.species,
        variety=line.variety,
        length=line.length,
        hs_code=config.hs_code(line.species),
        bunches=line.bunches,
        stems_per_bunch=line.stems_per_bunch,
        stems=line.stems,
        unit=line.unit if line.qty is not None else "bunch" if line.unit == "bunch" else "stem",
        unit_price=line.unit_price if line.unit_price is not None else Decimal(0),
        amount=line.computed_amount,
        currency=currency,
        farm=farm_of(line),
        qty=None if line.qty is None else Decimal(line.qty),
    )


def _split(
    line: Line, packed: int, order: Order, problems: list[Problem]
) -> tuple[Line, Line] | None:
    """The packed and the unpacked part of a line, or None (and a problem) if boxes are uneven.

    Bunches and stems are split per box: a box holds bunches/boxes bunches, which must be whole,
    so that what is invoiced now plus what remains is exactly what was ordered.
    """
    bunches_per_box, bunch_rest = divmod(line.bunches, line.boxes)
    stems_per_box, stem_rest = divmod(line.stems, line.boxes)
    if bunch_rest or stem_rest:
        row = line.source.row if line.source else None
        problems.append(Problem(
            Code.UNEVEN_BOXES,
            f"order {order.order_no} line {line.line_no}: {line.bunches} bunches / {line.stems} "
            f"stems do not split evenly over {line.boxes} boxes, so its {packed} packed boxes "
            "cannot be invoiced alone",
            line.source.file if line.source else "", line.source.sheet if line.source else None,
            row, "Bunches", "correct the line's quantities, or invoice with --partial ordered",
            level=ROW,
        ))  # fmt: skip
        return None
    unpacked = line.boxes - packed
    done = replace(
        line, boxes=packed, packed_boxes=packed,
        bunches=bunches_per_box * packed, stems=stems_per_box * packed,
    )  # fmt: skip
    left = replace(
        line, boxes=unpacked, packed_boxes=0,
        bunches=bunches_per_box * unpacked, stems=stems_per_box * unpacked,
    )  # fmt: skip
    return done, left


def _boxes_by_type(
    lines: Iterable[InvoiceLine], factors: dict[str, Decimal]
) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for x in lines:
        counts[x.box_type] = counts.get(x.box_type, 0) + x.boxes
    order = sorted(counts, key=lambda t: (-factors.get(t, Decimal(0)), t))
    return tuple((t, counts[t]) for t in order if counts[t])


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct non-empty values, in first-seen order."""
    return tuple(v for v in dict.fromkeys(v.strip() for v in values) if v)


def _problem(order: Order, code: str, message: str, hint: str) -> Problem:
    src = order.source
    return Problem(
        code, message, src.file if src else "", src.sheet if src else None,
        src.row if src else None, hint=hint, level=ROW,
    )  # fmt: skip


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    return value


def _line_from_dict(d: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        **{
            **d,
            "fulls": Decimal(d["fulls"]),
            "unit_price": Decimal(d["unit_price"]),
            "amount": Decimal(d["amount"]),
            "qty": None if d.get("qty") is None else Decimal(d["qty"]),
        }
    )


def _customer_from_dict(d: dict[str, Any]) -> Customer:
    known = {f.name for f in fields(Customer)}
    kw = {k: v for k, v in d.items() if k in known}
    kw["address"] = tuple(d.get("address", ()))
    return Customer(**kw)
