"""Problems found in user input, as values.

A problem names where it is (file, sheet, row, column), what is wrong and how to fix it. Readers
collect every problem of a file and raise them together in one :class:`InputError`, so a user
fixes a file once rather than once per run. Codes are stable: tests, the report and the batch
folder's ``.error.txt`` files all use them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from massinvoice.codes import (
    CATALOGUE,
    CELL,
    CONFIG,
    FILE,
    HEADER,
    ROW,
    SHEET,
    WARNING,
    Code,
    Entry,
)


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

    def where(self, language: str = "en") -> str:
        words = _WHERE_WORDS[language == "es"]
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"{words[0]} {self.sheet!r}")
        if self.row is not None:
            parts.append(f"{words[1]} {self.row}")
        if self.column:
            parts.append(f"{words[2]} {self.column!r}")
        return ", ".join(parts)

    def render(self, language: str = "en") -> str:
        """The problem for a person reading ``language``: in Spanish, the catalogue's meaning
        and what to do, with the values the English message quotes (cell text, order numbers)."""
        if language != "es" or self.code not in CATALOGUE:
            return str(self)
        entry = CATALOGUE[Code(self.code)]
        where = self.where("es")
        text = f"{where}: {entry.meaning_es}" if where else entry.meaning_es
        quoted = quoted_values(self.message)
        if quoted:
            text += " (" + ", ".join(quoted) + ")"
        return f"[{self.code}] {text} Qué hacer: {entry.todo_es}"

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return f"[{self.code}] {text}"


_WHERE_WORDS = (("sheet", "row", "column"), ("hoja", "fila", "columna"))
# What a Spanish rendering carries over from an English message: quoted values and numbers of
# orders, lines and rows (never English words).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|(?<![\w.])\d[\d.,/-]*\d(?![\w])|(?<![\w.])\d(?![\w.])")


def quoted_values(message: str) -> list[str]:
    """The values an English message quotes (cell text, numbers), at most four."""
    return _QUOTED.findall(message)[:4]


class MassInvoiceError(Exception):
    """Base of the errors this package raises on purpose."""


class InputError(MassInvoiceError):
    """Bad input from the user: one or more problems, reported together (exit code 2)."""

    def __init__(self, problems: Iterable[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(Code.INPUT, problems, level=FILE)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.report())

    def report(self, limit: int = 200, language: str = "en") -> str:
        lines = [p.render(language) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            more = len(self.problems) - limit
            lines.append(
                f"... y {more} problemas más"
                if language == "es"
                else f"... and {more} more problems"
            )
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


def catalogue_markdown() -> str:
    """The docs page of every code (docs/problems.md), made from the catalogue."""
    out = [
        "# Problems and warnings",
        "",
        "Every code massinvoice reports, what it means and what to do, in English and Spanish.",
        "Generated from `massinvoice/problems.py` by `python -m massinvoice.problems docs/problems.md`;",
        "do not edit by hand.",
        "",
        "| code | kind | meaning | what to do | significado | qué hacer |",
        "|---|---|---|---|---|---|",
    ]
    for code in sorted(Code):
        e = CATALOGUE[code]
        cells = (f"`{code}`", e.level, e.meaning_en, e.todo_en, e.meaning_es, e.todo_es)
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


__all__ = [
    "CATALOGUE", "CELL", "CONFIG", "FILE", "HEADER", "ROW", "SHEET", "WARNING", "Code",
    "ConfigError", "Entry", "InputError", "MassInvoiceError", "Problem", "RegistryError",
    "catalogue_markdown", "quoted_values", "raise_if",
]  # fmt: skip


if __name__ == "__main__":  # python -m massinvoice.problems [docs/problems.md]
    page = catalogue_markdown()
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8", newline="\n") as fh:
            fh.write(page)
    else:
        sys.stdout.write(page)
