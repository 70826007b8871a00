"""Problems found in user input, as values.

A problem names where it is (file, sheet, row, column), what is wrong and how to fix it. Readers
collect every problem of a file and raise them together in one :class:`InputError`, so a user
fixes a file once rather than once per run. Codes are stable: tests, the report and the batch
folder's ``.error.txt`` files all use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The taxonomy: the level tells where a problem sits, the code what it is.
FILE = "file"
HEADER = "header"
ROW = "row"
CELL = "cell"
CONFIG = "config"
SHEET = "sheet"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, with its coordinates and a fix."""

    code: str
    message: str
    file: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    hint: str = ""
    level: str = CELL

    def where(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return f"[{self.code}] {text}"


class MassInvoiceError(Exception):
    """Base of the errors this package raises on purpose."""


class InputError(MassInvoiceError):
    """Bad input from the user: one or more problems, reported together (exit code 2)."""

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("input", problems, level=FILE)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more problems")
        return "\n".join(lines)

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.problems}


class ConfigError(InputError):
    """A configuration file that cannot be used."""


class RegistryError(MassInvoiceError):
    """The invoice registry refused an operation or is inconsistent."""


def raise_if(problems: list[Problem]) -> None:
    """Raise every collected problem at once, if there are any."""
    if problems:
        raise InputError(problems)
