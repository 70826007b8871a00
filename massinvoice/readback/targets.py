"""What ``select`` is given and where it writes, checked before any work: inputs are not always
what they seem, and an accountant's marks are never wiped.

- a selection workbook (ours, or re-saved as csv) given as an export is refused: it would
  become a new selection of nonsense and its marks would be lost;
- the output may not be one of the exports; an existing workbook holding marks in its Select
  column, or a file that is not a selection workbook, is replaced only with ``force``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from massinvoice.problems import FILE, Code, InputError, Problem
from massinvoice.readback.selection import is_selection_workbook
from massinvoice.select.labels import SELECT_MARKS, SELECTION_COLUMNS
from massinvoice.text import fold

_HEAD_BYTES = 1 << 15
# Headers only our selection sheet has together (in either language).
_OURS = ("select", "status", "order_no", "invoice_no", "warnings")


def check_select(exports: Sequence[Path], out: Path, *, force: bool = False) -> None:
    """Raise InputError with every problem of these exports and this output, before any work."""
    problems = [p for e in exports if (p := _selection_given(Path(e)))]
    target = Path(out).resolve()
    if any(Path(e).resolve() == target for e in exports):
        problems.append(Problem(
            Code.OUTPUT_IS_INPUT, "the output would replace the export it is made from", str(out),
            level=FILE, hint="give the selection workbook another name with -o"))  # fmt: skip
    elif Path(out).exists() and not force:
        problems += _guard_existing(Path(out))
    if problems:
        raise InputError(problems)


def _selection_given(path: Path) -> Problem | None:
    if is_selection_workbook(path) or _selection_csv(path):
        return Problem(
            Code.SELECTION_GIVEN_AS_EXPORT,
            "this is a selection workbook (made by massinvoice select), not an order export",
            str(path), level=FILE,
            hint="to invoice its marked orders: massinvoice invoice FILE -o FOLDER; to make a "
                 "new selection, give select the ERP's export",
        )  # fmt: skip
    return None


def _selection_csv(path: Path) -> bool:
    """A selection sheet re-saved as csv: its header row holds our columns, in one language."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8-sig", "replace")
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells = {fold(c) for c in row}
            for lang in (0, 1):
                if all(fold(SELECTION_COLUMNS[k][lang]) in cells for k in _OURS):
                    return True
    return False


def _guard_existing(out: Path) -> list[Problem]:
    hint = "choose another name with -o, or add --force to replace it"
    if not is_selection_workbook(out):
        return [Problem(Code.OUTPUT_EXISTS, "the output exists and is not a selection workbook: "
                        "it is not replaced", str(out), level=FILE, hint=hint)]  # fmt: skip
    marks = _marks(out)
    if marks:
        return [Problem(
            Code.OUTPUT_HAS_MARKS,
            f"the output is a selection workbook with {marks} order(s) marked in its Select "
            "column: replacing it would wipe those marks", str(out), level=FILE,
            hint="invoice it first (massinvoice invoice), or " + hint)]  # fmt: skip
    return []


def _marks(path: Path) -> int:
    """How many rows of the Selection sheet carry a mark in the Select column."""
    import openpyxl

    names = {fold(n) for n in SELECTION_COLUMNS["select"]}
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # unreadable: treat as holding marks, so it is not replaced silently
        return 1
    try:
        for sheet in book.worksheets:
            column, count = None, 0
            for row in sheet.iter_rows(values_only=True):
                cells = [fold(str(c)) if c is not None else "" for c in row]
                if column is None:
                    column = next((i for i, c in enumerate(cells) if c in names), None)
                elif column < len(cells) and cells[column] in SELECT_MARKS:
                    count += 1
            if column is not None:
                return count
        return 0
    finally:
        book.close()
