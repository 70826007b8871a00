"""The order export: from a located header and its sheet to Orders, with every problem.

Rows below the header are sorted into data rows, blank rows, totals rows and rows with no
order number; each field's column is converted at once (:mod:`convert`); lines are grouped by
order number in export order and the order-level fields are taken from their lines, checking
that the lines agree on who is billed, who receives and the invoice number.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from massinvoice.collector import collector_paused
from massinvoice.config import Config
from massinvoice.model import Line, Order, Source
from massinvoice.problems import CELL, FILE, HEADER, ROW, SHEET, Code, Problem
from massinvoice.read import convert
from massinvoice.read.cells import is_empty
from massinvoice.read.complete import truncated
from massinvoice.read.guard import ReadError
from massinvoice.read.header import (
    REQUIRED,
    Header,
    column_letter,
    export_aliases,
    label,
)
from massinvoice.read.sheets import Sheet, locate
from massinvoice.text import fold

MAX_PROBLEMS = 200
TOTAL_WORDS = ("total", "totales", "total general", "grand total", "totals", "sum", "suma")
TOTAL_PREFIXES = ("total ", "totales ", "subtotal", "sub total", "grand total", "total:")
TEXT_FIELDS = (
    "customer_po", "bill_customer", "ship_customer", "sales_rep", "cargo_agency", "market",
    "incoterm", "awb", "hawb", "dae", "invoice_no", "species", "variety", "length", "box_type",
    "currency",
)  # fmt: skip
INT_FIELDS = ("boxes", "packed_boxes", "confirmed_boxes", "bunches", "stems_per_bunch", "stems")
MONEY_FIELDS = ("unit_price", "min_price", "amount")
DATE_FIELDS = ("order_date", "ship_date", "flight_date")
ORDER_TEXT = (
    "customer_po", "sales_rep", "cargo_agency", "market", "incoterm", "awb", "hawb", "dae",
)  # fmt: skip
MUST_AGREE = ("bill_customer", "ship_customer", "invoice_no")
_HINTS = {
    "not_a_number": "type a number such as 12.50 or 12,50, or leave the cell empty",
    "not_an_integer": "quantities are whole numbers: correct the cell",
    "bad_date": "write dates as 2026-11-20, 20/11/2026 or 20-Nov-2026, or format as a date",
    "bad_unit": "write stem (tallo) or bunch (ramo), or leave empty for stem",
}


_TOTAL_STARTS = ("tot", "sum", "sub", "gra")


def is_total(text: str) -> bool:
    """Whether a cell says this is a totals row ('TOTAL', 'Total general', 'Sum', ...)."""
    if text[:3].lower() not in _TOTAL_STARTS:  # the cheap test first: it runs on every row
        return False
    key = fold(text).rstrip(": ")
    return key in TOTAL_WORDS or key.startswith(TOTAL_PREFIXES)


def _order_head(
    number: str, positions: list[int], v: dict[str, list[Any]], default_currency: str
) -> tuple[dict[str, object], list[tuple[str, int, int]]]:
    """An order's own fields from its lines (the first value found) and the disagreements
    on the fields that must agree, as (field, position, other position)."""
    head: dict[str, object] = {"order_no": number}
    conflicts: list[tuple[str, int, int]] = []
    for field in MUST_AGREE:
        col = v[field]
        chosen, chosen_pos = "", positions[0]
        for p in positions:
            text = col[p]
            if not text or text == chosen:
                continue
            if not chosen:
                chosen, chosen_pos = text, p
            elif fold(text) != fold(chosen):
                conflicts.append((field, chosen_pos, p))
                break
        head[field] = chosen
    first = positions[0]
    for field in ORDER_TEXT:
        col = v[field]
        head[field] = col[first] or next((col[p] for p in positions if col[p]), "")
    for field in DATE_FIELDS:
        col = v[field]
        value = col[first]
        head[field] = (
            value
            if value is not None
            else next((col[p] for p in positions if col[p] is not None), None)
        )
    col = v["currency"]
    currency = col[first] or next((col[p] for p in positions if col[p]), "")
    head["currency"] = currency.upper() or default_currency
    return head, conflicts


def _line_rows(cells: Any, numbers: list[str], header_text: str) -> tuple[list[int], list[int]]:
    """Positions of the rows that carry order lines, and of the rows without an order number.

    Skipped: totals rows, the header repeated on a new page, footer notes below the data.
    """
    rows: list[int] = []
    unnumbered: list[int] = []
    for i, number in enumerate(numbers):
        if not number:
            unnumbered.append(i)
        elif number != header_text and not is_total(number):
            rows.append(i)
    while rows and sum(not is_empty(c) for c in cells[rows[-1]]) == 1:
        rows.pop()  # a footer note below the data ('printed by ...'), in the first column
    return rows, unnumbered


def read_export(path: str | Path, config: Config) -> tuple[list[Order], list[Problem]]:
    """One export file's orders and every problem found in it (problems as values)."""
    path = Path(path)
    if cut := truncated(path):
        return [], [cut]
    aliases = export_aliases(config.aliases)
    try:
        sheet, header = locate(path, config.limits, aliases, REQUIRED, "order export")
    except ReadError as exc:
        return [], list(exc.problems)
    return build_orders(sheet, header, config)


def _cap(problems: list[Problem], file: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS:]
    codes = ", ".join(sorted({p.code for p in rest}))
    more = Problem(
        Code.MORE_PROBLEMS,
        f"... and {len(rest)} more problems ({codes})",
        file,
        hint="fix the problems listed, then read the file again to see the rest",
        level=FILE,
    )
    return [*problems[:MAX_PROBLEMS], more]


def build_orders(sheet: Sheet, header: Header, config: Config) -> tuple[list[Order], list[Problem]]:
    """Orders from a sheet whose header row has been found."""
    with collector_paused():  # some 10^5 records that all live on
        return _build_orders(sheet, header, config)


def _build_orders(
    sheet: Sheet, header: Header, config: Config
) -> tuple[list[Order], list[Problem]]:
    file, sheet_name = sheet.file, sheet.name
    problems: list[Problem] = [
        Problem(
            Code.DUPLICATE_HEADER,
            f"columns {column_letter(a)} {header.labels[a]!r} and {column_letter(b)} "
            f"{header.labels[b]!r} both mean {label(field)}",
            file,
            sheet_name,
            header.row + 1,
            header.column(b),
            hint="rename or delete one of the two columns",
            level=HEADER,
        )
        for field, a, b in header.duplicates
    ]
    if problems:
        return [], problems
    cells = sheet.frame.to_numpy(dtype=object)[header.row + 1 :]
    first_row = header.row + 2  # sheet row of cells[0]
    fields = header.fields

    def problem(code: str, message: str, row: int, col: int | None, hint: str, level: str) -> None:
        column = header.column(col) if col is not None else None
        problems.append(Problem(code, message, file, sheet_name, row, column, hint, level))

    # Which rows carry order lines.
    order_col = fields["order_no"]
    numbers = convert.texts(cells[:, order_col]) if len(cells) else []

    rows, unnumbered = _line_rows(cells, numbers, header.labels[order_col])
    last = rows[-1] if rows else -1
    for i in unnumbered:
        if i > last:
            break  # below the data: totals, signatures, notes
        filled = [c for c in cells[i] if not is_empty(c)]
        if filled and not is_total(convert.texts(filled[:1])[0]):
            problem(
                Code.MISSING_ORDER_NO,
                "this row has data but no order number",
                first_row + i,
                order_col,
                "fill in the order number, or delete the row",
                ROW,
            )
    if not rows:
        if not problems:
            problem(
                Code.NO_DATA,
                f"the header is on row {header.row + 1} but no order line follows it",
                header.row + 1,
                None,
                "export the orders again, with their lines",
                SHEET,
            )
        return [], _cap(problems, file)

    data = cells[rows] if len(rows) < len(cells) else cells
    sheet_rows = [first_row + i for i in rows]
    order_numbers = [numbers[i] for i in rows]

    n = len(rows)
    values: dict[str, list[Any]] = {}
    for field in (*TEXT_FIELDS, *INT_FIELDS, *MONEY_FIELDS, *DATE_FIELDS, "unit"):
        j = fields.get(field)
        if j is None:  # no such column
            missing = "" if field in TEXT_FIELDS else "stem" if field == "unit" else None
            values[field] = [missing] * n
            continue
        raw = data[:, j]
        if field in TEXT_FIELDS:
            values[field] = convert.texts(raw)
            continue
        if field in INT_FIELDS:
            values[field], failures = convert.integers(raw)
        elif field in MONEY_FIELDS:
            values[field], failures = convert.decimals(raw, sheet.decimal_comma)
        elif field in DATE_FIELDS:
            values[field], failures = convert.dates(raw, config.date_order)
        else:
            values[field], failures = convert.units(raw)
        for pos, exc in failures:
            hint = exc.hint or _HINTS.get(exc.code, "")
            problem(exc.code, exc.message, sheet_rows[pos], j, hint, CELL)
    extras = [(name, convert.texts(data[:, j])) for name, j in header.extras]
    extra_names = [name for name, _ in extras]
    extra_rows = list(zip(*(vals for _, vals in extras), strict=True)) if extras else []

    # Group rows by order, in export order; number each order's lines.
    groups: dict[str, list[int]] = {}
    line_nos: list[int] = []
    for pos, number in enumerate(order_numbers):
        group = groups.setdefault(number, [])
        group.append(pos)
        line_nos.append(len(group))

    v = values
    heads: dict[str, dict[str, object]] = {}
    for number, positions in groups.items():
        head, conflicts = _order_head(number, positions, v, config.currency.upper())
        for field, p, q in conflicts:
            what = label(field)
            problem(
                Code.CONFLICTING_ORDER,
                f"order {number}: rows {sheet_rows[p]} and {sheet_rows[q]} disagree on the "
                f"{what}: {v[field][p]!r} vs {v[field][q]!r}",
                sheet_rows[q],
                fields[field],
                f"an order has one {what}: make its rows agree, "
                "or give the lines different order numbers",
                ROW,
            )
        if not head["bill_customer"]:
            problem(
                Code.MISSING_VALUE,
                f"order {number} has no bill customer",
                sheet_rows[positions[0]],
                fields["bill_customer"],
                "fill in the bill customer on the order's rows",
                ROW,
            )
        heads[number] = head

    # Line-level values, row by row.
    stems = [
        b * s if t is None and b is not None and s is not None else (t or 0)
        for b, s, t in zip(v["bunches"], v["stems_per_bunch"], v["stems"], strict=True)
    ]
    currencies = [
        c.upper() if c else heads[number]["currency"]
        for c, number in zip(v["currency"], order_numbers, strict=True)
    ]
    confirmed = (
        [c or 0 for c in v["confirmed_boxes"]] if "confirmed_boxes" in fields else [None] * n
    )
    extra_cells = (
        [tuple(zip(extra_names, row, strict=True)) for row in extra_rows] if extras else [()] * n
    )
    lines = [
        Line(
            order_no=number,
            line_no=line_no,
            species=species,
            variety=variety,
            length=length,
            box_type=box_type,
            boxes=boxes or 0,
            packed_boxes=packed or 0,
            confirmed_boxes=conf,
            bunches=bunches or 0,
            stems_per_bunch=per_bunch or 0,
            stems=stem_count,
            unit=unit,
            unit_price=price,
            min_price=min_price,
            amount=amount,
            currency=currency,
            extra=extra,
            source=Source(file, sheet_name, row),
        )
        for (
            number, line_no, species, variety, length, box_type, boxes, packed, conf, bunches,
            per_bunch, stem_count, unit, price, min_price, amount, currency, extra, row,
        ) in zip(
            order_numbers, line_nos, v["species"], v["variety"], v["length"], v["box_type"],
            v["boxes"], v["packed_boxes"], confirmed, v["bunches"], v["stems_per_bunch"], stems,
            v["unit"], v["unit_price"], v["min_price"], v["amount"], currencies, extra_cells,
            sheet_rows, strict=True,
        )
    ]  # fmt: skip
    orders = [
        Order(
            lines=tuple(lines[p] for p in positions),
            source=Source(file, sheet_name, sheet_rows[positions[0]]),
            **heads[number],  # type: ignore[arg-type]
        )
        for number, positions in groups.items()
    ]
    problems.sort(key=lambda p: p.row or 0)
    return orders, _cap(problems, file)


def same_content(a: Order, b: Order) -> bool:
    """Whether two reads of one order say the same (ignoring where they came from and extras)."""
    if a == b:
        return True
    if len(a.lines) != len(b.lines):
        return False
    return replace(a, lines=()) == replace(b, lines=()) and all(
        replace(x, extra=()) == replace(y, extra=()) for x, y in zip(a.lines, b.lines, strict=True)
    )
