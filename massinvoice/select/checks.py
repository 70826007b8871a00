"""Warnings per order: what the source ERP lets through unchecked, we show.

Each warning has a stable code (see ``config.WARNING_CODES``). ``--strict`` (or the config's
``strict`` list) turns chosen codes into refusals at invoice time.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from massinvoice.model import Order, OrderWarning, Status
from massinvoice.problems import Code
from massinvoice.select.labels import WARNING_LABELS

TOLERANCE = Decimal("0.01")


def order_warnings(
    order: Order, known_customers: Iterable[str] | None = None
) -> tuple[OrderWarning, ...]:
    """Every warning for one order, in a stable order: order-level first, then by line."""
    out: list[OrderWarning] = []

    def warn(code: str, message: str, line_no: int | None = None) -> None:
        out.append(OrderWarning(code, order.order_no, message, line_no))

    status = order.status
    boxed = order.boxes > 0
    if status is Status.NOT_PACKED and (boxed or order.delivered):
        warn(Code.NOT_PACKED, "no box packed yet" if boxed else "not delivered yet (ERP status)")
    elif status is Status.PARTIAL:
        warn(
            Code.PARTIAL,
            f"partially packed: {order.packed_boxes} of {order.boxes} boxes"
            if boxed
            else "partly delivered (ERP status)",
        )
    if not order.awb:
        warn(Code.MISSING_AWB, "no AWB (air waybill)")
    if not order.dae:
        warn(Code.MISSING_DAE, "no DAE (export declaration)")
    if len(order.currencies) > 1:
        warn(Code.MIXED_CURRENCY, f"lines in several currencies: {', '.join(order.currencies)}")
    if known_customers is not None and order.bill_customer not in known_customers:
        warn(
            Code.UNKNOWN_CUSTOMER,
            f"bill customer {order.bill_customer!r} is not in the customer directory",
        )
    for line in order.lines:
        n = line.line_no
        if line.confirmed_boxes is not None and line.confirmed_boxes < line.boxes:
            warn(
                Code.UNCONFIRMED,
                f"line {n}: {line.boxes - line.confirmed_boxes} of {line.boxes} boxes not confirmed",
                n,
            )
        if line.unit_price is None or line.unit_price == 0:
            warn(
                Code.ZERO_PRICE,
                f"line {n}: price is {'missing' if line.unit_price is None else '0.00'}",
                n,
            )
        elif line.min_price is not None and line.unit_price < line.min_price:
            warn(
                Code.UNDER_MIN,
                f"line {n}: price {line.unit_price} under minimum {line.min_price}",
                n,
            )
        if (
            line.qty <= 0 or line.boxes < 0  # counted in units or kilos: boxes are optional
            if line.qty is not None
            else line.boxes <= 0 or line.stems <= 0 or line.quantity <= 0
        ):
            warn(Code.BAD_QUANTITY, f"line {n}: zero or negative quantity", n)
        if (
            line.amount is not None
            and line.unit_price is not None
            and abs(line.amount - line.computed_amount) > TOLERANCE
        ):
            expected = f"{line.quantity} x {line.unit_price} = {line.computed_amount}"
            warn(
                Code.AMOUNT_MISMATCH,
                f"line {n}: exported amount {line.amount} is not {expected}",
                n,
            )
    return tuple(out)


def refusals(warnings: Iterable[OrderWarning], strict: Iterable[str]) -> tuple[OrderWarning, ...]:
    """The warnings that strict mode refuses."""
    codes = set(strict)
    return tuple(w for w in warnings if w.code in codes)


def summary(warnings: Iterable[OrderWarning], language: str = "en") -> str:
    """A short cell text in words: 'zero price x2, no AWB' / 'precio cero x2, sin guía madre'."""
    counts: dict[str, int] = {}
    for w in warnings:
        counts[w.code] = counts.get(w.code, 0) + 1
    words = {code: WARNING_LABELS.get(code, (code, code))[language == "es"] for code in counts}
    return ", ".join(words[code] if n == 1 else f"{words[code]} x{n}" for code, n in counts.items())
