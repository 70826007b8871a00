"""Reading good exports in every format, merging files, limits, and the customer directory."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from massinvoice.config import Config, Limits
from massinvoice.files import sha256_file
from massinvoice.model import Source, Status
from massinvoice.problems import InputError
from massinvoice.read import (
    ExportFile,
    describe_sources,
    load_customers,
    load_export,
    read_export,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
D = Decimal
NOV20 = dt.date(2026, 11, 20)

SPANISH = [
    "nº pedido", "FECHA DESPACHO", "Fecha Vuelo", "Cliente", "Marcación", "Vendedor",
    "Variedad", "Largo", "Tipo Caja", "Cajas", "Cajas Empacadas", "Ramos", "Tallos/Ramo",
    "Unidad", "Precio Unitario", "Moneda", "Factura", "Finca", "Notas",
]  # fmt: skip


def messy_xlsx(path: Path) -> Path:
    """Title rows (one merged), a blank row, Spanish headers, a hidden column, serial and text
    dates, a blank row inside the data, a totals row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Pedidos"
    ws["A1"] = "FLORES DEL VALLE S.A. - Reporte de pedidos"
    ws.merge_cells("A1:F1")
    ws["A2"] = "Generado 2026-11-19"
    ws.append([])  # row 3 blank
    ws.append(SPANISH)  # row 4
    rows = [
        # order 1001: two lines, real date, packed
        ["1001", dt.datetime(2026, 11, 20), 46347, "Acme Flowers ", "ACME / NY", "Ana",
         "Freedom", 60, "HB", 2, 2, 24, 25, "tallo", 0.35, None, None, "Finca A", "x"],
        [1001.0, NOV20, None, "ACME FLOWERS", None, "Ana",
         "Explorer", "70 cm", "QB", 1, 1, 6, 25, "stems", "0,40", None, None, "Finca B", ""],
        [],  # a blank row between orders
        # order 1002: serial ship date, text flight date, bunch price, partially packed
        [1002, 46346, "21/11/2026", "Flores SA", None, "Luis",
         "Mondial", 50, "QB", 4, 1, 40, 25, "Ramos", "$ 1.234,50", "eur", None, "Finca C", None],
        # order 1003: invoiced
        ["1003", "2026-11-22", None, "Acme Flowers", None, "Ana",
         "Vendela", 40, "HB", 1, 0, 10, None, None, 1, None, "001-001-000000123", None, None],
        ["TOTAL", None, None, None, None, None, None, None, None, 8, 4, 80, None, None, None],
    ]  # fmt: skip
    for row in rows:
        ws.append(row)
    ws.column_dimensions["S"].hidden = True  # Notas
    wb.save(path)
    return path


def test_messy_spanish_xlsx(tmp_path: Path) -> None:
    orders = load_export([messy_xlsx(tmp_path / "pedidos.xlsx")], Config())
    assert [o.order_no for o in orders] == ["1001", "1002", "1003"]
    a, b, c = orders

    assert a.bill_customer == "Acme Flowers"  # cleaned; case differences are no conflict
    assert a.ship_customer == "ACME / NY"
    assert a.ship_date == NOV20 and a.flight_date == dt.date(2026, 11, 21)
    assert a.currency == "USD" and a.status is Status.PACKED
    assert a.source == Source("pedidos.xlsx", "Pedidos", 5)
    first, second = a.lines
    assert (first.line_no, second.line_no) == (1, 2)
    assert first.variety == "Freedom" and first.length == "60" and first.box_type == "HB"
    assert (first.boxes, first.packed_boxes, first.bunches, first.stems_per_bunch) == (2, 2, 24, 25)
    assert first.stems == 600  # no stems column: bunches x stems per bunch
    assert first.unit == "stem" and first.unit_price == D("0.35")
    assert str(first.unit_price) == "0.35"
    assert first.confirmed_boxes is None  # no such column
    assert first.extra == (("Finca", "Finca A"), ("Notas", "x"))  # the hidden column too
    assert second.unit_price == D("0.40") and second.length == "70 cm"
    assert second.source == Source("pedidos.xlsx", "Pedidos", 6)

    assert b.ship_date == NOV20  # Excel serial 46346
    assert b.flight_date == dt.date(2026, 11, 21)  # text, day first
    assert b.currency == "EUR" and b.lines[0].currency == "EUR"
    assert b.lines[0].unit == "bunch" and b.lines[0].unit_price == D("1234.5")
    assert b.lines[0].quantity == 40 and b.lines[0].computed_amount == D("49380.00")
    assert b.status is Status.PARTIAL
    assert b.lines[0].source.row == 8  # the blank row 7 is skipped, not renumbered

    assert c.invoice_no == "001-001-000000123" and c.status is Status.INVOICED
    assert c.lines[0].unit_price == D("1") and c.lines[0].stems == 0
    assert c.ship_date == dt.date(2026, 11, 22)


def test_mdy_config(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_text("Order #,Customer,Ship Date\n1,A,05/11/2026\n2,A,11/20/2026\n")
    orders = load_export([path], Config(date_order="mdy"))
    assert [o.ship_date for o in orders] == [dt.date(2026, 5, 11), NOV20]


def test_cp1252_semicolon_decimal_comma_csv(tmp_path: Path) -> None:
    text = (
        "Exportación de pedidos;;;;;;\r\n"
        ";;;;;;\r\n"
        "Pedido;Cliente;Fecha Despacho;Variedad;Cajas;Tallos;Precio Unitario;Valor\r\n"
        "P-1;Ñandú Flores;20/11/2026;Rosa Señorita;1.200;12.000;0,350;4.200,00\r\n"
        "P-1;Ñandú Flores;20-nov-2026;Clavel;2;500;1,25;625\r\n"
        ";;;;;;;\r\n"
        "Total general;;;;1.202;12.500;;4.825,00\r\n"
    )
    path = tmp_path / "pedidos.csv"
    path.write_bytes(text.encode("cp1252"))
    (order,) = load_export([path], Config())
    assert order.bill_customer == "Ñandú Flores"
    assert order.ship_date == NOV20
    one, two = order.lines
    assert (one.boxes, one.stems, one.unit_price, one.amount) == (1200, 12000, D("0.35"), D("4200"))
    assert (two.unit_price, two.amount) == (D("1.25"), D("625"))
    assert one.variety == "Rosa Señorita"
    assert one.source == Source("pedidos.csv", None, 4) and two.source.row == 5


def test_utf8_bom_csv_with_quotes_and_tsv(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(
        '\ufeffOrder #,Customer,Variety,Unit Price\n"1","Smith, Jones & Co","Pink\nFloyd","1,234.50"\n'.encode()
    )
    (order,) = load_export([path], Config())
    assert order.bill_customer == "Smith, Jones & Co"
    assert order.lines[0].variety == "Pink Floyd"  # the newline inside the cell is folded
    assert order.lines[0].unit_price == D("1234.5")
    tsv = tmp_path / "orders.tsv"
    tsv.write_text("Order #\tCustomer\tBoxes\n7\tACME\t3\n", encoding="utf-8")
    (order,) = load_export([tsv], Config())
    assert (order.order_no, order.lines[0].boxes) == ("7", 3)


def test_ods(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        [
            ["Order export", None, None, None, None],
            [None, None, None, None, None],
            ["PO #", "Bill Customer", "Ship Date", "Boxes", "Unit Price"],
            ["A-1", "ACME", dt.datetime(2026, 11, 20), 2, 0.35],
            ["A-2", "Flores", "2026-11-21", 3, 1.1],
        ]
    )
    path = tmp_path / "orders.ods"
    frame.to_excel(path, engine="odf", header=False, index=False, sheet_name="Export")
    a, b = load_export([path], Config())
    assert (a.order_no, a.bill_customer, a.ship_date) == ("A-1", "ACME", NOV20)
    assert a.lines[0].unit_price == D("0.35") and b.lines[0].boxes == 3
    assert a.source == Source("orders.ods", "Export", 4)


def test_legacy_xls() -> None:
    path = CORPUS / "good" / "orders_legacy.xls"
    if not path.exists():  # pragma: no cover - made by make_corpus.py where soffice exists
        pytest.skip("tests/corpus/good/orders_legacy.xls not generated (needs LibreOffice)")
    a, b = load_export([path], Config())
    assert [len(a.lines), len(b.lines)] == [2, 1]
    assert (a.order_no, a.bill_customer, a.ship_date, a.boxes) == ("1001", "ACME", NOV20, 3)
    assert a.lines[1].unit_price == D("0.4") and a.lines[1].source.row == 5
    assert b.order_no == "1002" and b.lines[0].stems == 300


def test_xlsm_and_empty_workbook(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Order #", "Customer"])
    wb.active.append([5, "ACME"])
    wb.save(tmp_path / "macro.xlsm")
    (order,) = load_export([tmp_path / "macro.xlsm"], Config())
    assert order.order_no == "5"
    openpyxl.Workbook().save(tmp_path / "blank.xlsx")
    _, problems = read_export(tmp_path / "blank.xlsx", Config())
    assert [p.code for p in problems] == ["empty_file"] and problems[0].hint


def test_text_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "erp.xls"  # some ERPs write tab-separated text with an .xls name
    path.write_bytes("Pedido\tCliente\tCajas\r\n88\tFlores Ñ\t2\r\n".encode("cp1252"))
    (order,) = load_export([path], Config())
    assert (order.order_no, order.bill_customer, order.boxes) == ("88", "Flores Ñ", 2)


def test_workbooks_under_the_wrong_extension(tmp_path: Path) -> None:
    legacy = CORPUS / "good" / "orders_legacy.xls"
    if legacy.exists():
        shutil.copy(legacy, tmp_path / "legacy.xlsx")  # an old .xls renamed: read by content
        assert len(load_export([tmp_path / "legacy.xlsx"], Config())) == 2
    shutil.copy(CORPUS / "conflicting_customer.xlsx", tmp_path / "modern.xls")
    _, problems = read_export(tmp_path / "modern.xls", Config())
    assert [p.code for p in problems] == ["conflicting_order"]  # read, then checked
    (tmp_path / "junk.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"junk" * 10)
    _, problems = read_export(tmp_path / "junk.xlsx", Config())
    assert [p.code for p in problems] == ["encrypted"]


def test_picks_the_sheet_with_the_export(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Summary"
    wb.active.append(["Totals by customer"])
    wb.active.append(["ACME", 12])
    ws = wb.create_sheet("Lines")
    ws.append(["Order", "Client", "Boxes"])
    ws.append(["9", "ACME", 1])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    (order,) = load_export([path], Config())
    assert order.source == Source("two.xlsx", "Lines", 2)


def test_details_of_rows(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "Order #,Customer,Boxes,Packed,Confirmed,Bunches,Stems/Bunch,Stems,Currency,PO\n"
        "1,ACME,2,,1,10,25,,,X-1\n"
        "2,B,1,1,1,10,25,240,cop,\n"
        "Order #,Customer,Boxes,Packed,Confirmed,Bunches,Stems/Bunch,Stems,Currency,PO\n"
        "1,acme,1,1,1,1,1,1,,\n"
        "Sum,,3,,,,,,,\n"
        "printed by admin,,,,,,,,,\n"
    )
    one, two = load_export([path], Config(currency="usd"))
    assert [line.line_no for line in one.lines] == [1, 2]  # lines of one order, not adjacent
    assert one.lines[1].source.row == 5  # the repeated header on row 4 is skipped
    assert one.lines[0].stems == 250 and one.lines[0].packed_boxes == 0
    assert one.lines[0].confirmed_boxes == 1
    assert one.currency == "USD" and two.currency == "COP"
    assert two.lines[0].stems == 240  # as exported, not recomputed
    assert one.lines[0].extra == (("PO", "X-1"),)  # weak alias beside 'Order #': kept as extra


def test_config_aliases(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("Doc,Comprador,Bultos\n1,ACME,4\n")
    config = Config(
        aliases={"order_no": ("Doc",), "bill_customer": ("Comprador",), "boxes": ("Bultos",)}
    )
    (order,) = load_export([path], config)
    assert (order.order_no, order.bill_customer, order.boxes) == ("1", "ACME", 4)


def test_merge_files(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("Order #,Customer,Boxes,Farm\n1,ACME,1,F1\n2,B,2,F1\n")
    b.write_text("Pedido;Cliente;Cajas\n2;B;2\n3;C;3\n", encoding="utf-8")
    orders = load_export([a, b], Config())
    assert [o.order_no for o in orders] == ["1", "2", "3"]
    assert orders[1].source.file == "a.csv"  # kept once, from the first file
    c = tmp_path / "c.csv"
    c.write_text("Order #,Customer,Boxes\n2,B,5\n")
    with pytest.raises(InputError) as info:
        load_export([a, c], Config())
    (problem,) = info.value.problems
    assert problem.code == "merge_conflict"
    assert "a.csv" in str(problem) and "c.csv" in str(problem) and "order 2" in str(problem)


def test_problems_of_all_files_together(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_export(
            [CORPUS / "text_in_number.xlsx", CORPUS / "empty.csv", CORPUS / "bad_unit.csv"],
            Config(),
        )
    assert info.value.codes == {"not_a_number", "empty_file", "bad_unit"}
    assert {p.file for p in info.value.problems} == {
        "text_in_number.xlsx", "empty.csv", "bad_unit.csv",
    }  # fmt: skip


def test_problem_list_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Order #,Customer,Boxes\n" + "".join(f"{i},A,x\n" for i in range(300)))
    _, problems = read_export(path, Config())
    assert len(problems) == 201 and problems[-1].code == "more_problems"
    assert "100 more" in problems[-1].message
    with pytest.raises(InputError) as info:
        load_export([path], Config())
    assert len(info.value.problems) == 201


def _big_xlsx(path: Path, rows: int) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Order #", "Customer", "Notes"])
    for i in range(rows):
        ws.append([str(i), "ACME", "n" * 200 + str(i)])
    wb.save(path)
    return path


def test_limits(tmp_path: Path) -> None:
    big = _big_xlsx(tmp_path / "big.xlsx", 6000)  # over 1 MB unpacked, under 1 MB on disk
    assert big.stat().st_size < 1024 * 1024
    cases = [
        (Limits(max_uncompressed_mb=1), "expands to"),
        (Limits(max_rows=100), "rows, over the limit of 100"),
        (Limits(max_columns=2), "3 columns, over the limit of 2"),
    ]
    for limits, words in cases:
        _, problems = read_export(big, Config(limits=limits))
        assert [p.code for p in problems] == ["too_large"], limits
        assert words in problems[0].message
    heavy = tmp_path / "heavy.csv"
    heavy.write_bytes(b"Order #,Customer\n" + b"1,A\n" * 300_000)
    _, problems = read_export(heavy, Config(limits=Limits(max_file_mb=1)))
    assert [p.code for p in problems] == ["too_large"] and "MB" in problems[0].message
    _, problems = read_export(CORPUS / "too_many_rows.csv", Config(limits=Limits(max_rows=5)))
    assert [p.code for p in problems] == ["too_large"]


def test_missing_file_and_lone_path(tmp_path: Path) -> None:
    _, problems = read_export(tmp_path / "nope.xlsx", Config())
    assert [p.code for p in problems] == ["not_found"]
    path = tmp_path / "one.csv"
    path.write_text("Order #,Customer\n1,A\n")
    assert len(load_export(path, Config())) == 1  # type: ignore[arg-type]
    assert load_export([], Config()) == []


def test_samples_read_the_same_in_both_languages() -> None:
    xlsx, csv = (ROOT / "massinvoice/batch/samples" / n for n in ("orders.xlsx", "orders_es.csv"))
    if not (xlsx.exists() and csv.exists()):  # pragma: no cover
        pytest.skip("samples not generated")
    english = load_export([xlsx], Config())
    spanish = load_export([csv], Config())
    assert len(english) == len(spanish) > 0
    for a, b in zip(english, spanish, strict=True):
        assert a.order_no == b.order_no and a.amount == b.amount and a.stems == b.stems
        assert a.ship_date == b.ship_date and a.status == b.status
    assert load_export([xlsx, csv], Config()) == english  # merged: same content, kept once


def test_sha_and_describe(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"abc")
    assert sha256_file(path) == hashlib.sha256(b"abc").hexdigest()
    assert describe_sources([path]) == [ExportFile("x.csv", hashlib.sha256(b"abc").hexdigest())]


# The customer directory.


def test_customers_csv(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "Customer,Code,Tax ID,Address,City,Country,Email,Language,Payment Terms,E-Invoice\n"
        'Acme Flowers,ACM,12-345,"1 Main St\nSuite 2",Miami,US,a@x.example,English,Net 30,yes\n'
        "Flores Ñandú,FN,RUC1,Calle 1; Piso 2,Quito,EC,f@x.example,es,Contado,Sí\n"
        "Blank Co,,,,,,,,,\n",
        encoding="utf-8",
    )
    customers = load_customers(path, Config())
    acme = customers["acme flowers"]
    assert acme is customers["acm"]  # by folded code too
    assert acme.address == ("1 Main St", "Suite 2") and acme.language == "en"
    assert acme.einvoice is True and acme.payment_terms == "Net 30"
    nandu = customers["flores nandu"]
    assert nandu.address == ("Calle 1", "Piso 2") and nandu.einvoice is True
    assert nandu.language == "es" and nandu.tax_id == "RUC1"
    assert customers["blank co"].einvoice is False


def test_customers_spanish_xlsx(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Directorio de clientes"])
    ws.append(["Cliente", "Código", "RUC", "Dirección", "País", "Correo", "Idioma",
               "Condiciones de Pago", "Factura Electrónica"])  # fmt: skip
    ws.append(["Flores SA", 1001, "1790012345001", "Av. Amazonas", "EC", "", "", "30 días", "x"])
    path = tmp_path / "clientes.xlsx"
    wb.save(path)
    customers = load_customers(path, Config())
    flores = customers["flores sa"]
    assert flores.code == "1001" and customers["1001"] is flores
    assert flores.tax_id == "1790012345001" and flores.address == ("Av. Amazonas",)
    assert flores.einvoice is True and flores.language == ""


def test_customers_missing_and_bad(tmp_path: Path) -> None:
    assert load_customers(tmp_path / "customers.csv", Config()) == {}
    path = tmp_path / "customers.csv"
    path.write_text(
        "Customer,Code,Language,E-Invoice\nA,X1,klingon,maybe\nA,X2,en,no\n,,en,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_customers(path, Config())
    codes = [p.code for p in info.value.problems]
    assert codes.count("bad_value") == 2
    assert "duplicate_customer" in codes and "missing_value" in codes
    shutil.copy(CORPUS / "utf16.csv", path)
    with pytest.raises(InputError) as info:
        load_customers(path, Config())
    assert info.value.codes == {"wrong_encoding"}
