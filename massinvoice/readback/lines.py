"""The Lines sheet of a selection workbook: each selected order's lines, as corrected.

Rows are found by order number and line number. Only prices and quantities may change (the
blue cells); each change becomes a :class:`LineEdit`. A line added, deleted, listed twice or with
other cells changed is a problem: we never invoice a line the export did not have.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from massinvoice.model import Line, Order, Source
from massinvoice.problems import CELL, HEADER, ROW, SHEET, Code, Problem
from massinvoice.read.cells import cell_text
from massinvoice.select.cells import FoundSheet, NotANumber, cell_number
from massinvoice.select.labels import EDITABLE, LINES_COLUMNS, pick

LINE_TEXT = ("species", "variety", "length", "box_type", "unit", "currency")
NEW_SELECTION = "make a new selection with 'massinvoice select'"
_FIELD_WORDS = {
    "unit_price": "price", "boxes": "boxes", "packed_boxes": "packed boxes",
    "bunches": "bunches", "stems_per_bunch": "stems/bunch", "stems": "stems",
}  # fmt: skip


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


class Collector:
    """Problems of one workbook, collected to be raised together."""

    def __init__(self, name: str, problems: list[Problem]):
        self.name = name
        self.problems = problems

    def problem(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, self.name, **where))

    def twice(self, sheet: FoundSheet, key: str, columns: dict[str, tuple[str, str]]) -> None:
        self.problem(
            Code.DUPLICATE_COLUMN, f"two columns are headed {pick(columns[key], 'en')!r}",
            sheet=sheet.name, row=sheet.header + 1, hint="rename or delete your copy", level=HEADER,
        )  # fmt: skip


class LinesReader(Collector):
    """Rebuilds the selected orders from the Lines sheet and the hidden sheet's originals."""

    def __init__(self, name: str, problems: list[Problem]):
        super().__init__(name, problems)
        self.edits: list[LineEdit] = []

    def rebuild(
        self,
        selection: FoundSheet,
        sheet: FoundSheet,
        selected: list[tuple[str, int]],
        orders: dict[str, dict[str, str]],
        originals: dict[str, dict[int, dict[str, str]]],
        extra_headers: list[str],
    ) -> list[Order]:
        """The selected orders from their Lines rows, with the corrections applied."""
        needed = ("order_no", "line_no", *EDITABLE, *LINE_TEXT)
        missing = [k for k in needed if k not in sheet.cols]
        for key in missing:
            self.problem(
                Code.MISSING_COLUMN, f"sheet {sheet.name!r} has no column {LINES_COLUMNS[key][0]!r}",
                sheet=sheet.name, row=sheet.header + 1, hint="restore the column", level=HEADER,
            )  # fmt: skip
        for key in needed:
            if len(sheet.cols.get(key, ())) > 1:
                self.twice(sheet, key, LINES_COLUMNS)
        if missing:
            return []
        rows = self._line_rows(sheet, {o for o, _ in selected}, originals)
        header = sheet.rows[sheet.header]
        extras = {
            name: c for c, cell in enumerate(header) if (name := cell_text(cell)) in extra_headers
        }
        built = []
        for order_no, sel_row in selected:
            ref = orders[order_no]
            lines, restored, edited = [], [], False
            for line_no in sorted(rows[order_no]):
                r, row = rows[order_no][line_no]
                orig = originals[order_no][line_no]
                line, original = self._line(sheet, order_no, line_no, r, row, orig, extras)
                lines.append(line)
                restored.append(original or line)
                edited = edited or original is not None
            order = Order(
                order_no=order_no, bill_customer=ref["bill_customer"], lines=tuple(lines),
                customer_po=ref["customer_po"], order_date=_date(ref["order_date"]),
                ship_date=_date(ref["ship_date"]), flight_date=_date(ref["flight_date"]),
                ship_customer=ref["ship_customer"], sales_rep=ref["sales_rep"],
                cargo_agency=ref["cargo_agency"], market=ref["market"], incoterm=ref["incoterm"],
                awb=ref["awb"], hawb=ref["hawb"], dae=ref["dae"], currency=ref["currency"],
                invoice_no=ref["invoice_no"], source=Source(self.name, selection.name, sel_row),
            )  # fmt: skip
            as_written = replace(order, lines=tuple(restored)) if edited else order
            if len(restored) == len(originals[order_no]) and (
                as_written.fingerprint() != ref["fingerprint"]
            ):
                self.problem(
                    Code.CHANGED_CELLS,
                    f"order {order_no}: cells other than prices and quantities were changed on "
                    f"sheet {sheet.name!r} (species, variety, length, box type, unit or currency)",
                    sheet=sheet.name, hint="undo that change, or " + NEW_SELECTION, level=ROW,
                )  # fmt: skip
            built.append(order)
        return built

    def _line_rows(
        self, sheet: FoundSheet, selected: set[str], originals: dict[str, dict[int, dict[str, str]]]
    ) -> dict[str, dict[int, tuple[int, list[Any]]]]:
        """Each selected order's Lines rows by line number; added or deleted lines are problems."""
        oc, lc = sheet.col("order_no"), sheet.col("line_no")
        found: dict[str, dict[int, tuple[int, list[Any]]]] = {o: {} for o in selected}
        for i in range(sheet.header + 1, len(sheet.rows)):
            row, r = sheet.rows[i], i + 1
            order_no = _text(row[oc]).strip()
            if not order_no or (order_no in originals and order_no not in selected):
                continue
            where = {"sheet": sheet.name, "row": r, "level": ROW}
            if order_no not in originals:
                self.problem(
                    Code.UNKNOWN_ORDER, f"order {order_no!r} was not in this selection when it was made",
                    **where, hint="lines cannot be added to a selection",
                )  # fmt: skip
                continue
            try:
                number = cell_number(row[lc])
            except NotANumber:
                number = None
            if number is None or number != number.to_integral_value():
                self.problem(
                    Code.LINE_ADDED, f"order {order_no}: line number {cell_text(row[lc])!r} is not one of its lines",
                    **where, hint="lines cannot be added; we never invoice a line the export did not have",
                )  # fmt: skip
                continue
            line_no = int(number)
            if line_no not in originals[order_no]:
                self.problem(
                    Code.LINE_ADDED, f"order {order_no} has no line {line_no} in the export",
                    **where, hint="lines cannot be added; we never invoice a line the export did not have",
                )  # fmt: skip
            elif line_no in found[order_no]:
                self.problem(
                    Code.LINE_ADDED,
                    f"order {order_no} line {line_no} is listed twice (rows {found[order_no][line_no][0]} and {r})",
                    **where, hint="delete the copied row",
                )  # fmt: skip
            else:
                found[order_no][line_no] = (r, row)
        position = {o: k for k, o in enumerate(originals)}
        for order_no in sorted(selected, key=position.__getitem__):
            gone = sorted(set(originals[order_no]) - set(found[order_no]))
            if gone:
                self.problem(
                    Code.LINE_DELETED,
                    f"order {order_no}: line{'s' if len(gone) > 1 else ''} {', '.join(map(str, gone))} "
                    f"deleted from sheet {sheet.name!r}",
                    sheet=sheet.name, level=SHEET,
                    hint="restore the rows: an order is invoiced with all its lines, or not at all",
                )  # fmt: skip
        return found

    def _line(
        self,
        sheet: FoundSheet,
        order_no: str,
        line_no: int,
        r: int,
        row: list[Any],
        orig: dict[str, str],
        extras: dict[str, int],
    ) -> tuple[Line, Line | None]:
        """One line with the accountant's corrections; with the line as written if they differ."""
        values: dict[str, Any] = {}
        changed: list[str] = []
        for field in EDITABLE:
            raw = row[sheet.cols[field][0]]
            text = orig[field]
            # The common case, a cell nobody touched: the number we wrote, as a float.
            if type(raw) is float and text and float(text) == raw:
                values[field] = Decimal(text) if field == "unit_price" else int(text)
                continue
            new = self._corrected(sheet, order_no, line_no, r, field, raw, text)
            if new is None:  # unchanged, or a problem already reported
                values[field] = _decimal(text) if field == "unit_price" else int(text or 0)
                continue
            values[field] = new if field == "unit_price" else int(new)
            changed.append(field)
            shown = f"{new:f}" if field == "unit_price" else str(int(new))
            self.edits.append(LineEdit(order_no, line_no, field, text, shown))
        if {"bunches", "stems_per_bunch", "stems"} & set(changed) and values["stems_per_bunch"] > 0:
            expected = values["bunches"] * values["stems_per_bunch"]
            if values["stems"] != expected:
                self.problem(
                    Code.STEMS_MISMATCH,
                    f"order {order_no} line {line_no}: stems {values['stems']} is not bunches "
                    f"{values['bunches']} x stems/bunch {values['stems_per_bunch']} = {expected}",
                    sheet=sheet.name, row=r, hint="correct one of the three", level=ROW,
                )  # fmt: skip
        cols = sheet.cols
        line = Line(
            order_no, line_no, species=_text(row[cols["species"][0]]),
            variety=_text(row[cols["variety"][0]]), length=_text(row[cols["length"][0]]),
            box_type=_text(row[cols["box_type"][0]]), boxes=values["boxes"],
            packed_boxes=values["packed_boxes"], confirmed_boxes=_int(orig["confirmed_boxes"]),
            bunches=values["bunches"], stems_per_bunch=values["stems_per_bunch"],
            stems=values["stems"], unit=_text(row[cols["unit"][0]]) or "stem",
            unit_price=values["unit_price"], min_price=_decimal(orig["min_price"]),
            # The exported amount describes the line as exported: a corrected line is a
            # correction (listed in the report), never checked against its new price or quantity.
            amount=None if changed else _decimal(orig["amount"]),
            currency=_text(row[cols["currency"][0]]),
            qty=_decimal(orig.get("qty", "")),  # a quantity in units or kilos, as exported
            extra=tuple((h, _text(row[c])) for h, c in extras.items()),
            source=Source(self.name, sheet.name, r),
        )  # fmt: skip
        if not changed:
            return line, None
        original = replace(
            line, unit_price=_decimal(orig["unit_price"]), amount=_decimal(orig["amount"]),
            **{k: int(orig[k] or 0) for k in changed if k != "unit_price"},
        )  # fmt: skip
        return line, original

    def _corrected(
        self, sheet: FoundSheet, order_no: str, line_no: int, r: int, field: str, raw: object,
        text: str,
    ) -> Decimal | None:  # fmt: skip
        """A corrected value, or None when unchanged or unusable (then a problem is reported)."""
        c = sheet.cols[field][0]
        where = {"sheet": sheet.name, "row": r, "column": cell_text(sheet.rows[sheet.header][c])}
        what = f"order {order_no} line {line_no}:"
        try:
            new = cell_number(raw)
        except NotANumber:
            self.problem(
                Code.BAD_NUMBER, f"{what} {cell_text(raw)!r} is not a number", **where,
                hint="type a number such as 0.35", level=CELL,
            )  # fmt: skip
            return None
        old = _decimal(text)
        if new == old:  # 0.35 and 0.350 are the same: keep the exact original
            return None
        if new is None:
            self.problem(
                Code.EMPTY_VALUE, f"{what} the cell was emptied", **where,
                hint="type a value (0 if none)", level=CELL,
            )  # fmt: skip
            return None
        if new < 0 or (field != "unit_price" and new != new.to_integral_value()):
            kind = "a negative number" if new < 0 else "not a whole number"
            self.problem(
                Code.BAD_NUMBER, f"{what} {cell_text(raw)!r} is {kind}", **where, level=CELL,
                hint="type a whole number of 0 or more" if field != "unit_price" else "",
            )  # fmt: skip
            return None
        return new


def _text(value: object) -> str:
    return value if type(value) is str else cell_text(value)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _int(text: str) -> int | None:
    return int(text) if text else None


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
