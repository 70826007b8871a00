"""Exports in the layouts real ERPs write (tests/erp/, see docs/erp-profiles.md), end to end.

Each sample goes through ``select`` and ``invoice`` as a user runs them, and the outcome is
checked against the sample's truth file (written from the orders, not from what we read):
every order once, amounts exact, statuses right, no order the ERP invoiced invoiced again,
every row of the file accounted for.
"""

from __future__ import annotations

import json
import runpy
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from massinvoice.cli import main
from massinvoice.config import load_config
from massinvoice.model import Status
from massinvoice.read import load_export_readings
from massinvoice.read.profiles import PROFILES
from massinvoice.read.sheets import text_sheet

ERP = Path(__file__).resolve().parent / "erp"
SAMPLES = sorted(
    p for p in ERP.iterdir() if p.suffix in (".csv", ".xlsx") and p.stem != "unknown_layout"
)
PACKED = {"delivered": Status.PACKED, "partly delivered": Status.PARTIAL}


def truth_of(export: Path) -> dict:
    return json.loads(export.with_suffix(".truth.json").read_text(encoding="utf-8"))


def rows_in(path: Path) -> int:
    """How many rows the file has, as a spreadsheet shows them (csv: its records)."""
    if path.suffix == ".csv":
        return sum(1 for _ in path.open(encoding="cp1252" if "_es" in path.name else "utf-8"))
    return openpyxl.load_workbook(path, read_only=True).worksheets[0].max_row


def the_manifest(out: Path) -> Path:
    """The manifest of the one run made into ``out`` (each run keeps its own records)."""
    (path,) = out.rglob("manifest*.json")
    return path


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_samples_are_what_the_generator_writes(tmp_path):
    """The committed samples and truths are the generator's, byte for byte (so no truth is
    edited by hand away from the export it describes)."""
    runpy.run_path(str(ERP / "make_samples.py"), run_name="samples")["main"]([str(tmp_path)])
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in ERP.iterdir() if p.suffix != ".py")
    for name in written:
        assert (tmp_path / name).read_bytes() == (ERP / name).read_bytes(), name


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_export_selects_and_invoices_as_its_truth_says(sample, workspace):
    truth = truth_of(sample)
    export = workspace / sample.name
    shutil.copy(sample, export)
    conf = str(workspace / "massinvoice.toml")
    sheet, out = workspace / "selection.xlsx", workspace / "out"

    code, said = cli("select", str(export), "-o", str(sheet), "--select-all", "--config", conf)
    assert code == 0, said
    assert f"({PROFILES[truth['profile']].title})" in said  # the profile is named

    # What was read: every order once, amounts exact, statuses right, every row accounted for.
    config = load_config(conf)
    orders, readings = load_export_readings([export], config)
    assert sorted(o.order_no for o in orders) == sorted(truth["orders"])  # each once
    (reading,) = readings
    assert reading.profile == truth["profile"]
    assert reading.rows == truth["rows"]
    assert "problem" not in reading.rows
    assert sum(reading.rows.values()) == rows_in(export)
    for order in orders:
        want = truth["orders"][order.order_no]
        assert order.bill_customer == want["bill_customer"]
        assert len(order.lines) == want["lines"]
        assert order.amount == Decimal(want["amount"])
        if want["invoiced"]:
            assert order.status is Status.INVOICED, order.order_no
        else:
            assert order.status is PACKED.get(want["delivered"], Status.NOT_PACKED), order.order_no
        if truth["profile"] != "flower":  # the flower ERP says so with an invoice number
            assert order.erp_status == want["invoiced"], order.order_no
        assert order.delivered == (want["delivered"] if truth["profile"] != "flower" else "")

    # The invoice run: each order the ERP has not invoiced, once, for its exact amount.
    code, said = cli("invoice", str(sheet), "-o", str(out), "--config", conf)
    assert code == 0, said
    manifest = json.loads(the_manifest(out).read_text(encoding="utf-8"))
    issued = {o: Decimal(i["total"]) for i in manifest["invoices"] for o in i["orders"]}
    open_orders = {n: Decimal(t["amount"]) for n, t in truth["orders"].items() if not t["invoiced"]}
    assert issued == open_orders
    assert sum(len(i["orders"]) for i in manifest["invoices"]) == len(open_orders)

    # Selecting again shows the issued orders as invoiced too: nothing is left to invoice twice.
    again = workspace / "again.xlsx"
    code, said = cli("select", str(export), "-o", str(again), "--config", conf)
    assert code == 0, said
    assert f"invoiced {len(truth['orders'])}" in said


def test_profile_can_be_forced_and_a_wrong_one_says_why(workspace):
    export = workspace / "lines.csv"
    shutil.copy(ERP / "odoo_order_lines.csv", export)
    conf = str(workspace / "massinvoice.toml")
    code, said = cli("select", str(export), "-o", str(workspace / "s.xlsx"), "--profile", "odoo",
                     "--config", conf)  # fmt: skip
    assert code == 0 and "(Odoo)" in said
    code, said = cli("select", str(export), "-o", str(workspace / "t.xlsx"), "--profile",
                     "quickbooks", "--config", conf)  # fmt: skip
    assert code == 2
    assert "inspect" in said  # the problem points to inspect


def test_continuation_lines_without_the_profile_are_problems_not_dropped(workspace):
    """Read as a generic export, an ERPNext file's continuation rows are each a problem."""
    export = workspace / "so.csv"
    shutil.copy(ERP / "erpnext_sales_order.csv", export)
    (workspace / "generic.toml").write_text(
        'profile = "generic"\n' + (workspace / "massinvoice.toml").read_text() + "[aliases]\n"
        'order_no = ["ID"]\nbill_customer = ["Customer Name"]\namount = ["Amount (Items)"]\n',
        encoding="utf-8",
    )
    code, said = cli("select", str(export), "-o", str(workspace / "s.xlsx"), "--config",
                     str(workspace / "generic.toml"))  # fmt: skip
    assert code == 2
    assert said.count("missing_order_no") == 7  # every continuation line, none silently lost
    assert "ID (Items)" not in said.split("missing_order_no")[0]  # 'ID' claims only 'ID'


def test_zero_total_order_is_never_issued(workspace):
    export = workspace / "orders.csv"
    export.write_text(
        "Order #,Bill Customer,Product,Quantity,Unit Price\n"
        "A1,Acme,Roses,10,1.50\nA2,Acme,Roses,10,\n",
        encoding="utf-8",
    )
    conf = str(workspace / "massinvoice.toml")
    (workspace / "lenient.toml").write_text(
        "strict = []\n" + (workspace / "massinvoice.toml").read_text(), encoding="utf-8"
    )
    sheet = workspace / "s.xlsx"
    assert cli("select", str(export), "-o", str(sheet), "--select-all", "--config", conf)[0] == 0
    code, said = cli("invoice", str(sheet), "-o", str(workspace / "out"), "--config",
                     str(workspace / "lenient.toml"))  # fmt: skip
    assert code == 1
    assert "A2" in said and "0.00" in said
    manifest = json.loads(the_manifest(workspace / "out").read_text(encoding="utf-8"))
    assert [i["orders"] for i in manifest["invoices"]] == [["A1"]]


def test_no_price_and_no_amount_column_warns_and_is_never_invoiced(workspace):
    export = workspace / "orders.csv"
    export.write_text("Order #,Bill Customer,Product,Quantity\nA1,Acme,Roses,10\n", "utf-8")
    conf = str(workspace / "massinvoice.toml")
    sheet = workspace / "s.xlsx"
    code, said = cli("select", str(export), "-o", str(sheet), "--select-all", "--config", conf)
    assert code == 0 and "zero price 1" in said
    (workspace / "lenient.toml").write_text(
        "strict = []\n" + (workspace / "massinvoice.toml").read_text(), encoding="utf-8"
    )
    code, said = cli("invoice", str(sheet), "-o", str(workspace / "out"), "--config",
                     str(workspace / "lenient.toml"))  # fmt: skip
    assert code == 1 and "0.00" in said
    assert not list((workspace / "out").glob("*.pdf"))


def test_yes_no_column_named_invoice_is_a_flag_not_a_number(workspace):
    export = workspace / "orders.csv"
    export.write_text(
        "Order #,Bill Customer,Product,Quantity,Unit Price,Invoice #\n"
        "A1,Acme,Roses,10,1.50,No\nA2,Acme,Roses,5,1.50,Yes\nA3,Acme,Roses,5,1.50,0\n",
        encoding="utf-8",
    )
    orders, _ = load_export_readings([export], load_config(workspace / "massinvoice.toml"))
    assert [(o.order_no, o.erp_status, o.status) for o in orders] == [
        ("A1", "", Status.NOT_PACKED), ("A2", "invoiced", Status.INVOICED),
        ("A3", "", Status.NOT_PACKED),
    ]  # fmt: skip


def test_unknown_layout_reads_after_pasting_inspects_snippet(workspace):
    """A layout no profile knows: no_header points to inspect; inspect's snippet, pasted into
    the config as it is printed, makes select read it as the truth says."""
    export = workspace / "export.csv"
    shutil.copy(ERP / "unknown_layout.csv", export)
    truth = truth_of(ERP / "unknown_layout.csv")
    conf = workspace / "massinvoice.toml"
    sheet = workspace / "s.xlsx"
    code, said = cli("select", str(export), "-o", str(sheet), "--config", str(conf))
    assert code == 2 and "no_header" in said and "massinvoice inspect" in said

    code, said = cli("inspect", str(export), "--config", str(conf))
    assert code == 0, said
    snippet = said.split("check them):", 1)[1].strip()
    assert "[aliases]" in snippet and "[status]" in snippet
    conf.write_text(conf.read_text(encoding="utf-8") + "\n" + snippet + "\n", encoding="utf-8")

    code, said = cli("select", str(export), "-o", str(sheet), "--config", str(conf))
    assert code == 0, said
    orders, _ = load_export_readings([export], load_config(conf))
    assert [o.order_no for o in orders] == list(truth["orders"])
    for order in orders:
        want = truth["orders"][order.order_no]
        assert (order.bill_customer, len(order.lines), order.amount) == (
            want["bill_customer"], want["lines"], Decimal(want["amount"]),
        )  # fmt: skip
        assert (order.status is Status.INVOICED) == bool(want["invoiced"])
    code, said = cli("inspect", str(export), "--config", str(conf))
    assert "Nothing to add" in said


def test_inspect_shows_fields_rows_and_statuses(workspace):
    code, said = cli("inspect", str(ERP / "quickbooks_desktop_open_sales_orders.xlsx"))
    assert code == 0
    assert "profile: QuickBooks; header on row 4" in said
    assert "'Num': order_no" in said and "'Invoiced': invoiced_qty" in said
    assert "3 customer heading rows" in said and "3 subtotal rows" in said
    assert "partly invoiced 1" in said


def test_unknown_alias_key_is_refused_with_did_you_mean(workspace):
    conf = workspace / "massinvoice.toml"
    conf.write_text(conf.read_text() + '[aliases]\nquantty = ["Qty"]\n', encoding="utf-8")
    code, said = cli("inspect", str(ERP / "odoo_order_lines.csv"), "--config", str(conf))
    assert code == 2
    assert "unknown setting 'quantty' in [aliases]" in said and "did you mean 'quantity'" in said


def test_csv_sample_sniffs_as_its_system_writes_it():
    """The Dolibarr es export is ';', decimal comma, cp1252, as Excel in Spain saves it."""
    from massinvoice.config import Limits
    from massinvoice.read.profiles import GENERIC, alias_table

    sheet = text_sheet(ERP / "dolibarr_orders_es.csv", Limits(), alias_table(GENERIC), ())
    assert sheet.frame.iloc[0, 4] == "Facturado" and sheet.decimal_comma is True


def test_amount_only_export_line_without_amount_is_a_problem(workspace):
    export = workspace / "orders.csv"
    export.write_text(
        "Order #,Bill Customer,Product,Quantity,Amount\nA1,Acme,Roses,10,15.00\nA1,Acme,Tulips,4,\n",
        encoding="utf-8",
    )
    code, said = cli("select", str(export), "-o", str(workspace / "s.xlsx"), "--config",
                     str(workspace / "massinvoice.toml"))  # fmt: skip
    assert code == 2
    assert "row 3" in said and "no amount" in said
