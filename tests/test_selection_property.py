"""Whatever an export holds, a selected order reads back exactly as it was written."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massinvoice.model import Line, Order
from massinvoice.readback.selection import read_selection
from tests.test_selection_fixtures import CONFIG, write

# Any text a cell can hold: no surrogates (not encodable), nothing over Excel's cell limit.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
KEY = st.from_regex(r"[A-Z]{2}-[0-9]{1,6}", fullmatch=True)
QTY = st.integers(min_value=0, max_value=10_000)
PRICE = st.none() | st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)


@st.composite
def orders(draw: st.DrawFn) -> list[Order]:
    numbers = draw(st.lists(KEY, min_size=1, max_size=4, unique=True))
    extra_names = draw(st.lists(st.sampled_from(["Farm", "Notes", "Grower"]), unique=True))
    out = []
    for order_no in numbers:
        lines = tuple(
            Line(
                order_no,
                n,
                species=draw(TEXT),
                variety=draw(TEXT),
                length=draw(TEXT),
                box_type=draw(TEXT),
                boxes=draw(QTY),
                packed_boxes=draw(QTY),
                confirmed_boxes=draw(st.none() | QTY),
                bunches=draw(QTY),
                stems_per_bunch=draw(QTY),
                stems=draw(QTY),
                unit=draw(st.sampled_from(["stem", "bunch"])),
                unit_price=draw(PRICE),
                min_price=draw(PRICE),
                amount=draw(PRICE),
                currency=draw(TEXT),
                extra=tuple((name, draw(TEXT)) for name in extra_names),
            )
            for n in range(1, draw(st.integers(1, 3)) + 1)
        )
        out.append(
            Order(
                order_no,
                draw(TEXT),
                lines,
                customer_po=draw(TEXT),
                ship_customer=draw(TEXT),
                sales_rep=draw(TEXT),
                cargo_agency=draw(TEXT),
                market=draw(TEXT),
                incoterm=draw(TEXT),
                awb=draw(TEXT),
                hawb=draw(TEXT),
                dae=draw(TEXT),
                currency=draw(TEXT),
                invoice_no=draw(st.just("") | TEXT),
            )
        )
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders())
def test_round_trip(written: list[Order]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), written, select_all=True)
        got = read_selection(path, config=CONFIG)
    invoiceable = [o for o in written if o.invoiceable]
    assert list(got.orders) == invoiceable
    assert [r.order_no for r in got.refused] == []
    assert got.edits == ()
    for o in got.orders:
        assert o.fingerprint() == got.fingerprints[o.order_no]
        assert got.selected_totals[o.order_no] == o.amount
        assert all(isinstance(line.unit_price, Decimal | None) for line in o.lines)
