"""Read a selection workbook back: what the accountant selected and corrected.

Everything is found by name, never by position: sheets by their header row, columns by header
label (English or Spanish, case- and accent-insensitive), rows by order number and line number.
Sorting, filtering, hiding, inserted columns and re-saving by Excel or LibreOffice change nothing.
The hidden ``_massinvoice`` sheet is the reference: order header fields and original line
numbers come from there; the visible sheets give only the Select marks and the corrections.
Every problem of the workbook is collected and raised together in one :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from massinvoice.config import Config
from massinvoice.errors import CELL, FILE, HEADER, ROW, SHEET, InputError, Problem
from massinvoice.labels import EDITABLE, LINES_COLUMNS, SELECTION_COLUMNS, header_keys, pick
from massinvoice.model import Line, Order, Source, Status
from massinvoice.selection_cells import (
    INVOICED_WORDS,
    NotANumber,
    cell_number,
    cell_text,
    find_header,
    select_mark,
)
from massinvoice.selection_sheet import (
    FORMAT_VERSION,
    LINES_TABLE,
    ORDERS_TABLE,
    STATE_MARK,
    STATE_SHEET,
)
from massinvoice.text import fold

_SELECTION_KEYS = header_keys(SELECTION_COLUMNS)
_LINES_KEYS = header_keys(LINES_COLUMNS)
_LINE_TEXT = ("species", "variety", "length", "box_type", "unit", "currency")
_FIELD_WORDS = {
    "unit_price": "price", "boxes": "boxes", "packed_boxes": "packed boxes",
    "bunches": "bunches", "stems_per_bunch": "stems/bunch", "stems": "stems",
}  # fmt: skip
_NEW_SELECTION = "make a new selection with 'massinvoice select'"


@dataclass(frozen=True)
class LineEdit:
    """A price or quantity the accountant corrected on the Lines sheet."""

    order_no: str
    line_no: int
    field: str  # one of labels.EDITABLE
    old: str
    new: str

    def __str__(self) -> str:
        word = _FIELD_WORDS.get(self.field, self.field)
        return f"order {self.order_no} line {self.line_no}: {word} {self.old or '(empty)'} -> {self.new}"


@dataclass(frozen=True)
class Refusal:
    """A selected order that will not be invoiced, and why."""

    order_no: str
    reason: str
    code: str = "invoiced"

    def __str__(self) -> str:
        return f"order {self.order_no}: {self.reason}"


@dataclass(frozen=True)
class Selection:
    """What a selection workbook asks for: the selected invoiceable orders, as corrected."""

    path: str
    sha256: str
    meta: dict[str, Any]  # format_version, tool_version, created, filters, sources, language
    orders: tuple[Order, ...]
    edits: tuple[LineEdit, ...]
    refused: tuple[Refusal, ...]
    fingerprints: dict[str, str]  # order_no -> fingerprint when the sheet was made
    selected_totals: dict[str, Decimal]  # order_no -> amount after accepted edits
    all_orders_count: int


def is_selection_workbook(path: Path) -> bool:
    """Whether a file is a selection workbook (has the ``_massinvoice`` sheet); never raises."""
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                if "xl/workbook.xml" in zf.namelist():
                    xml = zf.read("xl/workbook.xml").decode("utf-8", "replace")
                    return f'name="{STATE_SHEET}"' in xml
        if path.suffix.lower() not in (".ods", ".xls", ".xlsb"):
            return False
        names = CalamineWorkbook.from_path(str(path)).sheet_names
        return any(fold(n) == STATE_SHEET for n in names)
    except Exception:  # a file we cannot open is simply not a selection workbook
        return False


def read_selection(path: Path, *, config: Config) -> Selection:
    """Read the selection, the corrections and the refusals; raise InputError with all problems."""
    path = Path(path)
    reader = _Reader(path, config)
    return reader.read()


@dataclass
class _Sheet:
    """A visible sheet found by its header row."""

    name: str
    rows: list[list[Any]]
    header: int  # 0-based index of the header row
    cols: dict[str, list[int]]  # key -> column indexes

    def col(self, key: str) -> int | None:
        found = self.cols.get(key)
        return found[0] if found else None

    def label(self, key: str, columns: dict[str, tuple[str, str]]) -> str:
        c = self.col(key)
        header = self.rows[self.header]
        return cell_text(header[c]) if c is not None else columns[key][0]


class _Reader:
    """One read of one workbook: collects every problem, then builds the Selection."""

    def __init__(self, path: Path, config: Config):
        self.path = path
        self.name = path.name
        self.config = config
        self.problems: list[Problem] = []
        self.edits: list[LineEdit] = []

    def problem(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, self.name, **where))

    def fail(self, code: str, message: str, hint: str = _NEW_SELECTION) -> InputError:
        return InputError(Problem(code, message, self.name, hint=hint, level=FILE))

    def read(self) -> Selection:
        sha256, book = self._open()
        names = book.sheet_names
        state_name = next((n for n in names if fold(n) == STATE_SHEET), None)
        if state_name is None:
            raise self.fail(
                "not_selection_workbook",
                "not a selection workbook made by massinvoice (it has no _massinvoice sheet)",
                "to make one from an order export: massinvoice select EXPORT",
            )
        meta, orders, lines = self._state(_rows(book, state_name))
        selection = lines_sheet = None
        for name in names:
            if name == state_name or (selection and lines_sheet):
                continue
            rows = _rows(book, name)
            if selection is None and (
                found := find_header(rows, _SELECTION_KEYS, ("select", "order_no"))
            ):
                selection = _Sheet(name, rows, *found)
            elif lines_sheet is None and (
                found := find_header(rows, _LINES_KEYS, ("order_no", "line_no", "unit_price"))
            ):
                lines_sheet = _Sheet(name, rows, *found)
        if selection is None:
            raise self.fail(
                "missing_sheet",
                "no sheet has the Select and Order # headers of the Selection sheet",
                "restore the header row, or " + _NEW_SELECTION,
            )
        selected, refused = self._selection(selection, orders)
        built: list[Order] = []
        if selected:
            if lines_sheet is None:
                raise self.fail(
                    "missing_sheet",
                    "no sheet has the Order #, Line and Unit Price headers of the Lines sheet",
                    "restore the header row, or " + _NEW_SELECTION,
                )
            built = self._rebuild(selection, lines_sheet, selected, orders, lines, meta)
        if self.problems:
            raise InputError(self.problems)
        return Selection(
            path=str(self.path),
            sha256=sha256,
            meta=meta,
            orders=tuple(built),
            edits=tuple(self.edits),
            refused=tuple(refused),
            fingerprints={o: ref["fingerprint"] for o, ref in orders.items()},
            selected_totals={o.order_no: o.amount for o in built},
            all_orders_count=len(orders),
        )

    def _open(self) -> tuple[str, CalamineWorkbook]:
        path, limits = self.path, self.config.limits
        if not path.is_file():
            raise self.fail("file_missing", "file not found", "check the path")
        if path.stat().st_size > limits.max_file_mb * 1024 * 1024:
            raise self.fail("too_large", f"the file is over {limits.max_file_mb} MB", "")
        try:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as zf:
                    total = sum(i.file_size for i in zf.infolist())
                if total > limits.max_uncompressed_mb * 1024 * 1024:
                    raise self.fail(
                        "too_large", f"the workbook expands to over {limits.max_uncompressed_mb} MB"
                    )
            with path.open("rb") as fh:
                sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
            return sha256, CalamineWorkbook.from_path(str(path))
        except (CalamineError, zipfile.BadZipFile, OSError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise self.fail(
                "unreadable",
                f"cannot read the workbook: {exc}",
                "save it again as .xlsx from Excel or LibreOffice",
            ) from None

    def _state(self, rows: list[list[Any]]) -> tuple[dict[str, Any], dict, dict]:
        """Meta, order header fields by order number, original line numbers by order and line."""
        if not rows or cell_text(rows[0][0]) != STATE_MARK:
            raise self.fail("not_selection_workbook", "the _massinvoice sheet is not ours")
        raw: dict[str, str] = {}
        for row in rows[1:]:
            key = cell_text(row[0])
            if not key:
                break
            raw[key] = cell_text(row[1]) if len(row) > 1 else ""
        version = raw.get("format_version", "")
        if version != str(FORMAT_VERSION):
            newer = version.isdigit() and int(version) > FORMAT_VERSION
            raise self.fail(
                "format_version",
                f"made by {'a newer' if newer else 'an older'} massinvoice, format "
                f"{version or '?'} (this one reads format {FORMAT_VERSION})",
            )
        try:
            meta = {
                "format_version": FORMAT_VERSION,
                "tool_version": raw.get("tool_version", ""),
                "created": raw.get("created", ""),
                "filters": json.loads(raw.get("filters") or "{}"),
                "sources": json.loads(raw.get("sources") or "[]"),
                "language": raw.get("language", ""),
                "extra_headers": json.loads(raw.get("extra_headers") or "[]"),
            }
        except json.JSONDecodeError:
            raise self.fail("state_damaged", "the _massinvoice sheet was edited") from None
        orders = {r["order_no"]: r for r in self._table(rows, ORDERS_TABLE)}
        lines: dict[str, dict[int, dict[str, str]]] = {o: {} for o in orders}
        for r in self._table(rows, LINES_TABLE):
            lines.setdefault(r["order_no"], {})[int(r["line_no"])] = r
        return meta, orders, lines

    def _table(self, rows: list[list[Any]], marker: str) -> list[dict[str, str]]:
        """The records of one table of the hidden sheet, as dicts of exact text."""
        for i, row in enumerate(rows):
            if row and row[0] == marker and i + 1 < len(rows):
                fields = [cell_text(c) for c in rows[i + 1]]
                width = len([f for f in fields if f])
                out = []
                for data in rows[i + 2 :]:
                    if not data or data[0] in ("", None):
                        break
                    out.append(dict(zip(fields[:width], map(cell_text, data[:width]), strict=True)))
                return out
        raise self.fail("state_damaged", f"the _massinvoice sheet lost its {marker} table")

    def _selection(
        self, sheet: _Sheet, orders: dict[str, dict[str, str]]
    ) -> tuple[list[tuple[str, int]], list[Refusal]]:
        """Selected invoiceable orders (with their row) and refused ones, in sheet order."""
        for key in ("select", "order_no"):
            if len(sheet.cols[key]) > 1:
                self._twice(sheet, key, SELECTION_COLUMNS)
        sc, oc = sheet.col("select"), sheet.col("order_no")
        ic, stc = sheet.col("invoice_no"), sheet.col("status")
        select_label = sheet.label("select", SELECTION_COLUMNS)
        seen: dict[str, int] = {}
        selected: list[tuple[str, int]] = []
        refused: list[Refusal] = []
        for i in range(sheet.header + 1, len(sheet.rows)):
            row, r = sheet.rows[i], i + 1
            order_no = cell_text(row[oc]).strip()
            value = row[sc]
            mark = select_mark(value)
            where = {"sheet": sheet.name, "row": r}
            if not order_no:
                if mark in ("yes", "unclear"):
                    self.problem(
                        "no_order", f"row {r} is marked but has no order number", **where, level=ROW
                    )
                continue
            ref = orders.get(order_no)
            if ref is None:
                self.problem(
                    "unknown_order", f"order {order_no!r} was not in this selection when it was made",
                    **where, hint="orders cannot be added to a selection; " + _NEW_SELECTION, level=ROW,
                )  # fmt: skip
                continue
            if order_no in seen:
                self.problem(
                    "duplicate_order", f"order {order_no} is listed twice (rows {seen[order_no]} and {r})",
                    **where, hint="delete the copied row", level=ROW,
                )  # fmt: skip
                continue
            seen[order_no] = r
            if mark == "unclear":
                self.problem(
                    "unclear_select", f"unclear Select value {cell_text(value)!r} in row {r}",
                    **where, column=select_label, hint="type X or leave empty", level=CELL,
                )  # fmt: skip
                continue
            if mark != "yes":
                continue
            invoice_no = ref.get("invoice_no", "") or (
                cell_text(row[ic]).strip() if ic is not None else ""
            )
            shown = fold(cell_text(row[stc])) if stc is not None else ""
            if invoice_no or ref.get("status") == Status.INVOICED.value or shown in INVOICED_WORDS:
                number = f" ({invoice_no})" if invoice_no else ""
                refused.append(
                    Refusal(order_no, f"order is already invoiced{number}; never invoiced twice")
                )
                continue
            selected.append((order_no, r))
        position = {o: k for k, o in enumerate(orders)}
        selected.sort(key=lambda pair: position[pair[0]])
        return selected, refused

    def _twice(self, sheet: _Sheet, key: str, columns: dict[str, tuple[str, str]]) -> None:
        self.problem(
            "duplicate_column", f"two columns are headed {pick(columns[key], 'en')!r}",
            sheet=sheet.name, row=sheet.header + 1, hint="rename or delete your copy", level=HEADER,
        )  # fmt: skip

    def _rebuild(
        self,
        selection: _Sheet,
        sheet: _Sheet,
        selected: list[tuple[str, int]],
        orders: dict[str, dict[str, str]],
        originals: dict[str, dict[int, dict[str, str]]],
        meta: dict[str, Any],
    ) -> list[Order]:
        """The selected orders from their Lines rows, with the corrections applied."""
        needed = ("order_no", "line_no", *EDITABLE, *_LINE_TEXT)
        missing = [k for k in needed if k not in sheet.cols]
        for key in missing:
            self.problem(
                "missing_column", f"sheet {sheet.name!r} has no column {LINES_COLUMNS[key][0]!r}",
                sheet=sheet.name, row=sheet.header + 1, hint="restore the column", level=HEADER,
            )  # fmt: skip
        for key in needed:
            if len(sheet.cols.get(key, ())) > 1:
                self._twice(sheet, key, LINES_COLUMNS)
        if missing:
            return []
        rows = self._line_rows(sheet, {o for o, _ in selected}, originals)
        header = sheet.rows[sheet.header]
        extras = {
            name: c
            for c, cell in enumerate(header)
            if (name := cell_text(cell)) in meta["extra_headers"]
        }
        built = []
        for order_no, sel_row in selected:
            ref = orders[order_no]
            lines, restored = [], []
            for line_no in sorted(rows[order_no]):
                r, row = rows[order_no][line_no]
                line, original = self._line(sheet, order_no, line_no, r, row, originals, extras)
                lines.append(line)
                restored.append(original)
            order = Order(
                order_no=order_no, bill_customer=ref["bill_customer"], lines=tuple(lines),
                customer_po=ref["customer_po"], order_date=_date(ref["order_date"]),
                ship_date=_date(ref["ship_date"]), flight_date=_date(ref["flight_date"]),
                ship_customer=ref["ship_customer"], sales_rep=ref["sales_rep"],
                cargo_agency=ref["cargo_agency"], market=ref["market"], incoterm=ref["incoterm"],
                awb=ref["awb"], hawb=ref["hawb"], dae=ref["dae"], currency=ref["currency"],
                invoice_no=ref["invoice_no"], source=Source(self.name, selection.name, sel_row),
            )  # fmt: skip
            if len(restored) == len(originals[order_no]) and (
                replace(order, lines=tuple(restored)).fingerprint() != ref["fingerprint"]
            ):
                self.problem(
                    "changed_cells",
                    f"order {order_no}: cells other than prices and quantities were changed on "
                    f"sheet {sheet.name!r} (species, variety, length, box type, unit or currency)",
                    sheet=sheet.name, hint="undo that change, or " + _NEW_SELECTION, level=ROW,
                )  # fmt: skip
            built.append(order)
        return built

    def _line_rows(
        self, sheet: _Sheet, selected: set[str], originals: dict[str, dict[int, dict[str, str]]]
    ) -> dict[str, dict[int, tuple[int, list[Any]]]]:
        """Each selected order's Lines rows by line number; added or deleted lines are problems."""
        oc, lc = sheet.col("order_no"), sheet.col("line_no")
        found: dict[str, dict[int, tuple[int, list[Any]]]] = {o: {} for o in selected}
        for i in range(sheet.header + 1, len(sheet.rows)):
            row, r = sheet.rows[i], i + 1
            order_no = cell_text(row[oc]).strip()
            if not order_no:
                continue
            where = {"sheet": sheet.name, "row": r, "level": ROW}
            if order_no not in originals:
                self.problem(
                    "unknown_order", f"order {order_no!r} was not in this selection when it was made",
                    **where, hint="lines cannot be added to a selection",
                )  # fmt: skip
                continue
            if order_no not in selected:
                continue
            try:
                number = cell_number(row[lc])
            except NotANumber:
                number = None
            if number is None or number != number.to_integral_value():
                self.problem(
                    "line_added", f"order {order_no}: line number {cell_text(row[lc])!r} is not one of its lines",
                    **where, hint="lines cannot be added; we never invoice a line the export did not have",
                )  # fmt: skip
                continue
            line_no = int(number)
            if line_no not in originals[order_no]:
                self.problem(
                    "line_added", f"order {order_no} has no line {line_no} in the export",
                    **where, hint="lines cannot be added; we never invoice a line the export did not have",
                )  # fmt: skip
            elif line_no in found[order_no]:
                self.problem(
                    "line_added",
                    f"order {order_no} line {line_no} is listed twice (rows {found[order_no][line_no][0]} and {r})",
                    **where, hint="delete the copied row",
                )  # fmt: skip
            else:
                found[order_no][line_no] = (r, row)
        for order_no in sorted(selected, key=list(originals).index):
            gone = sorted(set(originals[order_no]) - set(found[order_no]))
            if gone:
                self.problem(
                    "line_deleted",
                    f"order {order_no}: line{'s' if len(gone) > 1 else ''} {', '.join(map(str, gone))} "
                    f"deleted from sheet {sheet.name!r}",
                    sheet=sheet.name, level=SHEET,
                    hint="restore the rows: an order is invoiced with all its lines, or not at all",
                )  # fmt: skip
        return found

    def _line(
        self,
        sheet: _Sheet,
        order_no: str,
        line_no: int,
        r: int,
        row: list[Any],
        originals: dict[str, dict[int, dict[str, str]]],
        extras: dict[str, int],
    ) -> tuple[Line, Line]:
        """One line with the accountant's corrections, and the same line as it was written."""
        orig = originals[order_no][line_no]
        values: dict[str, Any] = {}
        changed: set[str] = set()
        for field in EDITABLE:
            c = sheet.cols[field][0]
            old = _decimal(orig[field])
            where = {
                "sheet": sheet.name,
                "row": r,
                "column": cell_text(sheet.rows[sheet.header][c]),
            }
            values[field] = old
            try:
                new = cell_number(row[c])
            except NotANumber:
                self.problem(
                    "bad_number", f"order {order_no} line {line_no}: {cell_text(row[c])!r} is not a number",
                    **where, hint="type a number such as 0.35", level=CELL,
                )  # fmt: skip
                continue
            if new == old:  # unchanged (0.35 and 0.350 are the same): keep the exact original
                continue
            if new is None:
                self.problem(
                    "empty_value", f"order {order_no} line {line_no}: the cell was emptied",
                    **where, hint="type a value (0 if none)", level=CELL,
                )  # fmt: skip
                continue
            if new < 0 or (field != "unit_price" and new != new.to_integral_value()):
                kind = "a negative number" if new < 0 else "not a whole number"
                self.problem(
                    "bad_number", f"order {order_no} line {line_no}: {cell_text(row[c])!r} is {kind}",
                    **where, hint="type a whole number of 0 or more" if field != "unit_price" else "",
                    level=CELL,
                )  # fmt: skip
                continue
            values[field] = new
            changed.add(field)
            shown = f"{new:f}" if field == "unit_price" else str(int(new))
            self.edits.append(LineEdit(order_no, line_no, field, orig[field], shown))
        ints = {k: int(v or 0) for k, v in values.items() if k != "unit_price"}
        if changed & {"bunches", "stems_per_bunch", "stems"} and ints["stems_per_bunch"] > 0:
            expected = ints["bunches"] * ints["stems_per_bunch"]
            if ints["stems"] != expected:
                self.problem(
                    "stems_mismatch",
                    f"order {order_no} line {line_no}: stems {ints['stems']} is not bunches "
                    f"{ints['bunches']} x stems/bunch {ints['stems_per_bunch']} = {expected}",
                    sheet=sheet.name, row=r, hint="correct one of the three", level=ROW,
                )  # fmt: skip
        text = {k: cell_text(row[sheet.cols[k][0]]) for k in _LINE_TEXT}
        line = Line(
            order_no=order_no, line_no=line_no, species=text["species"], variety=text["variety"],
            length=text["length"], box_type=text["box_type"], boxes=ints["boxes"],
            packed_boxes=ints["packed_boxes"], confirmed_boxes=_int(orig["confirmed_boxes"]),
            bunches=ints["bunches"], stems_per_bunch=ints["stems_per_bunch"], stems=ints["stems"],
            unit=text["unit"] or "stem", unit_price=values["unit_price"],
            min_price=_decimal(orig["min_price"]), amount=_decimal(orig["amount"]),
            currency=text["currency"], extra=tuple((h, cell_text(row[c])) for h, c in extras.items()),
            source=Source(self.name, sheet.name, r),
        )  # fmt: skip
        original = replace(
            line, unit_price=_decimal(orig["unit_price"]),
            **{k: int(orig[k] or 0) for k in EDITABLE if k != "unit_price"},
        )  # fmt: skip
        return line, original


def _rows(book: CalamineWorkbook, name: str) -> list[list[Any]]:
    """A sheet's cells from A1 (no leading area skipped, so indexes are Excel rows - 1)."""
    return book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _int(text: str) -> int | None:
    return int(text) if text else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


__all__: Sequence[str] = (
    "LineEdit",
    "Refusal",
    "Selection",
    "is_selection_workbook",
    "read_selection",
)
