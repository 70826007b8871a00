"""The problem catalogue: every code raised is in it, in both languages, and the docs page is
the catalogue's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from massinvoice.config import WARNING_CODES
from massinvoice.problems import CATALOGUE, Code, Problem, catalogue_markdown

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "massinvoice"
# Calls whose code argument names a problem or warning (the second for _problem).
RAISERS = {"Problem", "fail", "StateError", "CellError", "problem", "_problem", "warn"}


def _code_arguments() -> list[tuple[str, ast.expr]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name in RAISERS:
                arg = node.args[1] if name == "_problem" else node.args[0]
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", arg))
    return found


def test_every_raise_names_its_code_from_the_catalogue() -> None:
    args = _code_arguments()
    assert len(args) > 60
    literals = [  # a constant shaped like a code (a hint given to a local fail() is not one)
        w for w, a in args
        if isinstance(a, ast.Constant) and re.fullmatch(r"[a-z][a-z0-9_]*", str(a.value))
    ]  # fmt: skip
    assert literals == [], "codes must be Code.NAME, not bare strings"
    named = {
        (w, a.attr)
        for w, a in args
        if isinstance(a, ast.Attribute) and getattr(a.value, "id", "") == "Code"
    }
    unknown = [(w, n) for w, n in named if n not in Code.__members__]
    assert unknown == []


def test_every_code_attribute_used_anywhere_exists() -> None:
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "Code":
                assert node.attr in Code.__members__, f"{path}:{node.lineno} Code.{node.attr}"


def test_catalogue_is_complete_in_both_languages() -> None:
    assert set(CATALOGUE) == set(Code)
    assert set(WARNING_CODES) <= set(Code)
    for code, entry in CATALOGUE.items():
        texts = (entry.meaning_en, entry.todo_en, entry.meaning_es, entry.todo_es)
        assert all(t.strip() for t in texts), code
        assert entry.meaning_en != entry.meaning_es, code


def test_docs_page_is_up_to_date() -> None:
    page = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    assert page == catalogue_markdown(), "run: python -m massinvoice.problems docs/problems.md"
    for code in Code:
        assert f"`{code}`" in page


def test_spanish_rendering_keeps_values_and_drops_english() -> None:
    p = Problem(
        Code.UNCLEAR_SELECT, "unclear Select value 'OK' in row 7", "sel.xlsx", "Seleccionar", 7,
        "Seleccionar", "type X or leave empty",
    )  # fmt: skip
    text = p.render("es").removeprefix("[unclear_select]")
    assert "'OK'" in text and "fila 7" in text and "Qué hacer" in text
    assert "unclear" not in text and "leave empty" not in text and "row" not in text
    assert p.render("en") == str(p)
