"""Work handed to a forked process: its result, its failure, and the same bytes either way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from massinvoice import forking
from massinvoice.forking import Forked
from massinvoice.readback.selection import read_selection
from massinvoice.select import xmlrows as selection_xml
from tests.test_selection_fixtures import CONFIG, HOSTILE, order, sample_orders, write

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")


def test_a_forked_result_comes_back() -> None:
    child = Forked(lambda: {"pid": os.getpid(), "sum": sum(range(10))})
    finished, value = child.result()
    assert finished and value["sum"] == 45 and value["pid"] != os.getpid()


def test_a_failing_child_reports_failure_not_a_value() -> None:
    def fail() -> None:
        raise RuntimeError("boom")

    assert Forked(fail).result() == (False, None)
    assert Forked(lambda: os._exit(3)).result() == (False, None)


def test_a_child_no_longer_wanted_is_killed_and_reaped() -> None:
    child = Forked(lambda: __import__("time").sleep(60))
    assert child.result(kill=True) == (False, None)
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # already reaped: no zombie left
    with pytest.raises(RuntimeError):
        child.result()


ODD = (*HOSTILE, "x_x000D_y", "a\rb", "<&>", "  padded  ")


def _orders() -> list:
    return [*sample_orders(), *(order(f"HX-{i}", bill_customer=t) for i, t in enumerate(ODD))]


def test_the_hidden_sheet_is_the_same_rendered_apart_or_here(tmp_path: Path, monkeypatch) -> None:
    apart = write(tmp_path, _orders(), name="apart.xlsx", select_all=True)
    monkeypatch.setattr(selection_xml, "two_cores", lambda: False)
    here = write(tmp_path, _orders(), name="here.xlsx", select_all=True)
    assert apart.read_bytes() == here.read_bytes()
    book = CalamineWorkbook.from_path(str(apart))
    cells = {v for row in book.get_sheet_by_name("_massinvoice").to_python() for v in row}
    assert set(ODD) <= cells  # inline text, escaped, read back as written
    selected = {o.order_no: o for o in read_selection(apart, config=CONFIG).orders}
    assert {selected[f"HX-{i}"].bill_customer for i in range(len(ODD))} == set(ODD)


def test_a_failed_render_apart_is_done_here(tmp_path: Path, monkeypatch) -> None:
    expected = write(tmp_path, _orders(), name="expected.xlsx").read_bytes()

    def crash(sheet, path) -> None:
        path.write_bytes(b"<row>half a sheet")
        os._exit(9)

    monkeypatch.setattr(selection_xml, "_render_to", crash)
    assert forking.two_cores() or pytest.skip("one core: nothing is forked")
    assert write(tmp_path, _orders(), name="again.xlsx").read_bytes() == expected
    leftovers = [p for p in Path(selection_xml.tempfile.gettempdir()).glob("massinvoice-*.xml")]
    assert not [p for p in leftovers if p.stat().st_mtime >= tmp_path.stat().st_mtime]


def test_no_fork_while_another_thread_runs() -> None:
    import threading

    assert forking.can_fork()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forking.can_fork() and not forking.two_cores()
    finally:
        stop.set()
        other.join()
    assert forking.can_fork()
