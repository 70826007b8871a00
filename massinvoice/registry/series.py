"""A series' start: what the config says it is, against what the registry has numbered.

The registry remembers the start each series began at. A ``[series] start`` changed in the
config after numbers were issued is refused: raised, it would skip numbers; lowered, it would
reuse them. A start raised on purpose moves the series forward only when asked (``--raise-start``).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Connection

from massinvoice.config import Series
from massinvoice.problems import RegistryError
from massinvoice.registry.schema import series_table


def settle_start(
    conn: Connection, series: Series, next_seq: int, start: int | None, raise_start: bool
) -> int:
    """The series' next seq once its configured start is reconciled with the registry's."""
    if start == series.start:
        return next_seq
    unused = start is not None and next_seq == start  # nothing numbered from it yet
    legacy = start is None and series.start <= next_seq  # a registry from before starts were kept
    if unused or legacy or (raise_start and series.start >= next_seq):
        next_seq = max(next_seq, series.start) if start is None else series.start
        conn.execute(update(series_table).where(series_table.c.name == series.name)
                     .values(next_seq=next_seq, start=series.start))  # fmt: skip
        return next_seq
    began = f"began at {start}" if start is not None else "has numbers"
    fix = (
        f", or rerun with --raise-start to jump the series forward to "
        f"{series.number(series.start)} on purpose"
        if series.start > next_seq
        else " (a lower start would reuse numbers)"
    )
    raise RegistryError(
        f"[series] start = {series.start} in the config, but series {series.name!r} {began} "
        f"and its next number is {series.number(next_seq)}: nothing was numbered. Numbers stay "
        f"gap-free: put start back{fix}"
    )
