"""Before any engine opens a file: what it is, how big, whether it may be opened at all.

A file's kind is judged by its first bytes, not its name; zip-based workbooks are measured
(uncompressed size, compression ratio) without being unpacked. Every refusal is a
:class:`~massinvoice.problems.Problem` carried by :class:`ReadError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from massinvoice.config import Limits
from massinvoice.problems import FILE, Code, Problem
from massinvoice.read.extent import ExtentError, check_extent
from massinvoice.read.probe import probe_sheets

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


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MIB), b""):
            h.update(chunk)
    return h.hexdigest()


def describe_sources(paths: Sequence[str | Path]) -> list[ExportFile]:
    """Name and SHA-256 of each file, in the order given."""
    return [ExportFile(Path(p).name, file_sha256(p)) for p in paths]


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


def check_file(path: Path, limits: Limits, *, halves: bool = True) -> tuple[str, bytes]:
    """Refuse what must not be read: missing, empty, too big, encrypted, not what it claims.

    ``halves``: a large sheet may be measured by two processes (see :mod:`extent`).

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
        # Binary sheets: their size is known only once loaded.
        _measure(path, lambda: probe_sheets(path, limits))
        return ("spreadsheet" if suffix == ".xls" else "ole2"), head
    if suffix in ZIPPED or head.startswith(ZIP):  # an .xlsx named .xls: read by content
        if not head.startswith(ZIP):
            raise fail(Code.CORRUPT, _not_a_workbook(head, suffix), name, RESAVE_HINT)
        _check_zip(path, limits)
        _measure(path, lambda: check_extent(path, limits, halves=halves))
        if suffix == ".xlsb":
            _measure(path, lambda: probe_sheets(path, limits))
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


_ELSEWHERE: set[Path] = set()


@contextlib.contextmanager
def measured_elsewhere(paths: Iterable[Path]) -> Iterator[None]:
    """In a forked process whose parent measures these files' sheets while it reads them (its
    memory capped meanwhile, so a sheet asking for too much ends it, not the machine): every
    other check still runs, the sheets are not measured twice."""
    chosen = {Path(p).resolve() for p in paths}
    _ELSEWHERE.update(chosen)
    try:
        yield
    finally:
        _ELSEWHERE.difference_update(chosen)


def _measure(path: Path, measure: Callable[[], None]) -> None:
    """The sheets' size before calamine loads them (it allocates each one's whole rectangle),
    measured in the XML (:mod:`extent`) or, for binary sheets, probed (:mod:`probe`)."""
    if _ELSEWHERE and path.resolve() in _ELSEWHERE:
        return
    try:
        measure()
    except ExtentError as exc:
        raise ReadError([exc.problem]) from None
