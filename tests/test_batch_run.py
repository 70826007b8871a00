"""massinvoice run FOLDER, in-process: exports in, selection sheets and invoices out, safely."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from massinvoice.batch import runner as batch
from massinvoice.batch.lock import LOCK_NAME
from massinvoice.batch.runner import folder_config, run_folder, watch_folder
from massinvoice.cli import main
from massinvoice.registry.numbering import Registry
from tests.conftest import PACKAGED_SAMPLES as SAMPLES
from tests.conftest import SELLER_CONFIG, load_generator
from tests.sheet_tools import listed_orders, mark

FAST = ["--settle", "0.01", "--min-age", "0"]


def make_folder(tmp_path: Path) -> Path:
    """A batch folder made by 'massinvoice init', its seller filled in."""
    folder = tmp_path / "billing"
    assert CliRunner().invoke(main, ["init", str(folder)]).exit_code == 0
    (folder / "massinvoice.toml").write_text(SELLER_CONFIG, "utf-8")
    shutil.copy(SAMPLES / "customers.csv", folder / "customers.csv")
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


def drop_export(folder: Path, n_orders: int, name: str = "orders.xlsx", seed: int = 2611) -> Path:
    """Write an ERP export elsewhere, then move it into the inbox in one go, as a copy ends."""
    gen = load_generator()
    staging = folder.parent / f"staging-{name}"
    gen.write_xlsx(gen.generate(n_orders, seed=seed), staging)
    target = folder / "inbox" / name
    os.replace(staging, target)
    return target


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["run", str(folder), *FAST, *args])


def files(folder: Path, sub: str, pattern: str = "*") -> list[Path]:
    return sorted(p for p in (folder / sub).glob(pattern) if p.is_file())


def issued_records(folder: Path) -> list:
    registry = Registry(folder_config(folder).registry_url)
    try:
        return registry.list(state="issued")
    finally:
        registry.close()


def mark_invoiceable(sheet: Path) -> list[str]:
    """Mark X on every order an invoice can take (one currency per invoice, every line priced:
    an order of 0.00 is never issued), as a clerk would."""
    rows = listed_orders(sheet)
    wanted = [
        order_no
        for order_no, row in rows.items()
        if row["Select"] != "INVOICED!"
        and not {"several currencies", "zero price"}
        & {w.split(" x")[0] for w in str(row.get("Warnings") or "").split(", ")}
    ]
    return mark(sheet, wanted)


def make_sheet(folder: Path, n_orders: int = 8) -> tuple[Path, list[str]]:
    """An export processed into a selection sheet, then marked: (sheet, marked orders)."""
    drop_export(folder, n_orders)
    result = run(folder)
    assert result.exit_code == 0, result.output
    (sheet,) = files(folder, "selections", "orders-selection-*.xlsx")
    return sheet, mark_invoiceable(sheet)


def test_export_becomes_a_selection_sheet_and_is_archived(folder: Path) -> None:
    drop_export(folder, 10)
    result = run(folder)
    assert result.exit_code == 0, result.output
    (sheet,) = files(folder, "selections")
    assert re.fullmatch(r"orders-selection-\d{8}-\d{4}\.xlsx", sheet.name)
    assert files(folder, "inbox") == []
    (archived,) = files(folder, "archive")
    assert re.fullmatch(r"orders-\d{8}-\d{6}\.xlsx", archived.name)
    assert files(folder, "errors") == []
    assert "selection sheet selections/" in result.output and "Processed 1" in result.output
    assert not list((folder / ".massinvoice-state").glob("*")), "no intent left behind"
    assert not (folder / LOCK_NAME).exists()
    log = (folder / "massinvoice.log").read_text("utf-8")
    assert "orders.xlsx: selection sheet" in log


def test_edited_sheet_becomes_invoices_counted_by_the_registry(folder: Path) -> None:
    sheet, marked = make_sheet(folder)
    assert marked
    shutil.copy(sheet, folder / "inbox" / sheet.name)  # saved back into the inbox
    result = run(folder)
    assert result.exit_code == 0, result.output
    n = len(marked)
    assert f": {n}/{n} invoices" in result.output  # progress while the run works
    assert "Done:" in (folder / "STATUS.txt").read_text("utf-8")
    (day,) = (folder / "invoices" / f"{dt.date.today():%Y-%m-%d}").iterdir()  # the run's folder
    assert re.fullmatch(r"run-\d{4}-[0-9a-f]{6}", day.name)
    pdfs = sorted(day.glob("*.pdf"))
    records = issued_records(folder)
    assert len(pdfs) == len(records) == len(marked)
    assert sorted(p.name for p in pdfs) == sorted(f"{r.number}.pdf" for r in records)
    held = [o for r in records for o in r.orders]
    assert sorted(held) == sorted(marked), "each marked order on exactly one invoice"
    assert list(day.glob("runs/*/register.xlsx")) and list(day.glob("runs/*/report.txt"))
    assert files(folder, "inbox") == [] and files(folder, "errors") == []
    assert len(files(folder, "archive", "orders-selection-*.xlsx")) == 1
    assert f"{len(marked)} invoices in invoices/" in result.output


def test_same_sheet_again_issues_nothing_and_is_archived_not_failed(folder: Path) -> None:
    """Also what a crash between invoicing and archiving looks like to the next run."""
    sheet, marked = make_sheet(folder)
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    assert run(folder).exit_code == 0
    before = issued_records(folder)
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    result = run(folder)
    assert result.exit_code == 1, result.output  # partial: every order skipped as invoiced
    assert "skipped" in result.output and "invoiced" in result.output
    assert [r.number for r in issued_records(folder)] == [r.number for r in before]
    assert files(folder, "errors") == [] and files(folder, "inbox") == []
    day = folder / "invoices" / f"{dt.date.today():%Y-%m-%d}"
    first, second = sorted(day.iterdir(), key=lambda p: len(list(p.glob("*.pdf"))), reverse=True)
    assert all(re.fullmatch(r"run-\d{4}-[0-9a-f]{6}", p.name) for p in (first, second))
    assert not list(second.glob("*.pdf")) and list(second.glob("runs/*/report.txt"))
    assert len(sorted(first.glob("*.pdf"))) == len(marked)
    assert [p.name for p in first.iterdir() if p.is_dir()] == ["runs"], "runs never nested"


def test_crash_after_the_outputs_is_finished_without_duplicates(folder: Path, monkeypatch) -> None:
    """Killed after the selection sheet is written, before the export left the inbox."""
    drop_export(folder, 6)
    real_finish = batch._finish

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # like a kill: nothing after this point runs

    monkeypatch.setattr(batch, "_finish", die)
    with pytest.raises(KeyboardInterrupt):
        run_folder(folder, settle_seconds=0, min_age=0)
    assert len(files(folder, "selections")) == 1 and len(files(folder, "inbox")) == 1
    assert not (folder / LOCK_NAME).exists(), "lock released on the way out"
    monkeypatch.setattr(batch, "_finish", real_finish)
    result = run_folder(folder, settle_seconds=0, min_age=0)
    (outcome,) = result.files
    assert outcome.outcome == "done" and "interrupted" in outcome.message
    assert len(files(folder, "selections")) == 1, "the sheet was not made twice"
    assert len(files(folder, "archive")) == 1 and files(folder, "inbox") == []


def test_crash_after_invoicing_then_rerun(folder: Path, monkeypatch) -> None:
    sheet, marked = make_sheet(folder)
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    real_finish = batch._finish
    monkeypatch.setattr(batch, "_finish", lambda *a, **k: (_ for _ in ()).throw(SystemExit(9)))
    with pytest.raises(SystemExit):
        run_folder(folder, settle_seconds=0, min_age=0)
    monkeypatch.setattr(batch, "_finish", real_finish)
    issued = issued_records(folder)
    assert len(issued) == len(marked)
    result = run_folder(folder, settle_seconds=0, min_age=0)
    assert [f.outcome for f in result.files] == ["done"]
    assert len(issued_records(folder)) == len(marked), "nothing issued twice"
    assert files(folder, "inbox") == [] and files(folder, "errors") == []


def test_crash_with_lost_intent_reprocesses_without_error(folder: Path, monkeypatch) -> None:
    """Without its intent record the sheet is invoiced again: nothing new, archived, no error."""
    sheet, marked = make_sheet(folder)
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    real_finish = batch._finish
    monkeypatch.setattr(batch, "_finish", lambda *a, **k: (_ for _ in ()).throw(SystemExit(9)))
    with pytest.raises(SystemExit):
        run_folder(folder, settle_seconds=0, min_age=0)
    monkeypatch.setattr(batch, "_finish", real_finish)
    shutil.rmtree(folder / ".massinvoice-state")
    result = run_folder(folder, settle_seconds=0, min_age=0)
    (outcome,) = result.files
    assert outcome.outcome == "done" and outcome.issued == 0
    assert outcome.skipped_orders == len(marked)
    assert len(issued_records(folder)) == len(marked)
    assert files(folder, "inbox") == [] and files(folder, "errors") == []


def test_crash_inside_select_leaves_no_partial_sheet(folder: Path, monkeypatch) -> None:
    import massinvoice.select.run as selecting

    drop_export(folder, 5)
    real = selecting.select_orders

    def half(exports, out, **kw):
        Path(out).write_bytes(b"half a workbook")
        raise KeyboardInterrupt

    monkeypatch.setattr(selecting, "select_orders", half)
    with pytest.raises(KeyboardInterrupt):
        run_folder(folder, settle_seconds=0, min_age=0)
    monkeypatch.setattr(selecting, "select_orders", real)
    assert files(folder, "selections") == []
    result = run_folder(folder, settle_seconds=0, min_age=0)
    assert [f.outcome for f in result.files] == ["done"]
    assert len(files(folder, "selections")) == 1 and len(files(folder, "archive")) == 1
    assert not list((folder / "selections").glob(".*")), "temporary files cleaned"


def test_bad_files_go_to_errors_with_a_note_while_good_ones_proceed(folder: Path) -> None:
    drop_export(folder, 5)
    (folder / "inbox" / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (folder / "inbox" / "wrong.csv").write_text("Foo,Bar\n1,2\n", "utf-8")
    result = run(folder)
    assert result.exit_code == 1, result.output
    assert len(files(folder, "selections")) == 1
    errors = [p.name for p in files(folder, "errors")]
    assert len(errors) == 4, errors
    for stem, suffix in (("broken", ".xlsx"), ("wrong", ".csv")):
        (moved,) = files(folder, "errors", f"{stem}-*{suffix}")
        note = moved.with_name(moved.name + ".error.txt").read_text("utf-8")
        assert f"{stem}{suffix}" in note and f"errors/{moved.name}" in note
        assert "WHAT HAPPENED" in note and "WHAT TO DO NEXT" in note and "inbox" in note
        assert "massinvoice.log" in note
        ref = re.search(r"Reference: (\S+)", note).group(1)
        assert ref in (folder / "massinvoice.log").read_text("utf-8")
    note = next(iter(files(folder, "errors", "wrong-*.error.txt"))).read_text("utf-8")
    assert "PROBLEMS TO FIX" in note and "wrong.csv" in note
    assert "Failed 2" in result.output or "failed 2" in result.output
    assert files(folder, "inbox") == []
    assert len(files(folder, "archive")) == 1, "failed inputs are not archived"


def test_placeholder_seller_refuses_invoicing_but_selects(folder: Path) -> None:
    sheet, _ = make_sheet(folder)
    from massinvoice.batch.scaffold import config_text

    (folder / "massinvoice.toml").write_text(config_text("es"), "utf-8")
    shutil.copy(sheet, folder / "inbox" / sheet.name)
    drop_export(folder, 4, name="more.xlsx")
    result = run(folder)
    assert result.exit_code == 1
    assert issued_records(folder) == []
    (note,) = files(folder, "errors", "*.error.txt")
    text = note.read_text("utf-8")
    assert "massinvoice.toml" in text and "seller_placeholder" in text
    assert "QUÉ HACER AHORA" in text, "the note speaks the folder's language"
    assert len(files(folder, "selections", "more-selection-*.xlsx")) == 1


def test_lock_and_temp_files_are_left_alone(folder: Path) -> None:
    inbox = folder / "inbox"
    junk = {"~$orders.xlsx": b"owner", ".~lock.orders.xlsx#": b"owner",
            "copy.tmp": b"x", ".DS_Store": b"x", "old.xlsx.error.txt": b"note"}  # fmt: skip
    for name, data in junk.items():
        (inbox / name).write_bytes(data)
    result = run(folder)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in inbox.iterdir()) == sorted(junk)
    assert files(folder, "errors") == [] and files(folder, "archive") == []
    assert "Nothing waiting" in result.output


def test_a_file_open_in_excel_waits_until_closed(folder: Path) -> None:
    drop_export(folder, 4)
    owner = folder / "inbox" / "~$orders.xlsx"
    owner.write_bytes(b"owner")
    result = run_folder(folder, settle_seconds=0, min_age=0)
    assert [(f.outcome, f.input.name) for f in result.files] == [("skipped", "orders.xlsx")]
    owner.unlink()
    result = run_folder(folder, settle_seconds=0, min_age=0)
    assert [f.outcome for f in result.files] == ["done"]


def test_a_file_just_written_waits_for_the_next_pass(folder: Path) -> None:
    path = drop_export(folder, 4)
    result = run_folder(folder, settle_seconds=0, min_age=60)
    assert [f.outcome for f in result.files] == ["skipped"]
    assert "moments ago" in result.files[0].message and path.exists()
    past = time.time() - 120
    os.utime(path, (past, past))
    result = run_folder(folder, settle_seconds=0, min_age=60)
    assert [f.outcome for f in result.files] == ["done"]


def test_a_growing_file_is_left_until_complete(folder: Path) -> None:
    growing = folder / "inbox" / "big.csv"
    growing.write_text("Order #,Bill Customer\n", "utf-8")
    stop = threading.Event()

    def keep_copying() -> None:
        with growing.open("a", encoding="utf-8") as f:
            while not stop.is_set():
                f.write("PO-1,ACME\n")
                f.flush()
                time.sleep(0.02)

    writer = threading.Thread(target=keep_copying)
    writer.start()
    try:
        time.sleep(0.05)
        result = run_folder(folder, settle_seconds=0.3, min_age=0)
    finally:
        stop.set()
        writer.join()
    assert [f.outcome for f in result.files] == ["skipped"]
    assert "still being copied" in result.files[0].message
    assert growing.exists() and files(folder, "errors") == []


def test_a_live_lock_makes_run_exit_1_and_touch_nothing(folder: Path) -> None:
    drop_export(folder, 3)
    (folder / LOCK_NAME).write_text(json.dumps({"host": "cron-box", "pid": 4242, "time": "now"}))
    result = run(folder)
    assert result.exit_code == 1
    assert "another massinvoice" in result.output and "cron-box" in result.output
    assert len(files(folder, "inbox")) == 1 and files(folder, "selections") == []


def test_a_stale_lock_is_taken_over(folder: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    drop_export(folder, 3)
    lock = {"host": socket.gethostname(), "pid": proc.pid, "time": "2026-11-26T03:00:00"}
    (folder / LOCK_NAME).write_text(json.dumps(lock))
    result = run_folder(folder, settle_seconds=0, min_age=0)
    assert result.took_over["pid"] == proc.pid
    assert [f.outcome for f in result.files] == ["done"]
    assert not (folder / LOCK_NAME).exists()
    assert "took over a stale lock" in (folder / "massinvoice.log").read_text("utf-8")


def test_not_a_batch_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(tmp_path)])
    assert result.exit_code == 2
    assert "massinvoice init" in result.output


def test_names_use_the_given_time(folder: Path) -> None:
    drop_export(folder, 3)
    now = dt.datetime(2026, 11, 26, 14, 5, 12)
    result = run_folder(folder, settle_seconds=0, min_age=0, now=now)
    (outcome,) = result.files
    assert outcome.outputs == (folder.resolve() / "selections/orders-selection-20261126-1405.xlsx",)
    assert outcome.moved_to == folder.resolve() / "archive/orders-20261126-140512.xlsx"


def test_watch_processes_then_stops_when_asked(folder: Path) -> None:
    drop_export(folder, 3)
    stop = threading.Event()
    seen = []

    def on_pass(result) -> None:
        seen.append(result)
        if len(seen) == 2:
            stop.set()

    passes = watch_folder(folder, 0.05, stop, on_pass=on_pass, settle_seconds=0, min_age=0)
    assert passes == 2
    assert [f.outcome for f in seen[0].files] == ["done"] and seen[1].files == ()


def test_watch_waits_out_a_busy_folder(folder: Path) -> None:
    drop_export(folder, 3)
    lock = folder / LOCK_NAME
    lock.write_text(json.dumps({"host": "cron-box", "pid": 1}))
    messages: list[str] = []
    threading.Timer(0.3, lock.unlink).start()
    watch_folder(folder, 0.1, echo=messages.append, max_passes=8, settle_seconds=0, min_age=0)
    assert any("busy (host cron-box" in m for m in messages)
    assert len(files(folder, "selections")) == 1
