"""``massinvoice inspect EXPORT``: how a file reads, and the config that would make it read.

Shows the profile, the header row, each column's field (or none, with sample values and a
likely meaning guessed from the values), the rows of each kind, the orders' statuses and the
problems; then a ready-to-paste ``[aliases]`` / ``[status]`` snippet for what is missing. When no
header is recognised, the row that looks most like one is taken, so the snippet can still say
which column is what. The guesses are guesses: the snippet says so, and ``select`` after
pasting it shows whether they hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from massinvoice.config import Config
from massinvoice.problems import Problem
from massinvoice.read import convert
from massinvoice.read.cells import CellError, cell_text, is_empty, parse_date, parse_decimal
from massinvoice.read.export import read_export_reading
from massinvoice.read.guard import ReadError, check_file
from massinvoice.read.header import HEADER_SEARCH_ROWS, REQUIRED, AliasTable
from massinvoice.read.profiles import GENERIC, PROFILES, YES, Reading, alias_table, rows_text
from massinvoice.read.sheets import Sheet, head_rows, spreadsheet_sheets, text_sheet
from massinvoice.read.status import looks_like_flag
from massinvoice.text import clean, column_letter, fold

SAMPLE_ROWS = 500  # rows below the header looked at for samples and guesses
WORTH_ALIASING = (*REQUIRED, "quantity", "unit_price", "amount", "order_date", "species")


@dataclass(slots=True)
class Column:
    header: str
    letter: str
    field: str  # "" when no field
    samples: tuple[str, ...]
    guess: str = ""  # a likely field for an unmapped column
    why: str = ""


@dataclass(slots=True)
class Inspection:
    file: str
    sheet: str | None
    profile: str
    header_row: int  # 1-based; 0 when no row could be taken for a header
    columns: list[Column]
    reading: Reading | None
    problems: list[Problem]
    status_values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # flag -> yes values
    carried: tuple[str, ...] = ()  # fields a grouped report carries down from heading rows

    def snippet(self) -> str:
        """The config lines that map what is missing, ready to paste."""
        mapped = {c.field for c in self.columns if c.field} | set(self.carried)
        aliases: list[str] = []
        status: list[str] = []
        for c in self.columns:
            if c.field or not c.guess or c.guess in mapped:
                continue
            if c.guess == "billed":
                yes = self.status_values.get(c.header, ())
                status += [f"column = {_toml(c.header)}  # {c.why}",
                           f"invoiced = [{', '.join(_toml(v) for v in yes)}]"]  # fmt: skip
            else:
                aliases.append(f"{c.guess} = [{_toml(c.header)}]  # {c.why}")
            mapped.add(c.guess)
        for name in REQUIRED:
            if name not in mapped:
                aliases.append(f'# {name} = ["?"]  # which column holds it? none looks like one')
        out: list[str] = []
        if aliases:
            out += ["[aliases]", *aliases]
        if status:
            out += ([""] if out else []) + ["[status]", *status]
        return "\n".join(out)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def inspect_export(path: str | Path, config: Config) -> Inspection:
    """How ``path`` reads with ``config`` (see the module's docstring)."""
    path = Path(path)
    _, problems, reading = read_export_reading(path, config)
    forced = PROFILES.get(config.profile) if config.profile else None
    table = alias_table(forced or GENERIC, config.aliases, config.status)
    try:  # the sheet again (the read above kept no frame)
        sheet = _sheet(path, config, table, reading.sheet if reading else None)
    except ReadError as exc:
        return Inspection(path.name, None, "", 0, [], reading, [*problems, *exc.problems])
    frame = sheet.frame.to_numpy(dtype=object)
    if not len(frame):
        return Inspection(path.name, sheet.name, "", 0, [], reading, problems)
    if reading is not None:
        row, profile = reading.header_row - 1, reading.profile
        fields = {text: f for text, f in reading.columns if f}
    else:
        row = _likely_header(head_rows(sheet.frame, HEADER_SEARCH_ROWS))
        profile, fields = (forced or GENERIC).name, {}
    labels = [clean(cell_text(c)) if not is_empty(c) else "" for c in frame[row]]
    body = frame[row + 1 : row + 1 + SAMPLE_ROWS]
    columns = [
        Column(text, _letter(j), fields.get(text, ""), _samples(body[:, j]))
        for j, text in enumerate(labels)
        if text
    ]
    found = Inspection(path.name, sheet.name, profile, row + 1, columns, reading, problems)
    if reading is not None and reading.rows.get("heading"):
        found.carried = ("bill_customer",)  # from the report's customer heading rows
    _guess(found, body, [j for j, text in enumerate(labels) if text])
    mapped = {c.field for c in columns if c.field} | set(found.carried)
    for c in columns:  # a guess for a field another column holds already says nothing
        if c.guess in mapped:
            c.guess, c.why = "", ""
    return found


def _letter(j: int) -> str:
    return column_letter(j)


def _sheet(path: Path, config: Config, table: AliasTable, name: str | None) -> Sheet:
    """The sheet the export was read from (the first one when it was not read)."""
    kind, _ = check_file(path, config.limits)
    if kind == "text":
        return text_sheet(path, config.limits, table, REQUIRED)
    sheets = list(spreadsheet_sheets(path, config.limits, ole2=kind == "ole2"))
    return next((s for s in sheets if s.name == name), sheets[0])


def _likely_header(rows: Sequence[Sequence[object]]) -> int:
    """The row with the most text cells (a header names its columns)."""
    best, count = 0, -1
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        n = sum(1 for c in cells if isinstance(c, str) and c.strip() and not _is_number(c))
        if n > count:
            best, count = i, n
    return best


def _is_number(text: str) -> bool:
    try:
        return parse_decimal(text, None) is not None
    except CellError:
        return False


def _samples(values: Any) -> tuple[str, ...]:
    seen = dict.fromkeys(t for t in convert.texts(values) if t)
    return tuple(list(seen)[:3])


def _numbers(values: Any) -> list[Decimal | None] | None:
    """A column as numbers, or None when some filled cell is not one."""
    out, failures = convert.decimals(values, None)
    return None if failures or not any(v is not None for v in out) else out


def _dates(texts: list[str], raw: Any, date_order: str) -> bool:
    """Dates written as dates (a plain number is a number here, not an Excel serial)."""
    filled = [v for v, t in zip(raw, texts, strict=True) if t]
    if any(isinstance(v, int | float | Decimal) or (isinstance(v, str) and _is_number(v))
           for v in filled):  # fmt: skip
        return False
    try:
        return bool(filled) and all(parse_date(v, date_order) is not None for v in filled)
    except CellError:
        return False


def _guess(found: Inspection, body: Any, columns: list[int]) -> None:
    """A likely field for each unmapped column, from its values (never from its name)."""
    by_header = {c.header: c for c in found.columns}
    texts: dict[int, list[str]] = {}
    numbers: dict[int, list[Decimal | None]] = {}
    free = [j for j in columns if not by_header[_label(found, j)].field]
    for j in free:
        t = convert.texts(body[:, j])
        texts[j] = t
        column = by_header[_label(found, j)]
        if looks_like_flag(t):
            column.guess, column.why = "billed", "yes/no values: invoiced when yes"
            found.status_values[column.header] = tuple(
                dict.fromkeys(v for v in t if fold(v) in YES)
            )
        elif _dates(t, body[:, j], "dmy"):
            column.guess, column.why = "order_date", "dates"
        elif (values := _numbers(body[:, j])) is not None:
            numbers[j] = values
    _guess_money(found, numbers)
    unguessed = {j: t for j, t in texts.items() if not by_header[_label(found, j)].guess}
    _guess_texts(found, {j: t for j, t in unguessed.items() if j not in numbers})


def _label(found: Inspection, j: int) -> str:
    return next(c.header for c in found.columns if c.letter == _letter(j))


def _guess_money(found: Inspection, numbers: dict[int, list[Decimal | None]]) -> None:
    """Quantity x price = amount among three number columns; else by their sizes."""
    cols = list(numbers)
    by_header = {c.header: c for c in found.columns}
    for q in cols:
        for p in cols:
            for a in cols:
                if len({q, p, a}) == 3 and _product_holds(numbers[q], numbers[p], numbers[a]):
                    for j, name in ((q, "quantity"), (p, "unit_price"), (a, "amount")):
                        column = by_header[_label(found, j)]
                        column.guess, column.why = name, "quantity x price = amount on its rows"
                    return
    for j in cols:
        column = by_header[_label(found, j)]
        whole = all(v is None or v == v.to_integral_value() for v in numbers[j])
        column.guess, column.why = ("quantity", "whole numbers") if whole else ("", "")


def _product_holds(q: list[Any], p: list[Any], a: list[Any]) -> bool:
    rows = [(x, y, z) for x, y, z in zip(q, p, a, strict=True) if None not in (x, y, z)]
    return bool(rows) and all(
        x == x.to_integral_value() and abs(x * y - z) <= Decimal("0.01") * max(1, abs(x))
        for x, y, z in rows
    )


def _guess_texts(found: Inspection, texts: dict[int, list[str]]) -> None:
    """Order number: repeats on neighbouring rows and has digits; customer: repeats, fewest
    distinct names; product: the most distinct."""
    by_header = {c.header: c for c in found.columns}
    repeating = [
        j for j, t in texts.items()
        if len(set(t) - {""}) > 1 and any(a and a == b for a, b in itertools.pairwise(t))
    ]  # fmt: skip
    numbered = [j for j in repeating if _mostly_digits(texts[j])]
    if numbered:
        column = by_header[_label(found, numbered[0])]
        column.guess, column.why = "order_no", "repeats on an order's lines, has digits"
    names = [j for j in repeating if j not in numbered[:1] and not _mostly_digits(texts[j])]
    if names:
        j = min(names, key=lambda j: len(set(texts[j])))
        column = by_header[_label(found, j)]
        column.guess, column.why = "bill_customer", "names repeated on an order's lines"
    rest = [j for j in texts if not by_header[_label(found, j)].guess]
    if rest:
        j = max(rest, key=lambda j: len(set(texts[j])))
        column = by_header[_label(found, j)]
        column.guess, column.why = "species", "the most varied text: the product"


def _mostly_digits(values: list[str]) -> bool:
    filled = [v for v in values if v]
    return bool(filled) and sum(any(ch.isdigit() for ch in v) for v in filled) >= 0.8 * len(filled)


def render(found: Inspection) -> str:
    """The inspection as text for the terminal."""
    title = PROFILES[found.profile].title if found.profile in PROFILES else "none"
    out = [f"{found.file}" + (f", sheet {found.sheet!r}" if found.sheet else "")]
    out.append(f"  profile: {title}" + (f"; header on row {found.header_row}"
                                         if found.header_row else "; no header"))  # fmt: skip
    out.append("  columns:")
    for c in found.columns:
        meaning = c.field or (f"not mapped; likely {c.guess} ({c.why})" if c.guess
                              else "not mapped (kept as an extra column)")  # fmt: skip
        samples = ", ".join(repr(s) for s in c.samples)
        out.append(f"    {c.letter} {c.header!r}: {meaning}" + (f"  e.g. {samples}" if samples
                                                                 else ""))  # fmt: skip
    if found.reading is not None:
        out.append(f"  rows: {rows_text(found.reading.rows)}")
        states = {**found.reading.invoiced, **found.reading.delivered}
        if states:
            out.append("  orders by ERP status: " + ", ".join(f"{k} {n}" for k, n in
                                                                 states.items()))  # fmt: skip
    for p in found.problems[:20]:
        out.append(f"  problem: {p}")
    snippet = found.snippet()
    if snippet:
        out += ["", "Add to massinvoice.toml (guessed from the values: check them):", "", snippet]
    elif found.reading is not None and not found.problems:
        out += ["", "Nothing to add: every column select needs is understood."]
    return "\n".join(out)


__all__ = ["Inspection", "inspect_export", "render"]
