"""A registry's identity: it exists before it numbers, it is one registry, and it can retire.

A fresh numbering is a decision, never an accident: a SQLite registry is created only by
``massinvoice init`` (or ``demo``); a missing file, an empty one (``truncate -s0``) or a typo in
its URL is an error naming the path and how to fix it. Each registry carries an id, made when
it was created, and a retired flag: ``registry migrate`` sets it on its source, which then
refuses to number and names where it moved, so a machine still pointing at the old file cannot
issue the numbers the new one issues.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import URL, Connection

from massinvoice.problems import RegistryError
from massinvoice.registry.schema import registry_info

CREATE_HINT = (
    "a new registry (a fresh numbering from the start) is made only by 'massinvoice init FOLDER'; "
    "if this company already has one, point --registry, MASSINVOICE_REGISTRY or registry = in "
    "massinvoice.toml at it (a copy from a backup, or the shared PostgreSQL URL)"
)


@dataclass(frozen=True)
class Identity:
    """Who a registry is: its id, and where it moved if it is retired."""

    id: str
    retired_to: str = ""
    retired_at: dt.datetime | None = None


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite registry URL (None: in memory, or not SQLite)."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def check_file(url: URL) -> None:
    """Refuse a SQLite registry whose file is missing or empty: it would be a fresh numbering."""
    path = sqlite_file(url)
    if path is None:
        return
    if not path.is_file():
        raise RegistryError(f"no registry at {path.resolve()} (file not found): {CREATE_HINT}")
    if path.stat().st_size == 0:
        raise RegistryError(
            f"the registry {path.resolve()} is an empty file (0 bytes): it holds no numbers. "
            f"Restore it from a backup; {CREATE_HINT}"
        )


def empty_database(url: URL) -> RegistryError:
    return RegistryError(
        f"{url.render_as_string(hide_password=True)} holds no registry (no tables): {CREATE_HINT}"
    )


def read_identity(conn: Connection) -> Identity:
    row = conn.execute(select(registry_info).limit(1)).one_or_none()
    if row is None:
        return Identity("")
    return Identity(row.id, row.retired_to or "", row.retired_at)


def refuse_if_retired(conn: Connection, name: str) -> None:
    """Raise when this registry was migrated away: it numbers nothing any more."""
    identity = read_identity(conn)
    if identity.retired_to:
        when = f" on {identity.retired_at:%Y-%m-%d %H:%M} UTC" if identity.retired_at else ""
        raise RegistryError(
            f"{name} is retired: it moved to {identity.retired_to}{when} and numbers nothing "
            f"any more. Use the new one: set MASSINVOICE_REGISTRY={identity.retired_to} (or "
            "registry = ... in massinvoice.toml, or --registry)"
        )


def retire(conn: Connection, to: str, now: dt.datetime) -> None:
    """Mark this registry as moved to ``to`` (a URL without its password)."""
    conn.execute(update(registry_info).values(retired_to=to, retired_at=now))
