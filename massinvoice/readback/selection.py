"""Read a selection workbook back: what the accountant selected and corrected.

Everything is found by name, never by position: sheets by their header row, columns by header
label (English or Spanish, case- and accent-insensitive), rows by order number and line number.
Sorting, filtering, hiding, inserted columns and re-saving by Excel or LibreOffice change nothing.
The hidden ``_massinvoice`` sheet is the reference: order header fields and original line
numbers come from there; the visible sheets give only the Select marks and the corrections.
Every problem of the workbook is collected and raised together in one :class:`InputError`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from massinvoice.collector import collector_paused
from massinvoice.config import Config
from massinvoice.files import sha256_file
from massinvoice.model import Order, Status
from massinvoice.problems import CELL, FILE, ROW, Code, InputError, Problem
from massinvoice.read.guard import ReadError, check_file, read_workbook
from massinvoice.readback.lines import NEW_SELECTION, Collector, LineEdit, LinesReader
from massinvoice.select.cells import (
    INVOICED_WORDS,
    FoundSheet,
    cell_text,
    find_header,
    select_mark,
)
from massinvoice.select.labels import LINES_COLUMNS, SELECTION_COLUMNS, header_keys
from massinvoice.select.state import STATE_SHEET, StateError, read_state
from massinvoice.text import fold

_SELECTION_KEYS = header_keys(SELECTION_COLUMNS)
_LINES_KEYS = header_keys(LINES_COLUMNS)


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
    # The sheets' cells, the orders, their lines and the original records all live until the
    # selection is built (the collector's walks were a tenth of reading back 20,000 orders).
    with collector_paused():
        return reader.read()


class _Reader(Collector):
    """One read of one workbook: collects every problem, then builds the Selection."""

    def __init__(self, path: Path, config: Config):
        super().__init__(path.name, [])
        self.path = path
        self.config = config
        self.lines = LinesReader(self.name, self.problems)

    def fail(self, code: str, message: str, hint: str = NEW_SELECTION) -> InputError:
        return InputError(Problem(code, message, self.name, hint=hint, level=FILE))

    def read(self) -> Selection:
        sha256, sheets = self._open()
        names = list(sheets)
        state_name = next((n for n in names if fold(n) == STATE_SHEET), None)
        if state_name is None:
            raise self.fail(
                Code.NOT_SELECTION_WORKBOOK,
                "not a selection workbook made by massinvoice (it has no _massinvoice sheet)",
                "to make one from an order export: massinvoice select EXPORT",
            )
        try:
            meta, orders, lines = read_state(sheets[state_name])
        except StateError as exc:
            raise self.fail(exc.code, str(exc)) from None
        selection = lines_sheet = None
        for name in names:
            if name == state_name or (selection and lines_sheet):
                continue
            rows = sheets[name]
            if selection is None and (
                found := find_header(rows, _SELECTION_KEYS, ("select", "order_no"))
            ):
                selection = FoundSheet(name, rows, *found)
            elif lines_sheet is None and (
                found := find_header(rows, _LINES_KEYS, ("order_no", "line_no", "unit_price"))
            ):
                lines_sheet = FoundSheet(name, rows, *found)
        if selection is None:
            raise self.fail(
                Code.MISSING_SHEET,
                "no sheet has the Select and Order # headers of the Selection sheet",
                "restore the header row, or " + NEW_SELECTION,
            )
        selected, refused = self._selection(selection, orders)
        built: list[Order] = []
        if selected:
            if lines_sheet is None:
                raise self.fail(
                    Code.MISSING_SHEET,
                    "no sheet has the Order #, Line and Unit Price headers of the Lines sheet",
                    "restore the header row, or " + NEW_SELECTION,
                )
            built = self.lines.rebuild(
                selection, lines_sheet, selected, orders, lines, meta["extra_headers"]
            )
        if self.problems:
            raise InputError(self.problems)
        return Selection(
            path=str(self.path),
            sha256=sha256,
            meta=meta,
            orders=tuple(built),
            edits=tuple(self.lines.edits),
            refused=tuple(refused),
            fingerprints={o: ref["fingerprint"] for o, ref in orders.items()},
            selected_totals={o.order_no: o.amount for o in built},
            all_orders_count=len(orders),
        )

    def _open(self) -> tuple[str, dict[str, list[list[Any]]]]:
        """The workbook's hash and its sheets' cells, judged and read by the guard."""
        if not self.path.is_file():
            raise self.fail(Code.FILE_MISSING, "file not found", "check the path")
        try:
            check_file(self.path, self.config.limits)
            sha256 = sha256_file(self.path)
            return sha256, dict(read_workbook(self.path, self.config.limits))
        except ReadError as exc:
            raise InputError(list(exc.problems)) from None
        except OSError as exc:
            raise self.fail(
                Code.UNREADABLE,
                f"cannot read the workbook: {exc.strerror or exc}",
                "check that the file is readable and that no program holds it",
            ) from None

    def _selection(
        self, sheet: FoundSheet, orders: dict[str, dict[str, str]]
    ) -> tuple[list[tuple[str, int]], list[Refusal]]:
        """Selected invoiceable orders (with their row) and refused ones, in sheet order."""
        for key in ("select", "order_no"):
            if len(sheet.cols[key]) > 1:
                self.twice(sheet, key, SELECTION_COLUMNS)
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
                        Code.NO_ORDER,
                        f"row {r} is marked but has no order number",
                        **where,
                        level=ROW,
                    )
                continue
            ref = orders.get(order_no)
            if ref is None:
                self.problem(
                    Code.UNKNOWN_ORDER, f"order {order_no!r} was not in this selection when it was made",
                    **where, hint="orders cannot be added to a selection; " + NEW_SELECTION, level=ROW,
                )  # fmt: skip
                continue
            if order_no in seen:
                self.problem(
                    Code.DUPLICATE_ORDER, f"order {order_no} is listed twice (rows {seen[order_no]} and {r})",
                    **where, hint="delete the copied row", level=ROW,
                )  # fmt: skip
                continue
            seen[order_no] = r
            if mark == "unclear":
                self.problem(
                    Code.UNCLEAR_SELECT, f"unclear Select value {cell_text(value)!r} in row {r}",
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


__all__: Sequence[str] = (
    "LineEdit",
    "Refusal",
    "Selection",
    "is_selection_workbook",
    "read_selection",
)
