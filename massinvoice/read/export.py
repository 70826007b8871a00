"""The order export: from a located header and its sheet to Orders, with every problem.

Rows below the header are sorted into data rows, blank rows, totals rows and rows with no
order number; each field's column is converted at once (:mod:`convert`); lines are grouped by
order number in export order and the order-level fields are taken from their lines, checking
that the lines agree on who is billed, who receives and the invoice number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from massinvoice.collector import collector_paused
from massinvoice.config import Config
from massinvoice.model import Line, Order, Source
from massinvoice.problems import CELL, FILE, HEADER, ROW, SHEET, Code, Problem
from massinvoice.read import convert
from massinvoice.read.complete import truncated
from massinvoice.read.guard import ReadError
from massinvoice.read.header import (
    HEADER_SEARCH_ROWS,
    REQUIRED,
    AliasTable,
    Header,
    column_letter,
    label,
)
from massinvoice.read.profiles import (
    DELIVERED,
    GENERIC,
    INVOICED,
    NOT_DELIVERED,
    OPEN,
    PARTLY,
    PARTLY_DELIVERED,
    PROFILES,
    Profile,
    Reading,
    StatusMap,
    alias_table,
    detect,
)
from massinvoice.read.rows import LINE_FIELDS, plan_rows, title_rows
from massinvoice.read.sheets import Sheet, head_rows, locate
from massinvoice.read.status import (
    flag_says,
    looks_like_flag,
    order_states,
    percents,
    quantity_say,
    read_status_column,
)
from massinvoice.text import fold

MAX_PROBLEMS = 200
TEXT_FIELDS = (
    "customer_po", "bill_customer", "ship_customer", "sales_rep", "cargo_agency", "market",
    "incoterm", "awb", "hawb", "dae", "invoice_no", "species", "variety", "length", "box_type",
    "currency",
)  # fmt: skip
INT_FIELDS = ("boxes", "packed_boxes", "confirmed_boxes", "bunches", "stems_per_bunch", "stems")
MONEY_FIELDS = ("unit_price", "min_price", "amount", "quantity", "invoiced_qty", "delivered_qty")
DATE_FIELDS = ("order_date", "ship_date", "flight_date")
ORDER_TEXT = (
    "customer_po", "sales_rep", "cargo_agency", "market", "incoterm", "awb", "hawb", "dae",
)  # fmt: skip
MUST_AGREE = ("bill_customer", "ship_customer", "invoice_no")
ERP_MARKS = {
    ("en", INVOICED): "ERP: invoiced", ("en", PARTLY): "ERP: partly invoiced",
    ("es", INVOICED): "ERP: facturado", ("es", PARTLY): "ERP: facturado en parte",
}  # fmt: skip
_HINTS = {
    "not_a_number": "type a number such as 12.50 or 12,50, or leave the cell empty",
    "not_an_integer": "quantities are whole numbers: correct the cell",
    "bad_date": "write dates as 2026-11-20, 20/11/2026 or 20-Nov-2026, or format as a date",
    "bad_unit": "write stem (tallo), bunch (ramo), unit, kg, lb or dozen, or leave empty for stem",
}


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


def read_export(path: str | Path, config: Config) -> tuple[list[Order], list[Problem]]:
    """One export file's orders and every problem found in it (problems as values)."""
    orders, problems, _ = read_export_reading(path, config)
    return orders, problems


def read_export_reading(
    path: str | Path, config: Config
) -> tuple[list[Order], list[Problem], Reading | None]:
    """One export file's orders, its problems, and how it was understood (None if unread)."""
    path = Path(path)
    if cut := truncated(path):
        return [], [cut], None
    forced = PROFILES.get(config.profile) if config.profile else None

    def choose(rows: list[list[object]]) -> tuple[AliasTable, tuple[str, ...]]:
        profile = forced or detect(rows)
        return alias_table(profile, config.aliases, config.status), profile.required

    generic = alias_table(GENERIC, config.aliases, config.status)
    try:
        sheet, header = locate(
            path, config.limits, generic, REQUIRED, "order export", choose=choose
        )
    except ReadError as exc:
        return [], list(exc.problems), None
    profile = forced or detect(head_rows(sheet.frame, HEADER_SEARCH_ROWS))
    return build_orders(sheet, header, config, profile)


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


def build_orders(
    sheet: Sheet, header: Header, config: Config, profile: Profile = GENERIC
) -> tuple[list[Order], list[Problem], Reading]:
    """Orders from a sheet whose header row has been found."""
    with collector_paused():  # some 10^5 records that all live on
        return _Build(sheet, header, config, profile).run()


class _Build:
    """One sheet's rows to orders: the steps share the sheet, header and problem list."""

    def __init__(self, sheet: Sheet, header: Header, config: Config, profile: Profile):
        self.sheet, self.header, self.config, self.profile = sheet, header, config, profile
        self.file, self.name = sheet.file, sheet.name
        self.problems: list[Problem] = []
        self.fields = header.fields

    def problem(self, code: str, message: str, row: int | None, col: int | None, hint: str,
                level: str) -> None:  # fmt: skip
        column = self.header.column(col) if col is not None else None
        self.problems.append(Problem(code, message, self.file, self.name, row, column, hint, level))

    def reading(self, kinds: Counter[str], orders: Sequence[Order] = ()) -> Reading:
        h = self.header
        columns = tuple(
            (text, next((f for f, j in self.fields.items() if j == k), ""))
            for k, text in enumerate(h.labels)
            if text
        )
        above = title_rows(self.sheet.frame.iloc[: h.row].to_numpy(dtype=object))
        counts = Counter({"header": 1}) + above + kinds
        return Reading(
            self.file, self.name, self.profile.name, h.row + 1, columns,
            dict(counts), dict(Counter(o.erp_status for o in orders if o.erp_status)),
            dict(Counter(o.delivered for o in orders if o.delivered)),
        )  # fmt: skip

    def header_problems(self) -> bool:
        h = self.header
        for field, a, b in h.duplicates:
            self.problem(
                Code.DUPLICATE_HEADER,
                f"columns {column_letter(a)} {h.labels[a]!r} and {column_letter(b)} "
                f"{h.labels[b]!r} both mean {label(field)}",
                h.row + 1, b,
                f"rename or delete one of the two columns, or name the right one under "
                f"[aliases] {field} = [{h.labels[a]!r}] in the config (see 'massinvoice inspect')",
                HEADER,
            )  # fmt: skip
        return bool(self.problems)

    def run(self) -> tuple[list[Order], list[Problem], Reading]:
        if self.header_problems():
            return [], self.problems, self.reading(Counter())
        h, fields = self.header, self.fields
        cells = self.sheet.frame.to_numpy(dtype=object)[h.row + 1 :]
        first_row = h.row + 2  # sheet row of cells[0]
        order_col = fields["order_no"]
        numbers = convert.texts(cells[:, order_col]) if len(cells) else []
        line_cols = [fields[f] for f in LINE_FIELDS if f in fields]
        plan = plan_rows(cells, numbers, h.labels[order_col], line_cols,
                         continuation=self.profile.continuation, grouped=self.profile.grouped)  # fmt: skip
        for i in plan.unnumbered:
            self.problem(
                Code.MISSING_ORDER_NO, "this row has data but no order number", first_row + i,
                order_col,
                "fill in the order number; if the row belongs to the order above, read the "
                "file with its ERP's --profile (see 'massinvoice inspect')",
                ROW,
            )  # fmt: skip
        if not plan.rows:
            if not self.problems:
                self.problem(
                    Code.NO_DATA, f"the header is on row {h.row + 1} but no order line follows it",
                    h.row + 1, None, "export the orders again, with their lines", SHEET,
                )  # fmt: skip
            return [], _cap(self.problems, self.file), self.reading(plan.kinds)
        data = cells[plan.rows] if len(plan.rows) < len(cells) else cells
        sheet_rows = [first_row + i for i in plan.rows]
        values = self.convert(data, sheet_rows)
        if plan.headings:
            self.carry_headings(values, plan.headings)
        orders = self.orders(data, values, plan.orders, sheet_rows)
        self.problems.sort(key=lambda p: p.row or 0)
        return orders, _cap(self.problems, self.file), self.reading(plan.kinds, orders)

    def convert(self, data: Any, sheet_rows: list[int]) -> dict[str, list[Any]]:
        """Each field's column converted at once; a missing column gives empty values."""
        n = len(sheet_rows)
        values: dict[str, list[Any]] = {}
        for field in (*TEXT_FIELDS, *INT_FIELDS, *MONEY_FIELDS, *DATE_FIELDS, "unit"):
            j = self.fields.get(field)
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
                values[field], failures = convert.decimals(raw, self.sheet.decimal_comma)
            elif field in DATE_FIELDS:
                values[field], failures = convert.dates(raw, self.config.date_order)
            else:
                values[field], failures = convert.units(raw)
            for pos, exc in failures:
                hint = exc.hint or _HINTS.get(exc.code, "")
                self.problem(exc.code, exc.message, sheet_rows[pos], j, hint, CELL)
        if "quantity" in self.fields:
            values["quantity"] = [_whole(q) for q in values["quantity"]]
            if "unit" not in self.fields:
                values["unit"] = ["unit"] * n
        return values

    def carry_headings(self, values: dict[str, list[Any]], headings: dict[int, str]) -> None:
        """A grouped report's customer heading, carried down to the lines without a customer."""
        col = values["bill_customer"]
        for pos, text in headings.items():
            if not col[pos]:
                col[pos] = text

    def says(self, data: Any, v: dict[str, list[Any]], sheet_rows: list[int]
             ) -> tuple[list[list[str | None]], list[list[str | None]]]:  # fmt: skip
        """Every status column's say for every line row: (invoiced columns, delivered ones)."""
        fields, comma = self.fields, self.sheet.decimal_comma
        invoiced: list[list[str | None]] = []
        delivered: list[list[str | None]] = []
        if "order_status" in fields:
            j = fields["order_status"]
            status_map = StatusMap.of(self.profile, self.config.status)

            def unknown(pos: int, text: str) -> None:
                self.problem(
                    Code.BAD_STATUS, f"status {text!r} is not one the {self.profile.title} "
                    "profile knows", sheet_rows[pos], j,
                    f"say what it means under [status] in the config: invoiced = [{text!r}] "
                    f"(or partly_invoiced, not_invoiced, delivered, partly_delivered)", CELL,
                )  # fmt: skip

            inv, dlv = read_status_column(convert.texts(data[:, j]), status_map, unknown)
            invoiced.append(inv)
            delivered.append(dlv)
        if "billed" in fields:
            invoiced.append([s[0] for s in flag_says(convert.texts(data[:, fields["billed"]]))])
        for field, target, full, part, none in (
            ("billed_percent", invoiced, INVOICED, PARTLY, OPEN),
            ("delivered_percent", delivered, DELIVERED, PARTLY_DELIVERED, NOT_DELIVERED),
        ):
            if field in fields:
                numbers, bad = percents(data[:, fields[field]], comma)
                for pos in bad:
                    self.problem(Code.NOT_A_NUMBER, "not a percentage", sheet_rows[pos],
                                 fields[field], "write a number from 0 to 100", CELL)  # fmt: skip
                target.append([_percent_say(p, full, part, none) for p in numbers])
        quantities = _quantities(v) if {"invoiced_qty", "delivered_qty"} & set(fields) else []
        for field, target, full, part, none in (
            ("invoiced_qty", invoiced, INVOICED, PARTLY, OPEN),
            ("delivered_qty", delivered, DELIVERED, PARTLY_DELIVERED, NOT_DELIVERED),
        ):
            if field in fields:
                target.append([quantity_say(d, q, full, part, none)
                               for d, q in zip(v[field], quantities, strict=True)])  # fmt: skip
        if "invoice_no" in fields and looks_like_flag(v["invoice_no"]):
            # a yes/no or percentage column named like an invoice number is a flag, not numbers
            invoiced.append([s[0] for s in flag_says(v["invoice_no"])])
            v["invoice_no"] = [""] * len(sheet_rows)
        return invoiced, delivered

    def orders(self, data: Any, v: dict[str, list[Any]], order_numbers: list[str],
               sheet_rows: list[int]) -> list[Order]:  # fmt: skip
        """Lines grouped into orders, in export order, with their heads and statuses."""
        fields = self.fields
        invoiced, delivered = self.says(data, v, sheet_rows)
        groups: dict[str, list[int]] = {}
        line_nos: list[int] = []
        for pos, number in enumerate(order_numbers):
            group = groups.setdefault(number, [])
            group.append(pos)
            line_nos.append(len(group))
        heads: dict[str, dict[str, object]] = {}
        lang = self.config.language
        for number, positions in groups.items():
            head, conflicts = _order_head(number, positions, v, self.config.currency.upper())
            for field, p, q in conflicts:
                what = label(field)
                self.problem(
                    Code.CONFLICTING_ORDER,
                    f"order {number}: rows {sheet_rows[p]} and {sheet_rows[q]} disagree on the "
                    f"{what}: {v[field][p]!r} vs {v[field][q]!r}",
                    sheet_rows[q], fields[field],
                    f"an order has one {what}: make its rows agree, "
                    "or give the lines different order numbers",
                    ROW,
                )  # fmt: skip
            if not head["bill_customer"]:
                self.problem(
                    Code.MISSING_VALUE, f"order {number} has no bill customer",
                    sheet_rows[positions[0]], fields.get("bill_customer"),
                    "fill in the bill customer on the order's rows", ROW,
                )  # fmt: skip
            state, shipped = order_states(positions, invoiced, delivered)
            head["erp_status"], head["delivered"] = state, shipped
            if state and not head["invoice_no"]:
                head["invoice_no"] = ERP_MARKS.get((lang, state)) or ERP_MARKS[("en", state)]
            heads[number] = head
        lines = self.lines(data, v, order_numbers, line_nos, sheet_rows, heads)
        return [
            Order(
                lines=tuple(lines[p] for p in positions),
                source=Source(self.file, self.name, sheet_rows[positions[0]]),
                **heads[number],  # type: ignore[arg-type]
            )
            for number, positions in groups.items()
        ]

    def lines(self, data: Any, v: dict[str, list[Any]], order_numbers: list[str],
              line_nos: list[int], sheet_rows: list[int],
              heads: dict[str, dict[str, object]]) -> list[Line]:  # fmt: skip
        """Line records, row by row; a price from amount / quantity when only the amount is."""
        n = len(sheet_rows)
        stems = [
            b * s if t is None and b is not None and s is not None else (t or 0)
            for b, s, t in zip(v["bunches"], v["stems_per_bunch"], v["stems"], strict=True)
        ]
        currencies = [
            c.upper() if c else heads[number]["currency"]
            for c, number in zip(v["currency"], order_numbers, strict=True)
        ]
        confirmed = (
            [c or 0 for c in v["confirmed_boxes"]]
            if "confirmed_boxes" in self.fields
            else [None] * n
        )
        extras = [(name, convert.texts(data[:, j])) for name, j in self.header.extras]
        extra_names = [name for name, _ in extras]
        extra_cells = (
            [
                tuple(zip(extra_names, row, strict=True))
                for row in zip(*(x for _, x in extras), strict=True)
            ]
            if extras
            else [()] * n
        )
        file, name = self.file, self.name
        lines = [
            Line(
                order_no=number, line_no=line_no, species=species, variety=variety,
                length=length, box_type=box_type, boxes=boxes or 0, packed_boxes=packed or 0,
                confirmed_boxes=conf, bunches=bunches or 0, stems_per_bunch=per_bunch or 0,
                stems=stem_count, unit=unit, qty=qty, unit_price=price, min_price=min_price,
                amount=amount, currency=currency, extra=extra, source=Source(file, name, row),
            )
            for (
                number, line_no, species, variety, length, box_type, boxes, packed, conf,
                bunches, per_bunch, stem_count, unit, qty, price, min_price, amount, currency,
                extra, row,
            ) in zip(
                order_numbers, line_nos, v["species"], v["variety"], v["length"], v["box_type"],
                v["boxes"], v["packed_boxes"], confirmed, v["bunches"], v["stems_per_bunch"],
                stems, v["unit"], v["quantity"], v["unit_price"], v["min_price"], v["amount"],
                currencies, extra_cells, sheet_rows, strict=True,
            )
        ]  # fmt: skip
        if "unit_price" not in self.fields and "amount" in self.fields:  # priced by amounts
            for line, row in zip(lines, sheet_rows, strict=True):
                if line.amount is None:
                    self.problem(
                        Code.MISSING_VALUE, f"order {line.order_no}: this line has no amount, and the "
                        "export no price column", row, self.fields["amount"],
                        "fill in the line's amount, or export the unit price too", ROW,
                    )  # fmt: skip
        return [_priced(line) if line.unit_price is None else line for line in lines]


def _whole(q: Decimal | None) -> Decimal | None:
    """300.00 units read as 300 (printed so), 2.5 kg stay 2.5."""
    if q is None or q != q.to_integral_value():
        return q
    return Decimal(int(q))


def _priced(line: Line) -> Line:
    """A line exported with its amount but no unit price: price = amount / quantity."""
    quantity = line.quantity
    if line.amount is None or not quantity:
        return line
    return replace(line, unit_price=line.amount / Decimal(quantity))


def _quantities(v: dict[str, list[Any]]) -> list[Decimal | int]:
    """Each line's quantity as the price applies to it (its qty, bunches or stems)."""
    out: list[Decimal | int] = []
    for qty, unit, bunches, stems in zip(
        v["quantity"], v["unit"], v["bunches"], v["stems"], strict=True
    ):
        out.append(qty if qty is not None else (bunches or 0) if unit == "bunch" else stems or 0)
    return out


def _percent_say(p: Decimal | None, full: str, part: str, none: str) -> str | None:
    if p is None:
        return None
    return full if p >= 100 else part if p > 0 else none


def same_content(a: Order, b: Order) -> bool:
    """Whether two reads of one order say the same (ignoring where they came from and extras)."""
    if a == b:
        return True
    if len(a.lines) != len(b.lines):
        return False
    return replace(a, lines=()) == replace(b, lines=()) and all(
        replace(x, extra=()) == replace(y, extra=()) for x, y in zip(a.lines, b.lines, strict=True)
    )
