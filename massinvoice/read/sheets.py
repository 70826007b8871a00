"""Reading a file into sheets of raw cells, and finding the sheet whose header names the fields.

Spreadsheets are read by calamine into the frame ``pandas.read_excel(header=None,
dtype=object)`` gives, built without pandas' cell-by-cell conversion; csv through the standard
csv module once the encoding and the delimiter are known. :mod:`guard` has judged the file first and reads the workbooks in its memory-capped worker;
every failure of an engine becomes a :class:`Problem`, so no engine traceback reaches the user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from massinvoice.collector import collector_paused
from massinvoice.config import Limits
from massinvoice.problems import HEADER, Code, Problem
from massinvoice.read.guard import (
    MIB,
    RESAVE_HINT,
    ReadError,
    check_file,
    fail,
    read_workbook,
)
from massinvoice.read.header import (
    HEADER_SEARCH_ROWS,
    AliasTable,
    Header,
    find_header,
    label,
    looks_like_header,
)

DELIMITERS = (",", ";", "\t")
SNIFF_CHARS = 64 * 1024


@dataclass(frozen=True)
class Sheet:
    """The raw cells of one sheet; ``frame`` row ``i`` is the sheet's row ``i + 1``."""

    file: str
    name: str | None  # None for csv
    frame: pd.DataFrame
    decimal_comma: bool | None = None  # what the file's layout suggests (csv with ';')


def spreadsheet_sheets(path: Path, limits: Limits, ole2: bool = False) -> Iterator[Sheet]:
    """Each sheet of a workbook in order (chart sheets aside), all cells as objects, read in the
    guard's memory-capped worker.

    ``ole2``: an OLE2 file with an .xlsx-like name; calamine tells the format from the bytes,
    and if it cannot read them the file is taken as password-protected.
    """
    for sheet_name, rows in read_workbook(path, limits, by_content=ole2):
        with collector_paused():  # millions of cells that all live on
            frame = cells_frame(rows)
        yield Sheet(path.name, sheet_name, frame)


_TYPE_OF = np.frompyfunc(type, 1, 1)
_INT64 = float(2**63)


def cells_frame(rows: list[list[Any]]) -> pd.DataFrame:
    """calamine's rows as a frame of objects: whole floats as ints, dates as datetimes, and an
    empty cell (only that) as NaN, done a cell type at a time with numpy rather than cell by
    cell. Text is text: ``NA``, ``N/A``, ``None`` or ``null`` stay as written (North America, a
    variety, a name), unlike pandas' reading of them as missing.
    """
    if not rows:
        return pd.DataFrame(dtype=object)
    cells = np.empty((len(rows), len(rows[0])), dtype=object)
    cells[:] = rows
    flat = cells.reshape(-1)  # a view: assignments below change ``cells``
    kinds = _TYPE_OF(flat)
    floats = np.flatnonzero(np.equal(kinds, float))
    if floats.size:
        values = flat[floats].astype(float)
        whole = np.isfinite(values) & (values == np.trunc(values))
        small = whole & (np.abs(values) < _INT64)
        flat[floats[small]] = values[small].astype(np.int64).tolist()
        huge = floats[whole & ~small]
        flat[huge] = [int(v) for v in flat[huge]]
    texts = np.flatnonzero(np.equal(kinds, str))
    if texts.size:
        missing = np.equal(flat[texts], "")
        flat[texts[missing]] = np.nan
    dates = np.flatnonzero(np.equal(kinds, dt.date))
    if dates.size:
        flat[dates] = [dt.datetime(d.year, d.month, d.day) for d in flat[dates]]
    return pd.DataFrame(cells, dtype=object)


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), else cp1252; anything else is a 'wrong encoding'."""
    hint = "save the file as CSV UTF-8 (or Windows-1252) from Excel or LibreOffice"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise fail(Code.WRONG_ENCODING, "the file is UTF-16 or binary, not a text csv", file, hint)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise fail(
            Code.WRONG_ENCODING,
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


def _count_csv(text: str, delimiter: str) -> int:
    """How many records a csv text holds, none of them kept (nor a copy of the text)."""
    return sum(1 for _ in csv.reader(_lines(text), delimiter=delimiter))


def _lines(text: str) -> Iterator[str]:
    """The lines of a text with their ends, one at a time."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end < 0 else end + 1
        yield text[start:end]
        start = end


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
        # Perhaps too many rows: count them without keeping them (a million kept rows of
        # strings take gigabytes before the limit is even checked).
        count = _count_csv(text, delimiter) if text.count("\n") >= limits.max_rows else 0
        rows = _parse_csv(text, delimiter) if count <= limits.max_rows else []
    except csv.Error as exc:
        raise fail(Code.CORRUPT, f"the csv cannot be read: {exc}", name, RESAVE_HINT) from None
    if max(count, len(rows)) > limits.max_rows:
        raise fail(
            Code.TOO_LARGE,
            f"{max(count, len(rows))} rows, over the limit of {limits.max_rows}",
            name,
            "export fewer rows, or raise [limits] max_rows in the config",
        )
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_columns:
        raise fail(
            Code.TOO_LARGE,
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
    path: Path,
    limits: Limits,
    aliases: AliasTable,
    required: Sequence[str],
    what: str,
    choose: Callable[[list[list[object]]], tuple[AliasTable, Sequence[str]]] | None = None,
) -> tuple[Sheet, Header]:
    """The first sheet of a file with a header naming the required fields, and that header.

    ``what`` names the kind of file in messages ("order export", "customer directory").
    ``choose`` picks each sheet's aliases and required fields from its first rows (the
    export's profile); without it, ``aliases`` and ``required`` apply to every sheet.
    """
    kind, _ = check_file(path, limits)
    name = path.name
    if kind == "text":
        sheets: Iterator[Sheet] = iter([text_sheet(path, limits, aliases, required)])
    else:
        sheets = spreadsheet_sheets(path, limits, ole2=kind == "ole2")
    looked: list[str] = []
    near: tuple[Sheet, Header, AliasTable, Sequence[str]] | None = None
    any_cells = False
    for sheet in sheets:
        looked.append(sheet.name or name)
        head = head_rows(sheet.frame, HEADER_SEARCH_ROWS)
        table, needed = choose(head) if choose else (aliases, required)
        header = find_header(head, table, needed)
        if header is not None and not header.missing(needed):
            return sheet, header
        any_cells = any_cells or bool(sheet.frame.notna().to_numpy().any())
        if header is not None and looks_like_header(header, needed) and near is None:
            near = (sheet, header, table, needed)
    if near is not None:
        raise ReadError(missing_columns(near[0], near[1], near[2], near[3]))
    if not any_cells:
        raise fail(
            Code.EMPTY_FILE,
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
                Code.NO_HEADER,
                f"no header row found in {first} (looked at: {sheets_text}); "
                f"this does not look like an {what}",
                name,
                hint=f"the header row must name at least the columns {needed} within {first}"
                + (
                    "; 'massinvoice inspect FILE' shows how the file reads and the [aliases] "
                    "to add to the config"
                    if what == "order export"
                    else ""
                ),
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
            Code.MISSING_COLUMN,
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
