"""Copy a registry into another: a one-machine SQLite registry into a shared PostgreSQL one.

The copy is one transaction on the destination (locked against concurrent runs on PostgreSQL),
read from one snapshot of the source. It is idempotent: what the destination already holds
identically is skipped, so a rerun copies nothing new. It refuses, copying nothing, when the
destination holds something else under the same key (an invoice number with other content, a
series position taken by another number, an order on another invoice). After the copy, every
source invoice's state, total and SHA-256 and every order claim is checked in the destination.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, inspect, select, text, update
from sqlalchemy.engine import Connection

from massinvoice.model import order_key
from massinvoice.problems import RegistryError
from massinvoice.registry.numbering import Registry
from massinvoice.registry.schema import (
    DATA_TABLES,
    invoice_orders,
    invoices,
    released_orders,
    runs,
    sends,
    series_table,
    sri_documents,
)

# What makes two invoices under one number the same invoice (timestamps and leases are not).
CONTENT = ("series", "seq", "date", "customer", "currency", "total", "state", "file", "sha256",
           "reason", "run_id", "payload")  # fmt: skip
_SHOW = 20  # conflicts listed in the error


def migrate_registry(src_url: str, dst_url: str) -> dict[str, Any]:
    """Copy series, runs, invoices, order claims and released orders from ``src`` to ``dst``,
    then retire ``src`` (it refuses to number from then on, naming ``dst``).

    The source is opened read-only: a missing or empty one is refused, never created. Returns
    what was copied, what was already there, and what was checked afterwards. Raises
    RegistryError (having copied nothing) when the destination conflicts with the source.
    """
    # The destination may be new: it receives the source's numbers, it starts none of its own.
    with Registry(src_url, read_only=True) as src, Registry(dst_url, create=True) as dst:
        if _same_database(src, dst):
            raise RegistryError("source and destination are the same registry")
        data = src._run("read source registry", _read_all, write=False, snapshot=True)
        if not data["series"] and not data["invoices"]:
            raise RegistryError(
                f"{src!r} holds no numbers (no series, no invoice): nothing to migrate. Check "
                "the source URL (a relative sqlite:/// path is taken from the current folder)"
            )
        copied, existing = dst._run("copy registry", lambda conn: _copy(conn, data))
        checked = dst._run("check copied registry", lambda conn: _check(conn, data),
                           write=False, snapshot=True)  # fmt: skip
        destination = repr(dst)
        moved_to = dst.url.render_as_string(hide_password=True)
    with Registry(src_url) as old:  # it exists: the read above found it
        old.retire(moved_to)
    return {
        "source": repr(src), "destination": destination, "copied": copied,
        "already_there": existing, "checked": checked,
        "retired": f"{src!r} now refuses to number; it names {moved_to}",
    }  # fmt: skip


def _same_database(a: Registry, b: Registry) -> bool:
    if a.backend == b.backend == "sqlite":
        return Path(a.url.database or "").resolve() == Path(b.url.database or "").resolve()
    return a.url.render_as_string(hide_password=True) == b.url.render_as_string(hide_password=True)


def _rows(conn: Connection, table: Table, order: Iterable[Any]) -> list[dict[str, Any]]:
    """The table's rows; a source of an older schema (read, not upgraded) lacks new columns:
    they are filled as an upgrade would fill them."""
    present = {c["name"] for c in inspect(conn).get_columns(table.name)}
    rows = [row._asdict() for row in conn.execute(
        select(*[c for c in table.c if c.name in present]).order_by(*order))]  # fmt: skip
    for row in rows:
        if table is invoice_orders and not row.get("order_key"):
            row["order_key"] = order_key(row["order_no"])
        if table is runs and "recorded_at" not in row:
            row["recorded_at"] = row["finished_at"]
    return rows


def _read_all(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    return {
        "series": _rows(conn, series_table, [series_table.c.name]),
        "runs": _rows(conn, runs, [runs.c.started_at, runs.c.run_id]),
        "invoices": _rows(conn, invoices, [invoices.c.id]),
        "invoice_orders": _rows(conn, invoice_orders, [invoice_orders.c.order_no]),
        "released_orders": _rows(conn, released_orders, [released_orders.c.id]),
        # a source read as it is (read-only) may predate these tables (schema 3 and 4)
        "sends": _rows(conn, sends, [sends.c.id]) if inspect(conn).has_table("sends") else [],
        "sri_documents": _rows(conn, sri_documents, [sri_documents.c.number])
        if inspect(conn).has_table("sri_documents")
        else [],
    }


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(
        json.loads(a[k]) == json.loads(b[k]) if k == "payload" else a[k] == b[k] for k in CONTENT
    )


def _released_key(row: dict[str, Any]) -> tuple[str, str, Any]:
    return row["order_no"], row["invoice_number"], row["released_at"]


def _send_key(row: dict[str, Any]) -> tuple[str, str, Any]:
    return row["invoice_number"], row["message_id"], row["created_at"]


def _copy(conn: Connection, data: dict[str, list[dict[str, Any]]]) -> tuple[dict, dict]:
    if conn.dialect.name == "postgresql":  # no reserve may slip in while we compare and copy
        names = ", ".join(t.name for t in DATA_TABLES)
        conn.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
    have = _read_all(conn)
    have_series = {r["name"]: r for r in have["series"]}
    have_runs = {r["run_id"] for r in have["runs"]}
    have_invoices = {r["number"]: r for r in have["invoices"]}
    have_positions = {(r["series"], r["seq"]): r["number"] for r in have["invoices"]}
    have_orders = {r["order_no"]: r["invoice_number"] for r in have["invoice_orders"]}
    have_released = {_released_key(r) for r in have["released_orders"]}

    conflicts: list[str] = []
    new: dict[str, list[dict[str, Any]]] = {name: [] for name in data}
    new["series"] = [r for r in data["series"] if r["name"] not in have_series]
    new["runs"] = [r for r in data["runs"] if r["run_id"] not in have_runs]
    for row in data["invoices"]:
        there = have_invoices.get(row["number"])
        if there is not None:
            if not _same_content(row, there):
                diff = [k for k in CONTENT if row[k] != there[k]]
                conflicts.append(f"invoice {row['number']} differs in {', '.join(diff)}")
            continue
        taken = have_positions.get((row["series"], row["seq"]))
        if taken is not None:
            conflicts.append(f"series {row['series']!r} position {row['seq']} is {row['number']} "
                             f"here but {taken} in the destination")  # fmt: skip
            continue
        new["invoices"].append({k: v for k, v in row.items() if k != "id"})
    for row in data["invoice_orders"]:
        holder = have_orders.get(row["order_no"])
        if holder is None:
            new["invoice_orders"].append(row)
        elif holder != row["invoice_number"]:
            conflicts.append(f"order {row['order_no']} is on {row['invoice_number']} here but "
                             f"on {holder} in the destination")  # fmt: skip
    new["released_orders"] = [
        {k: v for k, v in r.items() if k != "id"}
        for r in data["released_orders"]
        if _released_key(r) not in have_released
    ]
    have_sends = {_send_key(r) for r in have["sends"]}  # e-mails sent: never sent again
    new["sends"] = [{k: v for k, v in r.items() if k != "id"}
                    for r in data["sends"] if _send_key(r) not in have_sends]  # fmt: skip
    have_sri = {r["number"]: r["clave"] for r in have["sri_documents"]}
    for row in data["sri_documents"]:  # SRI documents: same number, same clave, or a conflict
        if row["number"] not in have_sri:
            new["sri_documents"].append(row)
        elif have_sri[row["number"]] != row["clave"]:
            conflicts.append(f"SRI document {row['number']} has another clave in the destination")
    if conflicts:
        more = f" (and {len(conflicts) - _SHOW} more)" if len(conflicts) > _SHOW else ""
        raise RegistryError(
            "the destination registry holds other data under the same keys; nothing was "
            f"copied: {'; '.join(conflicts[:_SHOW])}{more}"
        )

    for table in DATA_TABLES:  # in foreign-key order
        if new[table.name]:
            conn.execute(insert(table), new[table.name])
    for row in data["series"]:
        there = have_series.get(row["name"])
        if there is not None and there["next_seq"] < row["next_seq"]:
            conn.execute(update(series_table).where(series_table.c.name == row["name"])
                         .values(next_seq=row["next_seq"]))  # fmt: skip
    copied = {name: len(rows) for name, rows in new.items()}
    existing = {name: len(data[name]) - copied[name] for name in data}
    return copied, existing


def _check(conn: Connection, data: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Every source invoice and claim, as it is in the destination now; raise on a mismatch."""
    there = {
        r.number: (r.state, r.total, r.sha256)
        for r in conn.execute(select(invoices.c.number, invoices.c.state, invoices.c.total,
                                     invoices.c.sha256))
    }  # fmt: skip
    orders = dict(conn.execute(select(invoice_orders.c.order_no,
                                      invoice_orders.c.invoice_number)).all())  # fmt: skip
    released = {_released_key(r) for r in _rows(conn, released_orders, [released_orders.c.id])}
    series = {r.name: r.next_seq for r in conn.execute(select(series_table))}
    bad = [
        f"invoice {r['number']}"
        for r in data["invoices"]
        if there.get(r["number"]) != (r["state"], r["total"], r["sha256"])
    ]
    bad += [f"order {r['order_no']}" for r in data["invoice_orders"]
            if orders.get(r["order_no"]) != r["invoice_number"]]  # fmt: skip
    bad += [f"released order {r['order_no']}" for r in data["released_orders"]
            if _released_key(r) not in released]  # fmt: skip
    sri = dict(conn.execute(select(sri_documents.c.number, sri_documents.c.clave)).all())
    bad += [f"SRI document {r['number']}" for r in data["sri_documents"]
            if sri.get(r["number"]) != r["clave"]]  # fmt: skip
    bad += [f"series {r['name']}" for r in data["series"]
            if series.get(r["name"], 0) < r["next_seq"]]  # fmt: skip
    if bad:
        raise RegistryError(f"copied registry does not match its source: {', '.join(bad[:_SHOW])}")
    return {
        "invoices": len(data["invoices"]),
        "invoice_orders": len(data["invoice_orders"]),
        "released_orders": len(data["released_orders"]),
        "series": len(data["series"]),
        "destination_invoices": len(there),
    }
