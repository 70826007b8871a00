"""The order export: from a located header and its sheet to Orders, with every problem.

Rows below the header are sorted into data rows, blank rows, totals rows and rows with no
order number; each field's column is converted at once (:mod:`convert`); lines are grouped by
order number in export order and the order-level fields are taken from their lines, checking
that the lines agree on who is billed, who receives and the invoice number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from massinvoice.config import Config
from massinvoice.errors import CELL, FILE, HEADER, ROW, SHEET, Problem
from massinvoice.model import Line, Order, Source
from massinvoice.sources import convert
from massinvoice.sources.columns import REQUIRED, AliasTable, Header, column_letter, export_aliases
from massinvoice.sources.parse import CellError, is_empty
from massinvoice.sources.tabular import ReadError, Sheet, locate
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
LABELS = {
    "bill_customer": "bill customer", "ship_customer": "ship customer",
    "invoice_no": "invoice number",
}  # fmt: skip
_HINTS = {
    "not_a_number": "type a number such as 12.50 or 12,50, or leave the cell empty",
    "not_an_integer": "quantities are whole numbers: correct the cell",
    "bad_date": "write dates as 2026-11-20, 20/11/2026 or 20-Nov-2026, or format as a date",
    "bad_unit": "write stem (tallo) or bunch (ramo), or leave empty for stem",
}


def is_total(text: str) -> bool:
    """Whether a cell says this is a totals row ('TOTAL', 'Total general', 'Sum', ...)."""
    key = fold(text).rstrip(": ")
    return key in TOTAL_WORDS or key.startswith(TOTAL_PREFIXES)


def read_export(path: str | Path, config: Config) -> tuple[list[Order], list[Problem]]:
    """One export file's orders and every problem found in it (problems as values)."""
    path = Path(path)
    aliases = export_aliases(config.aliases)
    try:
        sheet, header = locate(path, config.limits, aliases, REQUIRED, "order export")
    except ReadError as exc:
        return [], list(exc.problems)
    return build_orders(sheet, header, config, aliases)


def _cap(problems: list[Problem], file: str) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS:]
    codes = ", ".join(sorted({p.code for p in rest}))
    more = Problem(
        "more_problems", f"... and {len(rest)} more problems ({codes})", file, level=FILE
    )
    return [*problems[:MAX_PROBLEMS], more]


def build_orders(
    sheet: Sheet, header: Header, config: Config, aliases: AliasTable
) -> tuple[list[Order], list[Problem]]:
    """Orders from a sheet whose header row has been found."""
    file, sheet_name = sheet.file, sheet.name
    problems: list[Problem] = [
        Problem(
            "duplicate_header",
            f"columns {column_letter(a)} {header.labels[a]!r} and {column_letter(b)} "
            f"{header.labels[b]!r} both mean {field.replace('_', ' ')}",
            file, sheet_name, header.row + 1, header.column(b),
            hint="rename or delete one of the two columns",
            level=HEADER,
        )  # fmt: skip
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
    numbers = convert.texts(cells[:, order_col].tolist()) if len(cells) else []
    order_key = aliases.lookup
    last = max((i for i, t in enumerate(numbers) if t and not is_total(t)), default=-1)
    rows: list[int] = []
    for i, number in enumerate(numbers):
        if number:
            if is_total(number) or (order_key(number) or ("",))[0] == "order_no":
                continue  # a totals row, or the header repeated on a new page
            rows.append(i)
        elif i < last:
            row = cells[i]
            filled = [c for c in row if not is_empty(c)]
            if filled and not is_total(convert.texts(filled[:1])[0]):
                problem(
                    "missing_order_no",
                    "this row has data but no order number",
                    first_row + i,
                    order_col,
                    "fill in the order number, or delete the row",
                    ROW,
                )
    if not rows:
        if not problems:
            problem(
                "no_data",
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

    def column(field: str) -> list[object] | None:
        j = fields.get(field)
        return None if j is None else data[:, j].tolist()

    def failed(field: str, failures: Sequence[tuple[int, CellError]]) -> None:
        for pos, exc in failures:
            hint = exc.hint or _HINTS.get(exc.code, "")
            problem(exc.code, exc.message, sheet_rows[pos], fields[field], hint, CELL)

    n = len(rows)
    values: dict[str, list] = {}  # type: ignore[type-arg]
    for field in TEXT_FIELDS:
        raw = column(field)
        values[field] = convert.texts(raw) if raw is not None else [""] * n
    for field in INT_FIELDS:
        raw = column(field)
        if raw is None:
            values[field] = [None] * n
            continue
        values[field], failures = convert.integers(raw)
        failed(field, failures)
    for field in MONEY_FIELDS:
        raw = column(field)
        if raw is None:
            values[field] = [None] * n
            continue
        values[field], failures = convert.decimals(raw, sheet.decimal_comma)
        failed(field, failures)
    for field in DATE_FIELDS:
        raw = column(field)
        if raw is None:
            values[field] = [None] * n
            continue
        values[field], failures = convert.dates(raw, config.date_order)
        failed(field, failures)
    raw = column("unit")
    if raw is None:
        values["unit"] = ["stem"] * n
    else:
        values["unit"], failures = convert.units(raw)
        failed("unit", failures)
    extras = [(label, convert.texts(data[:, j].tolist())) for label, j in header.extras]
    extra_names = [label for label, _ in extras]
    extra_rows = list(zip(*(vals for _, vals in extras), strict=True)) if extras else []

    # Group rows by order, in export order.
    groups: dict[str, list[int]] = {}
    for pos, number in enumerate(order_numbers):
        groups.setdefault(number, []).append(pos)

    orders: list[Order] = []
    confirmed_known = "confirmed_boxes" in fields
    default_currency = config.currency.upper()
    v = values
    for number, positions in groups.items():
        head: dict[str, str] = {}
        for field in MUST_AGREE:
            col = v[field]
            chosen, chosen_pos = "", positions[0]
            for p in positions:
                text = col[p]
                if not text:
                    continue
                if not chosen:
                    chosen, chosen_pos = text, p
                elif text != chosen and fold(text) != fold(chosen):
                    problem(
                        "conflicting_order",
                        f"order {number}: rows {sheet_rows[chosen_pos]} and {sheet_rows[p]} "
                        f"disagree on the {LABELS[field]}: {chosen!r} vs {text!r}",
                        sheet_rows[p],
                        fields[field],
                        f"an order has one {LABELS[field]}: make its rows agree, "
                        "or give the lines different order numbers",
                        ROW,
                    )
                    break
            head[field] = chosen
        if not head["bill_customer"]:
            problem(
                "missing_value",
                f"order {number} has no bill customer",
                sheet_rows[positions[0]],
                fields["bill_customer"],
                "fill in the bill customer on the order's rows",
                ROW,
            )
        for field in ORDER_TEXT:
            col = v[field]
            head[field] = next((col[p] for p in positions if col[p]), "")
        when = {
            field: next((v[field][p] for p in positions if v[field][p] is not None), None)
            for field in DATE_FIELDS
        }
        currencies = v["currency"]
        order_currency = (
            next((currencies[p] for p in positions if currencies[p]), "").upper()
            or default_currency
        )
        lines = []
        for line_no, p in enumerate(positions, 1):
            bunches, per_bunch, stems = v["bunches"][p], v["stems_per_bunch"][p], v["stems"][p]
            if stems is None and bunches is not None and per_bunch is not None:
                stems = bunches * per_bunch
            confirmed = v["confirmed_boxes"][p]
            lines.append(
                Line(
                    order_no=number,
                    line_no=line_no,
                    species=v["species"][p],
                    variety=v["variety"][p],
                    length=v["length"][p],
                    box_type=v["box_type"][p],
                    boxes=v["boxes"][p] or 0,
                    packed_boxes=v["packed_boxes"][p] or 0,
                    confirmed_boxes=(confirmed or 0) if confirmed_known else None,
                    bunches=bunches or 0,
                    stems_per_bunch=per_bunch or 0,
                    stems=stems or 0,
                    unit=v["unit"][p],
                    unit_price=v["unit_price"][p],
                    min_price=v["min_price"][p],
                    amount=v["amount"][p],
                    currency=currencies[p].upper() or order_currency,
                    extra=tuple(zip(extra_names, extra_rows[p], strict=True)) if extras else (),
                    source=Source(file, sheet_name, sheet_rows[p]),
                )
            )
        orders.append(
            Order(
                order_no=number,
                bill_customer=head["bill_customer"],
                lines=tuple(lines),
                customer_po=head["customer_po"],
                order_date=when["order_date"],
                ship_date=when["ship_date"],
                flight_date=when["flight_date"],
                ship_customer=head["ship_customer"],
                sales_rep=head["sales_rep"],
                cargo_agency=head["cargo_agency"],
                market=head["market"],
                incoterm=head["incoterm"],
                awb=head["awb"],
                hawb=head["hawb"],
                dae=head["dae"],
                currency=order_currency,
                invoice_no=head["invoice_no"],
                source=Source(file, sheet_name, sheet_rows[positions[0]]),
            )
        )
    problems.sort(key=lambda p: (p.row or 0))
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
