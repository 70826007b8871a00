"""migrate_registry: a SQLite registry into PostgreSQL (or SQLite), checked and idempotent."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from massinvoice.config import Series
from massinvoice.problems import RegistryError
from massinvoice.registry.migrate import migrate_registry
from massinvoice.registry.numbering import Draft, Registry
from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401

SERIES = Series(name="001-001", format="001-001-{seq:09d}")


def _draft(*orders: str, total: str = "10.00", customer: str = "BLOOM") -> Draft:
    return Draft(orders, customer, dt.date(2026, 11, 20), "USD", Decimal(total),
                 {"orders": list(orders), "total": total})  # fmt: skip


def _source(path: Path) -> str:
    """A registry with every kind of record: issued, pending, void (held and released)."""
    url = f"sqlite:///{path}"
    with Registry(url, create=True) as reg:
        run = reg.start_run({"selection": "week47.xlsx"})
        records, _ = reg.reserve(
            SERIES, [_draft("PO-1"), _draft("PO-2", "PO-3", total="1234.50"), _draft("PO-4"),
                     _draft("PO-5"), _draft("PO-6")], run,
        )  # fmt: skip
        for r in records[:4]:
            reg.mark_issued(r.number, f"/out/{r.number}.pdf", r.number[-2:] * 32)
        reg.void(records[2].number, "wrong customer", release_orders=True)
        reg.void(records[3].number, "printed twice")
        reg.reserve(Series("E", "E-{seq:04d}"), [_draft("PO-4")], run)
        reg.finish_run(run, {"issued": 4})
    return url


def _snapshot(url: str) -> list[tuple]:
    with Registry(url) as reg:
        return [(r.number, r.series, r.seq, r.state, r.total, r.sha256, r.file, r.reason, r.orders,
                 r.payload, r.date, r.customer) for r in reg.list()]  # fmt: skip


def test_migrate_copies_everything_checked_then_nothing_on_a_rerun(
    tmp_path: Path,
    registry_url: str,  # noqa: F811
):
    src = _source(tmp_path / "src.sqlite")
    report = migrate_registry(src, registry_url)
    assert report["copied"] == {"series": 2, "runs": 1, "invoices": 6, "invoice_orders": 6,
                                "released_orders": 1, "sends": 0,
                                "sri_documents": 0}  # fmt: skip
    assert report["checked"]["invoices"] == 6 and report["checked"]["invoice_orders"] == 6
    assert _snapshot(registry_url) == _snapshot(src)
    assert str(_snapshot(registry_url)[1][4]) == "1234.50"

    again = migrate_registry(src, registry_url)
    assert set(again["copied"].values()) == {0}
    assert again["already_there"] == report["copied"]

    with Registry(registry_url) as dst:
        # numbering goes on where the source stopped; held and released orders behave alike
        run = dst.start_run({})
        records, conflicts = dst.reserve(SERIES, [_draft("PO-7"), _draft("PO-1"), _draft("PO-3")],
                                         run)  # fmt: skip
        assert [r.number for r in records] == ["001-001-000000006"]
        assert [c.holders for c in conflicts] == [{"PO-1": "001-001-000000001"},
                                                  {"PO-3": "001-001-000000002"}]  # fmt: skip
        assert dst.invoiced(["PO-4", "PO-5"], include_void=True) == {
            "PO-4": "E-0001", "PO-5": "001-001-000000004"}  # fmt: skip


def test_migrate_copies_only_what_is_new(tmp_path: Path, registry_url: str):  # noqa: F811
    src = _source(tmp_path / "src.sqlite")
    # a copy taken earlier was migrated already (a migrate retires its source, so the same
    # source cannot number after it: the earlier state comes from a copy of the file)
    shutil.copy(tmp_path / "src.sqlite", tmp_path / "early.sqlite")
    migrate_registry(f"sqlite:///{tmp_path / 'early.sqlite'}", registry_url)
    with Registry(src) as reg:
        run = reg.start_run({})
        reg.reserve(SERIES, [_draft("PO-8"), _draft("PO-9")], run)
    report = migrate_registry(src, registry_url)
    assert report["copied"] == {"series": 0, "runs": 1, "invoices": 2, "invoice_orders": 2,
                                "released_orders": 0, "sends": 0,
                                "sri_documents": 0}  # fmt: skip
    assert _snapshot(registry_url) == _snapshot(src)


def test_migrate_refuses_conflicting_data_and_copies_nothing(
    tmp_path: Path,
    registry_url: str,  # noqa: F811
):
    src = _source(tmp_path / "src.sqlite")
    with Registry(registry_url) as dst:  # someone already invoiced here, under the same number
        dst.reserve(SERIES, [_draft("PO-77", customer="OTHER")], dst.start_run({}))
    before = _snapshot(registry_url)
    with pytest.raises(
        RegistryError, match=r"nothing was copied: invoice 001-001-000000001 differs in customer"
    ):
        migrate_registry(src, registry_url)
    assert _snapshot(registry_url) == before
    with Registry(registry_url) as dst:
        assert dst.invoiced() == {"PO-77": "001-001-000000001"}


def test_migrate_refuses_an_order_held_by_another_invoice(
    tmp_path: Path,
    registry_url: str,  # noqa: F811
):
    src = _source(tmp_path / "src.sqlite")
    with Registry(registry_url) as dst:
        dst.reserve(Series("X", "X-{seq}"), [_draft("PO-1")], dst.start_run({}))
    with pytest.raises(RegistryError, match="order PO-1 is on 001-001-000000001 here but on X-1"):
        migrate_registry(src, registry_url)


def test_migrate_refuses_a_registry_into_itself(tmp_path: Path):
    src = _source(tmp_path / "src.sqlite")
    with pytest.raises(RegistryError, match="same registry"):
        migrate_registry(src, f"sqlite:///{tmp_path}/../{tmp_path.name}/src.sqlite")
