"""Property-based: whatever bytes a file holds, the reader gives orders or an InputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from massinvoice.config import Config
from massinvoice.model import Order
from massinvoice.problems import InputError
from massinvoice.read import load_export

CORPUS = Path(__file__).resolve().parent / "corpus"
GOOD_XLSX = (CORPUS / "conflicting_customer.xlsx").read_bytes()  # a real, small workbook
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read(data: bytes, suffix: str) -> list[Order] | InputError:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        try:
            return load_export([path], Config())
        except InputError as exc:
            assert exc.problems and all(p.code and p.message for p in exc.problems)
            return exc


@SETTINGS
@given(st.binary(max_size=2048), st.sampled_from([".csv", ".xlsx", ".xls", ".ods", ".txt"]))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    _read(data, suffix)


@SETTINGS
@given(st.data())
def test_damaged_workbook(data: st.DataObject) -> None:
    raw = bytearray(GOOD_XLSX)
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    _read(bytes(raw[:cut]), ".xlsx")


_CELL = st.one_of(
    st.text(alphabet="0123456789,.-/ $", max_size=10),
    st.sampled_from(["", "TOTAL", "Order #", "20/11/2026", "31/02/2026", "1.234,5", "ramo", "x"]),
    st.text(max_size=8),
)
HEADER = "Order #;Customer;Ship Date;Boxes;Unit;Unit Price;Currency"


@SETTINGS
@given(st.lists(st.lists(_CELL, min_size=0, max_size=8), max_size=8))
def test_arbitrary_csv_cells(rows: list[list[str]]) -> None:
    lines = [HEADER] + [";".join(c.replace(";", "").replace('"', "") for c in r) for r in rows]
    result = _read("\n".join(lines).encode("utf-8"), ".csv")
    if isinstance(result, list):
        for order in result:
            assert order.order_no and order.lines
            assert [line.line_no for line in order.lines] == list(range(1, len(order.lines) + 1))
