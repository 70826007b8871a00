import datetime as dt
from decimal import Decimal

import pytest

from massinvoice.model import Filters, Status, money
from massinvoice.select import checks
from massinvoice.select.filters import apply_filters
from tests.factories import line, order


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6.875", "6.88"), ("6.865", "6.87"), ("0.005", "0.01"), ("-1.005", "-1.01"), ("2", "2.00")],
)
def test_money_rounds_half_up(value, expected):
    assert money(Decimal(value)) == Decimal(expected)


def test_status_follows_packing_and_invoice():
    assert order(lines=[line(packed_boxes=2)]).status is Status.PACKED
    assert order(lines=[line(packed_boxes=1)]).status is Status.PARTIAL
    assert order(lines=[line(packed_boxes=0)]).status is Status.NOT_PACKED
    two = order(lines=[line(line_no=1, packed_boxes=2), line(line_no=2, packed_boxes=0)])
    assert two.status is Status.PARTIAL
    assert order(invoice_no="001-001-000000001").status is Status.INVOICED
    assert not order(invoice_no="X1").invoiceable


def test_amounts_are_sums_of_rounded_lines():
    o = order(lines=[line(line_no=1, stems=25, unit_price=Decimal("0.275")),
                     line(line_no=2, stems=25, unit_price=Decimal("0.275")),
                     line(line_no=3, unit="bunch", bunches=3, unit_price=Decimal("4.005"))])  # fmt: skip
    assert [ln.computed_amount for ln in o.lines] == [
        Decimal("6.88"),
        Decimal("6.88"),
        Decimal("12.02"),
    ]
    assert o.amount == Decimal("25.78")  # not money(2 * 6.875 + 12.015) = 25.77


def test_fulls_use_factors():
    o = order(
        lines=[line(line_no=1, box_type="HB", boxes=3), line(line_no=2, box_type="qb", boxes=2)]
    )
    factors = {"HB": Decimal("0.5"), "QB": Decimal("0.25")}
    assert o.fulls(factors) == Decimal("2.0")


def test_fingerprint_changes_with_price_not_with_source():
    a = order()
    assert a.fingerprint() == order().fingerprint()
    assert a.fingerprint() != order(lines=[line(unit_price=Decimal("0.36"))]).fingerprint()


def codes(o, known=None):
    return [w.code for w in checks.order_warnings(o, known)]


def test_warnings_cover_what_the_erp_does_not_check():
    clean = order()
    assert codes(clean) == []
    assert "zero_price" in codes(order(lines=[line(unit_price=Decimal("0"))]))
    assert "zero_price" in codes(order(lines=[line(unit_price=None)]))
    assert "under_min" in codes(order(lines=[line(unit_price=Decimal("0.20"))]))
    assert "unconfirmed" in codes(order(lines=[line(confirmed_boxes=1)]))
    assert "missing_awb" in codes(order(awb=""))
    assert "missing_dae" in codes(order(dae=""))
    assert "not_packed" in codes(order(lines=[line(packed_boxes=0)]))
    assert "partial" in codes(order(lines=[line(packed_boxes=1)]))
    assert "bad_quantity" in codes(order(lines=[line(stems=0)]))
    assert "amount_mismatch" in codes(order(lines=[line(amount=Decimal("999"))]))
    assert "amount_mismatch" not in codes(order(lines=[line(amount=Decimal("210.00"))]))
    mixed = order(lines=[line(line_no=1), line(line_no=2, currency="EUR")])
    assert "mixed_currency" in codes(mixed)
    assert "unknown_customer" in codes(clean, known={"SOMEONE ELSE"})
    assert "unknown_customer" not in codes(clean, known={"BLOOM WHOLESALE INC"})


def test_strict_refuses_only_chosen_codes():
    ws = checks.order_warnings(order(awb="", lines=[line(unit_price=Decimal(0))]))
    assert [w.code for w in checks.refusals(ws, ["zero_price"])] == ["zero_price"]
    assert checks.summary(ws) == "no AWB, zero price"  # words, never codes
    assert checks.summary(ws, "es") == "sin guía madre, precio cero"


def test_filters_dates_people_and_status():
    orders = [
        order("A", ship_date=dt.date(2026, 11, 9), sales_rep="José Pérez", market="US"),
        order("B", ship_date=dt.date(2026, 11, 15), ship_customer="MARK ÑANDÚ", market="EU"),
        order("C", ship_date=dt.date(2026, 11, 22), invoice_no="F-1", cargo_agency="Sky Cargo"),
        order("D", ship_date=None),
    ]

    def nos(**kw):
        return [o.order_no for o in apply_filters(orders, Filters(**kw))]

    assert nos() == ["A", "B", "C", "D"]
    assert nos(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 22)) == ["B", "C"]
    assert nos(reps=("jose perez",)) == ["A"]
    assert nos(clients=("mark nandu",)) == ["B"]  # matches ship customers too
    assert nos(cargo_agencies=("SKY CARGO",)) == ["C"]
    assert nos(markets=("eu",)) == ["B"]
    assert nos(markets=("eu", "us")) == ["A", "B", "C", "D"]
    assert nos(status="invoiced") == ["C"]
    assert nos(status="non-invoiced") == ["A", "B", "D"]
    assert nos(date_field="order", date_from=dt.date(2026, 11, 10)) == ["A", "B", "C", "D"]
