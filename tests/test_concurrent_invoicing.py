"""Four processes invoice overlapping selections at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from massinvoice.config import load_config
from massinvoice.files import sha256_file
from massinvoice.read import load_export
from massinvoice.registry.numbering import Registry
from massinvoice.select.run import select_orders
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401
from tests.sheet_tools import mark

PROCESSES = 4


@pytest.mark.slow
def test_four_runs_on_overlapping_selections_invoice_each_order_once(
    workspace,
    make_export,
    registry_url,  # noqa: F811
):
    config = load_config(workspace / "massinvoice.toml")
    export = make_export(260)
    orders = load_export([export], config)
    invoiceable = [o.order_no for o in orders if o.invoiceable and len(o.currencies) == 1][:200]
    assert len(invoiceable) == 200
    # sheet k leaves out every 4th order starting at k: each order is on three of the four sheets
    sheets = []
    for k in range(PROCESSES):
        sheet = workspace / f"selection-{k}.xlsx"
        select_orders([export], sheet, config=config, registry_url=registry_url)
        mark(sheet, [o for i, o in enumerate(invoiceable) if i % PROCESSES != k])
        sheets.append(sheet)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "massinvoice",
                "invoice",
                str(sheet),
                "-o",
                str(workspace / f"out-{k}"),
                "--config",
                str(workspace / "massinvoice.toml"),
                "--registry",
                registry_url,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for k, sheet in enumerate(sheets)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode in (0, 1), err.decode()

    with Registry(registry_url) as reg:
        records = reg.list()
    assert {r.state for r in records} == {"issued"}
    assert sorted(r.seq for r in records) == list(range(1, len(records) + 1)), "gap-free"
    held = [o for r in records for o in r.orders]
    assert sorted(held) == sorted(invoiceable), "each order on exactly one issued invoice"
    pdfs = [p for k in range(PROCESSES) for p in (workspace / f"out-{k}").glob("*.pdf")]
    assert sorted(p.name for p in pdfs) == sorted(f"{r.number}.pdf" for r in records)
    by_name = {p.name: p for p in pdfs}
    for r in records:
        assert sha256_file(by_name[f"{r.number}.pdf"]) == r.sha256
