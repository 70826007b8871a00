"""The invoice registry: gap-free numbers per series, and never an order on two live invoices.

An invoice goes *pending* (number and orders reserved in one short transaction), then *issued*
(its PDF is on disk, with the file's SHA-256 recorded), or *void* (the number stays recorded with
its reason). ``invoice_orders.order_no`` is unique, so the database itself refuses a second live
invoice for an order, whatever process or machine asks. Rendering happens outside any
transaction: a run that crashes leaves pending invoices that the next run claims and finishes
with the same numbers.

SQLite (one machine, WAL, ``BEGIN IMMEDIATE`` for writes) and PostgreSQL (several machines, a
row lock on the series row) run the same code. Timestamps are timezone-aware UTC; money is
``Decimal`` stored exactly (text on SQLite, unconstrained ``NUMERIC`` on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, and_, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from massinvoice.config import Series
from massinvoice.model import order_key
from massinvoice.problems import RegistryError
from massinvoice.registry import holders, identity
from massinvoice.registry.rows import pending_row, read_records
from massinvoice.registry.schema import (
    SCHEMA_VERSION,
    Conflict,
    Draft,
    InvoiceRecord,
    chunks,
    current_user,
    current_version,
    dumps,
    invoice_orders,
    invoices,
    machine_id,
    make_engine,
    parse_url,
    record_from_row,
    runs,
    series_table,
    upgrade_schema,
)
from massinvoice.registry.series import settle_start

STATES = ("pending", "issued", "void")
LEASE_SECONDS = 300
_RETRIES = 8  # a reserve that lost a race starts again, this many times at most
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock

T = TypeVar("T")
__all__ = ["Conflict", "Draft", "InvoiceRecord", "Registry", "RegistryError"]


class _LostRace(Exception):
    """Another transaction claimed one of our orders between our check and our insert."""


Records = list[InvoiceRecord]
Conflicts = list[Conflict]


class Registry:
    """The numbers and order claims of one company, in SQLite or PostgreSQL."""

    def __init__(self, url: str, *, lease_seconds: int = LEASE_SECONDS, create: bool = False,
                 read_only: bool = False):  # fmt: skip
        """Open the registry at ``url``. A SQLite file that is missing or empty is refused unless
        ``create`` (``init`` and ``demo`` only); ``read_only`` changes nothing, not even the
        schema version (a dry run, a migrate's source)."""
        self.url = parse_url(url)
        self.lease_seconds = lease_seconds
        self.read_only = read_only
        if not create:
            identity.check_file(self.url)
        self._engine = make_engine(self.url, read_only=read_only)
        try:
            self._open(create)
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def backend(self) -> str:
        """``'sqlite'`` or ``'postgresql'``."""
        return self.url.get_backend_name()

    def __repr__(self) -> str:
        return f"Registry({self.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    # --- transactions -------------------------------------------------------------------------

    def _run(self, what: str, work: Callable[[Connection], T], *, write: bool = True,
             retries: int = 1, snapshot: bool = False, check_retired: bool = True) -> T:  # fmt: skip
        """``work`` in one transaction; retried on races, database errors as RegistryError.

        ``write`` takes SQLite's write lock at BEGIN (and refuses a retired registry);
        ``snapshot`` reads PostgreSQL as of one moment (REPEATABLE READ), as SQLite's WAL
        readers always do.
        """
        if write and self.read_only:
            raise RegistryError(f"{self!r} is open read-only: cannot {what}")
        for attempt in range(1, retries + 1):
            try:
                with self._engine.connect() as conn:
                    conn.execution_options(registry_write=write)
                    if snapshot and self.backend == "postgresql":
                        conn.execution_options(isolation_level="REPEATABLE READ")
                    with conn.begin():
                        if write and check_retired:
                            identity.refuse_if_retired(conn, repr(self))
                        return work(conn)
            except RegistryError:
                raise
            except _LostRace:
                if attempt < retries:
                    time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
                    continue
                raise RegistryError(f"{self!r}: {what} kept losing races; try again") from None
            except DBAPIError as exc:
                race = isinstance(exc, IntegrityError) or _sqlstate(exc) in _RETRY_SQLSTATES
                if race and attempt < retries:
                    time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
                    continue
                raise RegistryError(f"{self!r}: {what} failed: {_first_line(exc)}") from exc
            except SQLAlchemyError as exc:
                raise RegistryError(f"{self!r}: {what} failed: {_first_line(exc)}") from exc
        raise AssertionError("unreachable")

    def _now(self, conn: Connection) -> dt.datetime:
        # One clock for every machine sharing a PostgreSQL registry: the server's.
        if self.backend == "postgresql":
            now = conn.scalar(text("SELECT clock_timestamp()"))
            assert isinstance(now, dt.datetime)
            return now.astimezone(dt.UTC)
        return dt.datetime.now(dt.UTC)

    def _open(self, create: bool) -> None:
        current = self._run("open", current_version, write=False)
        if current > SCHEMA_VERSION:
            raise RegistryError(
                f"{self!r} has schema version {current}, newer than this massinvoice knows "
                f"({SCHEMA_VERSION}): upgrade massinvoice before using it"
            )
        # A PostgreSQL database is made for the registry by its administrator: an empty one
        # becomes the registry. An empty SQLite file is an accident (see identity).
        if current == 0 and not create and self.backend == "sqlite":
            raise identity.empty_database(self.url)
        if current < SCHEMA_VERSION and not self.read_only:
            self._run("schema upgrade", lambda conn: upgrade_schema(conn, self._now(conn)),
                      check_retired=False)  # fmt: skip
        self.schema_version = min(current, SCHEMA_VERSION) if self.read_only else SCHEMA_VERSION

    @property
    def identity(self) -> identity.Identity:
        """This registry's id, and where it moved if a migrate retired it."""
        if self.schema_version < 2:
            return identity.Identity("")
        return self._run("read identity", identity.read_identity, write=False)

    def retire(self, to: str) -> None:
        """Mark this registry as moved to ``to``: it refuses to number from now on."""
        self._run("retire", lambda conn: identity.retire(conn, to, self._now(conn)),
                  check_retired=False)  # fmt: skip

    # --- other stages' records in this registry (massinvoice.send its sends, the SRI its
    # documents) -----------------------------------------------------------------------------

    def transaction(self, what: str, work: Callable[[Connection], T], *, write: bool = True) -> T:
        """``work`` in one transaction, retried on races; database errors as RegistryError."""
        return self._run(what, work, write=write, retries=_RETRIES if write else 1)

    def clock(self, conn: Connection) -> dt.datetime:
        """Now, by the registry's clock (the server's on PostgreSQL, shared by every machine)."""
        return self._now(conn)

    # --- runs -----------------------------------------------------------------------------------

    def start_run(self, info: dict[str, Any]) -> str:
        """Record a run (host, pid, user, time, ``info``); return its id."""
        run_id = uuid.uuid4().hex

        def work(conn: Connection) -> None:
            now = self._now(conn)
            conn.execute(insert(runs).values(
                run_id=run_id, host=socket.gethostname(), machine=machine_id(), pid=os.getpid(),
                user=current_user(), started_at=now, heartbeat_at=now, info=dumps(info, loose=True),
            ))  # fmt: skip

        self._run("start run", work)
        return run_id

    def finish_run(self, run_id: str, summary: dict[str, Any], *, recorded: bool = True) -> None:
        """Record the end of a run and its summary; its pending work becomes claimable.

        ``recorded``: its records (manifest ...) list what it issued. A run that ends without
        them (its outputs failed, it was interrupted) leaves its issued invoices to the next
        run, whose records then list them (see :meth:`adopt_unrecorded`).
        """

        def work(conn: Connection) -> None:
            now = self._now(conn)
            done = conn.execute(update(runs).where(runs.c.run_id == run_id).values(
                finished_at=now, summary=dumps(summary, loose=True),
                recorded_at=now if recorded else None))  # fmt: skip
            if done.rowcount != 1:
                raise RegistryError(f"no run {run_id!r} in the registry")

        self._run("finish run", work)

    def renew(self, run_id: str, lease_seconds: int | None = None) -> None:
        """Extend the lease on this run's pending invoices (call it during long renders)."""
        lease = dt.timedelta(seconds=self.lease_seconds if lease_seconds is None else lease_seconds)

        def work(conn: Connection) -> None:
            now = self._now(conn)
            conn.execute(update(invoices)
                         .where(invoices.c.run_id == run_id, invoices.c.state == "pending")
                         .values(lease_until=now + lease))  # fmt: skip
            conn.execute(update(runs).where(runs.c.run_id == run_id).values(heartbeat_at=now))

        self._run("renew lease", work)

    # --- orders and numbers ---------------------------------------------------------------------

    def invoiced(
        self, order_nos: Iterable[str] | None = None, *, include_void: bool = False
    ) -> dict[str, str]:
        """Order -> invoice number, for orders held by a pending or issued invoice.

        ``include_void`` adds orders still held by a void invoice (not released): those cannot
        be invoiced again either, until ``void(..., release_orders=True)``.
        """
        states = STATES if include_void else ("pending", "issued")
        query = (
            select(invoice_orders.c.order_no, invoice_orders.c.invoice_number)
            .join(invoices, invoices.c.number == invoice_orders.c.invoice_number)
            .where(invoices.c.state.in_(states))
        )

        def work(conn: Connection) -> dict[str, str]:
            if order_nos is None:
                return dict(conn.execute(query).all())
            found: dict[str, str] = {}
            for chunk in chunks(sorted({str(o) for o in order_nos})):
                found.update(conn.execute(query.where(invoice_orders.c.order_no.in_(chunk))).all())
            return found

        return self._run("look up orders", work, write=False)

    def reserve(
        self, series: Series, drafts: Sequence[Draft], run_id: str, *,
        lease_seconds: int | None = None,
        with_numbers: Callable[[Connection, Records], None] | None = None,
    ) -> tuple[Records, Conflicts]:  # fmt: skip
        """Number every draft whose orders are all free, as pending, in one short transaction.

        Drafts with an order already held (by any invoice, or by an earlier draft of the same
        call) come back as Conflicts naming the holders. All or nothing: a failure consumes no
        number and claims no order; a race with another machine is retried from the start.
        ``with_numbers`` writes what must be stored with the numbers in the same transaction
        (the SRI's claves de acceso).
        """
        drafts = list(drafts)
        for draft in drafts:
            draft.check()
        if not drafts:
            return [], []
        lease = dt.timedelta(seconds=self.lease_seconds if lease_seconds is None else lease_seconds)

        def work(conn: Connection) -> tuple[Records, Conflicts]:
            now = self._now(conn)
            seq = self._lock_series(conn, series)
            held = holders.holders(conn, [o for d in drafts for o in d.orders])
            records: Records = []
            conflicts: Conflicts = []
            rows: list[dict[str, Any]] = []
            alike = holders.lookalikes(conn, [o for d in drafts for o in d.orders])
            claimed: dict[str, tuple[str, str]] = {}  # key -> (order, number), this call
            for draft in drafts:
                conflict = holders.conflict_for(draft.orders, held, alike, claimed)
                if conflict is not None:
                    conflicts.append(conflict)
                    continue
                number = series.number(seq)
                rows.append(pending_row(draft, number, series, seq, run_id, now, now + lease))
                records.append(
                    record_from_row({**rows[-1], "issued_at": None}, tuple(sorted(draft.orders)))
                )
                held.update({o: (number, "pending") for o in draft.orders})
                claimed.update({order_key(o): (o, number) for o in draft.orders})
                seq += 1
            if rows:
                self._store_pending(conn, series, rows, records, seq)
                if with_numbers is not None:
                    with_numbers(conn, records)
            return records, conflicts

        return self._run("reserve", work, retries=_RETRIES)

    def _store_pending(
        self, conn: Connection, series: Series, rows: list[dict[str, Any]], records: Records,
        next_seq: int,
    ) -> None:  # fmt: skip
        """Insert the pending invoices, claim their orders, move the series on."""
        self._check_numbers_free(conn, series, [r["number"] for r in rows])
        conn.execute(insert(invoices), rows)
        # Sorted, so two writers wait on each other in one order and never deadlock.
        claims = sorted(({"order_no": o, "invoice_number": r.number, "order_key": order_key(o)}
                         for r in records for o in r.orders), key=lambda c: c["order_no"])  # fmt: skip
        claim = (self._insert(invoice_orders)
                 .on_conflict_do_nothing(index_elements=["order_no"])
                 .returning(invoice_orders.c.order_no))  # fmt: skip
        if len(conn.execute(claim, claims).all()) != len(claims):
            raise _LostRace  # another series' run took an order just now: start again
        conn.execute(update(series_table).where(series_table.c.name == series.name)
                     .values(next_seq=next_seq))  # fmt: skip

    # --- for the stages that keep their own tables in the registry (SRI documents) ------------

    def take_number(self, conn: Connection, series: Series) -> tuple[str, int]:
        """The next number of ``series`` (a series of documents without orders, such as credit
        notes), taken in ``conn``'s transaction: gap-free, never given twice."""
        seq = self._lock_series(conn, series)
        conn.execute(update(series_table).where(series_table.c.name == series.name)
                     .values(next_seq=seq + 1))  # fmt: skip
        return series.number(seq), seq

    def _insert(self, table: Table) -> Any:
        """INSERT with this backend's ON CONFLICT clause available."""
        return (pg_insert if self.backend == "postgresql" else sqlite_insert)(table)

    def _lock_series(self, conn: Connection, series: Series, raise_start: bool = False) -> int:
        """Create the series row if new, lock it for this transaction; return its next seq.

        A ``start`` changed for a series that has numbers is refused (a raised start would skip
        numbers, a lowered one reuse them) unless ``raise_start`` moves it forward on purpose.
        """
        conn.execute(self._insert(series_table)
                     .values(name=series.name, next_seq=series.start, start=series.start)
                     .on_conflict_do_nothing(index_elements=["name"]))  # fmt: skip
        query = select(series_table.c.next_seq, series_table.c.start).where(
            series_table.c.name == series.name
        )
        next_seq, start = conn.execute(query.with_for_update()).one()
        return settle_start(conn, series, int(next_seq), start, raise_start)

    def check_series(self, series: Series, *, raise_start: bool = False) -> int:
        """Check (or, with ``raise_start``, move forward) the series' start; its next seq."""
        return self._run("check series", lambda c: self._lock_series(c, series, raise_start))

    def lookalikes(self, order_nos: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Order -> (held order, invoice) for orders that only look like an invoiced one
        (``123`` and ``000123``, ``po-1`` and ``PO-1``): held back, never invoiced silently."""
        orders = list({str(o) for o in order_nos})
        if self.schema_version < 2 or not orders:
            return {}
        return self._run("look up orders", lambda c: holders.lookalikes(c, orders), write=False)

    def _check_numbers_free(self, conn: Connection, series: Series, numbers: list[str]) -> None:
        for chunk in chunks(numbers):
            taken = conn.scalars(select(invoices.c.number).where(invoices.c.number.in_(chunk)))
            for number in taken:
                raise RegistryError(
                    f"number {number} of series {series.name!r} is already used by another "
                    f"series: give each series its own number format"
                )

    def claim_pending(self, run_id: str, *, lease_seconds: int | None = None) -> Records:
        """Take over pending invoices that no live run is finishing, for ``run_id`` to finish.

        A pending invoice is abandoned when its run has finished, its lease has expired, or its
        run's process is gone from this machine. Invoices a live run holds a lease on are left.
        """
        lease = dt.timedelta(seconds=self.lease_seconds if lease_seconds is None else lease_seconds)
        here = (socket.gethostname(), machine_id())

        def work(conn: Connection) -> Records:
            now = self._now(conn)
            query = (
                select(invoices.c.number, invoices.c.lease_until, runs.c.host, runs.c.machine,
                       runs.c.pid, runs.c.finished_at)
                .outerjoin(runs, runs.c.run_id == invoices.c.run_id)
                .where(invoices.c.state == "pending", invoices.c.run_id != run_id)
                .with_for_update(of=invoices, skip_locked=True)
            )  # fmt: skip
            numbers = [
                row.number for row in conn.execute(query) if holders.abandoned(row, now, here)
            ]
            for chunk in chunks(numbers):
                conn.execute(update(invoices).where(invoices.c.number.in_(chunk))
                             .values(run_id=run_id, lease_until=now + lease))  # fmt: skip
            return read_records(conn, invoices.c.number.in_(numbers)) if numbers else []

        return self._run("claim pending invoices", work, retries=_RETRIES)

    def mark_issued(self, number: str, file: str, sha256: str) -> None:
        """Pending -> issued, with the PDF's path and SHA-256; repeating it is harmless."""

        def work(conn: Connection) -> None:
            row = conn.execute(
                select(invoices.c.state, invoices.c.file, invoices.c.sha256, invoices.c.run_id,
                       invoices.c.lease_until)
                .where(invoices.c.number == number).with_for_update()
            ).one_or_none()  # fmt: skip
            if row is None:
                raise RegistryError(f"no invoice {number} in the registry")
            if row.state == "issued":
                if (row.file, row.sha256) == (file, sha256):
                    return
                raise RegistryError(
                    f"invoice {number} was already issued as {row.file} (sha256 {row.sha256})"
                )
            if row.state == "void":
                raise RegistryError(f"invoice {number} is void: it cannot be issued")
            now = self._now(conn)
            conn.execute(update(invoices).where(invoices.c.number == number).values(
                state="issued", file=file, sha256=sha256, issued_at=now))  # fmt: skip
            # Progress is a sign of life: keep the rest of this run's work leased.
            lease = dt.timedelta(seconds=self.lease_seconds)
            if row.lease_until is not None and row.lease_until - now < lease / 2:
                conn.execute(update(invoices)
                             .where(invoices.c.run_id == row.run_id,
                                    invoices.c.state.in_(("pending", "issued")))
                             .values(lease_until=now + lease))  # fmt: skip

        self._run("mark issued", work)

    def void(self, number: str, reason: str, *, release_orders: bool = False) -> InvoiceRecord:
        """Void an invoice; its number stays recorded with the reason (see :mod:`.void`).

        Its orders stay held (never invoiced again) unless ``release_orders``: then they move to
        ``released_orders`` and can go on a new invoice, under a new number. Voiding it again
        for another reason is refused: the first reason stays.
        """
        from massinvoice.registry.void import void_invoice

        done = void_invoice(self, number, reason, release_orders=release_orders)
        if not done.voided_now and not release_orders and done.record.reason != reason:
            raise RegistryError(f"invoice {number} is already void: {done.record.reason}")
        return done.record

    # --- reading ----------------------------------------------------------------------------------

    def get(self, number: str) -> InvoiceRecord | None:
        """The invoice with this number, or None."""
        found = self._run("read", lambda c: read_records(c, invoices.c.number == number),
                          write=False)  # fmt: skip
        return found[0] if found else None

    def list(
        self, *, state: str | None = None, series: str | None = None, limit: int | None = None
    ) -> Records:
        """Invoices in the order they were numbered, optionally by state and series."""
        conditions = []
        if state is not None:
            if state not in STATES:
                raise RegistryError(f"state must be one of {', '.join(STATES)}")
            conditions.append(invoices.c.state == state)
        if series is not None:
            conditions.append(invoices.c.series == series)
        where = and_(*conditions) if conditions else None
        return self._run("list", lambda c: read_records(c, where, limit), write=False)


# --- helpers ----------------------------------------------------------------------------------


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", "") or "")


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
