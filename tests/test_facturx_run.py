"""Factur-X through the invoice run: who gets it, refusals before numbering, invoices.csv."""

from __future__ import annotations

import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from pypdf import PdfReader

from massinvoice.config import load_config
from massinvoice.files import sha256_file
from massinvoice.invoice.run import InvoiceOptions, invoice_selection
from massinvoice.problems import InputError
from massinvoice.read import load_export
from massinvoice.registry.numbering import Registry
from massinvoice.select.run import select_orders
from tests.conftest import PACKAGED_SAMPLES as SAMPLES
from tests.conftest import create_registry
from tests.sheet_tools import mark

WANTS_XML = ("BLUMENKONTOR ELBWIESE GMBH", "FLEURS DE L'ÉTANG SARL", "FIORI DEL LAGO SRL")
PDF_ONLY = ("BLOOMRIDGE WHOLESALE INC", "GREAT LAKES BOUQUET CO", "MAGNOLIA ROW FLORAL LLC")


def setup_folder(folder: Path, make_export, einvoice: str) -> tuple[Path, Path]:
    """The sample config (einvoice set) and directory, an export and its selection sheet."""
    toml = (SAMPLES / "massinvoice.toml").read_text(encoding="utf-8")
    toml = toml.replace('einvoice = "directory"', f'einvoice = "{einvoice}"')
    toml = toml.replace('invoice_date = "today"', 'invoice_date = "2026-11-23"')
    assert f'einvoice = "{einvoice}"' in toml
    (folder / "massinvoice.toml").write_text(toml, encoding="utf-8")
    shutil.copy(SAMPLES / "customers.csv", folder / "customers.csv")
    create_registry(folder)
    export = make_export(60)
    sheet = folder / "selection.xlsx"
    select_orders([export], sheet, config=load_config(folder / "massinvoice.toml"))
    return export, sheet


def pick(export: Path, config, customers: tuple[str, ...]) -> list[str]:
    """One invoiceable single-currency order of each customer named (that has one)."""
    chosen: dict[str, str] = {}
    for order in load_export([export], config):
        if (order.bill_customer in customers and order.invoiceable
                and len(order.currencies) == 1 and order.bill_customer not in chosen):  # fmt: skip
            chosen[order.bill_customer] = order.order_no
    return list(chosen.values())


def issued_numbers(config) -> list[str]:
    registry = Registry(config.registry_url)
    try:
        return [r.number for r in registry.list()]
    finally:
        registry.close()


def test_directory_mode_embeds_xml_only_for_customers_who_want_it(tmp_path, make_export):
    export, sheet = setup_folder(tmp_path, make_export, "directory")
    config = load_config(tmp_path / "massinvoice.toml")
    eu, us = pick(export, config, WANTS_XML), pick(export, config, PDF_ONLY)
    assert eu and us, "the sample must have orders of both kinds"
    mark(sheet, eu + us)
    out = tmp_path / "out"
    result = invoice_selection(sheet, out, config=config, options=InvoiceOptions(jobs=2))
    assert len(result.issued) == len(eu + us)
    by_order = {i.orders[0]: i for i in result.issued}
    for order_no in eu:
        issued = by_order[order_no]
        name, xml = facturx.get_xml_from_pdf(Path(issued.file).read_bytes(), check_xsd=True)
        assert name == "factur-x.xml"
        assert f"<ram:ID>{issued.number}</ram:ID>".encode() in xml
        assert f"<ram:GrandTotalAmount>{issued.total}<".encode() in xml
        assert b"<ram:CategoryCode>G</ram:CategoryCode>" in xml
    for order_no in us:
        assert list(PdfReader(by_order[order_no].file).attachments) == []
    # the manifest's SHA-256 is of the final file, XML included
    manifest = json.loads(result.files["manifest"].read_text())
    assert {i["number"]: i["sha256"] for i in manifest["invoices"]} == {
        i.number: sha256_file(Path(i.file)) for i in result.issued
    }
    # invoices.csv: every line of this run, adding up per invoice
    rows = list(csv.DictReader(io.StringIO(result.files["invoices"].read_text("utf-8-sig"))))
    assert result.files["invoices"] == result.records / "invoices.csv"
    assert len(rows) == sum(len(inv.lines) for inv in result.invoices)
    for inv in result.invoices:
        total = sum(Decimal(r["Amount"]) for r in rows if r["Invoice #"] == inv.number)
        assert total == inv.subtotal


def test_missing_address_refuses_the_run_before_any_number(tmp_path, make_export):
    export, sheet = setup_folder(tmp_path, make_export, "all")
    directory = tmp_path / "customers.csv"
    victim = "BLOOMRIDGE WHOLESALE INC"
    blank = f"{victim},BLR01,65-4821937,,,,,en,Net 30,no"  # no address, city or country
    lines = [
        blank if line.startswith(victim) else line
        for line in directory.read_text(encoding="utf-8").splitlines()
    ]
    directory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(tmp_path / "massinvoice.toml")
    chosen = pick(export, config, (victim, *WANTS_XML))
    bad = pick(export, config, (victim,))
    assert bad
    mark(sheet, chosen)
    with pytest.raises(InputError) as err:
        invoice_selection(sheet, tmp_path / "out", config=config)
    assert err.value.codes == {"einvoice_missing"}
    report = err.value.report()
    assert bad[0] in report and f"add the address of {victim} to customers.csv" in report
    assert f"add the country of {victim} to customers.csv" in report
    assert issued_numbers(config) == []
    assert not list((tmp_path / "out").glob("*.pdf"))


@pytest.mark.parametrize("einvoice", ["off", "dry-run"])
def test_einvoice_off_and_drafts_give_plain_pdfs(tmp_path, make_export, einvoice):
    dry_run = einvoice == "dry-run"
    export, sheet = setup_folder(tmp_path, make_export, "all" if dry_run else einvoice)
    config = load_config(tmp_path / "massinvoice.toml")
    mark(sheet, pick(export, config, WANTS_XML))
    options = InvoiceOptions(dry_run=dry_run)
    result = invoice_selection(sheet, tmp_path / "out", config=config, options=options)
    assert result.issued
    for issued in result.issued:  # a draft must never pass for an e-invoice
        assert list(PdfReader(issued.file).attachments) == []
