"""Reading a file into sheets of raw cells, safely.

Spreadsheets go through pandas with the calamine engine (``header=None``, every cell as the
engine's object); csv through the standard csv module after the encoding and delimiter are
found. Before any engine touches a file its size, its kind (by its first bytes, not its name)
and, for zip-based workbooks, its uncompressed size and compression ratio are checked. Every
failure of an engine becomes a :class:`Problem`; no engine traceback reaches the user.
"""

from __future__ import annotations

import csv
import hashlib
import io
import mmap
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from massinvoice.config import Limits
from massinvoice.errors import FILE, HEADER, SHEET, Problem
from massinvoice.sources.columns import (
    HEADER_SEARCH_ROWS,
    AliasTable,
    Header,
    find_header,
    label,
    looks_like_header,
)

MIB = 1024 * 1024
SPREADSHEETS = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
ZIPPED = {".xlsx", ".xlsm", ".xlsb", ".ods"}
TEXTS = {".csv", ".txt", ".tsv"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
MAX_RATIO = 200  # uncompressed / compressed, per large zip entry
RATIO_FLOOR = MIB  # entries smaller than this are not judged by their ratio
DELIMITERS = (",", ";", "\t")
SNIFF_CHARS = 64 * 1024


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


@dataclass(frozen=True)
class Sheet:
    """The raw cells of one sheet; ``frame`` row ``i`` is the sheet's row ``i + 1``."""

    file: str
    name: str | None  # None for csv
    frame: pd.DataFrame
    decimal_comma: bool | None = None  # what the file's layout suggests (csv with ';')


def _fail(code: str, message: str, file: str, hint: str = "") -> ReadError:
    return ReadError([Problem(code, message, file, hint=hint, level=FILE)])


def _engine_error(exc: BaseException, file: str, sheet: str | None = None) -> ReadError:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc
    text = " ".join(str(exc).split())[:200] or type(exc).__name__
    if any(w in text.lower() for w in ("password", "encrypt")):
        return _fail("encrypted", "the workbook is password-protected", file, _ENCRYPTED_HINT)
    where = f" (sheet {sheet!r})" if sheet else ""
    return _fail(
        "corrupt",
        f"the workbook cannot be read{where}: {text}",
        file,
        "open it in Excel or LibreOffice and save it again as .xlsx",
    )


_ENCRYPTED_HINT = (
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
        raise _fail(
            "unsupported_format",
            f"{suffix or 'a file without extension'} is not a format we read",
            name,
            "export as .xlsx, .xls, .ods or .csv",
        )
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8192)
    except FileNotFoundError:
        raise _fail("not_found", "the file does not exist", name, "check the path") from None
    except OSError as exc:
        raise _fail(
            "unreadable",
            f"the file cannot be opened: {exc.strerror}",
            name,
            "check that it is a file, that you may read it, and that no program holds it",
        ) from None
    if size == 0 or (suffix in TEXTS and not head.strip()):
        raise _fail("empty_file", "the file is empty", name, "export the orders again")
    if size > limits.max_file_mb * MIB:
        raise _fail(
            "too_large",
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
            raise _fail("encrypted", "the workbook is password-protected", name, _ENCRYPTED_HINT)
        return ("spreadsheet" if suffix == ".xls" else "ole2"), head
    if suffix in ZIPPED:
        if not head.startswith(ZIP):
            raise _fail("corrupt", _not_a_workbook(head, suffix), name, _RESAVE_HINT)
        _check_zip(path, limits)
        return "spreadsheet", head
    if head.startswith(ZIP):  # an .xlsx named .xls: calamine sniffs the content
        _check_zip(path, limits)
        return "spreadsheet", head
    if head.lstrip()[:1] == b"<" or head.startswith(b"%PDF") or b"\x00" in head:
        raise _fail("corrupt", _not_a_workbook(head, suffix), name, _RESAVE_HINT)
    return "text", head  # a tab-separated text file named .xls, as some ERPs write


def _contains(path: Path, marker: bytes) -> bool:
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(marker) >= 0


_RESAVE_HINT = "open it in Excel or LibreOffice and save it as .xlsx, or export it again"


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
        raise _fail(
            "corrupt", f"the workbook is damaged or incomplete ({exc})", name, _RESAVE_HINT
        ) from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_mb * MIB:
        raise _fail(
            "too_large",
            f"the workbook expands to {total / MIB:.0f} MB, over the limit of "
            f"{limits.max_uncompressed_mb} MB",
            name,
            "export fewer rows, or raise [limits] max_uncompressed_mb in the config",
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _fail(
                "too_large",
                f"part {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}"
                f" times (over {MAX_RATIO}): this looks like a zip bomb, not an export",
                name,
                "do not open this file; export the orders again from the ERP",
            )


def _check_shape(frame: pd.DataFrame, limits: Limits, file: str, sheet: str | None) -> None:
    rows, cols = frame.shape
    for count, limit, what, key in (
        (rows, limits.max_rows, "rows", "max_rows"),
        (cols, limits.max_columns, "columns", "max_columns"),
    ):
        if count > limit:
            raise ReadError(
                [
                    Problem(
                        "too_large",
                        f"{count} {what}, over the limit of {limit}",
                        file,
                        sheet,
                        hint=f"export fewer {what}, or raise [limits] {key} in the config",
                        level=SHEET,
                    )
                ]
            )


def spreadsheet_sheets(path: Path, limits: Limits, ole2: bool = False) -> Iterator[Sheet]:
    """Each sheet of a workbook in order, read by calamine (all cells as objects).

    ``ole2``: an OLE2 file with an .xlsx-like name; calamine tells the format from the bytes,
    and if it cannot read them the file is taken as password-protected.
    """
    name = path.name
    try:
        source: Path | io.BytesIO = io.BytesIO(path.read_bytes()) if ole2 else path
        book = pd.ExcelFile(source, engine="calamine")
        sheet_names = [str(s) for s in book.sheet_names]
    except BaseException as exc:  # any engine failure (even a Rust panic) is the file's problem
        if ole2 and isinstance(exc, Exception):
            raise _fail(
                "encrypted", "the workbook is password-protected", name, _ENCRYPTED_HINT
            ) from None
        raise _engine_error(exc, name) from None
    try:
        for sheet_name in sheet_names:
            try:
                frame = pd.read_excel(book, sheet_name=sheet_name, header=None, dtype=object)
            except BaseException as exc:
                raise _engine_error(exc, name, sheet_name) from None
            _check_shape(frame, limits, name, sheet_name)
            yield Sheet(name, sheet_name, frame)
    finally:
        book.close()


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), else cp1252; anything else is a 'wrong encoding'."""
    hint = "save the file as CSV UTF-8 (or Windows-1252) from Excel or LibreOffice"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise _fail("wrong_encoding", "the file is UTF-16 or binary, not a text csv", file, hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _fail(
            "wrong_encoding",
            f"the file is neither UTF-8 nor Windows-1252 ({exc.reason})",
            file,
            hint,
        ) from None


def _parse_csv(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if limit is None:
        return list(reader)
    rows = []
    for row in reader:
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def sniff_delimiter(text: str, aliases: AliasTable, required: Sequence[str]) -> str:
    """The delimiter whose split of the first lines gives the best header (then widest rows)."""
    sample = text[:SNIFF_CHARS]
    best, best_score = ",", (-1, -1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = _parse_csv(sample, delimiter, limit=HEADER_SEARCH_ROWS + 10)
        except csv.Error:
            continue
        header = find_header(rows, aliases, required)
        matched = (
            (len(required) - len(header.missing(required)), len(header.fields))
            if header
            else (0, 0)
        )
        score = (*matched, max((len(r) for r in rows), default=0))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def text_sheet(path: Path, limits: Limits, aliases: AliasTable, required: Sequence[str]) -> Sheet:
    """A csv (or tab-separated text) file as one sheet of strings."""
    name = path.name
    text = decode_text(path.read_bytes(), name)
    delimiter = sniff_delimiter(text, aliases, required)
    csv.field_size_limit(1 * MIB)
    try:
        rows = _parse_csv(text, delimiter)
    except csv.Error as exc:
        raise _fail("corrupt", f"the csv cannot be read: {exc}", name, _RESAVE_HINT) from None
    if len(rows) > limits.max_rows:
        raise _fail(
            "too_large",
            f"{len(rows)} rows, over the limit of {limits.max_rows}",
            name,
            "export fewer rows, or raise [limits] max_rows in the config",
        )
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_columns:
        raise _fail(
            "too_large",
            f"{width} columns, over the limit of {limits.max_columns}",
            name,
            "export fewer columns, or raise [limits] max_columns in the config",
        )
    padded = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(padded, dtype=object) if rows else pd.DataFrame(dtype=object)
    return Sheet(name, None, frame, decimal_comma=True if delimiter == ";" else None)


def head_rows(frame: pd.DataFrame, count: int) -> list[list[object]]:
    """The first rows of a sheet as lists of cells."""
    return frame.iloc[:count].to_numpy(dtype=object).tolist()


def locate(
    path: Path, limits: Limits, aliases: AliasTable, required: Sequence[str], what: str
) -> tuple[Sheet, Header]:
    """The first sheet of a file with a header naming the required fields, and that header.

    ``what`` names the kind of file in messages ("order export", "customer directory").
    """
    kind, _ = check_file(path, limits)
    name = path.name
    if kind == "text":
        sheets: Iterator[Sheet] = iter([text_sheet(path, limits, aliases, required)])
    else:
        sheets = spreadsheet_sheets(path, limits, ole2=kind == "ole2")
    looked: list[str] = []
    near: tuple[Sheet, Header] | None = None
    any_cells = False
    for sheet in sheets:
        looked.append(sheet.name or name)
        header = find_header(head_rows(sheet.frame, HEADER_SEARCH_ROWS), aliases, required)
        if header is not None and not header.missing(required):
            return sheet, header
        any_cells = any_cells or bool(sheet.frame.notna().to_numpy().any())
        if header is not None and looks_like_header(header, required) and near is None:
            near = (sheet, header)
    if near is not None:
        raise ReadError(missing_columns(near[0], near[1], aliases, required))
    if not any_cells:
        raise _fail(
            "empty_file",
            f"the workbook has no filled cells; it is not an {what}",
            name,
            "export the file again, or check that you picked the right one",
        )
    sheets_text = ", ".join(repr(s) for s in looked)
    first = f"the first {HEADER_SEARCH_ROWS} rows"
    needed = " and ".join(repr(aliases.shown[f][0]) for f in required)
    raise ReadError(
        [
            Problem(
                "no_header",
                f"no header row found in {first} (looked at: {sheets_text}); "
                f"this does not look like an {what}",
                name,
                hint=f"the header row must name at least the columns {needed} within {first}",
                level=HEADER,
            )
        ]
    )


def missing_columns(
    sheet: Sheet, header: Header, aliases: AliasTable, required: Sequence[str]
) -> list[Problem]:
    """A problem for each required field without a column, naming what was found."""
    found = ", ".join(repr(label) for label in header.labels if label) or "nothing"
    return [
        Problem(
            "missing_column",
            f"no column for {label(field)} in the header on row {header.row + 1} (found: {found})",
            sheet.file,
            sheet.name,
            header.row + 1,
            hint="name one column "
            + ", ".join(repr(a) for a in aliases.shown[field])
            + f", or add an alias under [aliases] {field} in the config",
            level=HEADER,
        )
        for field in header.missing(required)
    ]
