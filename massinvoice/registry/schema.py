"""The registry's records and storage: tables, column types, migrations, engines.

The records (:class:`Draft`, :class:`InvoiceRecord`, :class:`Conflict`) are what
:mod:`massinvoice.registry.numbering` takes and gives back; import them from there. One schema serves SQLite and PostgreSQL. Money is a ``Decimal`` kept exactly, scale included
(text on SQLite, unconstrained ``NUMERIC`` on PostgreSQL); timestamps are aware UTC datetimes
(naive UTC text on SQLite, ``timestamptz`` on PostgreSQL). ``schema_version`` records each
migration applied; :func:`upgrade_schema` applies the missing ones, once, under a lock.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError

from massinvoice.model import order_key
from massinvoice.problems import RegistryError

SCHEMA_VERSION = 4
CHUNK = 900  # values per IN (...): under the oldest SQLite's variable limit
_PG_LOCK_KEY = 0x6D617373  # advisory lock serialising schema upgrades on PostgreSQL
_JOURNAL_MODES = ("DELETE", "PERSIST", "TRUNCATE", "WAL")

T = TypeVar("T")


@dataclass(frozen=True)
class Draft:
    """An invoice ready for a number: its orders and the composed document (JSON-able)."""

    orders: tuple[str, ...]
    customer: str
    date: dt.date
    currency: str
    total: Decimal
    payload: dict[str, Any]

    def check(self) -> None:
        """Refuse a draft the registry must not number."""
        if not self.orders:
            raise RegistryError("an invoice draft needs at least one order")
        if len(set(self.orders)) != len(self.orders) or not all(
            isinstance(o, str) and o for o in self.orders
        ):
            raise RegistryError(
                f"invoice draft orders must be distinct non-empty text: {self.orders}"
            )
        if not isinstance(self.total, Decimal) or not self.total.is_finite():
            raise RegistryError(f"invoice draft total must be a finite Decimal: {self.total!r}")


@dataclass(frozen=True)
class InvoiceRecord:
    """One registered invoice, as stored."""

    number: str
    series: str
    seq: int
    date: dt.date
    customer: str
    currency: str
    total: Decimal
    state: str  # pending | issued | void
    orders: tuple[str, ...]
    file: str
    sha256: str
    reason: str
    run_id: str
    payload: dict[str, Any]
    created_at: dt.datetime
    issued_at: dt.datetime | None
    voided_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None


@dataclass(frozen=True)
class Conflict:
    """A draft refused because some of its orders are already on a live invoice."""

    orders: tuple[str, ...]
    reason: str
    holders: dict[str, str]  # order -> number already holding it


def record_from_row(row: dict[str, Any], orders: tuple[str, ...]) -> InvoiceRecord:
    """An invoices row (as a dict) and its orders, as an :class:`InvoiceRecord`."""
    return InvoiceRecord(
        number=row["number"], series=row["series"], seq=row["seq"], date=row["date"],
        customer=row["customer"], currency=row["currency"], total=row["total"],
        state=row["state"], orders=orders, file=row["file"], sha256=row["sha256"],
        reason=row["reason"], run_id=row["run_id"], payload=json.loads(row["payload"]),
        created_at=row["created_at"], issued_at=row["issued_at"],
        voided_at=row.get("voided_at"), lease_until=row.get("lease_until"),
    )  # fmt: skip


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both backends."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("registry timestamps must be timezone-aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Money(TypeDecorator[Decimal]):
    """A Decimal kept exactly, scale included: text on SQLite, NUMERIC on PostgreSQL."""

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> Any:
        if value is None:
            return None
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))


metadata = MetaData()
schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)  # fmt: skip
series_table = Table(
    "series", metadata,
    Column("name", String(64), primary_key=True),
    Column("next_seq", Integer, nullable=False),
    Column("start", Integer),  # the config's start when the series began (v2)
)  # fmt: skip
invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(100), nullable=False, unique=True),
    Column("series", String(64), ForeignKey("series.name"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("date", Date, nullable=False),
    Column("customer", Text, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("total", Money, nullable=False),
    Column("state", String(8), nullable=False, index=True),  # pending | issued | void
    Column("file", Text, nullable=False, default=""),
    Column("sha256", String(64), nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),
    Column("run_id", String(32), nullable=False, default="", index=True),
    Column("payload", Text, nullable=False),  # the composed invoice, JSON
    Column("lease_until", UTCDateTime),  # while pending: its run is finishing it until then
    Column("created_at", UTCDateTime, nullable=False),
    Column("issued_at", UTCDateTime),
    Column("voided_at", UTCDateTime),
    UniqueConstraint("series", "seq", name="uq_invoices_series_seq"),
)  # fmt: skip
invoice_orders = Table(
    "invoice_orders", metadata,
    Column("order_no", String(200), primary_key=True),  # one live invoice per order, ever
    Column("invoice_number", String(100), ForeignKey("invoices.number"), nullable=False,
           index=True),
    Column("order_key", String(200), index=True),  # model.order_key of order_no (v2)
)  # fmt: skip
released_orders = Table(
    "released_orders", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_no", String(200), nullable=False, index=True),
    Column("invoice_number", String(100), ForeignKey("invoices.number"), nullable=False,
           index=True),
    Column("released_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, default=""),
)  # fmt: skip
runs = Table(
    "runs", metadata,
    Column("run_id", String(32), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("machine", String(64), nullable=False, default=""),  # machine id: hosts share names
    Column("pid", Integer, nullable=False),
    Column("user", String(255), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("info", Text, nullable=False, default="{}"),
    Column("summary", Text),
    Column("recorded_at", UTCDateTime),  # its records (manifest ...) are written (v2)
)  # fmt: skip
registry_info = Table(
    "registry_info", metadata,
    Column("id", String(32), primary_key=True),  # this registry's identity, for ever
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_to", Text, nullable=False, default=""),  # where a migrate moved it
    Column("retired_at", UTCDateTime),
)  # fmt: skip
# --- e-mail sends (massinvoice.send): one row per attempt to deliver an invoice ---
sends = Table(
    "sends", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_number", String(100), ForeignKey("invoices.number"), nullable=False,
           index=True),
    Column("status", String(10), nullable=False, index=True),  # pending|sent|failed|ambiguous
    Column("recipients", Text, nullable=False),  # JSON list: To, Cc and Bcc, as sent
    Column("message_id", String(255), nullable=False),
    Column("reply", Text, nullable=False, default=""),  # the server's last word
    Column("run_id", String(32), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),  # pending since
    Column("finished_at", UTCDateTime),
)  # fmt: skip
# --- Ecuador's SRI: each comprobante's clave de acceso and state (massinvoice.invoice.einvoice.sri)
sri_documents = Table(
    "sri_documents", metadata,
    Column("number", String(100), primary_key=True),  # the invoice's or credit note's number
    Column("doc", String(2), nullable=False),  # 01 factura, 04 nota de crédito
    Column("series", String(64), nullable=False),
    Column("invoice_number", String(100), ForeignKey("invoices.number"), nullable=False,
           index=True),  # the factura itself, or the one a credit note corrects
    Column("ambiente", String(1), nullable=False),  # 1 pruebas, 2 producción: never mixed
    Column("clave", String(49), nullable=False, unique=True),  # made once with the number
    Column("issue_date", Date, nullable=False),
    Column("state", String(12), nullable=False, index=True),  # queued|sent|authorised|parked|annulled
    Column("xml", LargeBinary),  # the signed bytes exactly as sent
    Column("messages", Text, nullable=False, default="[]"),  # the SRI's last messages, JSON
    Column("authorization", Text, nullable=False, default=""),  # numeroAutorizacion
    Column("authorized_at", Text, nullable=False, default=""),  # fechaAutorizacion as written
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("payload", Text, nullable=False, default="{}"),  # a credit note's reason and lines
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)  # fmt: skip
DATA_TABLES = (
    series_table, runs, invoices, invoice_orders, released_orders, sends, sri_documents,
)  # fmt: skip


def _migrate_v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=list(DATA_TABLES[:5]), checkfirst=True)


SENDS_VERSION = 3  # the schema version that made the sends table


def _migrate_v3(conn: Connection) -> None:
    sends.create(conn, checkfirst=True)


_V2_COLUMNS = (  # table, column, SQLite type, PostgreSQL type
    ("series", "start", "INTEGER", "INTEGER"),
    ("invoice_orders", "order_key", "VARCHAR(200)", "VARCHAR(200)"),
    ("runs", "recorded_at", "DATETIME", "TIMESTAMP WITH TIME ZONE"),
)


def _migrate_v2(conn: Connection) -> None:
    """Identity (registry_info), runs' records, orders' normalised keys, series' start."""
    for table, column, lite, pg in _V2_COLUMNS:
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            kind = pg if conn.dialect.name == "postgresql" else lite
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    if "ix_invoice_orders_order_key" not in {
        i["name"] for i in inspect(conn).get_indexes("invoice_orders")
    }:
        conn.execute(text("CREATE INDEX ix_invoice_orders_order_key ON invoice_orders (order_key)"))
    rows = conn.execute(
        select(invoice_orders.c.order_no).where(invoice_orders.c.order_key.is_(None))
    )
    keys = [{"o": o, "k": order_key(o)} for (o,) in rows]
    if keys:
        conn.execute(text("UPDATE invoice_orders SET order_key = :k WHERE order_no = :o"), keys)
    # Runs that finished before v2 wrote their records then: nothing of theirs is adopted.
    conn.execute(runs.update().where(runs.c.recorded_at.is_(None), runs.c.finished_at.is_not(None))
                 .values(recorded_at=runs.c.finished_at))  # fmt: skip
    registry_info.create(conn, checkfirst=True)
    if conn.scalar(select(func.count()).select_from(registry_info)) == 0:
        conn.execute(insert(registry_info).values(
            id=uuid.uuid4().hex, created_at=dt.datetime.now(dt.UTC), retired_to=""))  # fmt: skip


SRI_VERSION = 4  # the schema version that made the sri_documents table


def _migrate_v4(conn: Connection) -> None:
    sri_documents.create(conn, checkfirst=True)


# Each step runs once, in order, in the upgrade transaction. A step must tolerate finding its
# work already done (check before creating or altering), so any earlier state upgrades cleanly.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "series, invoices, invoice_orders, released_orders, runs", _migrate_v1),
    (2, "registry_info, runs.recorded_at, invoice_orders.order_key, series.start", _migrate_v2),
    (3, "sends", _migrate_v3),
    (4, "sri_documents: SRI claves de acceso and states", _migrate_v4),
)


def current_version(conn: Connection) -> int:
    """The schema version of the database behind ``conn`` (0: empty)."""
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.scalar(select(func.max(schema_version.c.version))) or 0)


def upgrade_schema(conn: Connection, now: dt.datetime) -> list[int]:
    """Apply the missing migrations in this (write) transaction; return those applied."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    schema_version.create(conn, checkfirst=True)
    current = current_version(conn)
    applied = []
    for version, description, step in MIGRATIONS:
        if version > current:
            step(conn)
            conn.execute(insert(schema_version).values(
                version=version, description=description, applied_at=now))  # fmt: skip
            applied.append(version)
    return applied


def parse_url(url: str) -> URL:
    """A registry URL; ``postgresql://`` and ``postgres://`` get the psycopg driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise RegistryError(f"not a registry URL: {url!r} ({exc})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise RegistryError(
            f"unsupported registry database {parsed.drivername!r}: use sqlite:///FILE or "
            "postgresql://USER@HOST/DB"
        )
    return parsed


def make_engine(url: URL, *, read_only: bool = False) -> Engine:
    """An engine for the registry: SQLite in WAL with BEGIN IMMEDIATE writes, or PostgreSQL.

    A SQLite URL may carry ``?journal_mode=DELETE`` for a registry on a network share, where
    WAL's shared memory does not work. ``read_only`` opens a SQLite file so that nothing,
    not even a missing file, can be written (``mode=ro``).
    """
    if url.get_backend_name() == "postgresql":
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 15, "application_name": "massinvoice"},
        )
    journal = str(url.query.get("journal_mode", "WAL")).upper()
    if journal not in _JOURNAL_MODES:
        raise RegistryError(f"journal_mode must be one of {', '.join(_JOURNAL_MODES)}")
    url = url.difference_update_query(["journal_mode"])
    database = url.database or ""
    if read_only and database and database != ":memory:" and not database.startswith("file:"):
        url = url.set(database=f"file:{Path(database).resolve()}?mode=ro").update_query_dict(
            {"uri": "true"}
        )
    engine = create_engine(url, connect_args={"timeout": 30})

    # SQLAlchemy's recipe for pysqlite transaction control: the driver emits no BEGIN of its
    # own and we emit it; IMMEDIATE for writes, so writers queue instead of failing mid-way.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        if not read_only:
            cursor.execute(f"PRAGMA journal_mode = {journal}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("registry_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def dumps(value: Any, *, loose: bool = False) -> str:
    """JSON text, Decimals and dates as text; ``loose`` (run logs) writes anything else as str."""
    return json.dumps(value, default=_loose if loose else _strict, ensure_ascii=False,
                      allow_nan=False)  # fmt: skip


def _strict(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _loose(value: Any) -> Any:
    try:
        return _strict(value)
    except TypeError:
        return str(value)


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices small enough for one IN (...)."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# --- the process a run is: recorded in runs, so a crashed run is recognised at once ---


def current_user() -> str:
    """The user running this process, as recorded with each run."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USERNAME", "")


def machine_id() -> str:
    """This machine, beyond its host name (containers and clones share names)."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            value = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if value:
            return value[:64]
    return f"{uuid.getnode():012x}"


def pid_gone(pid: int | None) -> bool:
    """True only when certain: no such process here (POSIX; Windows relies on the lease)."""
    if os.name != "posix" or not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
