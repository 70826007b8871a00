"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path


def _host() -> str:
    """This host, as temporary file names carry it (letters and digits only)."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _owner() -> str:
    """This host and process, as temporary file names carry them: ``host-pid``."""
    return f"{_host()}-{os.getpid()}"


_TEMP_NAME = re.compile(r"\..+\.(?P<host>[A-Za-z0-9]+)-(?P<pid>[0-9]+)\.[0-9a-f]{12}\.tmp")


def new_temp_beside(path: Path) -> Path:
    """Create an empty, uniquely named temporary file beside ``path``.

    Not ``mkstemp``: its mode 0600 would make outputs unreadable to the other people of a
    shared folder. The mode here is the usual 0666 less the umask, as for any new file. The
    name says which host and process own it, so :func:`sweep_temps` can tell a dead run's.
    """
    # The name in it is cut short: a 255-byte name must still get a temporary file beside it.
    short = path.name.encode()[:180].decode("utf-8", "ignore")
    while True:
        tmp = path.parent / f".{short}.{_owner()}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    tmp = new_temp_beside(path)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` atomically; return its SHA-256."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


class DifferentFileExists(FileExistsError):
    """A file is already there with other content: it is never replaced."""


def write_once_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to a new file ``path`` atomically; return its SHA-256.

    A file already there with the same bytes is left as it is; one with other bytes is never
    replaced (:class:`DifferentFileExists`). The name is taken with a hard link, which fails
    if it exists, so two writers cannot both win; where links are not allowed (some network
    shares), a look before the rename does.
    """
    path = Path(path)
    sha = hashlib.sha256(data).hexdigest()
    tmp = new_temp_beside(path)
    try:
        tmp.write_bytes(data)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links here
            if not path.exists():
                os.replace(tmp, path)
        if sha256_file(path) != sha:
            raise DifferentFileExists(
                f"{path.name} is already in {path.parent} with other content: it is never "
                "replaced; run into another output folder (-o)"
            )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return sha


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def sweep_temps(folder: Path) -> list[Path]:
    """Remove the temporary files a killed process of this host left in ``folder`` (those of
    live processes, and of other hosts sharing the folder, stay); return what was removed."""
    host = _host()
    removed = []
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.endswith(".tmp")]
    except OSError:
        return removed
    for name in names:
        found = _TEMP_NAME.fullmatch(name)
        if not found or found["host"] != host or process_alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            (folder / name).unlink()
            removed.append(folder / name)
    return removed


def process_alive(pid: int) -> bool:
    """Whether a process of this machine lives (a zombie, dead but not yet reaped, does not).
    True where there is no harmless way to ask (Windows) or the answer is not ours to have."""
    if os.name != "posix":
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    return True


def exit_with(owner: int) -> None:
    """In a worker process: exit as soon as the process ``owner`` is gone (killed, even), instead
    of waiting for work for ever. ``owner`` is given by the owner itself: a worker started while
    its owner was being killed would find another parent already."""

    def watch() -> None:
        direct = os.getppid() == owner
        while os.getppid() == owner if direct else process_alive(owner):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-owner", daemon=True).start()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_writable(folder: Path) -> str | None:
    """Create ``folder`` if needed and prove we can write there; return a reason if not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform or file system.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
