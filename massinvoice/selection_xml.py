"""Fast worksheet rows for the selection workbook.

xlsxwriter builds the package (styles, protection, validation, print setup, the small sheets),
but its per-cell path costs about 6 µs a cell: 100,000 lines would take ten seconds. The data rows
of the big sheets are therefore rendered here as SpreadsheetML text, with xlsxwriter's own style
indexes, and spliced into its package when the zip is written. Strings are inline strings, escaped
the way Excel and xlsxwriter do it (``_xHHHH_`` for control characters), so any text stays text.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

_EPOCH = dt.date(1899, 12, 30)
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_ROW_TAG = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
_CHUNK_ROWS = 2000


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def escape_text(text: str) -> str:
    """Text for a ``<t>`` or ``<f>`` element: XML entities plus Excel's control escapes."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def date_serial(day: dt.date) -> int | float:
    """Excel's serial number of a date (1900 date system)."""
    if isinstance(day, dt.datetime):
        delta = day - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    return (day - _EPOCH).days


@dataclass(frozen=True, slots=True)
class Formula:
    """Our own formula (never text from data) with the value it computes, cached for readers."""

    text: str  # without the leading '='
    value: int | float | Decimal | str = 0


class RowRenderer:
    """Renders rows of cells (Python values + style indexes) as ``<row>`` elements."""

    def __init__(self, n_columns: int):
        self.letters = [column_letter(i) for i in range(n_columns)]
        self._inline: dict[str, str] = {}

    def inline(self, text: str) -> str:
        """The ``<is>`` element of a text, cached: exports repeat the same words a lot."""
        got = self._inline.get(text)
        if got is None:
            space = ' xml:space="preserve"' if text != text.strip() else ""
            got = f"<is><t{space}>{escape_text(text)}</t></is>"
            if len(self._inline) < 200_000:
                self._inline[text] = got
        return got

    def row(self, r: int, values: Sequence[object], styles: Sequence[int]) -> str:
        """One row, 1-based ``r``; ``None`` or ``''`` gives a styled empty cell."""
        rs = str(r)
        cells = []
        add = cells.append
        for letter, value, s in zip(self.letters, values, styles, strict=False):
            t = type(value)
            if t is str:
                if value:
                    add(f'<c r="{letter}{rs}" s="{s}" t="inlineStr">{self.inline(value)}</c>')  # type: ignore[arg-type]
                else:
                    add(f'<c r="{letter}{rs}" s="{s}"/>')
            elif t is int:
                add(f'<c r="{letter}{rs}" s="{s}"><v>{value}</v></c>')
            elif value is None:
                add(f'<c r="{letter}{rs}" s="{s}"/>')
            elif t is Decimal:
                add(f'<c r="{letter}{rs}" s="{s}"><v>{value:f}</v></c>')
            elif t is dt.date or t is dt.datetime:
                add(f'<c r="{letter}{rs}" s="{s}"><v>{date_serial(value)}</v></c>')  # type: ignore[arg-type]
            elif t is Formula:
                add(self._formula(f"{letter}{rs}", s, value))  # type: ignore[arg-type]
            elif t is bool:
                add(f'<c r="{letter}{rs}" s="{s}" t="b"><v>{int(value)}</v></c>')  # type: ignore[call-overload]
            elif t is float:
                add(f'<c r="{letter}{rs}" s="{s}"><v>{value!r}</v></c>')
            else:
                raise TypeError(f"cannot write {t.__name__} to a cell")
        return f'<row r="{rs}">{"".join(cells)}</row>'

    @staticmethod
    def _formula(ref: str, s: int, formula: Formula) -> str:
        body = f"<f>{escape_text(formula.text)}</f>"
        value = formula.value
        if isinstance(value, str):
            return f'<c r="{ref}" s="{s}" t="str">{body}<v>{escape_text(value)}</v></c>'
        shown = f"{value:f}" if isinstance(value, Decimal) else repr(value)
        return f'<c r="{ref}" s="{s}">{body}<v>{shown}</v></c>'


@dataclass
class SheetRows:
    """Rows to splice into one worksheet part: ``rows()`` yields row XML in ascending order."""

    part: str  # e.g. 'xl/worksheets/sheet2.xml'
    rows: Callable[[], Iterable[str]]
    last_row: int  # 1-based, the last row the generator writes
    last_col: int  # 0-based


def _spliced(xml: bytes, rows: SheetRows) -> Iterator[bytes]:
    """The worksheet part with the generated rows inserted in row order."""
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
    chunk: list[str] = []
    for row in rows.rows():
        chunk.append(row)
        if len(chunk) >= _CHUNK_ROWS:
            yield "".join(chunk).encode()
            chunk.clear()
    if chunk:
        yield "".join(chunk).encode()
    yield tail


def _fix_dimension(head: bytes, rows: SheetRows) -> bytes:
    """Widen ``<dimension>`` to cover the generated rows (readers size the sheet from it).

    Every sheet of the selection workbook starts at A1 (a title, a header or the state table).
    """
    match = _DIMENSION.search(head)
    if not match:
        return head
    last_col = _column_index(match.group(3) or match.group(1))
    last_row = int(match.group(4) or match.group(2))
    ref = f"A1:{column_letter(max(last_col, rows.last_col))}{max(last_row, rows.last_row)}"
    return head[: match.start()] + f'<dimension ref="{ref}"/>'.encode() + head[match.end() :]


def write_package(
    package: BytesIO, target: Path, sheets: Sequence[SheetRows], *, level: int = 6
) -> None:
    """Copy xlsxwriter's package to ``target``, streaming the generated rows into their sheets."""
    by_part = {s.part: s for s in sheets}
    with (
        zipfile.ZipFile(package) as src,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as out,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            rows = by_part.get(info.filename)
            if rows is None:
                out.writestr(info.filename, data)
                continue
            with out.open(info.filename, "w", force_zip64=False) as fh:
                for piece in _spliced(data, rows):
                    fh.write(piece)
