"""The selection workbook: the accountant's file, one colour-coded row per order.

Sheets: ``Selection`` (title block with a live "Selected" line, then one row per order with a
Select column), ``Lines`` (every line; prices and quantities may be corrected there), ``Legend``
(colours, Select values, warnings, how to use it) and the hidden ``_massinvoice`` (format
version, filters, sources, each order's fingerprint and header fields, each line's original
numbers), which is what read-back (:mod:`massinvoice.readback.selection`) trusts.

Values from the export are written as text or numbers only, never as formulas; the only formulas
are our own (line amounts, totals, the live selected count), each with its value cached.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from operator import attrgetter
from pathlib import Path

import xlsxwriter

from massinvoice import __version__
from massinvoice.config import Config
from massinvoice.files import atomic_path
from massinvoice.model import Filters, Order, OrderWarning, Status, status_of
from massinvoice.problems import FILE, Code, InputError, Problem
from massinvoice.select.checks import summary
from massinvoice.select.labels import (
    INVOICED_MARKS,
    LINES_COLUMNS,
    SELECT_MARKS_TYPED,
    SELECTION_COLUMNS,
    STATUS_LABELS,
    TEXT,
    describe_filters,
    pick,
)
from massinvoice.select.state import FORMAT_VERSION, STATE_SHEET, state_rows
from massinvoice.select.style import (
    Styles,
    column_width,
    number_width,
    print_setup,
    protect,
    write_legend,
)
from massinvoice.select.xmlrows import (
    FORMULA,
    INT,
    STR,
    VALUE,
    Cell,
    Package,
    RowTemplate,
    SheetRows,
    Strings,
    column_letter,
    day,
    number,
)

SELECTION_SHEET = ("Selection", "Selección")
LINES_SHEET = ("Lines", "Líneas")
MAX_ROWS = 1_048_576  # Excel's sheet limit
# Orders x lines up to which Selection's amounts are live formulas over Lines (cheap to recompute).
LIVE_AMOUNT_WORK = 50_000_000

_SELECTION_KINDS = {
    "select": "select", "status": "center", "order_no": "text", "customer_po": "text",
    "order_date": "date", "ship_date": "date", "flight_date": "date", "bill_customer": "text",
    "ship_customer": "text", "sales_rep": "text", "cargo_agency": "text", "market": "center",
    "awb": "text", "boxes": "int", "packed_boxes": "int", "fulls": "fulls", "stems": "int",
    "amount": "money", "currency": "center", "invoice_no": "text", "warnings": "warn",
}  # fmt: skip
_LINES_KINDS = {
    "order_no": "text", "line_no": "int", "species": "text", "variety": "text",
    "length": "center", "box_type": "center", "boxes": "edit_int", "packed_boxes": "edit_int",
    "confirmed_boxes": "int", "bunches": "edit_int", "stems_per_bunch": "edit_int",
    "stems": "edit_int", "unit": "center", "unit_price": "edit_price", "min_price": "price",
    "amount": "money", "currency": "center",
}  # fmt: skip
# How each Lines column is rendered (text otherwise): ints always present, values maybe empty.
_LINES_CELLS = {
    "line_no": INT, "boxes": INT, "packed_boxes": INT, "confirmed_boxes": VALUE, "bunches": INT,
    "stems_per_bunch": INT, "stems": INT, "unit_price": VALUE, "min_price": VALUE,
    "amount": FORMULA,
}  # fmt: skip
_WIDTH_CAPS = {"warnings": 45, "bill_customer": 32, "ship_customer": 32}
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_TITLE_ROWS = 4  # name, title + time, filters, sources; then the live lines, a gap, the header


@dataclass(frozen=True)
class SheetSource:
    """An export file a selection came from."""

    name: str
    sha256: str
    path: str


@dataclass(frozen=True)
class _Row:
    """An order with what its Selection row shows, computed once."""

    order: Order
    status: Status
    currency: str
    amount: Decimal
    fulls: Decimal
    warnings: str
    marked: bool
    boxes: int
    packed_boxes: int
    stems: int
    line_amounts: tuple[Decimal, ...]


def write_selection(
    path: Path,
    orders: Sequence[Order],
    *,
    config: Config,
    filters: Filters,
    sources: Sequence[SheetSource],
    warnings: Mapping[str, tuple[OrderWarning, ...]],
    select_all: bool = False,
    created: dt.datetime | None = None,
) -> Path:
    """Write the selection workbook atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    created = (created or dt.datetime.now()).replace(microsecond=0, tzinfo=None)
    lang = config.language
    seen: set[str] = set()
    for order in orders:
        if order.order_no in seen:
            raise ValueError(f"order {order.order_no!r} is listed twice")
        seen.add(order.order_no)
    n_lines = sum(len(o.lines) for o in orders)
    if n_lines + len(orders) + 20 >= MAX_ROWS:  # the hidden sheet holds both
        raise InputError(
            Problem(
                Code.TOO_MANY_LINES, f"{len(orders):,} orders with {n_lines:,} lines do not fit in "
                "one workbook", level=FILE, hint="narrow the filters (--from/--to, --client ...)",
            )
        )  # fmt: skip
    extra_headers = list(
        dict.fromkeys(h for o in orders for line in o.lines for h, _ in line.extra)
    )

    package = BytesIO()
    wb = xlsxwriter.Workbook(
        package,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )  # fmt: skip
    wb.set_properties(
        {"title": pick(TEXT["title"], lang), "author": config.seller.name or "massinvoice",
         "comments": f"massinvoice {__version__}, format {FORMAT_VERSION}", "created": created},
    )  # fmt: skip
    styles = Styles(wb, lang)
    selection = wb.add_worksheet(pick(SELECTION_SHEET, lang))
    lines = wb.add_worksheet(pick(LINES_SHEET, lang))
    legend = wb.add_worksheet(pick(TEXT["legend"], lang))
    state = wb.add_worksheet(STATE_SHEET)
    hidden = state_rows(
        _part(state), orders, language=lang, filters=filters, sources=sources, created=created,
        extra_headers=extra_headers,
    )  # fmt: skip
    rows = [_row(order, config, warnings, select_all) for order in orders]
    parts = [
        _selection_sheet(selection, rows, styles, config, filters, sources, created),
        _lines_sheet(lines, rows, styles, config, extra_headers),
        hidden,
    ]
    write_legend(legend, styles, lang)
    selection.activate()
    state.hide()
    wb.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        Package(package).write(tmp, parts)
    return path


def _row(
    order: Order, config: Config, warnings: Mapping[str, tuple[OrderWarning, ...]], all_: bool
) -> _Row:
    """What the order's Selection row shows, its lines added up in one pass."""
    boxes = packed = stems = 0
    fulls = Decimal(0)
    factors = config.fulls
    for line in order.lines:
        boxes += line.boxes
        packed += min(line.packed_boxes, line.boxes)
        stems += line.stems
        fulls += line.fulls(factors)
    amounts = tuple(line.computed_amount for line in order.lines)
    status = status_of(order.invoice_no, boxes, packed, order.delivered)
    currency = order.currency or "/".join(order.currencies) or config.currency
    return _Row(
        order, status, currency, sum(amounts, Decimal(0)), fulls,
        summary(warnings.get(order.order_no, ()), config.language), all_ and status is not Status.INVOICED,
        boxes, packed, stems, amounts,
    )  # fmt: skip


def _part(sheet: xlsxwriter.worksheet.Worksheet) -> str:
    return f"xl/worksheets/sheet{sheet.index + 1}.xml"


def _money_text(value: Decimal, lang: str) -> str:
    text = f"{value:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text


@dataclass(frozen=True)
class _Grid:
    """Where the Selection sheet's parts sit: the header row, the data rows, each column."""

    keys: tuple[str, ...]
    header: int  # 0-based row of the header
    first: int  # 1-based first data row
    last: int  # 1-based last data row (first - 1 when there is none)

    @property
    def last_data(self) -> int:
        return max(self.last, self.first)

    def col(self, key: str) -> int:
        return self.keys.index(key)

    def rng(self, key: str) -> str:
        letter = column_letter(self.col(key))
        return f"${letter}${self.first}:${letter}${self.last_data}"


def _currency_groups(rows: Sequence[_Row]) -> list[tuple[str, str]]:
    """(code shown, code to filter on): a line per currency when there are a few, else one."""
    codes = [c for c, _ in Counter(r.currency for r in rows).most_common()]
    valid = all(_CURRENCY_CODE.fullmatch(c) for c in codes)
    if valid and len(codes) == 1:
        return [(codes[0], "")]
    if valid and 1 < len(codes) <= 4:
        return [(c, c) for c in codes]
    return [("", "")]


def _selection_sheet(ws, rows, styles, config, filters, sources, created) -> SheetRows:
    """Title block, header, autofilter, protection; the order rows are rendered lazily."""
    lang = config.language
    groups = _currency_groups(rows)
    header = _TITLE_ROWS + len(groups) + 1  # 0-based row of the header
    grid = _Grid(tuple(SELECTION_COLUMNS), header, header + 2, header + 1 + len(rows))
    _title_block(ws, styles, config, filters, sources, created)
    _live_counters(ws, rows, groups, grid, styles, lang)
    ws.set_row(header, 20)
    for i, key in enumerate(grid.keys):
        ws.write_string(header, i, pick(SELECTION_COLUMNS[key], lang), styles.fmt("header"))
    if not rows:
        ws.write_string(header + 1, 0, pick(TEXT["no_orders"], lang), styles.fmt("info"))
    _totals(ws, rows, groups, grid, styles, lang)
    widths = _selection_widths(rows, lang)
    for i, key in enumerate(grid.keys):
        ws.set_column(i, i, widths[key])

    ws.freeze_panes(header + 1, 0)
    ws.autofilter(header, 0, header + max(len(rows), 1), len(grid.keys) - 1)
    if rows:
        ws.data_validation(
            header + 1, 0, header + len(rows), 0,
            {"validate": "list", "source": ["X"], "ignore_blank": True,
             "error_type": "information", "error_title": pick(TEXT["dv_title"], lang),
             "error_message": pick(TEXT["dv_error"], lang),
             "input_title": pick(TEXT["dv_title"], lang),
             "input_message": pick(TEXT["dv_input"], lang)},
        )  # fmt: skip
    protect(ws)
    print_setup(ws, config, header, len(grid.keys) - 1)
    render = _selection_rows(rows, grid, styles, lang)
    return SheetRows(_part(ws), render, grid.last, len(grid.keys) - 1)


def _title_block(ws, styles, config, filters, sources, created) -> None:
    """Seller, title and time, the filters applied, the source files."""
    lang = config.language
    ws.write_string(0, 0, config.seller.name or "massinvoice", styles.fmt("title"))
    stamp = created.strftime("%d/%m/%Y %H:%M" if lang == "es" else "%Y-%m-%d %H:%M")
    ws.write_string(1, 0, f"{pick(TEXT['title'], lang)} · {stamp}", styles.fmt("subtitle"))
    ws.write_string(
        2, 0, f"{pick(TEXT['filters'], lang)}: {describe_filters(filters.describe(), lang)}",
        styles.fmt("info"),
    )  # fmt: skip
    names = ", ".join(s.name for s in sources) or "-"
    ws.write_string(3, 0, f"{pick(TEXT['sources'], lang)}: {names}", styles.fmt("info"))


def _live_counters(ws, rows, groups, grid: _Grid, styles, lang: str) -> None:
    """The "Selected: n orders, amount" lines, formulas that follow the person's marks."""
    rng = grid.rng
    marks = ";".join(f'"{m}"' for m in SELECT_MARKS_TYPED)
    # A mark typed over an invoiced row is refused at invoicing: it is not counted here either.
    invoiced = pick(STATUS_LABELS[Status.INVOICED], lang)
    picked = f'ISNUMBER(MATCH({rng("select")}&"",{{{marks}}},0))*({rng("status")}<>"{invoiced}")'
    for i, (shown, currency) in enumerate(groups):
        test = f'*({rng("currency")}="{currency}")' if currency else ""
        count = f"SUMPRODUCT({picked}{test}*1)"
        amount = f"FIXED(SUMPRODUCT({picked}{test}*{rng('amount')}),2)"
        chosen = [r for r in rows if r.marked and (not currency or r.currency == currency)]
        total = _money_text(sum((r.amount for r in chosen), Decimal(0)), lang)
        label = pick(TEXT["selected"], lang)
        words = f" {pick(TEXT['orders'], lang)} · {pick(TEXT['amount'], lang)} "
        tail = f" {shown}" if shown else ""
        formula = f'="{label}: "&{count}&"{words}"&{amount}&"{tail}"'
        cached = f"{label}: {len(chosen)}{words}{total}{tail}"
        ws.write_formula(_TITLE_ROWS + i, 0, formula, styles.fmt("live"), cached)


def _totals(ws, rows, groups, grid: _Grid, styles, lang: str) -> None:
    """Totals under the table, one row per currency when there are a few."""
    total_row = grid.last_data + 1  # 0-based: one blank row under the data
    for i, (shown, currency) in enumerate(groups):
        r = total_row + i
        listed = [x for x in rows if not currency or x.currency == currency]
        label = pick(TEXT["total"], lang) + (f" {shown}" if shown else "")
        label += f": {len(listed):,} {pick(TEXT['orders'], lang)}"
        ws.write_string(r, grid.col("status"), label, styles.fmt("total_text"))
        ws.write_blank(r, grid.col("order_no"), None, styles.fmt("total_text"))
        for key, kind in (("boxes", "int"), ("packed_boxes", "int"), ("fulls", "fulls"),
                          ("stems", "int"), ("amount", "money")):  # fmt: skip
            value = sum(map(attrgetter(key), listed))
            where = f',{grid.rng("currency")},"{currency}"' if currency else ""
            func = f"SUMIFS({grid.rng(key)}{where})" if currency else f"SUM({grid.rng(key)})"
            ws.write_formula(
                r, grid.col(key), f"={func}", styles.fmt(f"total_{kind}"), float(value)
            )


def _selection_widths(rows, lang: str) -> dict[str, float]:
    """Each column as wide as what it shows, within its cap."""
    widths = {
        "select": column_width([pick(INVOICED_MARKS, lang)], pick(SELECTION_COLUMNS["select"], lang)),
        "status": column_width([pick(p, lang) for p in STATUS_LABELS.values()], pick(SELECTION_COLUMNS["status"], lang)),
    }  # fmt: skip
    for key in SELECTION_COLUMNS:
        kind = _SELECTION_KINDS[key]
        label = pick(SELECTION_COLUMNS[key], lang)
        if key in widths:
            continue
        if kind == "date":
            widths[key] = column_width(["2026-11-20 "], label)
        elif kind in ("int", "fulls", "money"):
            big = max(map(abs, map(attrgetter(key), rows)), default=0)
            places = {"int": 0, "fulls": 3, "money": 2}[kind]
            widths[key] = column_width(["9" * (number_width(big, places) + 2)], label)
        elif key == "warnings":
            widths[key] = column_width({r.warnings for r in rows}, label, _WIDTH_CAPS["warnings"])
        else:
            owner = rows if key == "currency" else [r.order for r in rows]
            values = set(map(attrgetter(key), owner))
            widths[key] = column_width(values, label, _WIDTH_CAPS.get(key, 30))
    return widths


def _selection_rows(rows, grid: _Grid, styles, lang: str):
    """The order rows' renderer (style indexes are assigned before the workbook closes; the
    rows are rendered after)."""
    keys = grid.keys
    # The amount follows price corrections on Lines (SUMIFS by order number, so sorting either
    # sheet is harmless) unless the sheet is so big that every correction would recalculate
    # for seconds; then it is the amount as listed.
    n_lines = sum(len(r.order.lines) for r in rows)
    live = len(rows) * n_lines <= LIVE_AMOUNT_WORK
    lines_at = f"'{pick(LINES_SHEET, lang)}'!$"
    line_amount = column_letter(list(LINES_COLUMNS).index("amount"))
    amount = (
        f"SUMIFS({lines_at}{line_amount}$2:${line_amount}${n_lines + 1},"
        f"{lines_at}A$2:$A${n_lines + 1},${column_letter(grid.col('order_no'))}{{r}})"
    )
    cells = {"select": STR, "date": VALUE, "int": INT, "fulls": VALUE}
    cells["money"] = FORMULA if live else VALUE
    templates = {}
    for status in Status:
        kinds = [_SELECTION_KINDS[k] for k in keys]
        styled = [styles.xf(k, status) for k in kinds]
        if status is Status.INVOICED:
            styled[0] = styles.xf("select_done", status)
        templates[status] = RowTemplate(
            [Cell(cells.get(k, STR), s, amount) for k, s in zip(kinds, styled, strict=True)]
        ).render
    status_text = {s: pick(STATUS_LABELS[s], lang) for s in Status}

    def render(strings: Strings) -> Iterator[str]:
        text = strings.text
        invoiced, marked, empty = text(pick(INVOICED_MARKS, lang)), text("X"), text("")
        for r, row in enumerate(rows, grid.first):
            o = row.order
            select = marked if row.marked else empty
            if row.status is Status.INVOICED:
                select = invoiced
            yield templates[row.status](
                r, select, text(status_text[row.status]), text(o.order_no),
                text(o.customer_po), day(o.order_date), day(o.ship_date), day(o.flight_date),
                text(o.bill_customer), text(o.ship_customer), text(o.sales_rep),
                text(o.cargo_agency), text(o.market), text(o.awb), row.boxes, row.packed_boxes,
                number(row.fulls), row.stems, row.amount if live else number(row.amount),
                text(row.currency),
                text(o.invoice_no), text(row.warnings),
            )  # fmt: skip

    return render


def _lines_sheet(ws, rows, styles, config, extra_headers) -> SheetRows:
    """Header, widths, protection of the Lines sheet; its rows are rendered lazily."""
    lang = config.language
    keys = list(LINES_COLUMNS)
    col = {k: i for i, k in enumerate(keys)}
    n_cols = len(keys) + len(extra_headers)
    all_lines = [line for r in rows for line in r.order.lines]
    ws.set_row(0, 20)
    for i, key in enumerate(keys):
        ws.write_string(0, i, pick(LINES_COLUMNS[key], lang), styles.fmt("header"))
    for j, name in enumerate(extra_headers):
        ws.write_string(0, len(keys) + j, name, styles.fmt("header"))
    for key in keys:
        kind, label = _LINES_KINDS[key], pick(LINES_COLUMNS[key], lang)
        if kind in ("text", "center"):
            width = column_width(set(map(attrgetter(key), all_lines)), label, 30)
        elif key == "amount":
            big = max((r.amount for r in rows), default=Decimal(0))  # a width estimate
            width = column_width(["9" * (number_width(big, 2) + 2)], label)
        else:
            width = column_width(["9" * 7], label)
        ws.set_column(col[key], col[key], width)
    for j, name in enumerate(extra_headers):
        values = {v for line in all_lines for h, v in line.extra if h == name}
        ws.set_column(len(keys) + j, len(keys) + j, column_width(values, name, 30))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(all_lines), 1), n_cols - 1)
    protect(ws)
    print_setup(ws, config, 0, n_cols - 1)

    letter = {k: column_letter(i) for k, i in col.items()}
    amount = (
        f'ROUND(IF({letter["unit"]}{{r}}="bunch",{letter["bunches"]}{{r}},'
        f"{letter['stems']}{{r}})*{letter['unit_price']}{{r}},2)"
    )
    cells = [_LINES_CELLS.get(k, STR) for k in keys] + [STR] * len(extra_headers)
    kinds = [_LINES_KINDS[k] for k in keys] + ["text"] * len(extra_headers)
    templates = {
        status: RowTemplate(
            [Cell(c, styles.xf(k, status), amount) for c, k in zip(cells, kinds, strict=True)]
        ).render
        for status in Status
    }

    def render(s: Strings) -> Iterator[str]:
        extras: dict[tuple[tuple[str, str], ...], list[str]] = {}
        r = 1
        for row in rows:
            template = templates[row.status]
            order_no = s[row.order.order_no]
            for line, line_amount in zip(row.order.lines, row.line_amounts, strict=True):
                r += 1
                extra = extras.get(line.extra)
                if extra is None:
                    given = dict(line.extra)
                    extra = extras[line.extra] = [s[given.get(h, "")] for h in extra_headers]
                yield template(
                    r, order_no, line.line_no, s[line.species], s[line.variety], s[line.length],
                    s[line.box_type], line.boxes, line.packed_boxes, number(line.confirmed_boxes),
                    line.bunches, line.stems_per_bunch, line.stems, s[line.unit],
                    number(line.unit_price), number(line.min_price), line_amount,
                    s[line.currency], *extra,
                )  # fmt: skip

    return SheetRows(_part(ws), render, len(all_lines) + 1, n_cols - 1)


__all__ = ["FORMAT_VERSION", "SheetSource", "write_selection"]
