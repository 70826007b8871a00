"""The invoice run end to end: export -> selection -> marked -> invoices, checked through outputs."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from massinvoice.config import load_config
from massinvoice.files import sha256_file
from massinvoice.invoice.run import InvoiceOptions, invoice_selection
from massinvoice.model import Filters
from massinvoice.problems import ConfigError, InputError
from massinvoice.read import load_export
from massinvoice.registry.numbering import Registry
from massinvoice.select.run import select_orders
from tests.sheet_tools import listed_orders, mark, mixed_currency, never_invoiced, set_line_value


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


@pytest.fixture
def billing(make_selection):
    """A config, an export of 12 orders and its selection workbook."""
    return make_selection(12)


def registry_numbers(config) -> list[tuple[str, str, tuple[str, ...]]]:
    reg = Registry(config.registry_url)
    try:
        return [(r.number, r.state, r.orders) for r in reg.list()]
    finally:
        reg.close()


def test_issues_one_invoice_per_marked_order_with_gap_free_numbers(billing, workspace):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    assert marked, "the sample must have invoiceable orders"
    out = workspace / "out"
    result = invoice_selection(sheet, out, config=config)
    assert [i.number for i in result.issued] == [
        f"001-001-{n:09d}" for n in range(1, len(marked) + 1)
    ]
    assert sorted(o for i in result.issued for o in i.orders) == sorted(marked)
    orders = {o.order_no: o for o in load_export([export], config)}
    umask = os.umask(0)
    os.umask(umask)
    for issued in result.issued:
        path = Path(issued.file)
        assert path.name == f"{issued.number}.pdf"
        # readable by the other people of a shared folder, like any file they would save
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
        assert sha256_file(path) == issued.sha256
        text = pdf_text(path)
        order = orders[issued.orders[0]]
        assert issued.number in text
        assert order.bill_customer in text
        assert order.order_no in text
        # every line's stems and amount, and the total, computed independently of the renderer
        for line in order.lines:
            assert f"{line.stems:,}" in text
            amount = (Decimal(line.quantity) * line.unit_price).quantize(
                Decimal("0.01"), "ROUND_HALF_UP"
            )
            assert money_text(amount) in text
        assert issued.total == sum(
            (Decimal(ln.quantity) * ln.unit_price).quantize(Decimal("0.01"), "ROUND_HALF_UP")
            for ln in order.lines
        )
        assert money_text(issued.total) in text
    assert result.control_ok and result.exit_code == 0
    manifest = json.loads(result.files["manifest"].read_text())
    assert {i["number"]: i["sha256"] for i in manifest["invoices"]} == {
        i.number: sha256_file(Path(i.file)) for i in result.issued
    }
    register = openpyxl.load_workbook(result.files["register"])["Invoices"]
    assert [r[0] for r in register.iter_rows(min_row=2, values_only=True)] == [
        i.number for i in result.issued
    ]
    assert "Control: OK" in result.files["report"].read_text()
    assert all(state == "issued" for _, state, _ in registry_numbers(config))


def test_same_sheet_twice_issues_nothing_and_select_shows_gray(billing, workspace, make_export):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    first = invoice_selection(sheet, workspace / "out1", config=config)
    again = invoice_selection(sheet, workspace / "out2", config=config)
    assert again.issued == ()
    assert {s.order_no for s in again.skipped} == set(marked)
    assert {s.code for s in again.skipped} == {"invoiced"}
    assert again.exit_code == 1
    assert not list((workspace / "out2").glob("*.pdf"))
    # select again: the registry makes them gray with INVOICED! and their numbers
    after = workspace / "after.xlsx"
    select_orders([export], after, config=config)
    rows = listed_orders(after)
    numbers = {o: i.number for i in first.issued for o in i.orders}
    for order_no, number in numbers.items():
        assert rows[order_no]["Select"] == "INVOICED!"
        assert rows[order_no]["Invoice #"] == number


def test_x_on_an_invoiced_row_is_refused(billing, workspace):
    config, _, sheet = billing
    gray = [o for o, row in listed_orders(sheet).items() if row["Select"] == "INVOICED!"]
    assert gray, "the sample must contain invoiced orders"
    mark(sheet, gray[:1])
    result = invoice_selection(sheet, workspace / "out", config=config)
    assert result.issued == ()
    assert [(s.order_no, s.code) for s in result.skipped] == [(gray[0], "refused")]


def test_dry_run_takes_no_number(billing, workspace):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    registry_file = Path(config.registry_url.removeprefix("sqlite:///"))
    before = sha256_file(registry_file)
    result = invoice_selection(
        sheet, workspace / "preview", config=config, options=InvoiceOptions(dry_run=True)
    )
    assert len(result.issued) == len(marked)
    assert "DRAFT" in pdf_text(Path(result.issued[0].file))
    assert sha256_file(registry_file) == before and registry_numbers(config) == []
    real = invoice_selection(sheet, workspace / "out", config=config)
    assert real.issued[0].number == "001-001-000000001"


def test_strict_refuses_zero_prices(billing, workspace):
    config, _, sheet = billing
    rows = listed_orders(sheet)
    target = next(o for o, r in rows.items() if r["Select"] != "INVOICED!")
    set_line_value(sheet, target, 1, "Unit Price", 0)
    mark(sheet, [target])
    result = invoice_selection(
        sheet, workspace / "out", config=config, options=InvoiceOptions(strict=True)
    )
    assert result.issued == ()
    assert result.skipped[0].code == "strict" and "price" in result.skipped[0].reason
    assert registry_numbers(config) == []


def test_price_correction_is_invoiced_and_reported(billing, workspace):
    config, export, sheet = billing
    mixed = never_invoiced(export, config)
    target = next(
        o for o, r in listed_orders(sheet).items() if r["Select"] != "INVOICED!" and o not in mixed
    )
    set_line_value(sheet, target, 1, "Unit Price", 1.234)
    mark(sheet, [target])
    result = invoice_selection(sheet, workspace / "out", config=config)
    inv = result.invoices[0]
    assert inv.lines[0].unit_price == Decimal("1.234")
    assert [(e.order_no, e.line_no, e.field) for e in result.edits] == [(target, 1, "unit_price")]
    assert re.search(
        rf"{target}\s+line 1: unit price .* -> 1.234",
        result.files["report"].read_text(),
    )
    assert result.control_ok


def test_group_by_customer_puts_orders_of_one_customer_together(billing, workspace):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    result = invoice_selection(
        sheet, workspace / "out", config=config, options=InvoiceOptions(group_by="customer")
    )
    assert sorted(o for i in result.issued for o in i.orders) == sorted(marked)
    assert len(result.issued) <= len(marked)
    for inv in result.invoices:
        assert len({(ln.currency) for ln in inv.lines}) == 1
    assert result.control_ok


def test_stale_sheet_skips_changed_orders(billing, workspace, make_export):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    make_export(12, seed=99)  # the ERP re-exported: same file name, other content
    result = invoice_selection(sheet, workspace / "out", config=config)
    stale = {s.order_no for s in result.skipped if s.code == "stale"}
    assert stale, "changed orders must be skipped as stale"
    assert stale | {o for i in result.issued for o in i.orders} == set(marked)


def test_bad_inputs_consume_no_number(billing, workspace, tmp_path):
    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))
    with pytest.raises(InputError) as err:
        invoice_selection(export, workspace / "out", config=config)  # an export, not a selection
    assert "selection" in str(err.value).lower()
    no_seller = workspace / "noseller.toml"
    no_seller.write_text('[series]\nformat = "{seq:04d}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="seller"):
        invoice_selection(sheet, workspace / "out", config=load_config(no_seller))
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.raises(InputError, match="output folder"):
        invoice_selection(sheet, blocker / "sub", config=config)
    set_line_value(sheet, marked[0], 1, "Unit Price", "abc")
    with pytest.raises(InputError):
        invoice_selection(sheet, workspace / "out", config=config)
    assert registry_numbers(config) == []


def test_filters_reach_the_sheet(workspace, make_export):
    export = make_export(30)
    config = load_config(workspace / "massinvoice.toml")
    everything = select_orders([export], workspace / "all.xlsx", config=config)
    pending = select_orders([export], workspace / "pending.xlsx", config=config,
                            filters=Filters(status="non-invoiced"), select_all=True)  # fmt: skip
    assert pending.listed == everything.listed - everything.by_status.get("INVOICED", 0)
    assert pending.preselected == pending.listed
    assert all(r["Select"] == "X" for r in listed_orders(workspace / "pending.xlsx").values())


def test_an_order_in_two_currencies_is_skipped_with_its_reason(billing, workspace):
    config, export, sheet = billing
    mixed = mixed_currency(export, config)
    assert mixed, "the generator seeds one order with lines in two currencies"
    mark(sheet, mixed)
    result = invoice_selection(sheet, workspace / "out", config=config)
    assert result.issued == ()
    assert [(s.order_no, s.code) for s in result.skipped] == [(o, "refused") for o in sorted(mixed)]
    assert "currenc" in result.skipped[0].reason
    assert result.control_ok and result.exit_code == 1


def test_partial_packed_invoices_packed_boxes_and_reports_the_rest(billing, workspace):
    config, export, sheet = billing
    rows = listed_orders(sheet)
    mixed = never_invoiced(export, config)
    partial = [o for o, r in rows.items() if r["Status"] == "PARTIAL" and o not in mixed]
    assert partial, "the sample must have partially packed orders"
    mark(sheet, partial[:1])
    order = next(o for o in load_export([export], config) if o.order_no == partial[0])
    result = invoice_selection(
        sheet, workspace / "out", config=config, options=InvoiceOptions(partial="packed")
    )
    (inv,) = result.invoices
    assert sum(ln.boxes for ln in inv.lines) == order.packed_boxes
    assert sum(r.boxes for r in inv.remaining) == order.boxes - order.packed_boxes
    assert inv.subtotal + inv.remaining_amount == order.amount
    report = result.files["report"].read_text()
    assert "Left to invoice" in report and partial[0] in report.split("Left to invoice")[1]
    assert result.control_ok  # what is not issued is left to invoice, not lost
    skipped = invoice_selection(
        sheet, workspace / "out2", config=config, options=InvoiceOptions(partial="skip")
    )
    assert skipped.issued == ()  # already invoiced now, whatever the mode


def test_a_rerun_finishing_pending_invoices_issues_them_with_the_same_numbers(
    billing, workspace, monkeypatch
):
    import massinvoice.invoice.pool as render_pool

    config, export, sheet = billing
    marked = mark(sheet, skip=never_invoiced(export, config))

    def broken(invoice, path):
        raise RuntimeError("renderer crashed")

    with monkeypatch.context() as m:
        m.setattr(render_pool, "render_one", broken)
        failed = invoice_selection(
            sheet, workspace / "out", config=config, options=InvoiceOptions(jobs=1)
        )
    assert failed.issued == () and {s.code for s in failed.skipped} == {"failed"}
    pending = registry_numbers(config)
    assert {state for _, state, _ in pending} == {"pending"} and len(pending) == len(marked)

    rerun = invoice_selection(
        sheet, workspace / "out", config=config, options=InvoiceOptions(jobs=1)
    )
    assert rerun.skipped == () and rerun.exit_code == 0
    assert [(i.number, i.recovered) for i in rerun.issued] == [(n, True) for n, _, _ in pending]
    assert rerun.control_ok
    assert {state for _, state, _ in registry_numbers(config)} == {"issued"}
