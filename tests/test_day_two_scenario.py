"""Day two, as one story: a billing folder used for a week by busy and careless people.

init, select, invoice, a dry run, a second run into the same folder, a run killed mid-way
(SIGKILL of a real process), a rerun into another folder, another kill whose folder is then
deleted and another rerun, voids (a pending and an issued invoice), a migrate to PostgreSQL,
invoicing on PostgreSQL, and the old SQLite refused. After every step the invariants hold:
numbers gap-free, each order on at most one live invoice, every issued number in exactly one
run's manifest with its PDF where the manifest says and the hash it says.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from massinvoice.cli import main
from massinvoice.config import PLACEHOLDER_SELLER, PLACEHOLDER_TAX_ID
from massinvoice.files import sha256_file
from massinvoice.registry.numbering import Registry
from tests.day_two_tools import check_day_two, manifests
from tests.fault_tools import export_rows, kill_when, pdf_count, reap, start, write_csv
from tests.registry_fixtures import fresh_pg_database, pg_server_url  # noqa: F401
from tests.sheet_tools import mark


def cli(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.fixture(autouse=True)
def _reap():
    yield
    reap()


def unrecorded(url: str, *outs: Path) -> list[str]:
    """Issued numbers no manifest lists yet (a killed run's, until the next run records them)."""
    listed = {i["number"] for m in manifests(*outs) for i in m["invoices"]}
    with Registry(url, read_only=True) as reg:
        return [r.number for r in reg.list(state="issued") if r.number not in listed]


@pytest.mark.slow
@pytest.mark.postgres
def test_day_two(tmp_path: Path, pg_server_url: str) -> None:  # noqa: F811
    folder = tmp_path / "billing"
    # --- init: config, customers, and the registry (the only way one is made) ---
    assert cli("init", folder).exit_code == 0
    config = folder / "massinvoice.toml"
    text = config.read_text("utf-8")  # the seller's real details in place of init's examples
    text = text.replace(PLACEHOLDER_SELLER, "Flores de la Semana S.A.")
    config.write_text(text.replace(PLACEHOLDER_TAX_ID, "1790000000001"), "utf-8")
    sqlite = f"sqlite:///{folder / 'massinvoice.sqlite'}"
    export = write_csv(folder / "orders.csv", export_rows(40))
    orders = [f"F-{k:05d}" for k in range(1, 41)]
    cfg = ("--config", config)

    def select(name: str, marks: list[str], *extra: object) -> Path:
        sheet = folder / name
        r = cli("select", export, "-o", sheet, *cfg, *extra)
        assert r.exit_code == 0, r.output
        mark(sheet, marks)
        return sheet

    def invoice(sheet: Path, out: Path, *extra: object, code: int = 0):
        r = cli("invoice", sheet, "-o", out, *cfg, "--jobs", 1, *extra)
        assert r.exit_code == code, r.output
        return r

    mon, tue, wed, thu, fri = (folder / "invoices" / d for d in ("mon", "tue", "wed", "thu", "fri"))
    outs = [mon, tue, wed, fri]

    # --- select, invoice ---
    invoice(select("s1.xlsx", orders[0:4]), mon)
    assert check_day_two(sqlite, *outs)["issued"] == 4

    # --- a dry run changes nothing, whatever the registry holds ---
    before = sha256_file(folder / "massinvoice.sqlite")
    s2 = select("s2.xlsx", orders[4:8])
    r = invoice(s2, folder / "preview", "--dry-run")
    assert "Issued 4 draft previews" in r.output
    assert sha256_file(folder / "massinvoice.sqlite") == before
    check_day_two(sqlite, *outs)

    # --- a second run into the same folder keeps both runs' records ---
    invoice(s2, mon)
    assert len(manifests(mon)) == 2 and check_day_two(sqlite, *outs)["issued"] == 8

    # --- a run killed mid-way (SIGKILL), then a rerun into another folder ---
    s3 = select("s3.xlsx", orders[8:20])
    proc = start("invoice", s3, "-o", tue, *cfg, "--jobs", 1, cwd=folder)
    assert kill_when(proc, lambda: pdf_count(tue) >= 3), "the run finished before the kill"
    killed = unrecorded(sqlite, *outs)
    assert len(killed) >= 2  # issued, in no manifest yet: the next run records them
    check_day_two_after_kill(sqlite, killed, *outs)
    r = invoice(s3, wed)
    assert "wed" in r.output
    state = check_day_two(sqlite, *outs)
    assert state == {"issued": 20, "pending": 0, "void": 0}
    assert not unrecorded(sqlite, *outs)

    # --- killed again; its folder deleted; a pending invoice voided; another rerun ---
    s4 = select("s4.xlsx", orders[20:30])
    proc = start("invoice", s4, "-o", thu, *cfg, "--jobs", 1, cwd=folder)
    assert kill_when(proc, lambda: pdf_count(thu) >= 2)
    with Registry(sqlite, read_only=True) as reg:
        pending = [x.number for x in reg.list(state="pending")]
    assert pending, "the kill left no pending invoice"
    r = cli("void", pending[-1], "--reason", "order cancelled by phone", *cfg)
    assert r.exit_code == 0 and "voided" in r.output, r.output  # its run is dead: allowed
    shutil.rmtree(thu)
    invoice(s4, fri, code=1)  # the voided one's order is held: skipped, with its reason
    state = check_day_two(sqlite, *outs)
    assert state == {"issued": 29, "pending": 0, "void": 1}
    assert len(list(fri.glob("*.pdf"))) >= 9  # what thu/ lost is rendered again here

    # --- void an issued invoice, releasing its order ---
    issued_one = manifests(mon)[0]["invoices"][0]["number"]
    r = cli("void", issued_one, "--reason", "wrong customer", "--release-orders", *cfg)
    assert r.exit_code == 0 and "orders invoiceable again" in r.output, r.output
    check_day_two(sqlite, *outs)

    # --- migrate to PostgreSQL; invoice there; the old SQLite refuses ---
    with fresh_pg_database(pg_server_url) as pg:
        r = cli("registry", "migrate", sqlite, pg)
        assert r.exit_code == 0, r.output
        pg_out = folder / "invoices" / "pg"
        invoice(select("s5.xlsx", orders[30:34], "--registry", pg), pg_out, "--registry", pg)
        state = check_day_two(pg, *outs, pg_out)
        assert state == {"issued": 32, "pending": 0, "void": 2}
        r = invoice(select("s6.xlsx", orders[34:36], "--no-registry"), folder / "x", code=2)
        assert "retired" in r.output and "postgresql" in r.output
        with Registry(pg, read_only=True) as reg:
            assert reg.list()[-1].number == "001-001-000000034"


def check_day_two_after_kill(url: str, killed: list[str], *outs: Path) -> None:
    """Right after a kill: the invariants, except that the killed run's issued invoices are in
    no manifest yet (its records were never written); never in two."""
    listed = {i["number"] for m in manifests(*outs) for i in m["invoices"]}
    assert not set(killed) & listed
    with Registry(url, read_only=True) as reg:
        records = reg.list()
    seqs = sorted(r.seq for r in records)
    assert seqs == list(range(1, len(seqs) + 1))
    live = [o for r in records if r.state != "void" for o in r.orders]
    assert len(live) == len(set(live))
    for r in records:
        if r.number in killed:
            assert Path(r.file).is_file() and sha256_file(Path(r.file)) == r.sha256
