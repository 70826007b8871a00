"""invoices.csv: one row per invoice line, Excel-safe text, amounts that add up."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal

from massinvoice.invoice.lines_csv import COLUMNS, invoices_csv_text, write_invoices_csv
from tests.einvoice_factories import AMERICAN, GERMAN, flower_order, make_invoice
from tests.factories import line


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def two_invoices():
    first = make_invoice(flower_order("PO-1"), flower_order("PO-2"), number="001-001-000000001")
    order = flower_order("PO-3", customer=AMERICAN)
    second = make_invoice(order, customer=AMERICAN, number="001-001-000000002")
    return [first, second]


def test_one_row_per_line_with_the_documented_columns():
    invoices = two_invoices()
    data = rows(invoices_csv_text(invoices))
    assert list(data[0]) == list(COLUMNS)
    assert len(data) == sum(len(i.lines) for i in invoices) == 6
    first = data[0]
    assert first["Invoice #"] == "001-001-000000001"
    assert first["Invoice Date"] == "2026-11-20"
    assert first["Customer"] == GERMAN.name
    assert first["Ship Customer"] == "BLOOM / MARK A"
    assert (first["Order #"], first["Line"]) == ("PO-1", "1")
    assert (first["Species"], first["Variety"], first["Length"]) == ("Roses", "Freedom", "60")
    assert (first["Box Type"], first["Boxes"], first["Bunches"], first["Stems"]) == (
        "HB", "2", "24", "600",
    )  # fmt: skip
    assert (first["Unit"], first["Unit Price"], first["Amount"]) == ("stem", "0.35", "210.00")
    assert first["Currency"] == "USD"
    bunch = data[1]
    assert (bunch["Unit"], bunch["Unit Price"], bunch["Amount"]) == ("bunch", "4.275", "128.25")
    assert [r["Order #"] for r in data] == ["PO-1", "PO-1", "PO-2", "PO-2", "PO-3", "PO-3"]


def test_amounts_add_up_to_each_invoice_subtotal():
    invoices = two_invoices()
    data = rows(invoices_csv_text(invoices))
    for invoice in invoices:
        amounts = [Decimal(r["Amount"]) for r in data if r["Invoice #"] == invoice.number]
        assert sum(amounts) == invoice.subtotal


def test_formula_looking_text_is_neutralised_and_numbers_are_not():
    customer = replace(GERMAN, name='=HYPERLINK("http://x","pay")')
    lines = [
        line("+PO-1", 1, variety="@SUM(A1)", species="-Roses", unit_price=Decimal("-0.10")),
        line("+PO-1", 2, variety="\tTabbed", box_type="=1+1"),
    ]
    order = flower_order("+PO-1", customer=customer, lines=lines, ship_customer="-MARK")
    data = rows(invoices_csv_text([make_invoice(order, customer=customer)]))
    assert data[0]["Customer"] == '\'=HYPERLINK("http://x","pay")'
    assert data[0]["Ship Customer"] == "'-MARK"
    assert data[0]["Order #"] == "'+PO-1"
    assert data[0]["Species"] == "'-Roses"
    assert data[0]["Variety"] == "'@SUM(A1)"
    assert data[1]["Variety"] == "'\tTabbed"
    assert data[1]["Box Type"] == "'=1+1"
    assert data[0]["Unit Price"] == "-0.10"  # a number column: never prefixed
    assert data[0]["Amount"] == "-60.00"


def test_commas_quotes_and_accents_survive():
    customer = replace(GERMAN, name='Fleurs de l\'Étang, "SARL"')
    order = flower_order("PO-1", customer=customer, ship_customer="Ñandú\nline two")
    text = invoices_csv_text([make_invoice(order, customer=customer)])
    data = rows(text)
    assert data[0]["Customer"] == 'Fleurs de l\'Étang, "SARL"'
    assert data[0]["Ship Customer"] == "Ñandú\nline two"
    assert text.split("\r\n", 1)[0] == "\ufeff" + ",".join(COLUMNS)


def test_written_atomically_as_utf8_with_bom(tmp_path):
    path = write_invoices_csv(tmp_path, two_invoices())
    assert path == tmp_path / "invoices.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Billstraße".encode() not in raw  # addresses are not part of the layout
    assert len(rows(raw.decode("utf-8"))) == 6
    assert [p.name for p in tmp_path.iterdir()] == ["invoices.csv"]  # no temporary left


def test_no_invoices_gives_just_the_header(tmp_path):
    path = write_invoices_csv(tmp_path, [])
    assert path.read_bytes().decode("utf-8-sig") == ",".join(COLUMNS) + "\r\n"
