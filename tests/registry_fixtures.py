"""Registry URLs for tests: a fresh SQLite file, or a fresh PostgreSQL database, per test.

PostgreSQL comes from ``MASSINVOICE_TEST_PG`` (a database on a server where its user may create
databases; ``source ci/postgres.sh`` sets it), or else from a throwaway server that
``ci/postgres.sh`` starts for this test session when PostgreSQL is installed here. Without
either, the PostgreSQL tests skip and say why; in CI (``CI=true``) they fail instead, because
CI must prove both backends.

Use: ``from tests.registry_fixtures import pg_server_url, registry_url  # noqa: F401``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine

from massinvoice.registry.numbering import Registry
from massinvoice.registry.schema import parse_url

SCRIPT = Path(__file__).resolve().parents[1] / "ci" / "postgres.sh"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI and is not available: {reason}", pytrace=False)
    pytest.skip(
        f"PostgreSQL not available ({reason}); set MASSINVOICE_TEST_PG=postgresql+psycopg://"
        "USER@HOST:PORT/DB or run 'source ci/postgres.sh'"
    )


# One server per test process, whichever modules import the fixture (each import makes its own
# fixture definition, so the session scope alone would start one per module).
_server: dict[str, str] = {}


@pytest.fixture(scope="session")
def pg_server_url(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL URL whose user may create databases (skips, or fails in CI, without one)."""
    given = os.environ.get("MASSINVOICE_TEST_PG", "").strip()
    if given:
        return given
    if "error" in _server:
        _unavailable(_server["error"])
    if "url" not in _server:
        url, error = _start_server(request.config)
        if not url:
            _server["error"] = error
            _unavailable(error)
        _server["url"] = url
    return _server["url"]


def _start_server(config: pytest.Config) -> tuple[str, str]:
    """Start a throwaway server with ci/postgres.sh, stopped when the test session ends."""
    folder = Path(tempfile.gettempdir()) / f"massinvoice-pg-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if k != "MASSINVOICE_TEST_PG"}
    env["MASSINVOICE_PG_DIR"] = str(folder)
    if not in_ci():
        env["MASSINVOICE_PG_NO_INSTALL"] = "1"  # a developer's tests never install packages
    try:
        started = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True,
                                 text=True, timeout=900, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"ci/postgres.sh did not run: {exc}"
    config.add_cleanup(lambda: subprocess.run(["bash", str(SCRIPT), "stop"], env=env,
                                              capture_output=True, timeout=120, check=False))  # fmt: skip
    urls = [line.partition("=")[2] for line in started.stdout.splitlines()
            if line.startswith("MASSINVOICE_TEST_PG=")]  # fmt: skip
    if started.returncode != 0 or not urls:
        return "", f"ci/postgres.sh could not start one: {started.stderr.strip()[-500:]}"
    return urls[-1], ""


@contextmanager
def fresh_pg_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``, dropped afterwards."""
    url = parse_url(server_url)
    name = f"mi_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty registry's URL: a SQLite file, or a PostgreSQL database made for this test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
        Registry(url, create=True).close()  # as 'massinvoice init' makes it
        yield url
        return
    server = request.getfixturevalue("pg_server_url")
    with fresh_pg_database(server) as url:
        yield url
