"""Before any engine opens a file: what it is, how big, whether it may be opened at all.

A file's kind is judged by its first bytes, not its name; zip-based workbooks are measured
(uncompressed size, compression ratio) without being unpacked. Then every workbook is read by
one worker process whose memory is capped (:func:`read_workbook`): whatever a hostile sheet asks
the engine to allocate ends that worker, never this process. Every refusal is a
:class:`~massinvoice.problems.Problem` carried by :class:`ReadError`.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import mmap
import multiprocessing
import os
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from python_calamine import SheetTypeEnum, load_workbook

from massinvoice.config import Limits
from massinvoice.files import exit_with, sha256_file
from massinvoice.problems import FILE, SHEET, Code, Problem

MIB = 1024 * 1024
SPREADSHEETS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
ZIPPED = {".xlsx", ".xlsm", ".xlsb", ".ods"}
TEXTS = {".csv", ".txt", ".tsv"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
MAX_RATIO = 200  # uncompressed / compressed, per large zip entry
RATIO_FLOOR = MIB  # entries smaller than this are not judged by their ratio


class ReadError(Exception):
    """Problems that stop a file from being read at all (carried to the caller)."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ExportFile:
    """A source file as recorded in a selection workbook: its name and content hash."""

    name: str
    sha256: str


def describe_sources(paths: Sequence[str | Path]) -> list[ExportFile]:
    """Name and SHA-256 of each file, in the order given."""
    return [ExportFile(Path(p).name, sha256_file(p)) for p in paths]


def fail(code: str, message: str, file: str, hint: str = "") -> ReadError:
    """A ReadError with one file-level problem."""
    return ReadError([Problem(code, message, file, hint=hint, level=FILE)])


def engine_error(exc: BaseException, file: str, sheet: str | None = None) -> ReadError:
    """An engine's exception as the file's problem (re-raising only interrupts)."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc
    text = " ".join(str(exc).split())[:200] or type(exc).__name__
    if any(w in text.lower() for w in ("password", "encrypt")):
        return fail(Code.ENCRYPTED, "the workbook is password-protected", file, ENCRYPTED_HINT)
    where = f" (sheet {sheet!r})" if sheet else ""
    return fail(
        Code.CORRUPT,
        f"the workbook cannot be read{where}: {text}",
        file,
        "open it in Excel or LibreOffice and save it again as .xlsx",
    )


ENCRYPTED_HINT = (
    "remove the password (Excel: File > Info > Protect Workbook > Encrypt with Password, "
    "clear it) and save again"
)


def check_file(path: Path, limits: Limits) -> tuple[str, bytes]:
    """Refuse what must not be read: missing, empty, too big, encrypted, not what it claims.

    Returns the file's kind (``"spreadsheet"``, ``"text"``, or ``"ole2"``: an OLE2 file under
    a zip-format name, a renamed .xls or a password-protected workbook) and its first bytes.
    """
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEETS | TEXTS:
        raise fail(
            Code.UNSUPPORTED_FORMAT,
            f"{suffix or 'a file without extension'} is not a format we read",
            name,
            "export as .xlsx, .xls, .ods or .csv",
        )
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8192)
    except FileNotFoundError:
        raise fail(Code.NOT_FOUND, "the file does not exist", name, "check the path") from None
    except OSError as exc:
        raise fail(
            Code.UNREADABLE,
            f"the file cannot be opened: {exc.strerror}",
            name,
            "check that it is a file, that you may read it, and that no program holds it",
        ) from None
    if size == 0 or (suffix in TEXTS and not head.strip()):
        raise fail(Code.EMPTY_FILE, "the file is empty", name, "export the orders again")
    if size > limits.max_file_mb * MIB:
        raise fail(
            Code.TOO_LARGE,
            f"the file is {size / MIB:.0f} MB, over the limit of {limits.max_file_mb} MB",
            name,
            "export a shorter date range, or raise [limits] max_file_mb in the config",
        )
    if suffix in TEXTS:
        return "text", head
    if head.startswith(OLE2):
        # Excel wraps a password-protected .xlsx in an OLE2 container (with this stream); an
        # OLE2 file that is not that may be an old .xls under a new name: read by content.
        if suffix != ".xls" and _contains(path, "EncryptedPackage".encode("utf-16-le")):
            raise fail(Code.ENCRYPTED, "the workbook is password-protected", name, ENCRYPTED_HINT)
        return ("spreadsheet" if suffix == ".xls" else "ole2"), head
    if suffix in ZIPPED or head.startswith(ZIP):  # an .xlsx named .xls: read by content
        if not head.startswith(ZIP):
            raise fail(Code.CORRUPT, _not_a_workbook(head, suffix), name, RESAVE_HINT)
        _check_zip(path, limits)
        return "spreadsheet", head
    if head.lstrip()[:1] == b"<" or head.startswith(b"%PDF") or b"\x00" in head:
        raise fail(Code.CORRUPT, _not_a_workbook(head, suffix), name, RESAVE_HINT)
    return "text", head  # a tab-separated text file named .xls, as some ERPs write


def _contains(path: Path, marker: bytes) -> bool:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(marker) >= 0


RESAVE_HINT = "open it in Excel or LibreOffice and save it as .xlsx, or export it again"


def _not_a_workbook(head: bytes, suffix: str) -> str:
    if head.startswith(b"%PDF"):
        return f"this is a PDF document, not a {suffix} workbook"
    if head.lstrip()[:1] == b"<":
        return f"this is a web page or XML file, not a {suffix} workbook"
    if b"\x00" not in head[:512]:
        return f"this is a text file renamed {suffix}, not a workbook"
    return f"this is not a {suffix} workbook (its content is of another kind)"


def _check_zip(path: Path, limits: Limits) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise fail(
            Code.CORRUPT, f"the workbook is damaged or incomplete ({exc})", name, RESAVE_HINT
        ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_mb * MIB:
        raise fail(
            Code.TOO_LARGE,
            f"the workbook expands to {total / MIB:.0f} MB, over the limit of "
            f"{limits.max_uncompressed_mb} MB",
            name,
            "export fewer rows, or raise [limits] max_uncompressed_mb in the config",
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise fail(
                Code.TOO_LARGE,
                f"part {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}"
                f" times (over {MAX_RATIO}): this looks like a zip bomb, not an export",
                name,
                "do not open this file; export the orders again from the ERP",
            )


# --- the one guard: every workbook is read in a memory-capped worker process -----------------

SheetRows = tuple[str, list[list[Any]]]


def read_workbook(path: Path, limits: Limits, *, by_content: bool = False) -> list[SheetRows]:
    """Every worksheet of a workbook, as rows of calamine's cells, read in the guard worker.

    calamine allocates a sheet's whole rectangle, so a 2 KB file naming a cell at XFD1048576
    asks for half a terabyte: that happens in the worker, whose address space is capped
    (``[limits] max_memory_mb``), and ends it, not us. A worker that dies or hits the cap means
    ``too_large`` with the file named; an engine failure means ``corrupt`` or ``encrypted``.
    ``by_content``: an OLE2 file under a zip name, read by its bytes (refused as encrypted if
    calamine cannot read it).
    """
    name = path.name
    try:
        outcome = (
            _guard_pool(limits, name)
            .submit(
                _read_in_worker,
                str(Path(path).absolute()),  # the worker keeps the cwd it started with
                by_content,
                limits.max_rows,
                limits.max_columns,
                limits.max_cells,
            )
            .result()
        )
    except (BrokenProcessPool, MemoryError):  # an engine that could not allocate aborts
        _drop_pool()
        raise _over_memory(name, limits) from None
    kind, payload = outcome
    if kind == "sheets":
        return payload
    if kind == "memory":
        raise _over_memory(name, limits)
    if kind == "too_large":
        sheet, count, what, limit, key = payload
        raise ReadError(
            [
                Problem(
                    Code.TOO_LARGE,
                    f"{count} {what}, over the limit of {limit}",
                    name,
                    sheet,
                    hint=f"export fewer {what}, or raise [limits] {key} in the config",
                    level=SHEET,
                )
            ]
        )
    sheet, text = payload
    if by_content and sheet is None:
        raise fail(Code.ENCRYPTED, "the workbook is password-protected", name, ENCRYPTED_HINT)
    raise engine_error(RuntimeError(text), name, sheet)


def _over_memory(name: str, limits: Limits) -> ReadError:
    return fail(
        Code.TOO_LARGE,
        f"reading the workbook needs more than the {limits.max_memory_mb} MB allowed",
        name,
        "export fewer rows or sheets, or open it in Excel or LibreOffice and save it again "
        "(a cell far from the data makes a sheet huge); [limits] max_memory_mb raises the cap",
    )


_POOL: tuple[int, ProcessPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def _guard_pool(limits: Limits, name: str) -> ProcessPoolExecutor:
    """The worker (a pool of one), started once per process and per memory cap."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL[0] != limits.max_memory_mb:
            _POOL[1].shutdown(wait=True)
            _POOL = None
        if _POOL is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context(
                "forkserver" if "forkserver" in methods else "spawn"
            )
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_start_worker,
                initargs=(limits.max_memory_mb * MIB, os.getpid()),
            )
            try:  # a worker that cannot even start is not a file's fault
                pool.submit(os.getpid).result()
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                raise fail(
                    Code.UNREADABLE,
                    "the process that reads workbooks could not start",
                    name,
                    "check the free memory; a script calling massinvoice must start its work "
                    "under if __name__ == '__main__' (Python's rule for starting processes)",
                ) from None
            _POOL = (limits.max_memory_mb, pool)
        return _POOL[1]


def _drop_pool(wait: bool = False) -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL[1].shutdown(wait=wait, cancel_futures=True)
            _POOL = None


def stop_worker() -> None:
    """End the guard worker now (it is started again when a workbook is next read)."""
    _drop_pool(wait=True)


def _start_worker(extra: int, owner: int) -> None:
    """The worker's initializer: it exits with ``owner`` (the process it reads for), its address
    space is capped at its size now plus ``extra``, and its stderr silenced (an engine refusing
    to allocate says so there, then aborts)."""
    exit_with(owner)
    faulthandler.disable()
    try:
        import resource
    except ImportError:  # Windows: no address-space limit to set
        return
    size = 0
    with contextlib.suppress(OSError, StopIteration, ValueError):
        status = Path("/proc/self/status").read_text()
        size = next(
            int(x.split()[1]) * 1024 for x in status.splitlines() if x.startswith("VmSize:")
        )
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.RLIM_INFINITY))
    with open(os.devnull, "w") as quiet:
        os.dup2(quiet.fileno(), 2)


def _read_in_worker(
    path: str, by_content: bool, max_rows: int, max_columns: int, max_cells: int
) -> tuple[str, Any]:
    """In the worker: every worksheet's cells, or why not (values only: nothing raised)."""
    source: BinaryIO = io.BytesIO(Path(path).read_bytes()) if by_content else open(path, "rb")  # noqa: SIM115
    with source:
        try:
            book = load_workbook(source)
            names = [str(s.name) for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        except MemoryError:
            return "memory", None
        except BaseException as exc:  # any engine failure, even a Rust panic
            return "failed", (None, _engine_text(exc))
        sheets: list[SheetRows] = []
        try:
            for name in names:
                try:
                    sheet = book.get_sheet_by_name(name)
                    height, width = sheet.height, sheet.width
                    if height > max_rows:
                        return "too_large", (name, height, "rows", max_rows, "max_rows")
                    if width > max_columns:
                        return "too_large", (name, width, "columns", max_columns, "max_columns")
                    if height * width > max_cells:
                        return "too_large", (name, height * width, "cells", max_cells, "max_cells")
                    rows = _shared_texts(sheet.to_python(skip_empty_area=False))
                except MemoryError:
                    return "memory", None
                except BaseException as exc:
                    return "failed", (name, _engine_text(exc))
                sheets.append((name, rows))
        finally:
            book.close()
    return "sheets", sheets


def _shared_texts(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with each distinct text one object: an export repeats its customers, products
    and dates thousands of times, and one object each is sent back once and hashed once."""
    seen: dict[str, str] = {}
    one = seen.setdefault
    return [[one(c, c) if type(c) is str else c for c in row] for row in rows]


def _engine_text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
