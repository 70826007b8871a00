"""compose_invoice: money to the cent, quantities, groups of orders, partial shipments, JSON."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from massinvoice.config import Config, TaxLine
from massinvoice.invoice.document import Invoice, InvoiceLine, compose_invoice
from massinvoice.model import Customer, Line, Order, Source, money
from massinvoice.problems import InputError

D = Decimal
DATE = dt.date(2026, 11, 20)
CONFIG = Config(payment_terms="Net 30")


def line(order_no: str = "1001", n: int = 1, **kw) -> Line:
    """A line of 2 HB boxes of Freedom roses, 10 bunches of 25 stems per box, 0.35 a stem."""
    values = dict(
        species="Roses", variety="Freedom", length="60", box_type="HB", boxes=2, packed_boxes=2,
        bunches=20, stems_per_bunch=25, stems=500, unit="stem", unit_price=D("0.35"),
    )  # fmt: skip
    values.update(kw)
    return Line(order_no, n, **values)


def order(order_no: str = "1001", lines: tuple[Line, ...] | None = None, **kw) -> Order:
    values = dict(
        customer_po="PO-1", ship_customer="MARK A", sales_rep="Ana", cargo_agency="EcuaCargo",
        incoterm="FCA UIO", awb="729-1234 5675", hawb="H1", dae="055-2026-40-1", currency="USD",
        flight_date=dt.date(2026, 11, 21), market="United States",
    )  # fmt: skip
    values.update(kw)
    bill = values.pop("bill_customer", "BLOOMRIDGE INC")
    return Order(order_no, bill, lines if lines is not None else (line(order_no),), **values)


def compose(orders, **kw) -> Invoice:
    kw.setdefault("config", CONFIG)
    kw.setdefault("date", DATE)
    return compose_invoice(orders if isinstance(orders, list) else [orders], **kw)


def test_line_amounts_subtotal_and_total_with_the_default_zero_tax():
    inv = compose(
        order(lines=(
            line(n=1),  # 500 stems x 0.35
            line(n=2, unit="bunch", bunches=30, stems=600, stems_per_bunch=20,
                 unit_price=D("3.75"), box_type="QB", boxes=3),
        ))
    )  # fmt: skip
    assert [x.amount for x in inv.lines] == [D("175.00"), D("112.50")]
    assert [x.quantity for x in inv.lines] == [500, 30]
    assert inv.subtotal == D("287.50")
    assert [(t.name, t.rate, t.base, t.amount) for t in inv.taxes] == [
        ("VAT 0% (export)", D(0), D("287.50"), D("0.00"))
    ]
    assert inv.total == D("287.50")
    assert inv.stems == 1100 and inv.bunches == 50 and inv.boxes == 5


@pytest.mark.parametrize(
    ("stems", "price", "amount"),
    [
        (25, "0.275", "6.88"),  # 6.875 rounds half-up, not to even
        (3, "0.005", "0.02"),  # 0.015
        (1, "0.125", "0.13"),
        (7, "0.0015", "0.01"),  # 0.0105
        (10, "0.3333", "3.33"),
        (250, "0.35", "87.50"),
    ],
)
def test_line_amounts_round_half_up_to_cents(stems, price, amount):
    inv = compose(order(lines=(line(stems=stems, unit_price=D(price)),)))
    assert inv.lines[0].amount == D(amount)
    assert inv.lines[0].amount.as_tuple().exponent == -2


def test_subtotal_is_the_sum_of_rounded_lines_not_the_rounded_sum():
    # each 6.875 -> 6.88; summing first would give 13.75
    inv = compose(
        order(lines=(line(n=1, stems=25, unit_price=D("0.275")),
                     line(n=2, stems=25, unit_price=D("0.275"))))
    )  # fmt: skip
    assert inv.subtotal == D("13.76")


def test_a_12_percent_tax_is_rounded_half_up_on_the_subtotal():
    config = Config(taxes=(TaxLine("IVA 12%", D(12)),))
    inv = compose(order(lines=(line(stems=1, unit_price=D("100.05")),)), config=config)
    assert inv.subtotal == D("100.05")
    (tax,) = inv.taxes
    assert (tax.name, tax.rate, tax.base, tax.amount) == ("IVA 12%", D(12), D("100.05"), D("12.01"))
    assert inv.total == D("112.06")


def test_several_tax_lines_each_rounded_then_added():
    config = Config(taxes=(TaxLine("IVA 12%", D(12)), TaxLine("Fee 0.5%", D("0.5"))))
    inv = compose(order(lines=(line(stems=25, unit_price=D("0.275")),)), config=config)
    assert inv.subtotal == D("6.88")
    assert [t.amount for t in inv.taxes] == [D("0.83"), D("0.03")]  # 0.8256, 0.0344
    assert inv.total == D("7.74")


def test_fulls_boxes_by_type_and_hs_codes():
    inv = compose(
        order(lines=(
            line(n=1, box_type="qb", boxes=4, bunches=40, stems=1000),
            line(n=2, box_type="HB", boxes=12, bunches=120, stems=3000),
            line(n=3, box_type="EB", boxes=3, bunches=12, stems=300, species="Carnations"),
            line(n=4, box_type="QB", boxes=1, bunches=10, stems=250, species="Gypsophila"),
        ))
    )  # fmt: skip
    assert inv.boxes_by_type == (("HB", 12), ("QB", 5), ("EB", 3))
    assert inv.boxes == 20
    assert [x.fulls for x in inv.lines] == [D("1.00"), D("6.0"), D("0.375"), D("0.25")]
    assert inv.fulls == D("7.625")
    assert [x.hs_code for x in inv.lines] == [
        "0603.11.00",
        "0603.11.00",
        "0603.12.00",
        "0603.19.00",
    ]
    assert inv.lines[0].box_type == "QB"


def test_unknown_box_type_counts_no_fulls_and_comes_last():
    inv = compose(order(lines=(line(n=1, box_type="JB"), line(n=2, box_type="FB"))))
    assert inv.boxes_by_type == (("FB", 2), ("JB", 2))
    assert inv.fulls == D(2)


def test_header_fields_customer_and_payment_terms():
    customer = Customer("BLOOMRIDGE INC", address=("8450 NW 70th St",), language="es",
                        payment_terms="Net 21")  # fmt: skip
    inv = compose(order(), number="001-001-000000123", customer=customer, draft=True)
    assert inv.number == "001-001-000000123"
    assert inv.date == DATE
    assert inv.series == CONFIG.series.name
    assert (inv.language, inv.payment_terms, inv.customer) == ("es", "Net 21", customer)
    assert (inv.bill_customer, inv.ship_customer) == ("BLOOMRIDGE INC", "MARK A")
    assert (inv.order_nos, inv.customer_pos, inv.sales_reps) == (("1001",), ("PO-1",), ("Ana",))
    assert (inv.incoterm, inv.cargo_agency, inv.awb, inv.hawb, inv.dae) == (
        "FCA UIO", "EcuaCargo", "729-1234 5675", "H1", "055-2026-40-1",
    )  # fmt: skip
    assert inv.flight_date == dt.date(2026, 11, 21)
    assert inv.draft is True and inv.currency == "USD"
    # without a directory entry: the config's language and terms
    plain = compose(order())
    assert (plain.language, plain.payment_terms, plain.customer) == ("en", "Net 30", None)
    assert compose(order(), config=replace(CONFIG, language="es")).language == "es"


def test_several_orders_make_one_invoice_with_every_order_and_po():
    a = order("1001", (line("1001", 1), line("1001", 2, unit_price=D("0.40"))), customer_po="PO-A")
    b = order("1002", (line("1002", 1, stems=100),), customer_po="PO-B", hawb="H2",
              flight_date=dt.date(2026, 11, 20))  # fmt: skip
    inv = compose([a, b])
    assert inv.order_nos == ("1001", "1002")
    assert inv.customer_pos == ("PO-A", "PO-B")
    assert [(x.order_no, x.line_no) for x in inv.lines] == [("1001", 1), ("1001", 2), ("1002", 1)]
    assert inv.hawb == "H1, H2" and inv.awb == "729-1234 5675"
    assert inv.flight_date == dt.date(2026, 11, 20)
    assert inv.subtotal == D("175.00") + D("200.00") + D("35.00")


def test_currency_comes_from_lines_then_order_then_config():
    assert compose(order(currency="")).currency == "USD"  # config default
    assert compose(order(currency="EUR")).currency == "EUR"
    inv = compose(order(currency="", lines=(line(n=1, currency="EUR"), line(n=2, currency=""))))
    assert inv.currency == "EUR"
    assert [x.currency for x in inv.lines] == ["EUR", "EUR"]  # a blank line takes the invoice's


def test_mixed_currencies_or_customers_are_refused_with_every_problem():
    a = order("1001", currency="USD")
    b = order("1002", currency="EUR", bill_customer="OTHER")
    with pytest.raises(InputError) as err:
        compose([a, b])
    assert err.value.codes == {"mixed_currency", "mixed_customers"}


def test_no_orders_or_unknown_partial_mode_is_a_programming_error():
    with pytest.raises(ValueError):
        compose([])
    with pytest.raises(ValueError):
        compose(order(), partial="half")


def test_missing_price_invoices_zero():
    inv = compose(order(lines=(line(unit_price=None),)))
    assert inv.lines[0].unit_price == D(0) and inv.lines[0].amount == D("0.00")
    assert inv.total == D("0.00")


def partial_order() -> Order:
    return order(lines=(
        line(n=1, boxes=4, packed_boxes=3, bunches=40, stems=1000),  # 3 of 4 packed
        line(n=2, boxes=2, packed_boxes=2),  # all packed
        line(n=3, boxes=5, packed_boxes=0, bunches=50, stems=1250),  # nothing packed
        line(n=4, boxes=3, packed_boxes=1, unit="bunch", bunches=30, stems=600,
             stems_per_bunch=20, unit_price=D("3.75"), box_type="QB"),
    ))  # fmt: skip


def test_partial_ordered_invoices_every_box_as_ordered():
    inv = compose(partial_order(), partial="ordered")
    assert [x.boxes for x in inv.lines] == [4, 2, 5, 3]
    assert inv.remaining == () and inv.partial == "ordered"
    assert compose(partial_order(), partial="skip").lines == inv.lines


def test_partial_packed_invoices_packed_boxes_in_proportion_and_lists_the_rest():
    inv = compose(partial_order(), partial="packed")
    got = [(x.line_no, x.boxes, x.bunches, x.stems, x.amount) for x in inv.lines]
    assert got == [
        (1, 3, 30, 750, D("262.50")),
        (2, 2, 20, 500, D("175.00")),
        (4, 1, 10, 200, D("37.50")),  # priced per bunch
    ]
    rest = [(x.line_no, x.boxes, x.bunches, x.stems, x.amount) for x in inv.remaining]
    assert rest == [
        (1, 1, 10, 250, D("87.50")),
        (3, 5, 50, 1250, D("437.50")),
        (4, 2, 20, 400, D("75.00")),
    ]
    assert inv.partial == "packed"
    assert inv.subtotal == D("475.00") and inv.remaining_amount == D("600.00")
    assert inv.boxes == 6 and inv.fulls == D("2.75")  # 3 HB + 2 HB + 1 QB
    ordered = compose(partial_order(), partial="ordered")
    assert inv.stems + sum(x.stems for x in inv.remaining) == ordered.stems
    assert inv.bunches + sum(x.bunches for x in inv.remaining) == ordered.bunches


def test_partial_packed_refuses_boxes_that_do_not_split_evenly():
    bad = line(n=7, boxes=3, packed_boxes=2, bunches=50, stems=1250)
    bad = replace(bad, source=Source("orders.xlsx", "Orders", 12))
    with pytest.raises(InputError) as err:
        compose(order(lines=(bad,)), partial="packed")
    (problem,) = err.value.problems
    assert problem.code == "uneven_boxes" and problem.row == 12
    assert "line 7" in problem.message
    # as ordered it is fine
    assert compose(order(lines=(bad,)), partial="ordered").lines[0].bunches == 50


def test_partial_packed_with_nothing_packed_gives_no_lines():
    inv = compose(order(lines=(line(packed_boxes=0),)), partial="packed")
    assert inv.lines == () and inv.total == D("0.00")
    assert str(inv.subtotal) == str(inv.total) == "0.00"
    assert [x.boxes for x in inv.remaining] == [2]


def test_with_number_changes_only_the_number():
    inv = compose(order())
    numbered = inv.with_number("A-7")
    assert numbered.number == "A-7" and replace(numbered, number="") == inv


def test_to_dict_is_json_and_round_trips_exactly():
    customer = Customer("BLOOMRIDGE INC", "B1", "65-48", ("8450 NW 70th St", "Suite 1"),
                        "Miami", "United States", "a@b.example", "en", "Net 21", True)  # fmt: skip
    config = Config(taxes=(TaxLine("IVA 12%", D(12)),))
    for inv in (
        compose(partial_order(), partial="packed", customer=customer, number="N-1", config=config),
        compose(order(flight_date=None, customer_po="")),
    ):
        d = inv.to_dict()
        text = json.dumps(d)
        assert d["subtotal"] == str(inv.subtotal) and d["date"] == "2026-11-20"
        back = Invoice.from_dict(json.loads(text))
        assert back == inv
        assert repr(back) == repr(inv)  # same Decimal exponents, same tuple types


# --- property: the money rules hold for any lines -----------------------------------------------

prices = st.builds(
    lambda units, places: Decimal(units).scaleb(-places),
    st.integers(min_value=0, max_value=500_000),
    st.integers(min_value=0, max_value=4),
)
lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20_000),  # stems
        st.integers(min_value=0, max_value=800),  # bunches
        st.sampled_from(["stem", "bunch"]),
        prices,
        st.sampled_from(["FB", "HB", "QB", "EB"]),
    ),
    min_size=1,
    max_size=25,
)
rates = st.lists(
    st.sampled_from([D(0), D(12), D(15), D(21), D("7.5"), D("0.5")]), min_size=0, max_size=3
)


@settings(max_examples=150, deadline=None)
@given(lines_strategy, rates)
def test_money_rules_hold_for_any_lines(rows, tax_rates):
    lines = tuple(
        line(n=i + 1, stems=stems, bunches=bunches, unit=unit, unit_price=price, box_type=box)
        for i, (stems, bunches, unit, price, box) in enumerate(rows)
    )
    config = Config(taxes=tuple(TaxLine(f"T{i}", r) for i, r in enumerate(tax_rates)))
    inv = compose(order(lines=lines), config=config)

    expected_lines = [
        money(Decimal(bunches if unit == "bunch" else stems) * price)
        for stems, bunches, unit, price, _ in rows
    ]
    assert [x.amount for x in inv.lines] == expected_lines
    assert inv.subtotal == sum(expected_lines, D(0))
    assert [t.amount for t in inv.taxes] == [money(inv.subtotal * r / 100) for r in tax_rates]
    assert inv.total == inv.subtotal + sum((t.amount for t in inv.taxes), D(0))
    for amount in (*expected_lines, inv.subtotal, inv.total, *(t.amount for t in inv.taxes)):
        assert amount.as_tuple().exponent == -2
    assert Invoice.from_dict(json.loads(json.dumps(inv.to_dict()))) == inv


def test_invoice_lines_know_their_product_and_quantity():
    x = compose(order(lines=(line(variety="", unit="bunch"),))).lines[0]
    assert isinstance(x, InvoiceLine)
    assert x.product == "Roses" and x.quantity == 20


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=12),  # boxes
            st.integers(min_value=0, max_value=12),  # packed (clamped to boxes)
            st.integers(min_value=1, max_value=20),  # bunches per box
            st.sampled_from([10, 20, 25]),  # stems per bunch
            prices,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_packed_plus_remaining_is_what_was_ordered(rows):
    lines = tuple(
        line(n=i + 1, boxes=boxes, packed_boxes=packed, bunches=boxes * per_box,
             stems_per_bunch=spb, stems=boxes * per_box * spb, unit_price=price)
        for i, (boxes, packed, per_box, spb, price) in enumerate(rows)
    )  # fmt: skip
    ordered = compose(order(lines=lines), partial="ordered")
    packed = compose(order(lines=lines), partial="packed")
    both = (*packed.lines, *packed.remaining)
    assert sum(x.boxes for x in both) == ordered.boxes
    assert sum(x.bunches for x in both) == ordered.bunches
    assert sum(x.stems for x in both) == ordered.stems
    assert all(x.boxes > 0 for x in both)
    for x in both:
        assert x.amount == money(x.stems * x.unit_price)
        assert x.stems == x.bunches * x.stems_per_bunch
    assert packed.boxes == sum(min(b, p) for b, p, *_ in rows)
