"""Cell styles of the selection workbook, and its Legend sheet.

Every table cell's style is one of a few kinds (text, date, money, an editable price ...) on the
fill of its order's status. Styles are xlsxwriter formats, made once and reused; the fast row
writer needs their style index, which xlsxwriter assigns on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from massinvoice.config import WARNING_CODES, Config
from massinvoice.model import STATUS_FILLS, Status
from massinvoice.select.labels import (
    HOW_TO,
    INVOICED_MARKS,
    SELECT_MEANING,
    STATUS_LABELS,
    STATUS_MEANING,
    TEXT,
    WARNING_LABELS,
    WARNING_TEXT,
    pick,
)

NAVY = "#1F4E78"
GRID = "#D9D9D9"
INPUT_BLUE = "#0033CC"  # the accountant's convention: blue = a value you may type over
MONEY = "#,##0.00"
PRICE = "#,##0.00###"  # prices per stem often have three decimals: show them, never round
INTEGER = "#,##0"
FULLS = "0.000"

_CELL: dict[str, Any] = {"border": 1, "border_color": GRID, "valign": "vcenter", "font_size": 10}
_KINDS: dict[str, dict[str, Any]] = {
    "text": {},
    "center": {"align": "center"},
    "date": {"align": "center"},  # num_format set per language
    "int": {"num_format": INTEGER},
    "fulls": {"num_format": FULLS},
    "money": {"num_format": MONEY},
    "price": {"num_format": PRICE},
    "warn": {"font_color": "#9C0006"},
    "select": {"align": "center", "bold": True, "locked": False, "font_color": INPUT_BLUE},
    "select_done": {"align": "center", "bold": True, "font_color": "#595959"},
    "edit_int": {"num_format": INTEGER, "locked": False, "font_color": INPUT_BLUE},
    "edit_price": {"num_format": PRICE, "locked": False, "font_color": INPUT_BLUE},
}
_NAMED: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "font_color": NAVY},
    "subtitle": {"bold": True, "font_size": 11},
    "info": {"font_size": 9, "font_color": "#595959"},
    "live": {"bold": True, "font_size": 11, "font_color": "#006100"},
    "header": {"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "align": "center",
               "valign": "vcenter", "border": 1, "border_color": "#FFFFFF", "font_size": 10},
    "total_text": {"bold": True, "top": 6, "font_size": 10},
    "total_int": {"bold": True, "top": 6, "num_format": INTEGER, "font_size": 10},
    "total_fulls": {"bold": True, "top": 6, "num_format": FULLS, "font_size": 10},
    "total_money": {"bold": True, "top": 6, "num_format": MONEY, "font_size": 10},
    "h1": {"bold": True, "font_size": 14, "font_color": NAVY},
    "h2": {"bold": True, "font_size": 11, "font_color": NAVY, "bottom": 1},
    "para": {"text_wrap": True, "valign": "top", "font_size": 10},
    "code": {"bold": True, "valign": "top", "font_size": 10},
}  # fmt: skip


class Styles:
    """The workbook's formats, made once; ``xf`` gives the index the row writer needs."""

    def __init__(self, wb: Workbook, language: str):
        self.wb = wb
        self.language = language
        self.date_format = "dd/mm/yyyy" if language == "es" else "yyyy-mm-dd"
        self._named: dict[str, Format] = {}
        self._table: dict[tuple[str, Status | None], Format] = {}

    def fmt(self, name: str) -> Format:
        """A named format (title, header, totals ...)."""
        got = self._named.get(name)
        if got is None:
            got = self._named[name] = self.wb.add_format(dict(_NAMED[name]))
        return got

    def cell(self, kind: str, status: Status | None) -> Format:
        """A table cell's format: its kind on its status fill (no fill when status is None)."""
        key = (kind, status)
        got = self._table.get(key)
        if got is None:
            props = {**_CELL, **_KINDS[kind]}
            if kind == "date":
                props["num_format"] = self.date_format
            if status is not None:
                props["bg_color"] = "#" + STATUS_FILLS[status]
                props["pattern"] = 1
            got = self._table[key] = self.wb.add_format(props)
        return got

    def xf(self, kind: str, status: Status) -> int:
        """The style index of a table cell, for cells written by the fast row writer."""
        return self.cell(kind, status)._get_xf_index()


def write_legend(ws: Worksheet, styles: Styles, language: str) -> None:
    """The Legend sheet: how to use the workbook, the colours, the Select values, the warnings."""
    lang = language
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 95)
    ws.hide_gridlines(2)
    r = 0
    ws.write_string(r, 0, pick(TEXT["how_title"], lang), styles.fmt("h1"))
    r += 2
    for pair in HOW_TO:
        text = pick(pair, lang)
        ws.merge_range(r, 0, r, 1, text, styles.fmt("para"))
        ws.set_row(r, 16 if len(text) <= 135 else 30)  # one or two lines of the merged cell
        r += 1
    r += 1
    ws.write_string(r, 0, pick(TEXT["colours"], lang), styles.fmt("h2"))
    ws.write_blank(r, 1, None, styles.fmt("h2"))
    r += 1
    for status in (Status.INVOICED, Status.NOT_PACKED, Status.PARTIAL, Status.PACKED):
        ws.write_string(r, 0, pick(STATUS_LABELS[status], lang), styles.cell("center", status))
        ws.write_string(r, 1, pick(STATUS_MEANING[status], lang), styles.fmt("para"))
        r += 1
    r += 1
    ws.write_string(r, 0, pick(TEXT["select_values"], lang), styles.fmt("h2"))
    ws.write_blank(r, 1, None, styles.fmt("h2"))
    r += 1
    for value, en, es in SELECT_MEANING:
        if value == INVOICED_MARKS[0]:
            value = pick(INVOICED_MARKS, lang)
        kind = "select_done" if value.endswith("!") else "select"
        status = Status.INVOICED if value.endswith("!") else Status.NOT_PACKED
        ws.write_string(r, 0, value, styles.cell(kind, status))
        ws.write_string(r, 1, es if lang == "es" else en, styles.fmt("para"))
        r += 1
    r += 1
    ws.write_string(r, 0, pick(TEXT["warnings"], lang), styles.fmt("h2"))
    ws.write_blank(r, 1, None, styles.fmt("h2"))
    r += 1
    for code in WARNING_CODES:  # the words the Warnings column shows, never the codes
        ws.write_string(r, 0, pick(WARNING_LABELS[code], lang), styles.fmt("code"))
        ws.write_string(r, 1, pick(WARNING_TEXT[code], lang), styles.fmt("para"))
        r += 1
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def column_width(texts: Sequence[str] | set[str], header: str, cap: int = 40) -> float:
    """A column wide enough for its longest text and its header, within ``cap``."""
    longest = max((len(t) for t in texts), default=0)
    return min(cap, max(longest + 1, len(header) + 3, 5))


def number_width(largest: Decimal | int, places: int) -> int:
    """How many characters a number takes with thousands separators and ``places``."""
    return len(f"{largest:,.{places}f}")


def protect(ws) -> None:
    """Protection without a password: only the unlocked cells change; sort and filter allowed."""
    ws.protect(
        "",
        {"sort": True, "autofilter": True, "format_columns": True, "format_rows": True,
         "select_locked_cells": True, "select_unlocked_cells": True},
    )  # fmt: skip


def print_setup(ws, config: Config, header_row: int, last_col: int) -> None:
    """Landscape, one page wide, the header repeated on every printed page."""
    ws.set_landscape()
    ws.set_paper(1 if config.paper == "Letter" else 9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(f"&L&A&R{pick(TEXT['page'], config.language)}")
    ws.center_horizontally()
