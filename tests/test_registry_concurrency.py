"""Several processes against one registry at once, and a run that dies mid-way.

Workers are started with 'spawn' (a fresh interpreter each, as separate machines or cron jobs
would be) and wait on a barrier so their reserves really overlap.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import random
from decimal import Decimal

from sqlalchemy import func, select

from massinvoice.config import Series
from massinvoice.registry.numbering import Draft, Registry
from massinvoice.registry.schema import invoice_orders, invoices
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401

WORKERS = 4
ORDERS_EACH = 200
BATCH = 10
# Even workers number in series A, odd ones in B: the same orders race across two series rows,
# so the unique order claim (not only the series lock) has to keep them apart.
SERIES = [Series("A", "A-{seq:06d}"), Series("B", "B-{seq:06d}")]


def _draft(order_no: str) -> Draft:
    return Draft((order_no,), "BLOOM", dt.date(2026, 11, 20), "USD", Decimal("12.50"),
                 {"order": order_no})  # fmt: skip


def _worker(url: str, index: int, barrier, results) -> None:
    orders = [f"PO-{n:04d}" for n in range(index * 100, index * 100 + ORDERS_EACH)]
    random.Random(index).shuffle(orders)
    series = SERIES[index % 2]
    mine: list[tuple[str, str, int, str]] = []
    refused = 0
    with Registry(url) as reg:
        run = reg.start_run({"worker": index})
        barrier.wait(timeout=60)
        for start in range(0, len(orders), BATCH):
            batch = [_draft(o) for o in orders[start : start + BATCH]]
            records, conflicts = reg.reserve(series, batch, run)
            mine += [(r.number, r.series, r.seq, r.orders[0]) for r in records]
            refused += len(conflicts)
        reg.finish_run(run, {"reserved": len(mine)})
    results.put((index, mine, refused))


def test_four_processes_reserve_overlapping_orders_without_gaps_or_doubles(
    registry_url: str,  # noqa: F811
):
    Registry(registry_url).close()  # schema first, so the workers race on numbers only
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(registry_url, i, barrier, results))
             for i in range(WORKERS)]  # fmt: skip
    for p in procs:
        p.start()
    outcome = {}
    for _ in procs:
        index, mine, refused = results.get(timeout=120)
        outcome[index] = (mine, refused)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for index, (mine, refused) in outcome.items():
        assert len(mine) + refused == ORDERS_EACH, index

    reserved = [row for mine, _ in outcome.values() for row in mine]
    all_orders = {f"PO-{n:04d}" for n in range((WORKERS - 1) * 100 + ORDERS_EACH)}
    # every order on exactly one invoice, whichever worker and series got it
    assert sorted(o for *_, o in reserved) == sorted(all_orders)
    with Registry(registry_url) as reg:
        for s in SERIES:
            listed = reg.list(series=s.name)
            assert [r.seq for r in listed] != []
            assert sorted(r.seq for r in listed) == list(range(1, len(listed) + 1))
            assert all(r.number == s.number(r.seq) for r in listed)
        assert reg.invoiced().keys() == all_orders

        def counts(conn):
            return (conn.scalar(select(func.count()).select_from(invoices)),
                    conn.scalar(select(func.count()).select_from(invoice_orders)))  # fmt: skip

        assert reg._run("count", counts, write=False) == (len(all_orders), len(all_orders))


def _crashing_run(url: str) -> None:
    """A run that reserves and dies before rendering anything (no finish_run, no cleanup)."""
    with Registry(url) as reg:
        run = reg.start_run({"doomed": True})
        reg.reserve(SERIES[0], [_draft("PO-1"), _draft("PO-2"), _draft("PO-3")], run)
    os._exit(3)


def test_a_crashed_runs_pending_invoices_are_finished_by_the_next_run(
    registry_url: str,  # noqa: F811
):
    ctx = mp.get_context("spawn")
    crashed = ctx.Process(target=_crashing_run, args=(registry_url,))
    crashed.start()
    crashed.join(timeout=60)
    assert crashed.exitcode == 3
    with Registry(registry_url) as reg:
        live = reg.start_run({"still": "rendering"})
        (busy,), _ = reg.reserve(SERIES[0], [_draft("PO-9")], live)
        # the dead process is gone from this machine: no need to wait for its lease to run out
        rerun = reg.start_run({})
        claimed = reg.claim_pending(rerun)
        assert [r.number for r in claimed] == ["A-000001", "A-000002", "A-000003"]
        assert [r.orders for r in claimed] == [("PO-1",), ("PO-2",), ("PO-3",)]
        assert busy.number not in {r.number for r in claimed}
        for r in claimed:
            reg.mark_issued(r.number, f"/out/{r.number}.pdf", "ab" * 32)
        # nothing lost, nothing twice: the same numbers, and the next number follows on
        (nxt,), _ = reg.reserve(SERIES[0], [_draft("PO-4")], rerun)
        assert nxt.number == "A-000005"
        assert [r.state for r in reg.list()] == ["issued"] * 3 + ["pending"] * 2
