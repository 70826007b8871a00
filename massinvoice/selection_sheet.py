"""The selection workbook: the accountant's file, one colour-coded row per order.

Sheets: ``Selection`` (title block with a live "Selected" line, then one row per order with a
Select column), ``Lines`` (every line; prices and quantities may be corrected there), ``Legend``
(colours, Select values, warnings, how to use it) and the hidden ``_massinvoice`` (format
version, filters, sources, each order's fingerprint and header fields, each line's original
numbers), which is what read-back (:mod:`massinvoice.selection_read`) trusts.

Values from the export are written as text or numbers only, never as formulas; the only formulas
are our own (line amounts, totals, the live selected count), each with its value cached.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import xlsxwriter

from massinvoice import __version__
from massinvoice.checks import summary
from massinvoice.config import Config
from massinvoice.labels import (
    EDITABLE,
    INVOICED_MARK,
    LINES_COLUMNS,
    SELECT_MARKS_TYPED,
    SELECTION_COLUMNS,
    STATUS_LABELS,
    TEXT,
    describe_filters,
    pick,
)
from massinvoice.model import Filters, Order, OrderWarning, Status
from massinvoice.selection_style import Styles, write_legend
from massinvoice.selection_xml import Formula, RowRenderer, SheetRows, column_letter, write_package

FORMAT_VERSION = 1
STATE_SHEET = "_massinvoice"
STATE_MARK = "massinvoice selection workbook"
SELECTION_SHEET = ("Selection", "Selección")
LINES_SHEET = ("Lines", "Líneas")
MAX_ROWS = 1_048_576  # Excel's sheet limit

# The hidden sheet's tables: order header fields (exact text) and the lines' original numbers.
ORDER_FIELDS = (
    "order_no", "fingerprint", "status", "invoice_no", "bill_customer", "ship_customer",
    "customer_po", "order_date", "ship_date", "flight_date", "sales_rep", "cargo_agency",
    "market", "incoterm", "awb", "hawb", "dae", "currency",
)  # fmt: skip
LINE_FIELDS = (
    "order_no", "line_no", "unit_price", "boxes", "packed_boxes", "bunches", "stems_per_bunch",
    "stems", "min_price", "amount", "confirmed_boxes",
)  # fmt: skip
ORDERS_TABLE = "[orders]"
LINES_TABLE = "[lines]"

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
    if n_lines + 1 >= MAX_ROWS or len(orders) + 20 >= MAX_ROWS:
        raise ValueError(f"{n_lines} lines do not fit in one workbook; narrow the filters")
    rows = []
    for order in orders:
        status = order.status
        rows.append(
            _Row(
                order, status, order.currency or "/".join(order.currencies) or config.currency,
                order.amount, order.fulls(config.fulls), summary(warnings.get(order.order_no, ())),
                select_all and status is not Status.INVOICED,
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
    parts = [
        _selection_sheet(selection, rows, styles, config, filters, sources, created),
        _lines_sheet(lines, rows, styles, config, extra_headers),
        _state_sheet(state, rows, config, filters, sources, created, extra_headers),
    ]
    write_legend(legend, styles, lang)
    selection.activate()
    state.hide()
    wb.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    os.close(fd)
    try:
        write_package(package, Path(tmp), parts)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _part(sheet: xlsxwriter.worksheet.Worksheet) -> str:
    return f"xl/worksheets/sheet{sheet.index + 1}.xml"


def _width(texts: Sequence[str] | set[str], header: str, cap: int = 40) -> float:
    longest = max((len(t) for t in texts), default=0)
    return min(cap, max(longest + 1, len(header) + 3, 5))


def _number_width(largest: Decimal | int, places: int) -> int:
    return len(f"{largest:,.{places}f}")


def _money_text(value: Decimal, lang: str) -> str:
    text = f"{value:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "es" else text


def _selection_sheet(ws, rows, styles, config, filters, sources, created) -> SheetRows:
    """Title block, header, autofilter, protection; the order rows are rendered lazily."""
    lang = config.language
    keys = list(SELECTION_COLUMNS)
    col = {k: i for i, k in enumerate(keys)}
    currencies = Counter(r.currency for r in rows)
    codes = [c for c, _ in currencies.most_common()]
    valid = all(_CURRENCY_CODE.fullmatch(c) for c in codes)
    # (code shown, code to filter on): a line per currency when there are a few, else one line.
    groups: list[tuple[str, str]] = [("", "")]
    if valid and len(codes) == 1:
        groups = [(codes[0], "")]
    elif valid and 1 < len(codes) <= 4:
        groups = [(c, c) for c in codes]
    live_rows = len(groups)
    header = _TITLE_ROWS + live_rows + 1  # 0-based row of the header
    first, last = header + 2, header + 1 + len(rows)  # 1-based data rows
    last_data = max(last, first)

    ws.write_string(0, 0, config.seller.name or "massinvoice", styles.fmt("title"))
    stamp = created.strftime("%d/%m/%Y %H:%M" if lang == "es" else "%Y-%m-%d %H:%M")
    ws.write_string(1, 0, f"{pick(TEXT['title'], lang)} · {stamp}", styles.fmt("subtitle"))
    ws.write_string(
        2, 0, f"{pick(TEXT['filters'], lang)}: {describe_filters(filters.describe(), lang)}",
        styles.fmt("info"),
    )  # fmt: skip
    names = ", ".join(s.name for s in sources) or "-"
    ws.write_string(3, 0, f"{pick(TEXT['sources'], lang)}: {names}", styles.fmt("info"))

    def rng(key: str) -> str:
        letter = column_letter(col[key])
        return f"${letter}${first}:${letter}${last_data}"

    marks = ";".join(f'"{m}"' for m in SELECT_MARKS_TYPED)
    picked = f'ISNUMBER(MATCH({rng("select")}&"",{{{marks}}},0))'
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

    ws.set_row(header, 20)
    for i, key in enumerate(keys):
        ws.write_string(header, i, pick(SELECTION_COLUMNS[key], lang), styles.fmt("header"))
    if not rows:
        ws.write_string(header + 1, 0, pick(TEXT["no_orders"], lang), styles.fmt("info"))

    # Totals under the table, one row per currency when there are a few.
    total_row = last_data + 1  # 0-based: one blank row under the data
    for i, (shown, currency) in enumerate(groups):
        r = total_row + i
        listed = [x for x in rows if not currency or x.currency == currency]
        label = pick(TEXT["total"], lang) + (f" {shown}" if shown else "")
        label += f": {len(listed):,} {pick(TEXT['orders'], lang)}"
        ws.write_string(r, col["status"], label, styles.fmt("total_text"))
        ws.write_blank(r, col["order_no"], None, styles.fmt("total_text"))
        for key, kind in (("boxes", "int"), ("packed_boxes", "int"), ("fulls", "fulls"),
                          ("stems", "int"), ("amount", "money")):  # fmt: skip
            value = sum((_order_value(x, key) for x in listed), Decimal(0))
            where = f',{rng("currency")},"{currency}"' if currency else ""
            func = f"SUMIFS({rng(key)}{where})" if currency else f"SUM({rng(key)})"
            ws.write_formula(r, col[key], f"={func}", styles.fmt(f"total_{kind}"), float(value))

    widths = {
        "select": _width([INVOICED_MARK], pick(SELECTION_COLUMNS["select"], lang)),
        "status": _width([pick(p, lang) for p in STATUS_LABELS.values()], pick(SELECTION_COLUMNS["status"], lang)),
    }  # fmt: skip
    for key in keys:
        kind = _SELECTION_KINDS[key]
        label = pick(SELECTION_COLUMNS[key], lang)
        if key in widths:
            continue
        if kind == "date":
            widths[key] = _width(["2026-11-20 "], label)
        elif kind in ("int", "fulls", "money"):
            big = max((abs(_order_value(r, key)) for r in rows), default=0)
            places = {"int": 0, "fulls": 3, "money": 2}[kind]
            widths[key] = _width(["9" * (_number_width(big, places) + 2)], label)
        elif key == "warnings":
            widths[key] = _width({r.warnings for r in rows}, label, _WIDTH_CAPS["warnings"])
        else:
            values = {r.currency if key == "currency" else getattr(r.order, key) for r in rows}
            widths[key] = _width(values, label, _WIDTH_CAPS.get(key, 30))
    for i, key in enumerate(keys):
        ws.set_column(i, i, widths[key])

    ws.freeze_panes(header + 1, 0)
    ws.autofilter(header, 0, header + max(len(rows), 1), len(keys) - 1)
    if rows:
        ws.data_validation(
            header + 1, 0, header + len(rows), 0,
            {"validate": "list", "source": ["X"], "ignore_blank": True,
             "error_type": "information", "error_title": pick(TEXT["dv_title"], lang),
             "error_message": pick(TEXT["dv_error"], lang),
             "input_title": pick(TEXT["dv_title"], lang),
             "input_message": pick(TEXT["dv_input"], lang)},
        )  # fmt: skip
    _protect(ws)
    _print_setup(ws, config, header, len(keys) - 1)

    # Style indexes are assigned before the workbook closes; the rows are rendered after.
    kinds = [_SELECTION_KINDS[k] for k in keys]
    table = {s: [styles.xf(k, s) for k in kinds] for s in Status}
    done = styles.xf("select_done", Status.INVOICED)

    def render() -> Iterator[str]:
        out = RowRenderer(len(keys))
        for r, row in enumerate(rows, first):
            o = row.order
            style = table[row.status]
            if row.status is Status.INVOICED:
                select, style = INVOICED_MARK, [done, *style[1:]]
            else:
                select = "X" if row.marked else ""
            values = (
                select, pick(STATUS_LABELS[row.status], lang), o.order_no, o.customer_po,
                o.order_date, o.ship_date, o.flight_date, o.bill_customer, o.ship_customer,
                o.sales_rep, o.cargo_agency, o.market, o.awb, o.boxes, o.packed_boxes,
                row.fulls, o.stems, row.amount, row.currency, o.invoice_no, row.warnings,
            )  # fmt: skip
            yield out.row(r, values, style)

    return SheetRows(_part(ws), render, last, len(keys) - 1)


def _order_value(row: _Row, key: str) -> Decimal:
    if key == "amount":
        return row.amount
    if key == "fulls":
        return row.fulls
    return Decimal(getattr(row.order, key))


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
            width = _width({getattr(line, key) for line in all_lines}, label, 30)
        elif key == "amount":
            big = max((line.computed_amount for line in all_lines), default=Decimal(0))
            width = _width(["9" * (_number_width(big, 2) + 2)], label)
        else:
            width = _width(["9" * 7], label)
        ws.set_column(col[key], col[key], width)
    for j, name in enumerate(extra_headers):
        values = {v for line in all_lines for h, v in line.extra if h == name}
        ws.set_column(len(keys) + j, len(keys) + j, _width(values, name, 30))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(all_lines), 1), n_cols - 1)
    _protect(ws)
    _print_setup(ws, config, 0, n_cols - 1)

    letter = {k: column_letter(i) for k, i in col.items()}
    unit, bunches, stems, price = (
        letter["unit"],
        letter["bunches"],
        letter["stems"],
        letter["unit_price"],
    )

    base = [_LINES_KINDS[k] for k in keys] + ["text"] * len(extra_headers)
    table = {s: [styles.xf(k, s) for k in base] for s in Status}

    def render() -> Iterator[str]:
        out = RowRenderer(n_cols)
        r = 1
        for row in rows:
            style = table[row.status]
            for line in row.order.lines:
                r += 1
                amount = Formula(
                    f'ROUND(IF({unit}{r}="bunch",{bunches}{r},{stems}{r})*{price}{r},2)',
                    line.computed_amount,
                )
                extra = dict(line.extra)
                values = [
                    line.order_no, line.line_no, line.species, line.variety, line.length,
                    line.box_type, line.boxes, line.packed_boxes, line.confirmed_boxes,
                    line.bunches, line.stems_per_bunch, line.stems, line.unit, line.unit_price,
                    line.min_price, amount, line.currency or row.order.currency,
                ]  # fmt: skip
                values.extend(extra.get(h, "") for h in extra_headers)
                yield out.row(r, values, style)

    return SheetRows(_part(ws), render, len(all_lines) + 1, n_cols - 1)


def _state_sheet(ws, rows, config, filters, sources, created, extra_headers) -> SheetRows:
    """The hidden sheet read-back trusts: every value as exact text."""
    filters_json = json.dumps(asdict(filters), default=str, ensure_ascii=False)
    meta = [
        (STATE_MARK, "do not edit: massinvoice reads this sheet back"),
        ("format_version", str(FORMAT_VERSION)),
        ("tool_version", __version__),
        ("created", created.isoformat()),
        ("language", config.language),
        ("filters", filters_json),
        ("sources", json.dumps([asdict(s) for s in sources], ensure_ascii=False)),
        ("extra_headers", json.dumps(extra_headers, ensure_ascii=False)),
        ("orders", str(len(rows))),
        ("lines", str(sum(len(r.order.lines) for r in rows))),
    ]
    n_lines = sum(len(r.order.lines) for r in rows)
    last_row = len(meta) + 1 + 2 + len(rows) + 1 + 2 + n_lines
    width = max(len(ORDER_FIELDS), len(LINE_FIELDS))

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:f}"
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    def render() -> Iterator[str]:
        out = RowRenderer(width)
        zero = [0] * width
        r = 0
        for pair in meta:
            r += 1
            yield out.row(r, pair, zero)
        r += 2
        yield out.row(r, [ORDERS_TABLE], zero)
        r += 1
        yield out.row(r, ORDER_FIELDS, zero)
        for row in rows:
            o = row.order
            r += 1
            values = [
                o.order_no, o.fingerprint(), row.status.value, o.invoice_no, o.bill_customer,
                o.ship_customer, o.customer_po, text(o.order_date), text(o.ship_date),
                text(o.flight_date), o.sales_rep, o.cargo_agency, o.market, o.incoterm, o.awb,
                o.hawb, o.dae, o.currency,
            ]  # fmt: skip
            yield out.row(r, values, zero)
        r += 2
        yield out.row(r, [LINES_TABLE], zero)
        r += 1
        yield out.row(r, LINE_FIELDS, zero)
        for row in rows:
            for line in row.order.lines:
                r += 1
                values = [
                    line.order_no, str(line.line_no), text(line.unit_price), str(line.boxes),
                    str(line.packed_boxes), str(line.bunches), str(line.stems_per_bunch),
                    str(line.stems), text(line.min_price), text(line.amount),
                    text(line.confirmed_boxes),
                ]  # fmt: skip
                yield out.row(r, values, zero)

    return SheetRows(_part(ws), render, last_row, width - 1)


def _protect(ws) -> None:
    """Protection without a password: only the unlocked cells change; sort and filter allowed."""
    ws.protect(
        "",
        {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
         "select_locked_cells": True, "select_unlocked_cells": True},
    )  # fmt: skip


def _print_setup(ws, config: Config, header_row: int, last_col: int) -> None:
    """Landscape, one page wide, the header repeated on every printed page."""
    ws.set_landscape()
    ws.set_paper(1 if config.paper == "Letter" else 9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(f"&L&A&R{pick(TEXT['page'], config.language)}")
    ws.center_horizontally()


__all__ = ["EDITABLE", "FORMAT_VERSION", "SheetSource", "write_selection"]
