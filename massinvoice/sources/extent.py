"""How much memory a workbook's sheets will take once loaded, found before loading them.

calamine loads a sheet as a dense rectangle from its first to its last cell with a value, so
two cells (A1 and XFD1048576) in a 2 KB file make it allocate 17 billion cells and abort the
whole process: no exception to catch. ODS cells and rows carry repeat counts with the same
effect. This module reads the sheet XML (streamed, never kept whole) and refuses a sheet whose
rectangle is over the configured rows or columns, or far larger than its cells with values
justify, before any engine sees the file.

Files written by Excel, LibreOffice and the usual libraries (every cell with its ``r`` reference
first, rows numbered) take a fast path of byte counts and regular-expression searches; anything
else is measured cell by cell, the way calamine places cells.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from massinvoice.config import Limits
from massinvoice.errors import FILE, Problem

CHUNK = 8 << 20
DENSE_FLOOR = 2_000_000  # cells any sheet may span, however empty (some 200 MB loaded)
SPARSE_FACTOR = 4  # beyond the floor, a sheet may span this many cells per cell written

_ROW_R = re.compile(rb'<row r="([0-9]+)"')
_ODD_CELL = re.compile(rb'<c(?! r=")[\s>/]')
_PLAIN = bytes.maketrans(b"\t\n\r'", b'   "')
_COLUMN = re.compile(rb'<c r="([A-Z]{2,})[0-9]')
_XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s>/])([^>]*?)(/?)>")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Z]{0,3})([0-9]+)["']""")
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
               NotImplementedError)  # fmt: skip


class ExtentError(Exception):
    """A sheet too large or too sparse to load, or an archive that cannot be measured."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _Measure(Exception):
    """The fast path cannot decide: measure the part cell by cell."""


def check_extent(path: Path, limits: Limits) -> None:
    """Raise :class:`ExtentError` if a sheet of this zip-based workbook must not be loaded."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = _sheet_parts(zf)
            for info in zf.infolist():
                name = info.filename
                if name == "content.xml":
                    _check_ods(zf, info, path.name, limits)
                elif (name in sheets) if sheets else _maybe_sheet(name):
                    try:
                        _check_xlsx_part(zf, info, path.name, limits)
                    except _Measure:
                        _measure_xlsx_part(zf, info, path.name, limits)
    except _UNREADABLE as exc:
        raise ExtentError(
            Problem("corrupt", f"the workbook is damaged or not what it claims ({exc})",
                    path.name, level=FILE, hint="open it in Excel or LibreOffice and save it "
                    "as .xlsx, or export it again")
        ) from None  # fmt: skip


_NOT_SHEETS = ("/sharedStrings", "/styles", "/theme", "/calcChain", "/externalLink")


def _sheet_parts(zf: zipfile.ZipFile) -> set[str]:
    """The parts the workbook names as its sheets (what calamine reads), or an empty set when
    that cannot be told: then every XML part is measured."""
    try:
        rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, SafeET.ParseError, DefusedXmlException):
        return set()
    parts = set()
    for rel in rels:
        target, kind = rel.get("Target", ""), rel.get("Type", "")
        if target and not kind.endswith(_NOT_SHEETS):
            parts.add(
                posixpath.normpath(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
            )
    return parts if parts <= set(zf.namelist()) else set()  # a name we cannot place: all


def _maybe_sheet(name: str) -> bool:
    """Whether a part may be a sheet, when the workbook does not say which parts are."""
    return name.endswith(".xml") and name != "[Content_Types].xml"


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in pieces that each end just before a ``<`` (no tag is cut in two)."""
    tail = b""
    with zf.open(info) as f:
        while block := f.read(CHUNK):
            data = tail + block
            cut = data.rfind(b"<")
            if cut <= 0:
                tail = data
                continue
            yield data[:cut]
            tail = data[cut:]
    if tail:
        yield tail


def _refuse(file: str, part: str, rows: int, cols: int, valued: int | None, limits: Limits) -> None:
    """Raise if the rectangle is over the rows or columns allowed, or (once the cells with a
    value are counted) far larger than they justify."""
    if rows > limits.max_rows:
        raise ExtentError(Problem(
            "too_large", f"{rows} rows, over the limit of {limits.max_rows}", file, level=FILE,
            hint="export fewer rows, or raise [limits] max_rows in the config"))  # fmt: skip
    if cols > limits.max_columns:
        raise ExtentError(Problem(
            "too_large", f"{cols} columns, over the limit of {limits.max_columns}", file,
            level=FILE, hint="export fewer columns, or raise [limits] max_columns in the config",
        ))  # fmt: skip
    if valued is not None and rows * cols > max(DENSE_FLOOR, SPARSE_FACTOR * valued):
        raise ExtentError(Problem(
            "too_large",
            f"part {part!r} spans {rows} rows x {cols} columns ({rows * cols:,} cells) for "
            f"{valued:,} cells with a value: loading it would exhaust memory",
            file, level=FILE, hint="delete stray cells far from the data (Ctrl+End shows the "
            "last one) and save again, or export the orders again",
        ))  # fmt: skip


def _column_index(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


@lru_cache(maxsize=64)
def _past_row(max_row: int) -> re.Pattern[bytes]:
    """A cell numbered past ``max_row``: more digits, or as many and a greater number."""
    digits = str(max_row)
    greater = [f"[0-9]{{{len(digits) + 1},}}"] + [
        f"{digits[:i]}[{int(d) + 1}-9][0-9]{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if d != "9"
    ]
    return re.compile(f'<c r="[A-Z]{{1,3}}(?:{"|".join(greater)})"'.encode())


def _check_xlsx_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits) -> None:
    """The fast path: rows numbered, every cell's tag starting ``<c r="``, no prefixed tags.

    It never refuses: a part that may be too large, a cell numbered past every row, anything
    irregular goes to :func:`_measure_xlsx_part`, which decides. Columns A-Z are not told apart
    (26 are assumed).
    """
    max_row = wide = valued = 0
    for data in _chunks(zf, info):
        numbers = _ROW_R.findall(data)
        if numbers:
            max_row = max(max_row, *map(int, numbers))
        rows = data.count(b"<row")
        if rows != len(numbers) and rows - data.count(b"<rowBreaks") != len(numbers):
            raise _Measure  # a row without a number (or not first): cells follow the row before
        if _ODD_CELL.search(data) or b":c" in data:
            raise _Measure  # a cell without its number first, or a prefixed tag
        # An r attribute calamine would read that is not the cell's one ``r="``: a second one
        # (the last wins), single quotes, other blanks, or blanks around an equals sign (also
        # in text: that only costs the measure).
        plain = data.translate(_PLAIN)
        if (
            plain.count(b' r="') != data.count(b'<c r="') + len(numbers)
            or b" =" in plain
            or b"= " in plain
        ):
            raise _Measure
        if _past_row(max_row).search(data):
            raise _Measure  # a cell numbered past every row
        if columns := set(_COLUMN.findall(data)):
            wide = max(wide, *map(_column_index, columns))
        valued += data.count(b"</c>")
    cols = wide or 26
    if max_row > limits.max_rows or cols > limits.max_columns:
        raise _Measure  # rows may be numbered without a value in them: count what calamine keeps
    if max_row * cols > max(DENSE_FLOOR, SPARSE_FACTOR * valued):
        raise _Measure


def _measure_xlsx_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits
) -> None:
    """Place every cell as calamine does, or further: a cell is where its ``r`` says, else one
    column after the cell before; a row is where its ``r`` says, else after every row so far.
    A row holding a value counts at its own number too, whatever its cells say."""
    row = seen = col = max_row = max_col = valued = 0
    for data in _chunks(zf, info):
        for m in _XLSX_TAG.finditer(data):
            tag, attrs, empty = m.groups()
            refs = _R_ATTR.findall(attrs)  # calamine takes the last of several
            ref = refs[-1] if refs else None
            if tag == b"row":
                row, col = (int(ref[1]) if ref else seen + 1), 0
                seen = max(seen, row)
                continue
            if ref and ref[0]:
                col, at = _column_index(ref[0]), int(ref[1])
                seen = max(seen, at)
            else:
                col, at = col + 1, row
            if not empty:
                valued += 1
                max_row, max_col = max(max_row, row, at), max(max_col, col)
        _refuse(file, info.filename, max_row, max_col, None, limits)  # stop as soon as over
    _refuse(file, info.filename, max_row, max_col, valued, limits)


def _check_ods(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits) -> None:
    """Each table's rows and columns up to its last cell with a value, repeats counted.

    LibreOffice ends every row with an empty cell repeated to the sheet's edge, harmless; a
    repeated cell or row with a value, or a value after a long empty run, is not. Rows are
    taken one at a time with byte searches (a 100,000-line export is 380 MB of XML).
    """
    table = _OdsTable(file, limits)
    for data in _ods_rows(zf, info):
        for piece in data.split(_ODS_ROW_END):
            start = piece.rfind(b"<table:table-row")
            if start < 0:
                continue
            if _ODS_TABLE.search(piece, 0, start):
                table.verdict()
                table = _OdsTable(file, limits)
            for empty_row in _ODS_EMPTY_ROW.finditer(piece, 0, start):  # <table:table-row .../>
                table.rows += _repeats(empty_row.group(0), b"rows")
            gt = piece.find(b">", start)
            table.row(_repeats(piece[start:gt], b"rows"), piece[gt:])
    table.verdict()


_ODS_ROW_END = b"</table:table-row>"
_ODS_TABLE = re.compile(rb"<table:table[\s>]")
_ODS_EMPTY_ROW = re.compile(rb"<table:table-row\b[^>]*/>")


def _repeats(tag: bytes, what: bytes) -> int:
    """A row's or cell's repeat count (1 when not repeated)."""
    if b"repeated" not in tag:
        return 1
    found = re.search(rb"number-" + what + rb'-repeated="([0-9]+)"', tag)
    return int(found.group(1)) if found else 1


def _ods_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """content.xml in pieces that each end with a whole row."""
    tail = b""
    with zf.open(info) as f:
        while block := f.read(CHUNK):
            data = tail + block
            cut = data.rfind(_ODS_ROW_END)
            if cut < 0:
                tail = data
                continue
            cut += len(_ODS_ROW_END)
            yield data[:cut]
            tail = data[cut:]
    if tail:
        yield tail


class _OdsTable:
    """One ODS table: its rows so far, its last row and column with a value, and how many
    cells with a value it writes (a repeated one counts once: repeats cost the file nothing)."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file, self.limits = file, limits
        self.rows = self.max_row = self.max_col = self.written = 0

    def row(self, repeat: int, body: bytes) -> None:
        """A row repeated ``repeat`` times; its cells are ``body``."""
        last = max(body.rfind(b"value-type"), body.rfind(b"<text:p"))
        if last >= 0:
            head = body[: body.find(b">", last) + 1]  # up to the last cell with a value
            width = head.count(b"<table:table-cell") + head.count(b"<table:covered-table-cell")
            if b"columns-repeated" in head:
                width += sum(int(n) - 1 for n in _ODS_COLUMNS.findall(head))
            self.max_row, self.max_col = self.rows + repeat, max(self.max_col, width)
            self.written += head.count(b"office:value-type")  # a repeat is written once
            _refuse(self.file, "content.xml", self.max_row, self.max_col, None, self.limits)
        self.rows += repeat

    def verdict(self) -> None:
        """Raise if this table must not be loaded."""
        if self.written:
            _refuse(self.file, "content.xml", self.max_row, self.max_col, self.written,
                    self.limits)  # fmt: skip


_ODS_COLUMNS = re.compile(rb'number-columns-repeated="([0-9]+)"')
