"""What a run takes over from runs that ended without recording what they issued.

A run killed, interrupted, or unable to write its records after issuing some invoices left
them in no manifest. The next run adopts them and lists them in its own records, so every
issued number is in exactly one run's manifest; a PDF lost with its folder is rendered again
into the new run's folder and the registry records where it went.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from massinvoice.problems import RegistryError
from massinvoice.registry.holders import abandoned
from massinvoice.registry.rows import read_records
from massinvoice.registry.schema import InvoiceRecord, chunks, invoices, machine_id, runs

if TYPE_CHECKING:
    from massinvoice.registry.numbering import Registry


def adopt_unrecorded(registry: Registry, run_id: str) -> list[InvoiceRecord]:
    """Issued invoices no run's records list (their run is over), now ``run_id``'s to record."""
    here = (socket.gethostname(), machine_id())

    def work(conn: Connection) -> list[InvoiceRecord]:
        now = registry._now(conn)
        query = (
            select(invoices.c.number, invoices.c.lease_until, runs.c.host, runs.c.machine,
                   runs.c.pid, runs.c.finished_at, runs.c.run_id, runs.c.info)
            .join(runs, runs.c.run_id == invoices.c.run_id)
            .where(invoices.c.state == "issued", invoices.c.run_id != run_id,
                   runs.c.recorded_at.is_(None))
            .with_for_update(of=invoices, skip_locked=True)
        )  # fmt: skip
        rows = [row for row in conn.execute(query) if abandoned(row, now, here)]
        # Killed after writing its manifest, before saying so: its records stand.
        done = {row.run_id for row in rows if _manifest_written(row.run_id, row.info)}
        for chunk in chunks(sorted(done)):
            conn.execute(update(runs).where(runs.c.run_id.in_(chunk)).values(recorded_at=now))
        numbers = [row.number for row in rows if row.run_id not in done]
        for chunk in chunks(numbers):
            conn.execute(update(invoices).where(invoices.c.number.in_(chunk))
                         .values(run_id=run_id))  # fmt: skip
        return read_records(conn, invoices.c.number.in_(numbers)) if numbers else []

    return registry._run("adopt unrecorded invoices", work, retries=8)


def relocate(registry: Registry, number: str, file: str, sha256: str) -> None:
    """An issued invoice whose PDF was lost, rendered again elsewhere: record where it is now."""

    def work(conn: Connection) -> None:
        done = conn.execute(update(invoices)
                            .where(invoices.c.number == number, invoices.c.state == "issued")
                            .values(file=file, sha256=sha256))  # fmt: skip
        if done.rowcount != 1:
            raise RegistryError(f"no issued invoice {number} in the registry")

    registry._run("record where a PDF went", work)


def _manifest_written(run_id: str, info: str) -> bool:
    """Whether the run's manifest is in its output folder (see invoice.outputs.new_run_folder)."""
    try:
        outdir = json.loads(info or "{}").get("outdir", "")
    except ValueError:
        return False
    return bool(outdir) and any(Path(outdir).glob(f"runs/*_{run_id[:8]}/manifest.json"))
