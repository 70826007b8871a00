"""The size of sheets we cannot measure before loading them: old .xls and binary .xlsb.

calamine loads a sheet as a dense rectangle from its first to its last cell. For the XML
formats :mod:`extent` measures that rectangle first; the binary ones are loaded once by a
forked process with its memory capped, which reports each sheet's size: a sheet asking for
more than the cap ends that process, not this one, and the file is refused. Sheets over the
configured rows or columns are refused too. Off Linux the file is loaded as it is (the binary
formats' own limits bound an .xls; an .xlsb is not bounded there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import SheetTypeEnum, load_workbook

from massinvoice.config import Limits
from massinvoice.forking import Forked, can_fork, cap_memory
from massinvoice.problems import FILE, Code, Problem
from massinvoice.read.extent import ExtentError

PROBE_MEMORY = 2 << 30  # what the forked process may take beyond its size to load one sheet


def probe_sheets(path: Path, limits: Limits) -> None:
    """Raise :class:`ExtentError` if a sheet of this binary workbook must not be loaded here.

    An engine error in the forked process (a damaged file) is left for the real read to
    report, with its usual words."""
    if not can_fork():
        return
    finished, sizes = Forked(lambda: _sizes(path)).result()
    if not finished:
        raise ExtentError(
            Problem(
                Code.TOO_LARGE,
                f"a sheet would need over {PROBE_MEMORY >> 20} MB of memory to load "
                "(cells far from the data?)",
                path.name, level=FILE, hint="delete stray cells far from the data (Ctrl+End "
                "shows the last one) and save again as .xlsx, or export the orders again",
            )
        )  # fmt: skip
    for sheet, rows, cols in sizes or ():
        if rows > limits.max_rows or cols > limits.max_columns:
            what = f"{rows} rows" if rows > limits.max_rows else f"{cols} columns"
            raise ExtentError(
                Problem(
                    Code.TOO_LARGE, f"sheet {sheet!r} spans {what}, over the limit of "
                    f"{limits.max_rows if rows > limits.max_rows else limits.max_columns}",
                    path.name, level=FILE, hint="delete stray cells far from the data, export "
                    "fewer rows, or raise [limits] in the config",
                )
            )  # fmt: skip


def _sizes(path: Path) -> list[tuple[str, int, int]] | None:
    """In the forked process: each worksheet's rows and columns from A1 (None: the engine
    could not read the file)."""
    cap_memory(PROBE_MEMORY)
    found: list[tuple[str, int, int]] = []
    try:
        with path.open("rb") as source:
            book = load_workbook(source)
            for meta in book.sheets_metadata:
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue
                sheet: Any = book.get_sheet_by_name(meta.name)
                end = sheet.end
                found.append((str(meta.name), *((end[0] + 1, end[1] + 1) if end else (0, 0))))
                del sheet
    except Exception:  # calamine's own errors: the real read reports them
        return None
    return found
