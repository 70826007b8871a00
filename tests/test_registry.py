"""The registry's promises, on SQLite and PostgreSQL: gap-free numbers, never an order twice."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from massinvoice.config import Series
from massinvoice.problems import RegistryError
from massinvoice.registry.numbering import Conflict, Draft, Registry
from massinvoice.registry.schema import (
    SCHEMA_VERSION,
    invoices,
    released_orders,
    runs,
    schema_version,
    series_table,
)
from massinvoice.registry.schema import parse_url as parse_registry_url
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401

SERIES = Series(name="001-001", format="001-001-{seq:09d}")


def draft(*orders: str, total: str = "100.50", customer: str = "BLOOM WHOLESALE INC", **payload):
    return Draft(
        orders=orders, customer=customer, date=dt.date(2026, 11, 20), currency="USD",
        total=Decimal(total), payload={"lines": [{"order": o} for o in orders], **payload},
    )  # fmt: skip


@pytest.fixture
def reg(registry_url: str):  # noqa: F811
    registry = Registry(registry_url)
    yield registry
    registry.close()


def numbers(records) -> list[str]:
    return [r.number for r in records]


def seqs(reg: Registry, series: str = SERIES.name) -> list[int]:
    return [r.seq for r in reg.list(series=series)]


def test_numbers_are_gap_free_and_formatted(reg: Registry):
    run = reg.start_run({})
    first, _ = reg.reserve(SERIES, [draft("PO-1"), draft("PO-2"), draft("PO-3", "PO-4")], run)
    second, _ = reg.reserve(SERIES, [draft("PO-5"), draft("PO-6")], run)
    assert numbers(first) == ["001-001-000000001", "001-001-000000002", "001-001-000000003"]
    assert numbers(second) == ["001-001-000000004", "001-001-000000005"]
    assert seqs(reg) == [1, 2, 3, 4, 5]
    assert reg.get("001-001-000000003").orders == ("PO-3", "PO-4")
    assert reg.get("001-001-000000001").payload["number"] == "001-001-000000001"
    assert all(r.state == "pending" and r.run_id == run for r in first + second)
    # another series counts on its own, from its configured start
    other, _ = reg.reserve(Series("002-001", "002-001-{seq:09d}", start=120), [draft("PO-7")], run)
    assert numbers(other) == ["002-001-000000120"]
    more, _ = reg.reserve(SERIES, [draft("PO-8")], run)
    assert numbers(more) == ["001-001-000000006"]


def test_an_order_cannot_be_reserved_twice(reg: Registry):
    run = reg.start_run({})
    (held,), _ = reg.reserve(SERIES, [draft("PO-1")], run)
    records, conflicts = reg.reserve(SERIES, [draft("PO-1"), draft("PO-2", "PO-1")], run)
    assert records == []
    assert [c.holders for c in conflicts] == [{"PO-1": held.number}] * 2
    assert conflicts[1].orders == ("PO-2", "PO-1")
    assert held.number in conflicts[0].reason and "never invoiced twice" in conflicts[0].reason
    # a refused draft consumes no number, and PO-2 (refused with PO-1) is still free
    (nxt,), _ = reg.reserve(SERIES, [draft("PO-2")], run)
    assert nxt.seq == 2
    assert reg.invoiced(["PO-1", "PO-2", "PO-3"]) == {"PO-1": held.number, "PO-2": nxt.number}


def test_the_same_order_twice_in_one_call_goes_on_the_first_invoice_only(reg: Registry):
    run = reg.start_run({})
    records, conflicts = reg.reserve(SERIES, [draft("A"), draft("B", "A"), draft("C")], run)
    assert numbers(records) == ["001-001-000000001", "001-001-000000002"]
    assert records[1].orders == ("C",)
    assert conflicts == [
        Conflict(("B", "A"), conflicts[0].reason, {"A": "001-001-000000001"}),
    ]


def test_invoiced_answers_for_twenty_thousand_orders(reg: Registry):
    run = reg.start_run({})
    held = [f"PO-{i:05d}" for i in range(0, 20_000, 10)]
    reg.reserve(SERIES, [draft(o) for o in held], run)
    found = reg.invoiced(f"PO-{i:05d}" for i in range(20_000))
    assert len(found) == 2_000
    assert found["PO-00010"] == "001-001-000000002"
    assert reg.invoiced() == found
    assert reg.invoiced([]) == {}


def test_void_keeps_the_number_and_its_reason(reg: Registry):
    run = reg.start_run({})
    (inv,), _ = reg.reserve(SERIES, [draft("PO-1")], run)
    reg.mark_issued(inv.number, "/out/001-001-000000001.pdf", "ab" * 32)
    voided = reg.void(inv.number, "customer refused the goods")
    assert (voided.state, voided.reason, voided.number) == ("void", "customer refused the goods",
                                                            inv.number)  # fmt: skip
    assert voided.voided_at is not None and voided.sha256 == "ab" * 32
    assert reg.get(inv.number) == voided
    # the order stays held: not invoiceable, and named with its void holder
    assert reg.invoiced(["PO-1"]) == {}
    assert reg.invoiced(["PO-1"], include_void=True) == {"PO-1": inv.number}
    _, (conflict,) = reg.reserve(SERIES, [draft("PO-1")], run)
    assert "void" in conflict.reason and conflict.holders == {"PO-1": inv.number}
    # the number is never reused
    (nxt,), _ = reg.reserve(SERIES, [draft("PO-2")], run)
    assert nxt.seq == 2
    with pytest.raises(RegistryError, match="already void"):
        reg.void(inv.number, "another reason")
    assert reg.void(inv.number, "customer refused the goods").reason == "customer refused the goods"
    with pytest.raises(RegistryError, match="reason"):
        reg.void(nxt.number, "  ")
    with pytest.raises(RegistryError, match="no invoice"):
        reg.void("999", "nothing")


def test_void_with_release_makes_the_order_invoiceable_under_a_new_number(reg: Registry):
    run = reg.start_run({})
    (inv,), _ = reg.reserve(SERIES, [draft("PO-1", "PO-2")], run)
    reg.mark_issued(inv.number, "/out/1.pdf", "11" * 32)
    voided = reg.void(inv.number, "wrong prices", release_orders=True)
    assert voided.orders == ("PO-1", "PO-2")  # history: what the void invoice was for
    assert reg.invoiced(["PO-1", "PO-2"], include_void=True) == {}
    (again,), conflicts = reg.reserve(SERIES, [draft("PO-1", "PO-2", total="90.00")], run)
    assert conflicts == [] and again.number == "001-001-000000002" and again.seq == 2
    assert reg.invoiced(["PO-1", "PO-2"]) == {"PO-1": again.number, "PO-2": again.number}
    assert reg.get(inv.number).state == "void"

    def released(conn):
        return conn.execute(select(released_orders.c.order_no, released_orders.c.reason)
                            .order_by(released_orders.c.order_no)).all()  # fmt: skip

    assert reg._run("read", released, write=False) == [("PO-1", "wrong prices"),
                                                         ("PO-2", "wrong prices")]  # fmt: skip
    # releasing a void invoice later works too
    (third,), _ = reg.reserve(SERIES, [draft("PO-3")], run)
    reg.finish_run(run, {})  # a pending invoice of a live run cannot be voided
    reg.void(third.number, "duplicate")
    assert reg.invoiced(["PO-3"], include_void=True) == {"PO-3": third.number}
    reg.void(third.number, "duplicate", release_orders=True)
    assert reg.invoiced(["PO-3"], include_void=True) == {}


def test_mark_issued_is_idempotent_and_guarded(reg: Registry):
    run = reg.start_run({})
    (a, b), _ = reg.reserve(SERIES, [draft("PO-1"), draft("PO-2")], run)
    reg.mark_issued(a.number, "/out/a.pdf", "aa" * 32)
    reg.mark_issued(a.number, "/out/a.pdf", "aa" * 32)
    issued = reg.get(a.number)
    assert (issued.state, issued.file, issued.sha256) == ("issued", "/out/a.pdf", "aa" * 32)
    assert issued.issued_at is not None and issued.issued_at.tzinfo is not None
    assert issued.lease_until is not None  # its run still has to record it (adopt_unrecorded)
    with pytest.raises(RegistryError, match="already issued"):
        reg.mark_issued(a.number, "/out/a.pdf", "bb" * 32)
    reg.finish_run(run, {})  # a pending invoice of a live run cannot be voided
    reg.void(b.number, "printed on the wrong paper")
    with pytest.raises(RegistryError, match="void"):
        reg.mark_issued(b.number, "/out/b.pdf", "cc" * 32)
    with pytest.raises(RegistryError, match="no invoice"):
        reg.mark_issued("001-001-000000099", "/out/x.pdf", "dd" * 32)
    assert [r.number for r in reg.list(state="issued")] == [a.number]


def test_claim_pending_takes_dead_runs_work_but_not_a_live_runs(reg: Registry):
    finished = reg.start_run({"who": "finished"})
    expired = reg.start_run({"who": "expired"})
    live = reg.start_run({"who": "live"})
    (f,), _ = reg.reserve(SERIES, [draft("PO-1")], finished)
    (e,), _ = reg.reserve(SERIES, [draft("PO-2")], expired, lease_seconds=0)
    (lv,), _ = reg.reserve(SERIES, [draft("PO-3")], live)
    reg.finish_run(finished, {"issued": 0})

    me = reg.start_run({"who": "rerun"})
    claimed = reg.claim_pending(me)
    assert sorted(numbers(claimed)) == sorted([f.number, e.number])
    assert all(r.run_id == me and r.state == "pending" for r in claimed)
    assert claimed[0].payload == reg.get(claimed[0].number).payload
    assert reg.get(lv.number).run_id == live
    # what is claimed is leased to the claimer: nobody else takes it now, nor takes it twice
    assert reg.claim_pending(reg.start_run({})) == []
    # an owner that renews keeps its work; one that lets the lease lapse loses it
    reg.renew(live, lease_seconds=0)
    reg.renew(live, lease_seconds=600)
    assert reg.claim_pending(reg.start_run({})) == []
    reg.renew(live, lease_seconds=0)
    assert numbers(reg.claim_pending(me)) == [lv.number]
    # issued work is never claimed
    for r in claimed:
        reg.mark_issued(r.number, f"/out/{r.number}.pdf", "ee" * 32)
    assert reg.claim_pending(reg.start_run({})) == []
    assert {r.number for r in reg.list(state="pending")} == {lv.number}


def test_reserve_is_one_transaction_a_bad_payload_consumes_nothing(reg: Registry):
    run = reg.start_run({})
    drafts = [draft("PO-1"), draft("PO-2"), draft("PO-3", bad=object()), draft("PO-4")]
    with pytest.raises(RegistryError, match="JSON"):
        reg.reserve(SERIES, drafts, run)
    assert reg.invoiced() == {} and reg.list() == []
    (first,), _ = reg.reserve(SERIES, [draft("PO-3")], run)
    assert first.number == "001-001-000000001"


def test_reserve_is_one_transaction_a_failure_after_the_inserts_consumes_nothing(
    reg: Registry,
):
    run = reg.start_run({})
    reg.reserve(SERIES, [draft("PO-0")], run)

    def fail_on_series_update(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE SERIES"):
            raise RuntimeError("disk full")

    event.listen(reg._engine, "before_cursor_execute", fail_on_series_update)
    with pytest.raises(RuntimeError, match="disk full"):
        reg.reserve(SERIES, [draft("PO-1"), draft("PO-2", "PO-3")], run)
    event.remove(reg._engine, "before_cursor_execute", fail_on_series_update)
    assert sorted(reg.invoiced()) == ["PO-0"]
    assert seqs(reg) == [1]
    records, _ = reg.reserve(SERIES, [draft("PO-1"), draft("PO-2", "PO-3")], run)
    assert [r.seq for r in records] == [2, 3]


def test_two_series_with_one_format_are_refused_clearly(reg: Registry):
    run = reg.start_run({})
    reg.reserve(Series("A", "{seq:04d}"), [draft("PO-1")], run)
    with pytest.raises(RegistryError, match="already used by another series"):
        reg.reserve(Series("B", "{seq:04d}"), [draft("PO-2")], run)
    assert reg.invoiced() == {"PO-1": "0001"}


@pytest.mark.parametrize(
    "bad",
    [
        Draft((), "C", dt.date(2026, 1, 1), "USD", Decimal(1), {}),
        Draft(("A", "A"), "C", dt.date(2026, 1, 1), "USD", Decimal(1), {}),
        Draft(("A", ""), "C", dt.date(2026, 1, 1), "USD", Decimal(1), {}),
        Draft(("A",), "C", dt.date(2026, 1, 1), "USD", 1.5, {}),  # type: ignore[arg-type]
        Draft(("A",), "C", dt.date(2026, 1, 1), "USD", Decimal("NaN"), {}),
    ],
    ids=["no-orders", "duplicate-order", "empty-order", "float-total", "nan-total"],
)
def test_malformed_drafts_are_refused(tmp_path, bad):
    with Registry(f"sqlite:///{tmp_path / 'r.sqlite'}", create=True) as reg:
        with pytest.raises(RegistryError):
            reg.reserve(SERIES, [draft("OK"), bad], "run")
        assert reg.list() == []


def test_money_dates_and_timestamps_round_trip_exactly(reg: Registry):
    run = reg.start_run({"selection": "sel.xlsx", "when": dt.date(2026, 11, 20)})
    (inv,), _ = reg.reserve(
        SERIES, [draft("PO-1", total="1234567.50", price=Decimal("0.355"))], run
    )
    got = reg.get(inv.number)
    assert str(got.total) == "1234567.50" and got.date == dt.date(2026, 11, 20)
    assert got.payload["price"] == "0.355"
    assert got.created_at.utcoffset() == dt.timedelta(0)
    assert abs(got.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert got == inv


def test_runs_are_recorded(reg: Registry):
    run = reg.start_run({"selection": "sel.xlsx", "odd": object()})
    reg.finish_run(run, {"issued": 3, "total": Decimal("10.00")})

    def read(conn):
        return conn.execute(select(runs).where(runs.c.run_id == run)).one()

    row = reg._run("read", read, write=False)
    assert row.pid > 0 and row.host and row.started_at <= row.finished_at
    assert '"selection": "sel.xlsx"' in row.info and '"10.00"' in row.summary
    with pytest.raises(RegistryError, match="no run"):
        reg.finish_run("nope", {})


def test_list_filters_and_limits(reg: Registry):
    run = reg.start_run({})
    a, _ = reg.reserve(SERIES, [draft(f"PO-{i}") for i in range(5)], run)
    b, _ = reg.reserve(Series("B", "B-{seq}"), [draft("X-1")], run)
    reg.mark_issued(a[0].number, "/a.pdf", "00" * 32)
    assert numbers(reg.list()) == numbers(a + b)
    assert numbers(reg.list(series="B")) == ["B-1"]
    assert numbers(reg.list(state="issued")) == [a[0].number]
    assert numbers(reg.list(state="pending", limit=2)) == numbers(a[1:3])
    with pytest.raises(RegistryError, match="state"):
        reg.list(state="paid")


def test_schema_is_created_and_reopening_changes_nothing(registry_url: str):  # noqa: F811
    with Registry(registry_url) as reg:
        run = reg.start_run({})
        reg.reserve(SERIES, [draft("PO-1")], run)
    for _ in range(2):
        with Registry(registry_url) as reg:
            versions = reg._run("read", lambda c: c.execute(select(schema_version.c.version))
                                .scalars().all(), write=False)  # fmt: skip
            assert versions == list(range(1, SCHEMA_VERSION + 1))
            assert reg.invoiced() == {"PO-1": "001-001-000000001"}
            nxt = reg._run("read", lambda c: c.scalar(select(series_table.c.next_seq)), write=False)
            assert nxt == 2


def test_a_registry_from_a_newer_massinvoice_is_refused(registry_url: str):  # noqa: F811
    with Registry(registry_url) as reg:
        reg._run("bump", lambda c: c.execute(schema_version.insert().values(
            version=SCHEMA_VERSION + 1, description="future", applied_at=dt.datetime.now(dt.UTC))))  # fmt: skip
    with pytest.raises(RegistryError, match="newer"):
        Registry(registry_url)


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    with Registry(f"sqlite:///{tmp_path / 'r.sqlite'}", create=True) as reg:
        with reg._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert reg.backend == "sqlite"
    with (
        Registry(f"sqlite:///{tmp_path / 's.sqlite'}?journal_mode=delete", create=True) as reg,
        reg._engine.connect() as conn,
    ):
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"


def test_registry_urls():
    assert parse_registry_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert parse_registry_url("postgres://u@h:5433/db").drivername == "postgresql+psycopg"
    assert parse_registry_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert parse_registry_url("sqlite:///x.sqlite").drivername == "sqlite"
    for bad in ("mysql://u@h/db", "not a url", "sqlite:///x.sqlite?journal_mode=off"):
        with pytest.raises(RegistryError):
            Registry(bad)


def test_counting_is_by_the_database_not_the_caller(reg: Registry):
    """Two registry objects on one database share one counter (as two processes would)."""
    with Registry(reg.url.render_as_string(hide_password=False)) as other:
        run = reg.start_run({})
        reg.reserve(SERIES, [draft("PO-1")], run)
        other.reserve(SERIES, [draft("PO-2")], run)
        _, conflicts = other.reserve(SERIES, [draft("PO-1")], run)
        assert conflicts[0].holders == {"PO-1": "001-001-000000001"}
    count = reg._run("count", lambda c: c.scalar(select(func.count()).select_from(invoices)),
                     write=False)  # fmt: skip
    assert count == 2 and seqs(reg) == [1, 2]


def test_issuing_renews_the_lease_of_the_rest_of_the_run(reg: Registry):
    """A run that makes progress is alive, even if it never calls renew()."""
    run = reg.start_run({})
    (a, b), _ = reg.reserve(SERIES, [draft("PO-1"), draft("PO-2")], run, lease_seconds=0)
    reg.mark_issued(a.number, "/out/a.pdf", "aa" * 32)
    assert reg.get(b.number).lease_until > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    assert reg.claim_pending(reg.start_run({})) == []


@pytest.mark.postgres
def test_ci_script_reuses_a_running_server_and_keeps_the_shell_options(
    pg_server_url: str,  # noqa: F811
):
    script = Path(__file__).resolve().parents[1] / "ci" / "postgres.sh"
    shell = (
        'set -euo pipefail; before="$(set +o; shopt -po)"; source "$1"; source "$1"; '
        '[ "$before" = "$(set +o; shopt -po)" ] || exit 9; echo "url=$MASSINVOICE_TEST_PG"'
    )
    env = {**os.environ, "MASSINVOICE_TEST_PG": pg_server_url}
    done = subprocess.run(["bash", "-c", shell, "-", str(script)], env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"url={pg_server_url}"
