"""The malformed corpus: every broken file gives clear problems, never a traceback.

Each file in ``tests/corpus`` (written by ``make_corpus.py``) is read through ``load_export``
(problems raised together as one InputError), through ``read_export`` (problems as values) and
through the ``select`` command (exit code 2, the problem shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from massinvoice.config import Config, Limits
from massinvoice.problems import InputError
from massinvoice.read import load_export, read_export

CORPUS = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Expect:
    codes: tuple[str, ...]  # problem codes in order (rows ascending)
    where: tuple[tuple[int | None, str | None], ...] = ()  # (row, column) per problem
    words: tuple[str, ...] = ()  # said somewhere in the report
    files: tuple[str, ...] = ()  # more files read with this one
    limits: Limits = field(default_factory=Limits)


CASES: dict[str, Expect] = {
    "missing_customer_column.xlsx": Expect(
        ("missing_column",), ((1, None),), ("bill customer", "'Order #'", "'Bill Customer'")
    ),
    "missing_order_column.csv": Expect(("missing_column",), ((1, None),), ("order number",)),
    "duplicate_header.xlsx": Expect(
        ("duplicate_header",), ((1, "Pedido (D)"),), ("columns A 'Order #' and D 'Pedido'",)
    ),
    "price_list.xlsx": Expect(("no_header",), ((None, None),), ("'Prices'", "order export")),
    "two_sheets_no_export.xlsx": Expect(("no_header",), (), ("'Notes', 'Prices'",)),
    "header_too_deep.xlsx": Expect(("no_header",), (), ("first 30 rows",)),
    "headers_only.xlsx": Expect(("no_data",), ((2, None),)),
    "conflicting_customer.xlsx": Expect(
        ("conflicting_order",), ((3, "Bill Customer (C)"),), ("rows 2 and 3", "'ACME' vs 'OTHER'")
    ),
    "conflicting_invoice.csv": Expect(
        ("conflicting_order",), ((3, "Invoice # (C)"),), ("'001-1' vs '001-2'",)
    ),
    "text_in_number.xlsx": Expect(("not_a_number",), ((3, "Boxes (E)"),), ("'two'",)),
    "impossible_dates.xlsx": Expect(
        ("bad_date", "bad_date"), ((2, "Ship Date (B)"), (3, "Ship Date (B)")), ("31/02/2026",)
    ),
    "non_integer_boxes.xlsx": Expect(("not_an_integer",), ((2, "Boxes (E)"),), ("2.5",)),
    "missing_order_number.xlsx": Expect(("missing_order_no",), ((3, "Order # (A)"),)),
    "three_bad_cells.xlsx": Expect(
        ("bad_date", "not_an_integer", "not_a_number"),
        ((2, "Ship Date (B)"), (3, "Boxes (E)"), (4, "Unit Price (G)")),
    ),
    "bad_unit.csv": Expect(("bad_unit",), ((2, "Unit (C)"),)),
    "no_bill_customer.csv": Expect(("missing_value",), ((2, "Customer (B)"),)),
    "too_many_rows.csv": Expect(("too_large",), (), ("13 rows",), limits=Limits(max_rows=5)),
    "too_many_columns.csv": Expect(("too_large",), (), ("402 columns",)),
    "empty.csv": Expect(("empty_file",)),
    "empty.xlsx": Expect(("empty_file",)),
    "utf16.csv": Expect(("wrong_encoding",), (), ("UTF-16",)),
    "binary.csv": Expect(("wrong_encoding",)),
    "encrypted.xlsx": Expect(("encrypted",), (), ("password",)),
    "truncated.xlsx": Expect(("corrupt",), (), ("damaged",)),
    "text_renamed.xlsx": Expect(("corrupt",), (), ("text file renamed .xlsx",)),
    "pdf_renamed.xlsx": Expect(("corrupt",), (), ("PDF",)),
    "not_a_workbook.xlsx": Expect(("corrupt",)),
    "zip_bomb.xlsx": Expect(("too_large",), (), ("zip bomb",)),
    "ole_junk.xls": Expect(("corrupt",)),
    "web_page.xls": Expect(("corrupt",), (), ("web page",)),
    "orders.pdf": Expect(("unsupported_format",)),
    "merge_b.csv": Expect(("merge_conflict",), (), ("order 9", "merge_a.csv"), ("merge_a.csv",)),
}
EXEMPT = {"merge_a.csv"}  # read only as the first file of the merge_b case


def test_every_corpus_file_has_a_case() -> None:
    files = {p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix != ".py"}
    assert len(files) >= 25
    assert files == set(CASES) | EXEMPT


@pytest.mark.parametrize("name", sorted(CASES))
def test_load_export_reports_every_problem(name: str) -> None:
    case = CASES[name]
    config = Config(limits=case.limits)
    paths = [CORPUS / f for f in case.files] + [CORPUS / name]
    with pytest.raises(InputError) as info:
        load_export(paths, config)
    problems = info.value.problems
    assert tuple(p.code for p in problems) == case.codes
    report = info.value.report()
    for problem in problems:
        assert problem.file == name
        assert problem.message and problem.hint, problem
        assert name in str(problem)
    for problem, (row, column) in zip(problems, case.where, strict=False):
        assert problem.row == row, problem
        if column is not None:
            assert problem.column == column
            assert f"row {row}" in str(problem) and column in str(problem)
    for words in case.words:
        assert words in report


@pytest.mark.parametrize("name", sorted(set(CASES) - {"merge_b.csv"}))
def test_read_export_returns_the_same_problems(name: str) -> None:
    case = CASES[name]
    _, problems = read_export(CORPUS / name, Config(limits=case.limits))
    assert tuple(p.code for p in problems) == case.codes
    with pytest.raises(InputError) as info:
        load_export([CORPUS / name], Config(limits=case.limits))
    assert tuple(info.value.problems) == tuple(problems)


@pytest.mark.parametrize(
    "name", ["three_bad_cells.xlsx", "zip_bomb.xlsx", "utf16.csv", "encrypted.xlsx"]
)
def test_select_command_shows_problems(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from massinvoice.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MASSINVOICE_CONFIG", raising=False)
    out = tmp_path / "selection.xlsx"
    result = CliRunner().invoke(
        main, ["select", str(CORPUS / name), "-o", str(out), "--no-registry"]
    )
    shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == 2, shown
    for code in CASES[name].codes:
        assert f"[{code}]" in shown
    assert "Traceback" not in shown
    assert not out.exists()
