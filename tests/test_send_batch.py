"""The shared folder with send = "after-invoice": invoices e-mailed as they are issued."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from massinvoice.registry.numbering import Registry
from massinvoice.send.records import latest
from tests.mail_server import PASSWORD, mail_server
from tests.test_batch_run import files, issued_records, make_folder, make_sheet, run

SEND_CONFIG = """\
[smtp]
host = "127.0.0.1"
port = {port}
user = "billing"
sender = "Facturación <facturacion@prueba.example>"
timeout = 10
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with mail_server(tmp_path) as (controller, mailbox):
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "smtp-cert.pem"))
        monkeypatch.setenv("MASSINVOICE_SMTP_PASSWORD", PASSWORD)
        monkeypatch.delenv("MASSINVOICE_REGISTRY", raising=False)
        folder = make_folder(tmp_path)
        config = folder / "massinvoice.toml"
        with (folder / "customers.csv").open("a", encoding="utf-8") as directory:
            directory.write(
                "DESERT WILLOW FLOWERS,DWF99,,,,,desk@desertwillow.example,en,Net 30,no\n"
            )
        text = 'send = "after-invoice"\n' + config.read_text()  # before the first [table]
        config.write_text(text + SEND_CONFIG.format(port=controller.port))
        yield folder, mailbox


def test_invoices_are_emailed_after_invoicing(folder) -> None:
    folder, mailbox = folder
    sheet, _ = make_sheet(folder)
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    result = run(folder)
    assert result.exit_code == 0, result.output
    records = issued_records(folder)
    assert Counter(mailbox.numbers()) == Counter(r.number for r in records)
    assert f"e-mailed {len(records)}" in result.output
    assert files(folder, "errors") == []


def test_send_failures_go_to_errors_and_the_run_exits_1(folder) -> None:
    folder, mailbox = folder
    sheet, _ = make_sheet(folder)
    mailbox.refuse = {"invoices@elbwiese.example": "550 5.1.1 no such user"}
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    result = run(folder)
    assert result.exit_code == 1, result.output
    records = issued_records(folder)
    refused = [r.number for r in records if r.customer == "BLUMENKONTOR ELBWIESE GMBH"]
    assert refused, "the sample orders include Elbwiese's"
    assert Counter(mailbox.numbers()) == Counter(r.number for r in records
                                                 if r.number not in refused)  # fmt: skip
    (note,) = files(folder, "errors", "send-*.error.txt")
    text = note.read_text("utf-8")
    assert all(n in text for n in refused) and "550 5.1.1 no such user" in text
    assert "massinvoice send invoices/" in text
    assert len(files(folder, "archive", "orders-selection-*.xlsx")) == 1  # invoicing was fine
    with Registry(f"sqlite:///{folder / 'massinvoice.sqlite'}") as registry:
        status = {n: r.status for n, r in latest(registry).items()}
    assert {status[n] for n in refused} == {"failed"}
