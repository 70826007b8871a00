"""Day two (issue 14): every number and every order accounted for, whatever people do.

Each test is one of the faults found on the second day of use, met the way a person meets it:
through the ``massinvoice`` command (in-process, with click's runner), then checked through the
registry and the run records (see ``tests/day_two_tools.py``).
"""

from __future__ import annotations

import csv
import errno
import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from massinvoice.cli import main
from massinvoice.config import load_config
from massinvoice.files import sha256_file
from massinvoice.readback.selection import read_selection
from massinvoice.registry.numbering import Registry
from tests.day_two_tools import check_day_two, manifests
from tests.fault_tools import export_rows, prepare, write_csv
from tests.sheet_tools import mark


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def url_of(workspace: Path) -> str:
    return f"sqlite:///{workspace / 'massinvoice.sqlite'}"


def select(b, out: Path, *extra: object, marks: list[str] | None = None) -> Path:
    r = cli("select", b.export, "-o", out, "--config", b.config_path, *extra)
    assert r.exit_code == 0, r.output
    if marks is not None:
        mark(out, marks)
    return out


def invoice(b, sheet: Path, out: Path, *extra: object):
    return cli("invoice", sheet, "-o", out, "--config", b.config_path, "--jobs", 1, *extra)


def numbers(workspace: Path, state: str | None = None) -> list[str]:
    with Registry(url_of(workspace), read_only=True) as reg:
        return [r.number for r in reg.list(state=state)]


# --- 1. the registry has an identity ----------------------------------------------------------


def test_1_a_deleted_registry_is_an_error_never_a_fresh_numbering(workspace):
    b = prepare(workspace, 3)
    registry = workspace / "massinvoice.sqlite"
    registry.unlink()
    r = invoice(b, b.sheet, workspace / "out")
    assert r.exit_code == 2, r.output
    assert f"no registry at {registry}" in r.output and "massinvoice init" in r.output
    assert "Traceback" not in r.output
    assert not registry.exists() and not list((workspace / "out").glob("**/*.pdf"))


def test_1_an_emptied_registry_is_refused_and_earlier_pdfs_stay(workspace):
    b = prepare(workspace, 3)
    assert invoice(b, b.sheet, workspace / "out").exit_code == 0
    before = {p.name: sha256_file(p) for p in (workspace / "out").glob("*.pdf")}
    (workspace / "massinvoice.sqlite").write_bytes(b"")  # truncate -s0
    r = invoice(b, b.sheet, workspace / "out")
    assert r.exit_code == 2 and "empty file (0 bytes)" in r.output, r.output
    assert {p.name: sha256_file(p) for p in (workspace / "out").glob("*.pdf")} == before


def test_1_a_typo_in_the_registry_url_is_refused(workspace):
    b = prepare(workspace, 2)
    typo = workspace / "typo.sqlite"
    r = invoice(b, b.sheet, workspace / "out", "--registry", f"sqlite:///{typo}")
    assert r.exit_code == 2 and f"no registry at {typo}" in r.output, r.output
    assert not typo.exists() and numbers(workspace) == []


def test_1_migrate_from_the_wrong_folder_refuses_the_missing_source(
    workspace, tmp_path, monkeypatch
):
    b = prepare(workspace, 2)
    assert invoice(b, b.sheet, workspace / "out").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "shared.sqlite"
    r = cli("registry", "migrate", "sqlite:///massinvoice.sqlite", f"sqlite:///{target}")
    assert r.exit_code == 2 and "no registry at" in r.output, r.output
    assert not (elsewhere / "massinvoice.sqlite").exists() and not target.exists()


def test_1_a_migrated_registry_is_retired_and_refuses_to_number(workspace, tmp_path):
    b = prepare(workspace, 4)
    first = select(b, workspace / "a.xlsx", marks=["F-00001", "F-00002"])
    assert invoice(b, first, workspace / "out").exit_code == 0
    new = f"sqlite:///{tmp_path / 'new.sqlite'}"
    r = cli("registry", "migrate", url_of(workspace), new)
    assert r.exit_code == 0 and "refuses to number" in r.output, r.output
    second = select(b, workspace / "b.xlsx", marks=["F-00003"])
    r = invoice(b, second, workspace / "out2")  # a machine that did not switch
    assert r.exit_code == 2 and "retired" in r.output and "new.sqlite" in r.output, r.output
    r = invoice(b, second, workspace / "out2", "--registry", new)
    assert r.exit_code == 0, r.output
    with Registry(new) as reg:
        assert [x.number for x in reg.list()][-1] == "001-001-000000003"


def test_1_init_creates_the_registry(tmp_path):
    r = cli("init", tmp_path / "billing")
    assert r.exit_code == 0 and (tmp_path / "billing" / "massinvoice.sqlite").is_file()
    with Registry(f"sqlite:///{tmp_path / 'billing' / 'massinvoice.sqlite'}") as reg:
        assert reg.identity.id and not reg.identity.retired_to


# --- 2. each run's records are its own ---------------------------------------------------------


def test_2_a_second_run_into_the_same_folder_keeps_both_runs_records(workspace):
    b = prepare(workspace, 6)
    out = workspace / "out"
    morning = select(b, workspace / "am.xlsx", marks=["F-00001", "F-00002", "F-00003"])
    assert invoice(b, morning, out, "--merged").exit_code == 0
    (first,) = list(out.glob("runs/*"))
    kept = {p.name: sha256_file(p) for p in first.iterdir()}
    afternoon = select(b, workspace / "pm.xlsx", marks=["F-00004", "F-00005"])
    assert invoice(b, afternoon, out, "--merged").exit_code == 0
    assert {p.name: sha256_file(p) for p in first.iterdir()} == kept  # nothing replaced
    runs = manifests(out)
    assert [[i["number"][-1] for i in m["invoices"]] for m in runs] == [["1", "2", "3"], ["4", "5"]]
    for m in runs:
        assert {"register.xlsx", "report.txt", "invoices.csv", "merged.pdf", "manifest.json"} <= {
            p.name for p in (out / "runs").glob(f"*{m['run_id'][:8]}/*")
        }
    index = list(csv.DictReader((out / "runs.csv").read_text("utf-8-sig").splitlines()))
    assert [row["Invoices"] for row in index] == ["3", "2"]
    check_day_two(url_of(workspace), out)


def test_2_after_output_write_failed_the_rerun_records_what_was_issued(workspace, monkeypatch):
    b = prepare(workspace, 3)
    from massinvoice.invoice import outputs

    def full_disk(path, result, *language):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with monkeypatch.context() as m:
        m.setattr(outputs, "write_register", full_disk)
        r = invoice(b, b.sheet, workspace / "out")
    assert r.exit_code == 2 and "3 invoices issued" in r.output, r.output
    assert manifests(workspace / "out") == []
    r = invoice(b, b.sheet, workspace / "out")  # the tool's advice: run the same command again
    assert r.exit_code == 0, r.output
    (rerun,) = manifests(workspace / "out")
    assert len(rerun["invoices"]) == 3 and all(i["adopted"] for i in rerun["invoices"])
    assert check_day_two(url_of(workspace), workspace / "out")["issued"] == 3


def interrupt_after(monkeypatch, issued: int) -> None:
    """Ctrl-C (KeyboardInterrupt) in the run once ``issued`` invoices are marked issued."""
    original = Registry.mark_issued
    count = [0]

    def mark_then_interrupt(self, number, file, sha256):
        original(self, number, file, sha256)
        count[0] += 1
        if count[0] == issued:
            raise KeyboardInterrupt

    monkeypatch.setattr(Registry, "mark_issued", mark_then_interrupt)


def test_2_3_after_ctrl_c_a_rerun_elsewhere_records_all_and_never_writes_the_old_folder(
    workspace, monkeypatch
):
    b = prepare(workspace, 4)
    monday, tuesday = workspace / "monday", workspace / "tuesday"
    with monkeypatch.context() as m:
        interrupt_after(m, 2)
        r = invoice(b, b.sheet, monday)
    assert r.exit_code != 0 and manifests(monday) == []
    assert len(numbers(workspace, "issued")) == 2 and len(numbers(workspace, "pending")) == 2
    before = sorted(
        (p.relative_to(monday), sha256_file(p)) for p in monday.rglob("*") if p.is_file()
    )
    r = invoice(b, b.sheet, tuesday)
    assert r.exit_code == 0, r.output
    assert "tuesday" in r.output
    after = sorted(
        (p.relative_to(monday), sha256_file(p)) for p in monday.rglob("*") if p.is_file()
    )
    assert after == before  # -o tuesday never writes into monday/
    (record,) = manifests(tuesday)
    assert len(record["invoices"]) == 4
    assert check_day_two(url_of(workspace), monday, tuesday) == {
        "issued": 4,
        "pending": 0,
        "void": 0,
    }
    assert len(list(tuesday.glob("*.pdf"))) == 2  # the two pending ones, rendered here


def test_3_the_interrupted_runs_folder_deleted_the_rerun_finishes_everything(
    workspace, monkeypatch
):
    b = prepare(workspace, 4)
    monday, tuesday = workspace / "monday", workspace / "tuesday"
    with monkeypatch.context() as m:
        interrupt_after(m, 2)
        invoice(b, b.sheet, monday)
    shutil.rmtree(monday)
    r = invoice(b, b.sheet, tuesday)
    assert r.exit_code == 0, r.output
    assert check_day_two(url_of(workspace), tuesday) == {"issued": 4, "pending": 0, "void": 0}
    assert len(list(tuesday.glob("*.pdf"))) == 4  # the lost ones rendered again, recorded here
    assert not monday.exists()


# --- 4. a dry run never touches the registry ----------------------------------------------------


def test_4_a_dry_run_after_real_runs_works_and_changes_nothing(workspace):
    b = prepare(workspace, 5)
    first = select(b, workspace / "a.xlsx", marks=["F-00001", "F-00002"])
    assert invoice(b, first, workspace / "out").exit_code == 0
    registry = workspace / "massinvoice.sqlite"
    before = sha256_file(registry)
    preview = select(b, workspace / "b.xlsx", marks=["F-00003", "F-00004", "F-00005"])
    r = cli("invoice", preview, "-o", workspace / "preview", "--config", b.config_path,
            "--dry-run", "--jobs", 2)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Issued 3 draft previews" in r.output
    assert sha256_file(registry) == before
    assert len(list((workspace / "preview").glob("runs/*draft*/DRAFT-*.pdf"))) == 3
    assert numbers(workspace) == ["001-001-000000001", "001-001-000000002"]


# --- 5. an order that only looks like an invoiced one is held back -----------------------------


def test_5_look_alike_order_numbers_are_held_back(workspace):
    rows = export_rows(2)
    rows[1:] = [[("000123" if r[0] == "F-00001" else "PO-000123"), *r[1:]] for r in rows[1:]]
    b = prepare(workspace, 1)
    b.export = write_csv(workspace / "orders.csv", rows)
    first = select(b, workspace / "a.xlsx", marks=["000123", "PO-000123"])
    assert invoice(b, first, workspace / "out").exit_code == 0
    assert len(numbers(workspace)) == 2
    # the export re-saved by Excel: leading zeros lost, someone lower-cased a PO
    rows[1:] = [[("123" if r[0] == "000123" else "po-000123"), *r[1:]] for r in rows[1:]]
    b.export = write_csv(workspace / "orders.csv", rows)
    shown = select(b, workspace / "shown.xlsx")
    gray = openpyxl.load_workbook(shown)["Selection"]
    assert sum(1 for row in gray.iter_rows(values_only=True) if "INVOICED!" in row) == 2
    blind = select(b, workspace / "b.xlsx", "--no-registry", marks=["123", "po-000123"])
    r = invoice(b, blind, workspace / "out2")
    assert r.exit_code == 1 and "looks like order 000123" in r.output, r.output
    assert len(numbers(workspace)) == 2  # never invoiced again


# --- 6. the hidden sheet is not trusted ----------------------------------------------------------


def test_6_an_edited_hidden_sheet_cannot_invoice_an_erp_invoiced_order(workspace):
    rows = export_rows(2)
    rows[0].append("Invoice #")
    for r in rows[1:]:
        r.append("ERP-77" if r[0] == "F-00001" else "")
    b = prepare(workspace, 1)
    b.export = write_csv(workspace / "orders.csv", rows)
    sheet = select(b, workspace / "s.xlsx")
    book = openpyxl.load_workbook(sheet)
    for ws in book.worksheets:  # unprotect, type X on the gray row, clear what says invoiced
        ws.protection.sheet = False
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in ("ERP-77", "INVOICED!", "INVOICED", "Invoiced"):
                    cell.value = "X" if cell.value == "INVOICED!" else (
                        "PACKED" if cell.value == "INVOICED" else None)  # fmt: skip
    book.save(sheet)
    config = load_config(b.config_path)
    fooled = [o.order_no for o in read_selection(sheet, config=config).orders]
    assert "F-00001" in fooled  # the edited sheet alone would have it invoiced
    r = invoice(b, sheet, workspace / "out")
    assert r.exit_code == 1 and "invoiced as ERP-77" in r.output, r.output
    with Registry(url_of(workspace)) as reg:
        assert "F-00001" not in reg.invoiced(include_void=True)


# --- 7. void says what is true -------------------------------------------------------------------


def test_7_void_refuses_a_pending_invoice_of_a_live_run(workspace):
    import datetime as dt
    from decimal import Decimal

    from massinvoice.registry.numbering import Draft

    b = prepare(workspace, 1)
    with Registry(url_of(workspace)) as reg:  # a run in progress in this (live) process
        run = reg.start_run({})
        (pending,), _ = reg.reserve(load_config(b.config_path).series, [
            Draft(("F-00001",), "X", dt.date(2026, 11, 20), "USD", Decimal("1.00"), {})], run)  # fmt: skip
    r = cli("void", pending.number, "--reason", "oops", "--config", b.config_path)
    assert r.exit_code == 2 and "being issued right now" in r.output, r.output
    with Registry(url_of(workspace)) as reg:
        assert reg.get(pending.number).state == "pending"


def test_7_repeated_voids_and_releases_say_truthfully_what_changed(workspace):
    b = prepare(workspace, 2)
    first = select(b, workspace / "a.xlsx", marks=["F-00001"])
    assert invoice(b, first, workspace / "out").exit_code == 0
    (one,) = numbers(workspace)
    r = cli(
        "void", one, "--reason", "wrong customer", "--release-orders", "--config", b.config_path
    )
    assert r.exit_code == 0 and "orders invoiceable again: F-00001" in r.output, r.output
    again = select(b, workspace / "b.xlsx", marks=["F-00001"])
    assert invoice(b, again, workspace / "out").exit_code == 0
    two = numbers(workspace)[-1]
    r = cli("void", one, "--reason", "typo", "--release-orders", "--config", b.config_path)
    assert r.exit_code == 0, r.output
    assert "already void" in r.output and "wrong customer" in r.output
    assert f"order F-00001 is on live invoice {two}" in r.output
    assert "orders invoiceable again" not in r.output
    r = cli("void", one, "--reason", "another reason", "--config", b.config_path)
    assert "already void" in r.output and "is not recorded" in r.output
    with Registry(url_of(workspace)) as reg:
        assert reg.get(one).reason == "wrong customer"
    check_day_two(url_of(workspace), workspace / "out")


# --- 8. config mistakes: found at load, all together ---------------------------------------------

BAD_CONFIG = """\
invoice_date = "20/11/2026"
strict = ["zero_prise"]
[seller]
name = "Flores S.A."
tax_id = 1791234567001
address = 12
[series]
format = "001-001-000000001"
start = "one hundred"
[limits]
max_file_mb = "200"
"""


def test_8_config_mistakes_are_all_reported_at_load_without_traceback(workspace):
    b = prepare(workspace, 1)
    b.config_path.write_text(BAD_CONFIG, encoding="utf-8")
    r = invoice(b, b.sheet, workspace / "out")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    for key in ("invoice_date", "strict", "seller.tax_id", "seller.address", "series.format",
                "series.start", "limits.max_file_mb"):  # fmt: skip
        assert key in r.output, key
    assert 'tax_id = "1791234567001"' in r.output and "did you mean 'zero_price'" in r.output
    assert numbers(workspace) == []


def test_8_negative_start_bom_and_strict_as_one_code(workspace):
    path = workspace / "massinvoice.toml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace('format = "001-001-{seq:09d}"', 'format = "001-001-{seq:09d}"\nstart = -5')
    )
    r = cli("registry", "list", "--config", path)
    assert r.exit_code == 2 and "series.start" in r.output and "1 or more" in r.output
    path.write_text('seller = "Flores S.A."\n', encoding="utf-8")  # a string for a table
    r = cli("registry", "list", "--config", path)
    assert r.exit_code == 2 and "expected a table [seller]" in r.output, r.output
    path.write_bytes("\ufeff".encode() + f'strict = "zero_price"\n{text}'.encode())  # Notepad
    config = load_config(path)
    assert config.strict == ("zero_price",) and config.seller.name


def test_8_a_start_raised_for_an_existing_series_is_refused_unless_asked(workspace):
    b = prepare(workspace, 3)
    assert (
        invoice(b, select(b, workspace / "a.xlsx", marks=["F-00001"]), workspace / "o").exit_code
        == 0
    )
    path = b.config_path
    path.write_text(path.read_text("utf-8").replace('format = "001-001-{seq:09d}"',
                                                    'format = "001-001-{seq:09d}"\nstart = 100'))  # fmt: skip
    sheet = select(b, workspace / "b.xlsx", marks=["F-00002"])
    r = invoice(b, sheet, workspace / "o")
    assert r.exit_code == 2 and "start = 100" in r.output and "--raise-start" in r.output, r.output
    r = invoice(b, sheet, workspace / "o", "--raise-start")
    assert r.exit_code == 0, r.output
    assert numbers(workspace) == ["001-001-000000001", "001-001-000000100"]


def test_8_invoice_refuses_the_placeholder_seller_of_init(tmp_path, workspace):
    b = prepare(workspace, 1)
    assert cli("init", tmp_path / "fresh").exit_code == 0
    r = cli(
        "invoice",
        b.sheet,
        "-o",
        tmp_path / "out",
        "--config",
        tmp_path / "fresh" / "massinvoice.toml",
    )
    assert r.exit_code == 2 and "example values" in r.output, r.output
    with Registry(f"sqlite:///{tmp_path / 'fresh' / 'massinvoice.sqlite'}") as reg:
        assert reg.list() == []


# --- 9. inputs that are not what they seem -------------------------------------------------------


def test_9_a_csv_cut_short_in_its_last_line_is_refused(workspace):
    b = prepare(workspace, 3)
    data = b.export.read_bytes()
    cut = data.rstrip(b"\r\n").rsplit(b",", 2)[0] + b",0.1"  # a copy stalled in its last line
    b.export.write_bytes(cut)
    r = cli("select", b.export, "-o", workspace / "s2.xlsx", "--config", b.config_path)
    assert r.exit_code == 2 and "cut short" in r.output, r.output
    b.export.write_bytes(data.rstrip(b"\r\n"))  # complete, only no final line break: fine
    assert (
        cli("select", b.export, "-o", workspace / "s3.xlsx", "--config", b.config_path).exit_code
        == 0
    )


def test_9_select_never_overwrites_its_export_or_an_accountants_marks(workspace, make_export):
    b = prepare(workspace, 3)
    xlsx = make_export(4)
    before = sha256_file(xlsx)
    r = cli("select", xlsx, "-o", xlsx, "--config", b.config_path)
    assert r.exit_code == 2 and "replace the export" in r.output and sha256_file(xlsx) == before
    marked = sha256_file(b.sheet)  # prepare marked every row
    r = cli("select", b.export, "-o", b.sheet, "--config", b.config_path)
    assert r.exit_code == 2 and "3 order(s) marked" in r.output and sha256_file(b.sheet) == marked
    r = cli("select", b.export, "-o", b.sheet, "--config", b.config_path, "--force")
    assert r.exit_code == 0, r.output


def test_9_a_selection_workbook_given_to_select_is_recognised(workspace, tmp_path):
    b = prepare(workspace, 3)
    r = cli("select", b.sheet, "-o", workspace / "new.xlsx", "--config", b.config_path)
    assert r.exit_code == 2 and "is a selection workbook" in r.output, r.output
    resaved = workspace / "resaved.csv"  # File > Save As > CSV of the Selection sheet
    with open(resaved, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            openpyxl.load_workbook(b.sheet)["Selection"].iter_rows(values_only=True)
        )
    r = cli("select", resaved, "-o", workspace / "new.xlsx", "--config", b.config_path)
    assert r.exit_code == 2 and "is a selection workbook" in r.output, r.output
    assert not (workspace / "new.xlsx").exists()


def test_9_a_selection_resaved_as_csv_in_the_inbox_goes_to_errors(tmp_path, workspace):
    b = prepare(workspace, 2)
    folder = tmp_path / "billing"
    assert cli("init", folder).exit_code == 0
    inbox = folder / "inbox" / "selection.csv"
    with open(inbox, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            openpyxl.load_workbook(b.sheet)["Selection"].iter_rows(values_only=True)
        )
    import os
    import time

    old = time.time() - 60
    os.utime(inbox, (old, old))
    r = cli("run", folder, "--settle", 0, "--min-age", 0)
    assert "failed 1" in r.output, r.output
    (note,) = (folder / "errors").glob("*.error.txt")
    assert "selection workbook" in note.read_text("utf-8")
    assert not list((folder / "selections").glob("*"))


def test_2_stopped_after_writing_its_manifest_a_run_is_not_recorded_twice(workspace, monkeypatch):
    b = prepare(workspace, 3)
    original = Registry.finish_run

    def stop_before_saying_so(self, run_id, summary, *, recorded=True):
        if recorded:
            raise KeyboardInterrupt  # the manifest is written, the registry not told
        original(self, run_id, summary, recorded=recorded)

    with monkeypatch.context() as m:
        m.setattr(Registry, "finish_run", stop_before_saying_so)
        invoice(b, b.sheet, workspace / "out")
    assert len(manifests(workspace / "out")) == 1
    r = invoice(b, b.sheet, workspace / "out")
    assert r.exit_code == 1 and "Issued 0 invoices" in r.output, r.output
    assert check_day_two(url_of(workspace), workspace / "out")["issued"] == 3


def test_3_a_damaged_pdf_of_an_unrecorded_invoice_is_listed_once_and_never_replaced(
    workspace, monkeypatch
):
    b = prepare(workspace, 3)
    out = workspace / "out"
    with monkeypatch.context() as m:
        interrupt_after(m, 2)
        invoice(b, b.sheet, out)
    damaged = out / "001-001-000000001.pdf"
    damaged.write_bytes(b"%PDF-1.7 someone saved over it")
    r = invoice(b, b.sheet, out)
    assert r.exit_code == 1 and "never replaced" in r.output, r.output
    assert damaged.read_bytes() == b"%PDF-1.7 someone saved over it"
    (record,) = manifests(out)
    assert sorted(i["number"][-1] for i in record["invoices"]) == ["1", "2", "3"]
