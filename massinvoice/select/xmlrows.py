"""Fast worksheet rows for the selection workbook.

xlsxwriter builds the package (styles, protection, validation, print setup, the small sheets),
but its per-cell path costs about 6 µs a cell: 100,000 lines would take ten seconds. The data rows
of the big sheets are therefore rendered here as SpreadsheetML, one ``str.format`` call per row,
with xlsxwriter's own style indexes; their strings are appended to xlsxwriter's shared-string
table. Text is escaped the way Excel and xlsxwriter do it (entities, and ``_xHHHH_`` for control
characters), so any text from an export stays text.
"""

from __future__ import annotations

import datetime as dt
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from massinvoice.text import column_index, column_letter

SST_PART = "xl/sharedStrings.xml"
_EPOCH = dt.date(1899, 12, 30)
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ROW_TAG = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
_SST_OPEN = re.compile(rb"<sst\b[^>]*>")
_UNIQUE = re.compile(rb'uniqueCount="(\d+)"')
_CHUNK_ROWS = 4000


def escape_text(text: str) -> str:
    """Text for a ``<t>`` or ``<f>`` element: XML entities plus Excel's control escapes."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _t_element(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{escape_text(text)}</t>"


def date_serial(day: dt.date) -> int | float:
    """Excel's serial number of a date (1900 date system)."""
    if isinstance(day, dt.datetime):
        delta = day - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    return (day - _EPOCH).days


class Strings(dict[str, str]):
    """Shared strings appended after xlsxwriter's own: ``strings[text]`` is a cell's tail.

    A text cell is rendered as ``<c r=".." s=".."`` + tail + ``</c>``: the tail is
    ``' t="s"><v>N</v>'`` or, for an empty text, ``'>'`` (a styled empty cell). A dict with
    ``__missing__`` so the hot path (a string seen before) is one C-level lookup.
    """

    def __init__(self, base: int = 0):
        super().__init__({"": ">"})
        self.base = base
        self.items: list[str] = []

    def __missing__(self, value: str) -> str:
        tail = f' t="s"><v>{self.base + len(self.items)}</v>'
        self.items.append(value)
        self[value] = tail
        return tail

    def text(self, value: str) -> str:
        """The tail of a text cell."""
        return self[value]

    def xml(self) -> Iterator[str]:
        """Our ``<si>`` items, in index order."""
        for text in self.items:
            yield f"<si>{_t_element(text)}</si>"


class InlineStrings(dict[str, str]):
    """The tails :class:`Strings` gives, with the text in the cell (``t="inlineStr"``) instead
    of the shared table: for the hidden sheet, whose strings stay out of the visible sheets' table."""

    def __init__(self) -> None:
        super().__init__({"": ">"})

    def __missing__(self, value: str) -> str:
        tail = self[value] = f' t="inlineStr"><is>{_t_element(value)}</is>'
        return tail

    def text(self, value: str) -> str:
        """The tail of a text cell."""
        return self[value]


def number(value: int | Decimal | float | None) -> str:
    """A numeric cell's ``<v>`` element, or nothing for an empty cell."""
    return "" if value is None else f"<v>{value}</v>"


_SERIALS: dict[dt.date, str] = {}


def day(value: dt.date | None) -> str:
    """A date cell's ``<v>`` element (a serial number), or nothing for an empty cell."""
    if value is None:
        return ""
    got = _SERIALS.get(value)
    if got is None:
        got = _SERIALS[value] = f"<v>{date_serial(value)}</v>"
    return got


# Cell kinds of a row template, and what the row's argument for that cell is.
STR = "str"  # a tail from Strings.text()
INT = "int"  # an int, always present
VALUE = "value"  # a <v> element from number() or day(), or '' for an empty cell
FORMULA = "formula"  # our own formula, '{r}' stands for the row number; the argument is its value


@dataclass(frozen=True)
class Cell:
    """One column of a row template."""

    kind: str
    style: int | None  # None: no style (the hidden sheet)
    formula: str = ""  # for FORMULA cells


class RowTemplate:
    """A row rendered with one ``str.format`` call: ``template(r, *arguments)``."""

    def __init__(self, cells: Sequence[Cell]):
        parts = ['<row r="{0}">']
        for i, cell in enumerate(cells, 1):
            style = "" if cell.style is None else f' s="{cell.style}"'
            ref = f'<c r="{column_letter(i - 1)}{{0}}"{style}'
            if cell.kind == STR:
                parts.append(f"{ref}{{{i}}}</c>")
            elif cell.kind == INT:
                parts.append(f"{ref}><v>{{{i}}}</v></c>")
            elif cell.kind == VALUE:
                parts.append(f"{ref}>{{{i}}}</c>")
            elif cell.kind == FORMULA:
                body = escape_text(cell.formula).replace("{", "{{").replace("}", "}}")
                body = body.replace("{{r}}", "{0}")
                parts.append(f"{ref}><f>{body}</f><v>{{{i}}}</v></c>")
            else:
                raise ValueError(f"unknown cell kind {cell.kind!r}")
        parts.append("</row>")
        self.render: Callable[..., str] = "".join(parts).format


@dataclass
class SheetRows:
    """Rows to splice into one worksheet part: ``rows()`` yields row XML in ascending order."""

    part: str  # e.g. 'xl/worksheets/sheet2.xml'
    rows: Callable[[Strings], Iterable[str]]
    last_row: int  # 1-based, the last row the generator writes
    last_col: int  # 0-based
    inline: bool = False  # text in the cells (InlineStrings), not in the shared table


def _spliced(xml: bytes, rows: SheetRows, body: Iterable[bytes]) -> Iterator[bytes]:
    """The worksheet part with the generated rows (``body``) inserted in row order."""
    if b"<sheetData/>" in xml:
        head, tail = xml.split(b"<sheetData/>", 1)
        head += b"<sheetData>"
        tail = b"</sheetData>" + tail
    else:
        start = xml.index(b"<sheetData>") + len(b"<sheetData>")
        end = xml.index(b"</sheetData>")
        cut = end
        for match in _ROW_TAG.finditer(xml, start, end):
            if int(match.group(1)) > rows.last_row:
                cut = match.start()
                break
        head, tail = xml[:cut], xml[cut:]
    yield _fix_dimension(head, rows)
    yield from body
    yield tail


def _chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    chunk: list[str] = []
    for piece in pieces:
        chunk.append(piece)
        if len(chunk) >= _CHUNK_ROWS:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()


def _fix_dimension(head: bytes, rows: SheetRows) -> bytes:
    """Widen ``<dimension>`` to cover the generated rows (readers size the sheet from it).

    Every sheet of the selection workbook starts at A1 (a title, a header or the state table).
    """
    match = _DIMENSION.search(head)
    if not match:
        return head
    last_col = column_index((match.group(3) or match.group(1)).decode("ascii"))
    last_row = int(match.group(4) or match.group(2))
    ref = f"A1:{column_letter(max(last_col, rows.last_col))}{max(last_row, rows.last_row)}"
    return head[: match.start()] + f'<dimension ref="{ref}"/>'.encode() + head[match.end() :]


@dataclass
class Package:
    """xlsxwriter's finished package, and the shared strings our rows add to it."""

    data: BytesIO
    strings: Strings = field(init=False)

    def __post_init__(self) -> None:
        with zipfile.ZipFile(self.data) as zf:
            sst = zf.read(SST_PART) if SST_PART in zf.namelist() else b""
        if not sst:
            raise ValueError("the package has no shared-string table to extend")
        unique = _UNIQUE.search(sst)
        self.strings = Strings(int(unique.group(1)) if unique else 0)

    def write(
        self,
        target: Path,
        sheets: Sequence[SheetRows],
        *,
        level: int = 1,
    ) -> None:
        """Copy the package to ``target``, streaming the generated rows into their sheets.

        Rows are rendered here while a second thread deflates and writes them (zlib works
        without the GIL), so on two cores compression costs almost no wall time.
        """
        by_part = {s.part: s for s in sheets}
        with _ZipWriter(target, level) as out, zipfile.ZipFile(self.data) as src:
            for info in src.infolist():
                if info.filename == SST_PART:
                    continue  # the shared strings are complete once every row is rendered
                data, rows = src.read(info.filename), by_part.get(info.filename)
                if rows is None:
                    out.member(info.filename, [data])
                else:
                    body = _inline(rows) if rows.inline else _chunks(rows.rows(self.strings))
                    out.member(info.filename, _spliced(data, rows, body))
            out.member(SST_PART, self._shared_strings(src.read(SST_PART)))

    def _shared_strings(self, sst: bytes) -> Iterator[bytes]:
        opening = _SST_OPEN.search(sst)
        closing = sst.rindex(b"</sst>")
        assert opening is not None
        total = self.strings.base + len(self.strings.items)
        yield sst[: opening.start()]
        yield (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{total}" uniqueCount="{total}">'
        ).encode()
        yield sst[opening.end() : closing]
        yield from _chunks(self.strings.xml())
        yield b"</sst>"


def _inline(sheet: SheetRows) -> Iterator[bytes]:
    """The sheet's rows with their text in the cells, in pieces."""
    return _chunks(sheet.rows(InlineStrings()))


class _ZipWriter:
    """A zip file written by a background thread from the pieces it is handed."""

    _END = object()

    def __init__(self, target: Path, level: int):
        self._target, self._level = target, level
        self._queue: queue.Queue[object] = queue.Queue(maxsize=8)
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="xlsx-writer", daemon=True)

    def __enter__(self) -> _ZipWriter:
        self._thread.start()
        return self

    def member(self, name: str, pieces: Iterable[bytes]) -> None:
        """Queue one member's bytes; stops early if the writer has failed."""
        self._put(("open", name))
        for piece in pieces:
            if self._error:
                break
            self._put(("data", piece))
        self._put(("close", name))

    def _put(self, item: object) -> None:
        self._queue.put(item)

    def __exit__(self, *exc: object) -> None:
        self._queue.put(self._END)
        self._thread.join()
        if self._error and exc[0] is None:
            raise self._error[0]

    def _run(self) -> None:
        ended = False
        try:
            with zipfile.ZipFile(
                self._target, "w", zipfile.ZIP_DEFLATED, compresslevel=self._level
            ) as out:
                fh = None
                while True:
                    item = self._queue.get()
                    if item is self._END:
                        ended = True
                        if fh is not None:  # the producer failed mid-member: the file is dropped
                            fh.close()
                        break
                    kind, payload = item  # type: ignore[misc]
                    if kind == "open":
                        fh = out.open(payload, "w")
                    elif kind == "data":
                        fh.write(payload)  # type: ignore[union-attr]
                    else:
                        fh.close()  # type: ignore[union-attr]
                        fh = None
        except BaseException as exc:  # handed to the caller in __exit__
            self._error.append(exc)
            while not ended and self._queue.get() is not self._END:  # let the producer finish
                pass
