"""The SRI flow in an invoice run and from the command line, against the loopback stub.

An outage leaves the run's invoices queued (numbered, keys stored, no RIDE); ``sri poll``
finishes them; ``void`` refuses an authorised one and explains; ``credit-note`` corrects it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from massinvoice.cli import main
from massinvoice.config import load_config
from massinvoice.invoice.einvoice.sri.flow import today_for
from massinvoice.invoice.einvoice.sri.state import documents
from massinvoice.invoice.run import InvoiceOptions, invoice_selection
from massinvoice.registry.numbering import Registry
from tests.sheet_tools import mark, mixed_currency
from tests.sri_certs import make_certs, two_key_p12
from tests.sri_fixtures import NOW
from tests.sri_stub import SriStub

PASSWORD = "cl4ve"
TODAY = InvoiceOptions(today=NOW.date(), date="today")  # the config's invoice_date is fixed
# 3-digit codes made up for the tests (the real ones come from SRI's table of countries)
SRI_SECTION = """
[sri]
ambiente = "pruebas"
ruc = "1790000000001"
p12 = "firma.p12"
puerto_embarque = "UIO"
lugar_incoterm = "QUITO"
timeout = 2
url = "{url}"
[sri.countries]
"United States" = "213"
"Netherlands" = "115"
"Germany" = "110"
"France" = "111"
"Italy" = "116"
"Spain" = "109"
"Poland" = "131"
"Russia" = "135"
"Canada" = "204"
"Japan" = "301"
"Switzerland" = "138"
"United Kingdom" = "117"
"""


@pytest.fixture
def stub():
    s = SriStub(rucs={"1790000000001"}, today=NOW.date()).start()
    yield s
    s.stop()


@pytest.fixture
def sri_billing(make_selection, workspace: Path, stub, monkeypatch):
    """A workspace with an [sri] section pointing at the stub, its .p12, and a marked sheet."""
    config_path = workspace / "massinvoice.toml"
    config_path.write_text(config_path.read_text("utf-8") + SRI_SECTION.format(url=stub.url),
                           "utf-8")  # fmt: skip
    (workspace / "firma.p12").write_bytes(two_key_p12(make_certs(), PASSWORD.encode()))
    monkeypatch.setenv("MASSINVOICE_SRI_PASSWORD", PASSWORD)
    _config, export, sheet = make_selection(4)
    config = load_config(config_path)
    marked = mark(sheet, skip=mixed_currency(export, config))
    return config, sheet, marked


def cli(workspace: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--config", str(workspace / "massinvoice.toml")])


@pytest.mark.slow
def test_an_outage_queues_then_sri_poll_authorises_and_writes_the_rides(
    sri_billing, workspace, stub
):
    config, sheet, marked = sri_billing
    checked = cli(workspace, "sri", "check")
    assert checked.exit_code == 0 and "SRI set-up OK" in checked.output, checked.output
    assert "FIRMA CONDOR ANDINO" in checked.output  # the signing certificate, not the other
    stub.faults = ["500"] * 100  # the SRI is down during the run
    out = workspace / "out"
    result = invoice_selection(sheet, out, config=config, options=TODAY)
    assert len(result.issued) == len(marked) and result.exit_code == 1
    assert any("waiting" in line for line in result.sri)
    assert "SRI electronic invoices" in result.files["report"].read_text("utf-8")
    assert not list(out.glob("*-RIDE.pdf"))  # no RIDE before AUTORIZADO
    with Registry(config.registry_url) as reg:
        before = {d.number: d.clave for d in documents(reg)}
    assert set(before) == {i.number for i in result.issued}

    stub.faults = []
    done = cli(workspace, "sri", "poll")
    assert done.exit_code == 0, done.output
    assert f"SRI: {len(marked)} authorised, 0 parked, 0 waiting" in done.output
    with Registry(config.registry_url) as reg:
        after = {d.number: (d.clave, d.state) for d in documents(reg)}
    assert after == {n: (k, "authorised") for n, k in before.items()}  # same keys
    for number in before:
        assert (out / f"{number}-RIDE.pdf").stat().st_size > 1000
        auth = etree.parse(str(out / f"{number}-autorizado.xml")).getroot()
        assert auth.findtext("estado") == "AUTORIZADO"
    assert sorted(stub.sent_keys()) == sorted(before.values())  # each sent once
    again = cli(workspace, "sri", "poll")
    assert again.exit_code == 0 and "0 authorised" in again.output
    lost = sorted(before)[1]
    (out / f"{lost}-RIDE.pdf").unlink()  # say it was deleted by mistake
    rewritten = cli(workspace, "sri", "ride", lost)
    assert rewritten.exit_code == 0 and (out / f"{lost}-RIDE.pdf").is_file()
    assert "already written" in cli(workspace, "sri", "ride", lost).output

    number = sorted(before)[0]
    refused = cli(workspace, "void", number, "--reason", "wrong customer")
    assert refused.exit_code == 2
    assert "authorised by the SRI" in refused.output and "credit note" in refused.output

    stub.today = today_for(config)  # the command line runs on the real clock
    note = cli(workspace, "credit-note", number, "--reason", "Flores congeladas", "--lines", "1")
    assert note.exit_code == 0, note.output
    assert "credit note 001-002-000000001" in note.output and "1 authorised" in note.output
    assert (out / "001-002-000000001-RIDE.pdf").is_file()

    recorded = cli(workspace, "void", sorted(before)[-1], "--reason", "duplicated",
                   "--annulled-on-portal")  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    assert "annulled on the SRI's portal" in recorded.output
    listing = cli(workspace, "sri", "list")
    assert "annulled" in listing.output and "nota de crédito" in listing.output


def test_a_run_refuses_before_numbering_what_the_sri_would_refuse(sri_billing, workspace, stub):
    config, sheet, _marked = sri_billing
    from massinvoice.problems import InputError

    with pytest.raises(InputError) as err:  # dated tomorrow in Ecuador: the SRI says 65
        invoice_selection(sheet, workspace / "out", config=config,
                          options=InvoiceOptions(today=NOW.date(), date="2026-12-31"))  # fmt: skip
    assert "sri_date" in err.value.codes
    with Registry(config.registry_url) as reg:
        assert reg.list() == [] and documents(reg) == []
    assert not stub.requests


def test_a_missing_password_is_a_clear_problem_before_any_number(sri_billing, workspace,
                                                                 monkeypatch):  # fmt: skip
    config, sheet, _marked = sri_billing
    monkeypatch.delenv("MASSINVOICE_SRI_PASSWORD")
    from massinvoice.problems import ConfigError

    with pytest.raises(ConfigError, match="MASSINVOICE_SRI_PASSWORD"):
        invoice_selection(sheet, workspace / "out", config=config,
                          options=TODAY)  # fmt: skip
    with Registry(config.registry_url) as reg:
        assert reg.list() == []


@pytest.mark.slow
def test_sri_poll_killed_while_the_sri_answers_sends_nothing_twice(sri_billing, workspace, stub):
    config, sheet, marked = sri_billing
    stub.faults = ["500"] * 100
    invoice_selection(sheet, workspace / "out", config=config, options=TODAY)
    config_path = workspace / "massinvoice.toml"
    config_path.write_text(config_path.read_text("utf-8").replace("timeout = 2", "timeout = 60"),
                           "utf-8")  # fmt: skip
    # the SRI takes the first document sent, and answers late
    stub.faults, stub.slow_seconds = ["late@reception"], 20
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "massinvoice", "sri", "poll", "--config",
                             str(config_path)], env=env, cwd=workspace,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not stub.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert stub.received, "the poll never reached the stand-in SRI"
    finally:
        proc.kill()  # killed while the SRI holds the document and its answer is on the way
        proc.wait(10)
    [(first_key, _)] = stub.received
    with Registry(config.registry_url) as reg:
        killed = {d.clave: d for d in documents(reg)}[first_key]
    # queued, its attempt counted (one in the outage, one now), the sent bytes stored
    assert killed.state == "queued" and killed.attempts == 2 and killed.xml == stub.received[0][1]

    done = cli(workspace, "sri", "poll")
    assert done.exit_code == 0, done.output
    with Registry(config.registry_url) as reg:
        docs = documents(reg)
    assert {d.state for d in docs} == {"authorised"} and len(docs) == len(marked)
    keys = stub.sent_keys()
    assert sorted(keys) == sorted(d.clave for d in docs)  # every one received exactly once
    assert [k for s, k in stub.requests if s == "reception"].count(first_key) == 1
