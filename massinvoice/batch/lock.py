"""Safety of the batch folder: one runner at a time, and inputs that survive a crash.

**The lock.** One runner per folder: a lock file with safe recovery from dead or vanished holders.

The lock is ``FOLDER/.massinvoice.lock``, created with ``O_CREAT | O_EXCL`` (atomic on local
disks, NFSv3+ and SMB) and holding JSON ``{host, pid, time, token}``. While it is held, a
background thread touches the file every few seconds, so its modification time says "alive".

A lock is stale when its holder is a dead process on this host, or when nobody has touched it
for ``max_age`` seconds (a holder on another host that crashed or lost power). A stale lock is
taken over by *renaming* it to a name private to the taker and checking that what was renamed is
still the stale lock that was judged: of two takers only one rename can move that file, and a
taker that moved a fresh lock by mistake puts it back. Only then is a new lock created, with
``O_EXCL`` again, so two takers can never both win.

**The journal.** An input is never moved before its outputs are complete; :class:`Journal`
records what each input will become, so a rerun after a crash redoes the same step in place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from massinvoice.files import atomic_path, atomic_write_text, process_alive, sha256_file
from massinvoice.problems import MassInvoiceError
from massinvoice.text import safe_filename

LOCK_NAME = ".massinvoice.lock"
DEFAULT_MAX_AGE = 600.0  # seconds without a heartbeat before another host may take over
HEARTBEAT = 15.0  # seconds between touches of a held lock


class FolderBusy(MassInvoiceError):
    """Another runner holds the folder's lock."""

    def __init__(self, folder: Path, holder: dict[str, Any] | None):
        self.folder = folder
        self.holder = holder or {}
        who = describe_holder(self.holder)
        super().__init__(
            f"{folder} is being processed by another massinvoice ({who}); "
            "nothing was done. Try again later, or use --wait SECONDS."
        )


def describe_holder(holder: dict[str, Any]) -> str:
    """'host cron-box, pid 4242, since 2026-11-26 14:05:03' from a lock's contents."""
    if not holder:
        return "holder unknown"
    parts = [f"host {holder.get('host', '?')}", f"pid {holder.get('pid', '?')}"]
    if holder.get("time"):
        parts.append(f"since {holder['time']}")
    return ", ".join(parts)


class FolderLock:
    """The lock of one batch folder; use as a context manager or acquire()/release()."""

    def __init__(
        self,
        folder: Path,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        heartbeat: float | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.max_age = max_age
        # Touch well within max_age, so a live holder never looks stale.
        self.heartbeat = heartbeat or min(HEARTBEAT, max(max_age / 4, 0.05))
        self.host = socket.gethostname()
        self.token = uuid.uuid4().hex
        self.taken_over: dict[str, Any] | None = None  # the stale holder we replaced, if any
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- acquiring ---------------------------------------------------------------------------

    def acquire(self, wait: float = 0.0, poll: float = 0.5) -> None:
        """Take the lock, waiting up to ``wait`` seconds for a live holder; else FolderBusy."""
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            if self._try_acquire():
                return
            if time.monotonic() >= deadline:
                raise FolderBusy(self.folder, self.holder())
            time.sleep(min(poll, max(deadline - time.monotonic(), 0.01)))

    def _try_acquire(self) -> bool:
        for _ in range(5):  # a few rounds: the lock may vanish or change under us
            if self._create():
                return True
            raw = _read_bytes(self.path)
            if raw is None:
                continue  # released between our create and read: try again
            holder = _parse(raw)
            if not self._stale(holder):
                return False
            if self._take_over(raw):
                self.taken_over = holder or {"unreadable": raw[:200].decode("utf-8", "replace")}
        return False

    def _create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        info = {
            "host": self.host,
            "pid": os.getpid(),
            "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "token": self.token,
        }
        try:
            os.write(fd, json.dumps(info).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._held = True
        self._start_heartbeat()
        return True

    def _stale(self, holder: dict[str, Any] | None) -> bool:
        age = self._age()
        if age is None:
            return False  # vanished: the caller retries
        pid = holder.get("pid") if holder else None
        if holder and holder.get("host") == self.host and isinstance(pid, int):
            return not process_alive(pid) or age > self.max_age
        # An unreadable lock (a holder that died between create and write) ages out as well.
        return age > self.max_age

    def _age(self) -> float | None:
        try:
            return time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return None

    def _take_over(self, judged: bytes) -> bool:
        """Move the stale lock aside; True if it was the one judged (and is now gone)."""
        aside = self.path.with_name(f"{LOCK_NAME}.stale-{self.token}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False  # another taker moved it first
        if _read_bytes(aside) == judged:
            aside.unlink(missing_ok=True)
            return True
        # We moved a fresh lock that a faster taker had just created: put it back, never over
        # a lock someone else made meanwhile (link fails if the name exists).
        with contextlib.suppress(OSError):
            os.link(aside, self.path)
        aside.unlink(missing_ok=True)
        return False

    # --- holding -----------------------------------------------------------------------------

    def holder(self) -> dict[str, Any] | None:
        """The current lock's contents, or None if there is no lock."""
        raw = _read_bytes(self.path)
        return None if raw is None else (_parse(raw) or {})

    def still_held(self) -> bool:
        """True while the lock file is ours (not taken over by someone who judged us dead)."""
        if not self._held:
            return False
        holder = self.holder()
        return bool(holder) and holder.get("token") == self.token

    def refresh(self) -> bool:
        """Touch the lock so others see we are alive; False if it is no longer ours."""
        if not self.still_held():
            return False
        with contextlib.suppress(OSError):
            os.utime(self.path)
        return True

    def _start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="massinvoice-lock", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            if not self.refresh():
                return

    def release(self) -> None:
        """Remove the lock if it is still ours; never remove someone else's."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        if self.still_held():
            self.path.unlink(missing_ok=True)
        self._held = False

    def __enter__(self) -> FolderLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


# --- which inbox files are safe to touch -------------------------------------------------------

READABLE = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt", ".tsv"})
TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", "~")


def ignored(name: str) -> str:
    """Why a file in inbox/ is not for us ('' if it is): lock, temporary, hidden, other kind."""
    lower = name.lower()
    if lower.startswith("~$"):
        return "an Office lock file"
    if lower.startswith(".~lock."):
        return "a LibreOffice lock file"
    if lower.startswith("."):
        return "a hidden file"
    if lower.endswith(TEMP_SUFFIXES) or lower.startswith("~"):
        return "a temporary file"
    if lower.endswith(".error.txt"):
        return "an error note"
    # A file of another kind (a PDF, a photo) is not ignored: it goes to errors/ with a note.
    return ""


def open_in_office(path: Path) -> bool:
    """True while Excel or LibreOffice has the file open (their lock file sits beside it)."""
    name = path.name
    return any(
        _exists(path.parent / lock) for lock in (f"~${name}", f"~${name[2:]}", f".~lock.{name}#")
    )


def _exists(path: Path) -> bool:
    # A lock file whose name would be too long for the file system cannot exist.
    try:
        return path.exists()
    except OSError:
        return False


# --- inputs that survive a crash ---------------------------------------------------------------


class FileChanged(Exception):
    """An input changed while it was being read: it is still being written."""


class Journal:
    """Intent records of the inputs being processed, one JSON file each.

    A record fixes an input's archive name and its output before anything is written, so a run
    that dies half-way is redone by the next one into the same places: nothing twice.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, name: str, sha256: str) -> Path:
        return self.folder / f"{sha256[:16]}-{safe_filename(name)}.json"

    def find(self, name: str, sha256: str) -> dict[str, Any] | None:
        """The record of this input (same name, same bytes), if a run left one."""
        raw = _read_bytes(self._path(name, sha256))
        record = _parse(raw) if raw is not None else None
        if record and record.get("input") == name and record.get("sha256") == sha256:
            return record
        return None

    def save(self, record: dict[str, Any]) -> None:
        self.folder.mkdir(exist_ok=True)
        atomic_write_text(self._path(record["input"], record["sha256"]), json.dumps(record))

    def drop(self, record: dict[str, Any]) -> None:
        self._path(record["input"], record["sha256"]).unlink(missing_ok=True)

    def records(self) -> list[dict[str, Any]]:
        """Every readable record; unreadable ones and temporary files are removed."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.iterdir()):
            record = _parse(_read_bytes(path) or b"") if path.suffix == ".json" else None
            if record and {"input", "sha256"} <= record.keys():
                out.append(record)
            else:
                path.unlink(missing_ok=True)
        return out


def same_file(path: Path, before: os.stat_result) -> bool:
    """True if ``path`` is still the file seen in ``before`` (size, time and inode unchanged)."""
    try:
        now = path.stat()
    except FileNotFoundError:
        return False
    keys = ("st_size", "st_mtime_ns", "st_ino")
    return all(getattr(now, k) == getattr(before, k) for k in keys)


def copy_verified(src: Path, dst: Path, sha256: str) -> None:
    """Copy ``src`` to ``dst`` atomically and prove the copy has ``sha256``; keep a good copy."""
    if dst.exists():
        if sha256_file(dst) == sha256:
            return
        raise FileExistsError(f"{dst} exists with other content; it is left untouched")
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
        shutil.copystat(src, tmp)
        if sha256_file(tmp) != sha256:
            raise FileChanged(f"{src.name} changed while it was copied")


def move_if_unchanged(src: Path, dst: Path, before: os.stat_result) -> bool:
    """Move ``src`` to ``dst`` unless it changed since ``before``; False if it did."""
    if not same_file(src, before):
        return False
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.move(src, dst)
    return True
