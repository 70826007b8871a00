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

import contextlib
import posixpath
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from massinvoice.config import Limits
from massinvoice.forking import Forked, two_cores
from massinvoice.problems import FILE, Code, Problem

CHUNK = 8 << 20
HALVES_FROM = 16 << 20  # a sheet part this large is checked by two processes, half each
DENSE_FLOOR = 2_000_000  # cells any sheet may span, however empty (some 200 MB loaded)
SPARSE_FACTOR = 4  # beyond the floor, a sheet may span this many cells per cell written

_LAST_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_ODD_CELL = re.compile(rb'<c(?! r=")[\s>/]')  # a cell whose first attribute is not r="
_PREFIXED = re.compile(rb":(?:c|row)[\s>/]")  # a cell or row tag with a namespace prefix
_SPACED_R = re.compile(rb"r\s+=")  # an attribute r with blanks before its equals sign
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_XLSX_TAG = re.compile(rb"""<(?:[\w.-]+:)?(row|c)(?=[\s>/])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]+)["']""")
_TAG_START = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)[\s>/]")
_SHEET_DATA = (b"<sheetData>", b"</sheetData>")
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError,
               NotImplementedError)  # fmt: skip


class ExtentError(Exception):
    """A sheet too large or too sparse to load, or an archive that cannot be measured."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class _Measure(Exception):
    """The fast path cannot decide: measure the part cell by cell."""


def check_extent(path: Path, limits: Limits, *, halves: bool = True) -> None:
    """Raise :class:`ExtentError` if a sheet of this zip-based workbook must not be loaded.

    ``halves``: a large sheet may be measured by two processes (on two cores or more)."""
    try:
        with zipfile.ZipFile(path) as zf:
            sheets = _sheet_parts(zf)
            for info in zf.infolist():
                name = info.filename
                if name == "content.xml":
                    _check_ods(zf, info, path.name, limits)
                elif (name in sheets) if sheets else _maybe_sheet(name):
                    try:
                        _check_xlsx_halves(path, zf, info, limits, halves)
                    except _Measure:
                        _measure_xlsx_part(zf, info, path.name, limits)
    except _UNREADABLE as exc:
        raise ExtentError(
            Problem(Code.CORRUPT, f"the workbook is damaged or not what it claims ({exc})",
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


def _blocks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, inflated by a second thread (zlib runs without the GIL) while the
    caller scans the block before."""
    pending: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def hand(item: bytes | BaseException | None) -> None:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def inflate() -> None:
        try:
            with zf.open(info) as f:
                while not stop.is_set() and (block := f.read(CHUNK)):
                    hand(block)
            hand(None)
        except BaseException as exc:  # raised again by the reader
            hand(exc)

    worker = threading.Thread(target=inflate, name="extent-inflate", daemon=True)
    worker.start()
    try:
        while (item := pending.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _pieces(zf: zipfile.ZipFile, info: zipfile.ZipInfo, end: bytes) -> Iterator[bytes]:
    """The part's bytes in pieces that each end just before ``end`` (or just after it when
    ``end`` is a closing tag), so that no tag (or no ODS row) is cut in two."""
    tail, keep = b"", len(end) if end.startswith(b"</") else 0
    for block in _blocks(zf, info):
        data = tail + block
        cut = data.rfind(end)
        if cut <= 0:
            tail = data
            continue
        yield data[: cut + keep]
        tail = data[cut + keep :]
    if tail:
        yield tail


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in pieces that each end just before a ``<``."""
    return _pieces(zf, info, b"<")


def _refuse(file: str, part: str, rows: int, cols: int, valued: int | None, limits: Limits) -> None:
    """Raise if the rectangle is over the rows or columns allowed, or (once the cells with a
    value are counted) far larger than they justify."""
    if rows > limits.max_rows:
        raise ExtentError(Problem(
            Code.TOO_LARGE, f"{rows} rows, over the limit of {limits.max_rows}", file, level=FILE,
            hint="export fewer rows, or raise [limits] max_rows in the config"))  # fmt: skip
    if cols > limits.max_columns:
        raise ExtentError(Problem(
            Code.TOO_LARGE, f"{cols} columns, over the limit of {limits.max_columns}", file,
            level=FILE, hint="export fewer columns, or raise [limits] max_columns in the config",
        ))  # fmt: skip
    if valued is not None and rows * cols > max(DENSE_FLOOR, SPARSE_FACTOR * valued):
        raise ExtentError(Problem(
            Code.TOO_LARGE,
            f"part {part!r} spans {rows} rows x {cols} columns ({rows * cols:,} cells) for "
            f"{valued:,} cells with a value: loading it would exhaust memory",
            file, level=FILE, hint="delete stray cells far from the data (Ctrl+End shows the "
            "last one) and save again, or export the orders again",
        ))  # fmt: skip


def _column_index(letters: bytes) -> int:
    """b'A' -> 1, b'XFD' -> 16384 (lower case as calamine reads it: b'xfd' -> 16384)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _round_up(n: int) -> int:
    """``n`` rounded up past its two leading digits (103296 -> 109999): a bound the cell
    search states in few alternatives."""
    if n < 100:
        return n
    unit = 10 ** (len(str(n)) - 2)
    return (n // unit + 1) * unit - 1


def _greater(bound: str, digit: bool) -> str:
    """A regular expression for the numbers (or column letters) past ``bound``: more digits
    (letters), or as many and a greater one at some place."""
    any_, top = ("[0-9]", "9") if digit else ("[A-Z]", "Z")
    n = len(bound)
    places = [f"{any_}{{{n + 1},}}"] + [
        f"{bound[:i]}[{chr(ord(ch) + 1)}-{top}]{any_}{{{n - i - 1}}}"
        for i, ch in enumerate(bound)
        if ch != top
    ]
    return "|".join(places)


@lru_cache(maxsize=64)
def _beyond(rows: int, cols: str) -> re.Pattern[bytes]:
    """A cell reference not in the form ``[A-Z]{1,3}[1-9][0-9]*`` or past the bounds: lower
    case, a leading zero, a column past ``cols`` or a row past ``rows``."""
    past_col = _greater(cols, digit=False) if cols else "[A-Z]"
    past_row = _greater(str(rows), digit=True)
    return re.compile(f'<c r="(?:[^A-Z]|{past_col}|[A-Z]{{1,3}}(?:0|{past_row}))'.encode())


class _Span:
    """Where ``<sheetData>`` lies in each piece of a sheet: calamine reads cells there only."""

    def __init__(self) -> None:
        self.state = "before"

    def bounds(self, data: bytes) -> tuple[int, int]:
        if data.count(b"sheetData") != sum(data.count(tag) for tag in _SHEET_DATA):
            raise _Measure  # prefixed, with attributes, empty, or in a text
        lo = 0
        if self.state == "before":
            lo = data.find(_SHEET_DATA[0])
            if lo < 0:
                return 0, 0
            self.state = "inside"
        if self.state == "inside":
            hi = data.find(_SHEET_DATA[1], lo)
            if hi < 0:
                return lo, len(data)
            self.state = "after"
            return lo, hi
        return 0, 0


def _check_xlsx_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, share: tuple[int, int] = (0, 1)
) -> tuple[int, int, int]:
    """The fast path, for sheets as Excel, LibreOffice and the usual libraries write them.

    Every cell tag starts ``<c r="`` with its reference in capitals, no tag has a prefix, and
    no other attribute ``r`` stands in a tag (calamine takes the last one): then the cells'
    rectangle is bounded by their references. The bounds come from the last row of each piece
    (rounded up) and grow when a cell is found past them; a few byte counts and two searches
    a piece. It never refuses: anything irregular, or a rectangle that may be too large, goes
    to :func:`_measure_xlsx_part`, which decides.

    ``share`` (k, n): only the pieces numbered k modulo n are checked (the row bounds come from
    all of them). Returns the bounds of the rows and columns and the cells with a value found.
    """
    rows = cols = valued = 0
    letters = ""
    span = _Span()
    with contextlib.closing(_chunks(zf, info)) as pieces:
        for number, data in enumerate(pieces):
            lo, hi = span.bounds(data)
            last = data.rfind(b'<row r="', lo, hi)
            if last >= 0 and (tag := _LAST_ROW.match(data, last)):
                rows = max(rows, _round_up(int(tag.group(1))))
            if number % share[1] != share[0]:
                continue
            if _ODD_CELL.search(data) or _PREFIXED.search(data) or _SPACED_R.search(data, lo, hi):
                raise _Measure
            if data.count(b"r=", lo, hi) != data.count(b'<c r="', lo, hi) + data.count(
                b'<row r="', lo, hi
            ):
                raise _Measure  # an attribute r that is not a cell's or a row's first one
            if _beyond(rows, letters).search(data):
                refs = _CELL_REF.findall(data)
                if len(refs) != data.count(b'<c r="'):
                    raise _Measure  # a reference in another form
                if refs:
                    wide = max(set(col for col, _ in refs), key=lambda c: (len(c), c))
                    if _column_index(wide) > cols:
                        cols, letters = _column_index(wide), wide.decode()
                    rows = max(rows, _round_up(max(map(int, {row for _, row in refs}))))
            if rows > limits.max_rows or cols > limits.max_columns:
                raise _Measure  # maybe over a limit: count what calamine keeps
            valued += data.count(b"</c>", lo, hi)
    return rows, cols, valued


def _check_xlsx_halves(
    path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, halves: bool = True
) -> None:
    """The fast path over the whole part: a large part on a machine with two cores or more is
    checked by a forked process and this one, half the pieces each (the time it takes is most
    of reading a large export otherwise). Raises :class:`_Measure` as the fast path does."""
    if not halves or info.file_size < HALVES_FROM or not two_cores():
        bounds = [_check_xlsx_part(zf, info, limits)]
    else:
        other = Forked(lambda: _other_half(path, info.filename, limits))
        done = False
        try:
            mine = _check_xlsx_part(zf, info, limits, (0, 2))
            done = True
        finally:
            finished, theirs = other.result(kill=not done)
        if not finished or theirs is None:
            raise _Measure  # the other half is irregular (or its process failed): measure all
        bounds = [mine, tuple(theirs)]
    rows, cols = max(b[0] for b in bounds), max(b[1] for b in bounds)
    valued = sum(b[2] for b in bounds)
    if rows > limits.max_rows or cols > limits.max_columns:
        raise _Measure
    if rows * cols > max(DENSE_FLOOR, SPARSE_FACTOR * valued):
        raise _Measure


def _other_half(path: Path, name: str, limits: Limits) -> tuple[int, int, int] | None:
    """The forked process's half, with its own handle on the file (a shared one would share
    the file position)."""
    with zipfile.ZipFile(path) as own:
        try:
            return _check_xlsx_part(own, own.getinfo(name), limits, (1, 2))
        except _Measure:
            return None


def _measure_xlsx_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits
) -> None:
    """Place every cell as calamine does, or further: a cell is where its ``r`` says (any
    case, the last of several), else one column after the cell before; a row is where its
    ``r`` says, else after every row so far. A row holding a value counts at its own number
    too, whatever its cells say. A cell or row tag that cannot be read whole (a quote never
    closed, a tag over a piece's end) makes the part unreadable."""
    row = seen = col = max_row = max_col = valued = 0
    with contextlib.closing(_chunks(zf, info)) as pieces:
        for data in pieces:
            tags = 0
            for m in _XLSX_TAG.finditer(data):
                tags += 1
                tag, attrs = m.groups()
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
                if not attrs.rstrip().endswith(b"/"):
                    valued += 1
                    max_row, max_col = max(max_row, row, at), max(max_col, col)
            if tags != len(_TAG_START.findall(data)):
                raise zipfile.BadZipFile(f"unreadable cell markup in {info.filename}")
            _refuse(file, info.filename, max_row, max_col, None, limits)  # stop as soon as over
    _refuse(file, info.filename, max_row, max_col, valued, limits)


def _check_ods(zf: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits) -> None:
    """Each table's rows and columns up to its last cell with a value, repeats counted.

    LibreOffice ends every row with an empty cell repeated to the sheet's edge, harmless; a
    repeated cell or row with a value, or a value after a long empty run, is not. Rows are
    taken one at a time with byte searches (a 100,000-line export is 380 MB of XML).
    """
    table = _OdsTable(file, limits)
    with contextlib.closing(_ods_rows(zf, info)) as pieces:
        for data in pieces:
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
    return _pieces(zf, info, _ODS_ROW_END)


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
