"""A parallel invoice run makes exactly what a serial run makes: numbers, text and PDF bytes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from massinvoice.config import load_config
from massinvoice.invoice.pool import MAX_DEFAULT_JOBS, default_jobs
from massinvoice.invoice.run import InvoiceOptions, invoice_selection
from massinvoice.registry.numbering import Registry
from tests.sheet_tools import mark, never_invoiced

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def billing(make_selection):
    """A config and a selection workbook with every invoiceable order of 30 marked."""
    config, export, sheet = make_selection(30)
    marked = mark(sheet, skip=never_invoiced(export, config))
    assert len(marked) > 10
    return config, sheet


def run(config, sheet: Path, folder: Path, jobs: int, group_by: str = "order"):
    """An invoice run with its own registry, so that both runs start from the same numbers."""
    url = f"sqlite:///{folder / 'registry.sqlite'}"
    folder.mkdir(parents=True, exist_ok=True)
    Registry(url, create=True).close()  # as 'massinvoice init' makes it
    options = InvoiceOptions(jobs=jobs, group_by=group_by, today=TODAY, registry_url=url)
    return invoice_selection(sheet, folder / "out", config=config, options=options)


def pages_text(path: str) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def registry_rows(folder: Path) -> list[tuple]:
    with Registry(f"sqlite:///{folder / 'registry.sqlite'}") as registry:
        return [(r.number, r.state, r.orders, r.total, r.sha256) for r in registry.list()]


@pytest.mark.slow
@pytest.mark.parametrize("group_by", ["order", "customer"])
def test_a_parallel_run_gives_the_serial_numbers_text_and_bytes(billing, tmp_path, group_by):
    config, sheet = billing
    serial = run(config, sheet, tmp_path / "serial", 1, group_by)
    parallel = run(config, sheet, tmp_path / "parallel", 3, group_by)

    def numbered(result):
        return [(i.number, i.orders, i.total, i.sha256) for i in result.issued]

    assert numbered(parallel) == numbered(serial)
    assert len(serial.issued) > 5
    for one, other in zip(serial.issued, parallel.issued, strict=True):
        assert Path(one.file).name == Path(other.file).name == f"{one.number}.pdf"
        text = pages_text(one.file)
        assert one.number in text[0]
        assert pages_text(other.file) == text
        assert Path(other.file).read_bytes() == Path(one.file).read_bytes()
    assert registry_rows(tmp_path / "parallel") == registry_rows(tmp_path / "serial")
    assert all(state == "issued" for _, state, *_ in registry_rows(tmp_path / "parallel"))

    def manifest(folder):
        (path,) = (folder / "out" / "runs").glob("*/manifest.json")
        data = json.loads(path.read_text())
        return data["invoices"], data["orders"]

    assert manifest(tmp_path / "parallel") == manifest(tmp_path / "serial")
    assert parallel.control_ok and parallel.issued_totals == serial.issued_totals


def test_default_jobs_is_one_per_usable_cpu_within_bounds():
    assert 1 <= default_jobs() <= MAX_DEFAULT_JOBS


def test_a_render_process_whose_run_died_before_it_started_exits(workspace) -> None:
    """The run passes its own process id: a render process started just as the run was killed
    (its parent already gone when it starts) exits instead of waiting forever for work."""
    import os
    import subprocess
    import sys
    import time

    from massinvoice.invoice import pool as render_pool

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that is no one's parent any more
    config = load_config(workspace / "massinvoice.toml")
    pid = os.fork()
    if pid == 0:  # the render process: never returns
        try:
            render_pool.init_worker(config, gone.pid)
            time.sleep(30)  # the work it would wait for
        finally:
            os._exit(0)
    start = time.monotonic()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1 and time.monotonic() - start < 15
