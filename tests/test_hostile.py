"""Hostile input: files made to exhaust, crash or trick the reader, and data made to run.

* Every file of ``tests/hostile`` (written by ``make_hostile.py``) is read in a child process
  under a memory cap, by the export reader and by ``massinvoice select``: each either reads or
  gives a clear problem (exit 2, the file named, no traceback), in bounded time and memory.
* Formulas, markup, template syntax and dangerous order numbers that read fine come out as inert
  text in every file we write: both sheets of the selection workbook, ``register.xlsx``,
  ``invoices.csv``, the PDFs (which fetch nothing), and safe file names.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from massinvoice.config import load_config
from massinvoice.invoice.render import FONTS, TEMPLATES, RestrictedFetcher
from massinvoice.invoice.run import InvoiceOptions, invoice_selection
from massinvoice.problems import InputError
from massinvoice.read import load_export
from massinvoice.registry.numbering import Registry
from massinvoice.select.run import select_orders
from massinvoice.text import FORMULA_PREFIXES
from tests.fault_tools import GIB, run_measured
from tests.sheet_tools import mark

HOSTILE = Path(__file__).resolve().parent / "hostile"
MAX_SECONDS = 60
MAX_RSS = 1.5 * GIB


def load_maker():
    """tests/hostile/make_hostile.py as a module (it is a script)."""
    name = "massinvoice_make_hostile"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HOSTILE / "make_hostile.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


M = load_maker()

# file -> (problem code, words of the message): refused as a whole, before anything is written.
REFUSED: dict[str, tuple[str, str]] = {
    "zip_bomb_ratio.xlsx": ("too_large", "zip bomb"),
    "zip_bomb_lying_header.xlsx": ("corrupt", "larger than its declared"),
    "zip_bomb_declared_4gib.xlsx": ("too_large", "expands to 4096 MB"),
    "billion_laughs_strings.xlsx": ("corrupt", "cannot be read"),
    "external_entity.xlsx": ("corrupt", "cannot be read"),
    "sparse_far_corner.xlsx": ("too_large", "4096 MB allowed"),
    "sparse_far_column.xlsx": ("too_large", "16384 columns"),
    "sparse_far_row.xlsx": ("too_large", "1048576 rows"),
    "implicit_cells_far.xlsx": ("too_large", "4096 MB allowed"),
    "lowercase_cell_reference.xlsx": ("too_large", "4096 MB allowed"),
    "four_letter_column.xlsx": ("too_large", "4096 MB allowed"),
    "quoted_bracket_cell_reference.xlsx": ("corrupt", "cannot be read"),
    "duplicate_cell_reference.xlsx": ("too_large", "4096 MB allowed"),
    "spaced_cell_reference.xlsx": ("too_large", "4096 MB allowed"),
    "columns_16000.xlsx": ("too_large", "16000 columns"),
    "columns_16000.csv": ("too_large", "16000 columns"),
    "ods_repeated_rows.ods": ("corrupt", "cannot be read"),
    "ods_repeated_columns.ods": ("too_large", "16000 columns"),
    "ods_repeated_rows_narrow.ods": ("too_large", "1000001 rows"),
    "deep_xml_nesting.xlsx": ("no_data", "no order line"),
    "pdf_document.xlsx": ("corrupt", "PDF document"),
    "png_image.xlsx": ("corrupt", "not a .xlsx workbook"),
    "jpeg_image.ods": ("corrupt", "not a .ods workbook"),
    "random_files.xlsx": ("corrupt", "cannot be read"),
    "empty_zip.xlsx": ("corrupt", "not a .xlsx workbook"),
    "word_document.xlsx": ("corrupt", "cannot be read"),
    "gzip_data.csv": ("wrong_encoding", "binary"),
    "windows_program.xls": ("corrupt", "not a .xls workbook"),
    "truncated_sheet_xml.xlsx": ("corrupt", "cannot be read"),
    "missing_sheet_part.xlsx": ("corrupt", "cannot be read"),
    "unclosed_quote.csv": ("missing_value", "no bill customer"),
}
# file -> orders it holds: it reads, and its hostile text is followed downstream.
READ: dict[str, int] = {
    "formula_injection.csv": 10,
    "formula_injection.xlsx": 10,
    "markup_in_names.csv": 10,
    "markup_in_names.xlsx": 10,
    "hostile_order_numbers.xlsx": 15,
    "formula_cells.xlsx": 1,
    "control_characters.csv": 1,
    "nul_after_4k.csv": 81,
    "macro_workbook.xlsm": 1,
    "traversal_entry_names.xlsx": 1,
    "nested_formula.xlsx": 1,
    "billion_laughs_workbook.xlsx": 1,
}


def test_the_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    made = M.make(tmp_path)
    committed = {p.name for p in HOSTILE.iterdir() if p.suffix != ".py" and p.is_file()}
    assert {p.name for p in made} == committed == set(REFUSED) | set(READ)
    assert len(committed) >= 30
    for path in made:
        assert path.read_bytes() == (HOSTILE / path.name).read_bytes(), f"{path.name} is stale"
    assert sum(p.stat().st_size for p in made) < 1024 * 1024, "the corpus stays small"


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every corpus file read in one child capped at 4 GiB: file -> what happened."""
    folder = tmp_path_factory.mktemp("probe")
    files = sorted(HOSTILE / name for name in [*REFUSED, *READ])
    done = run_measured(["-m", "tests.fault_tools", "probe", folder, *files], cwd=folder,
                        timeout=300)  # fmt: skip
    records = {r["file"]: r for r in map(json.loads, done.stdout.splitlines())}
    missing = [f.name for f in files if f.name not in records]
    assert done.returncode == 0 and not missing, (
        f"the reader died (exit {done.returncode}) on {missing[:1]}: {done.stderr[-2000:]}"
    )
    print(f"\n{len(files)} hostile files in {sum(r['seconds'] for r in records.values()):.1f} s, "
          f"peak {done.peak_mib:.0f} MiB")  # fmt: skip
    for r in records.values():
        r["peak"] = done.peak_rss
    return records


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_file_is_refused_clearly(probed: dict[str, dict], name: str) -> None:
    code, words = REFUSED[name]
    r = probed[name]
    assert r.get("codes") == [code], r
    assert words in r["report"] and name in r["report"]
    assert r["exit"] == 2, r["output"]
    assert f"[{code}]" in r["output"] and name in r["output"]
    assert "Traceback" not in r["output"] and not r["exception"]
    assert r["seconds"] < MAX_SECONDS and r["peak"] < MAX_RSS


@pytest.mark.parametrize("name", sorted(READ))
def test_a_file_with_hostile_content_reads(probed: dict[str, dict], name: str) -> None:
    r = probed[name]
    assert r.get("orders") == READ[name], r
    assert r["exit"] == 0, r["output"]
    assert r["seconds"] < MAX_SECONDS and r["peak"] < MAX_RSS


def test_limits_come_from_the_config(tmp_path: Path) -> None:
    """A long export is refused by a low [limits] of the config file, quickly and clearly."""
    config = tmp_path / "massinvoice.toml"
    config.write_text("[limits]\nmax_rows = 50000\nmax_columns = 20\n", encoding="utf-8")
    long_csv = M.million_rows_csv(tmp_path / "long.csv", rows=60_000)
    sparse = M.sparse_million_rows_xlsx(tmp_path / "sparse.xlsx", rows=60_000)
    wide = HOSTILE / "formula_injection.csv"  # 22 columns
    for path, words in ((long_csv, "60001 rows, over the limit of 50000"),
                        (sparse, "60001 rows, over the limit of 50000"),
                        (wide, "22 columns, over the limit of 20")):  # fmt: skip
        done = run_measured(["-m", "massinvoice", "select", path, "-o", tmp_path / "s.xlsx",
                             "--no-registry", "--config", config], cwd=tmp_path)  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and path.name in done.stderr
        assert "Traceback" not in done.stderr
        assert done.seconds < MAX_SECONDS and done.peak_rss < MAX_RSS


# --- hostile text, followed through every output ------------------------------------------------


@pytest.fixture
def run_all(workspace: Path):
    """select + mark every row + invoice, in process; returns (config, sheet, outdir, result)."""

    def go(export: Path, **options):
        config = load_config(workspace / "massinvoice.toml")
        sheet = workspace / "selection.xlsx"
        select_orders([export], sheet, config=config, use_registry=False)
        mark(sheet)
        out = workspace / ("drafts" if options.get("dry_run") else "out")
        result = invoice_selection(sheet, out, config=config, options=InvoiceOptions(**options))
        return config, sheet, out, result

    return go


def cells(path: Path) -> Iterator[tuple[str, openpyxl.cell.Cell]]:
    """(sheet name, cell) of every non-empty cell of a workbook."""
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c


def folded(text: str) -> str:
    """Text as our reader keeps it: outer spaces gone, inner runs of spaces folded to one."""
    return " ".join(text.replace("\x00", "").split())


def strings_and_formulas(path: Path) -> tuple[set[str], list[str]]:
    """All text cells of a workbook, and the text of every formula in it."""
    texts, formulas = set(), []
    for _, c in cells(path):
        if c.data_type == "f":
            formulas.append(str(c.value))
        elif isinstance(c.value, str):
            texts.add(c.value)
    return texts, formulas


MARKERS = ("HYPERLINK", "cmd|", "IMPORTXML", "1+2", "SUM(1,2)", "http://x")
NETWORK = {"socket.connect", "socket.getaddrinfo", "socket.sendto", "urllib.Request"}


@pytest.mark.parametrize("name", ["formula_injection.csv", "formula_injection.xlsx"])
def test_formulas_in_data_stay_text_in_every_file_we_write(run_all, name: str) -> None:
    _, sheet, _, result = run_all(HOSTILE / name)
    assert len(result.issued) == 10
    payloads = {folded(p) for p in M.FORMULAS}
    # the selection workbook, both sheets: the payloads are text cells; no formula carries them
    texts, formulas = strings_and_formulas(sheet)
    assert payloads <= texts
    assert not [f for f in formulas if any(m in f for m in MARKERS)], formulas
    book = openpyxl.load_workbook(sheet)
    lines = {c.value for row in book["Lines"].iter_rows() for c in row if c.data_type == "s"}
    assert payloads <= lines, "the Lines sheet carries them as text too"
    # the register: text cells only, and no formula at all
    texts, formulas = strings_and_formulas(result.files["register"])
    assert formulas == []
    assert {f"{p} CUSTOMER {i}" for i, p in enumerate(map(folded, M.FORMULAS), 1)} <= texts
    # invoices.csv: a spreadsheet would show each payload as text (a leading ')
    with open(result.files["invoices"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(FORMULA_PREFIXES), (column, value)
        assert row["Customer"].startswith("'") and row["Customer"][1:] in {
            f"{p} CUSTOMER {i}" for i, p in enumerate(map(folded, M.FORMULAS), 1)
        }
    # the report is plain text: the payloads are there, as written
    report = result.files["report"].read_text("utf-8")
    assert all(p in report for p in payloads if len(p) < 20)


def test_formula_cells_of_an_export_are_read_as_their_values(run_all) -> None:
    _, sheet, _, result = run_all(HOSTILE / "formula_cells.xlsx")
    (issued,) = result.issued
    assert issued.bill_customer == "DDE INC"
    for path in (sheet, result.files["register"]):
        _, formulas = strings_and_formulas(path)
        assert not [f for f in formulas if any(m in f for m in MARKERS)], formulas


def pdf_words(path: Path) -> str:
    """A PDF's text with every space and line break taken out (long names wrap)."""
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(path).pages))


@pytest.mark.parametrize("name", ["markup_in_names.csv", "markup_in_names.xlsx"])
def test_markup_prints_literally_and_nothing_is_fetched(run_all, monkeypatch, name: str) -> None:
    fetched: list[str] = []
    real = RestrictedFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(RestrictedFetcher, "fetch", spy)
    opened: list[str] = []

    def audit(event: str, args: tuple) -> None:
        if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
            opened.append(os.fsdecode(args[0]))
        elif event in NETWORK:
            opened.append(f"{event} {args!r}")

    watching = [True]
    sys.addaudithook(lambda e, a: audit(e, a) if watching[0] else None)
    try:
        _, _, _, result = run_all(HOSTILE / name, jobs=1)
    finally:
        watching[0] = False
    assert len(result.issued) == 10
    for issued, payload in zip(result.issued, M.MARKUP, strict=True):
        words = pdf_words(Path(issued.file))
        assert re.sub(r"\s+", "", payload) in words, payload
    own = (TEMPLATES.as_uri(), FONTS.as_uri())
    assert fetched and all(url.startswith(own) for url in fetched), fetched
    named = ("/etc/passwd", "/etc/shadow", "evil")  # what the payloads point at
    assert not [p for p in opened if any(n in p for n in named) or p.split()[0] in NETWORK]


def test_dangerous_order_numbers_give_safe_file_names(run_all, workspace: Path) -> None:
    _, _, drafts, result = run_all(HOSTILE / "hostile_order_numbers.xlsx", dry_run=True)
    assert len(result.issued) == len(M.ORDER_NUMBERS)
    names = [p.name for p in result.records.iterdir() if p.suffix == ".pdf"]  # the run's folder
    assert len(names) == len(M.ORDER_NUMBERS)
    assert all(p.parent == result.records for p in result.records.rglob("*")), "nothing outside"
    assert {p.name for p in drafts.iterdir()} == {"runs", "runs.csv"}
    reserved = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(10)}
    for name in names:
        assert re.fullmatch(r"DRAFT-\d{4}-[A-Za-z0-9._-]+\.pdf", name), name
        assert len(name.encode()) <= 200
        assert name.split("-", 2)[2].split(".")[0].upper() not in reserved
    # a real run: PDFs take the invoice numbers; the registry keeps each order number as read
    config, _, out, result = run_all(HOSTILE / "hostile_order_numbers.xlsx")
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(
        f"{i.number}.pdf" for i in result.issued
    )
    registry = Registry(config.registry_url)
    try:
        held = {o for r in registry.list() for o in r.orders}
    finally:
        registry.close()
    assert held == {folded(n) for n in M.ORDER_NUMBERS}
    texts, _ = strings_and_formulas(result.files["register"])
    assert "x" * 300 in texts and "nulbyte" in texts and "../../etc/passwd" in texts


def test_control_characters_survive_as_text(run_all) -> None:
    _, sheet, _, result = run_all(HOSTILE / "control_characters.csv")
    (issued,) = result.issued
    assert "\x07" in issued.bill_customer and "\u202e" in issued.bill_customer
    for path in (sheet, result.files["register"]):  # as Excel shows them (_x0007_ decoded)
        book = CalamineWorkbook.from_path(str(path))
        shown = {v for n in book.sheet_names for row in book.get_sheet_by_name(n).to_python()
                 for v in row}  # fmt: skip
        assert issued.bill_customer in shown


def test_nul_bytes_in_a_csv_are_dropped_from_the_values() -> None:
    orders = {o.order_no: o for o in load_export([HOSTILE / "nul_after_4k.csv"],
                                                load_config(None, search=False))}  # fmt: skip
    assert orders["NUL-81"].bill_customer == "BLOOM WHOLESALE INC"


def test_a_logo_the_config_names_is_drawn_and_nothing_else_is_read(
    run_all, workspace, monkeypatch
) -> None:
    from PIL import Image

    logo = workspace / "brand" / "logo.png"
    logo.parent.mkdir()
    Image.new("RGB", (40, 20), "green").save(logo)
    other = logo.with_name("other.png")
    Image.new("RGB", (4, 4), "red").save(other)
    toml = workspace / "massinvoice.toml"
    toml.write_text(toml.read_text("utf-8").replace(
        'country = "Ecuador"', 'country = "Ecuador"\nlogo = "brand/logo.png"'), "utf-8")  # fmt: skip
    export = workspace / "logo.csv"
    M.write_csv(export, [M.HEADER, M.order_row(
        "LOGO-1", **{"Bill Customer": f'<img src="{other.as_uri()}"> <img src="file:///etc/passwd">'})])  # fmt: skip
    fetched: list[str] = []
    real = RestrictedFetcher.fetch
    monkeypatch.setattr(RestrictedFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or real(self, url, headers))  # fmt: skip
    _, _, _, result = run_all(export, jobs=1)
    (issued,) = result.issued
    assert len(PdfReader(issued.file).pages[0].images) == 1, "the configured logo, only"
    assert logo.as_uri() in fetched
    assert other.as_uri() not in fetched and "file:///etc/passwd" not in fetched
    assert "file:///etc/passwd" in pdf_words(Path(issued.file)).replace("\u200b", "")


def test_a_hostile_logo_path_in_the_config_is_left_out(run_all, workspace, caplog) -> None:
    toml = workspace / "massinvoice.toml"
    toml.write_text(toml.read_text("utf-8").replace(
        'country = "Ecuador"', 'country = "Ecuador"\nlogo = "../../../../../etc/passwd"'), "utf-8")  # fmt: skip
    _, _, _, result = run_all(HOSTILE / "macro_workbook.xlsm", jobs=1)
    (issued,) = result.issued
    assert len(PdfReader(issued.file).pages[0].images) == 0
    assert "not an image file" in caplog.text


# --- file names built from data, in the shared folder --------------------------------------------

HOSTILE_NAMES = [
    "n" * 245 + ".csv", "é" * 120 + ".csv", "x" * 250 + ".xlsx", "-rf.csv",
    "=cmd|' calc'!A0.csv", "new\nline.csv", "CON.csv", "\u202etxt.csv", "a b; rm -rf ~.csv",
]  # fmt: skip


def test_hostile_input_file_names_in_the_batch_folder(tmp_path: Path) -> None:
    from massinvoice.batch.runner import run_folder
    from tests.test_batch_run import make_folder

    folder = make_folder(tmp_path)
    for i, name in enumerate(HOSTILE_NAMES):
        path = folder / "inbox" / name
        if name.endswith(".xlsx"):
            path.write_bytes(b"not a workbook")  # goes to errors/ with a note
        else:
            M.write_csv(path, [M.HEADER, M.order_row(f"NAME-{i}")])
        os.utime(path, (1e9, 1e9))
    result = run_folder(folder, settle_seconds=0, min_age=0)
    outcomes = {f.input.name: f.outcome for f in result.files}
    assert outcomes == {n: ("error" if n.endswith(".xlsx") else "done") for n in HOSTILE_NAMES}
    assert list((folder / "inbox").iterdir()) == []
    made = [p for sub in ("archive", "errors", "selections") for p in (folder / sub).iterdir()]
    assert len(made) == 2 * len(HOSTILE_NAMES)  # archived + selection sheet, or error + note
    assert all(len(p.name.encode()) <= 255 and p.parent.parent == folder for p in made)
    assert run_folder(folder, settle_seconds=0, min_age=0).files == ()


def test_the_csv_reader_never_crashes_on_the_corpus_in_process() -> None:
    """The csv cases read in this process too (no engine that could abort is involved)."""
    for name in [n for n in [*REFUSED, *READ] if n.endswith(".csv")]:
        try:
            load_export([HOSTILE / name], load_config(None, search=False))
        except InputError as exc:
            assert exc.problems and name in exc.report()


def test_invoices_csv_neutralises_every_formula_prefix() -> None:
    from massinvoice.invoice.lines_csv import safe_text

    for payload in M.FORMULAS:
        shown = safe_text(folded(payload))
        assert shown.startswith("'") or not folded(payload).startswith(FORMULA_PREFIXES)
        buffer = io.StringIO()
        csv.writer(buffer).writerow([shown])
        assert not buffer.getvalue().lstrip('"').startswith(FORMULA_PREFIXES)


# Workbooks refused by the guard (sheet size, engine failure) or before it (zip checks).
GUARDED = sorted(
    n for n, (code, _) in REFUSED.items() if n.endswith((".xlsx", ".ods")) and code != "no_data"
)


def test_read_back_refuses_the_corpus_as_select_does(tmp_path: Path) -> None:
    """One guard for every reader: an edited selection workbook that is in fact hostile gets
    the same problem as the export would."""
    from massinvoice.readback.selection import read_selection

    config = load_config(None, search=False)
    for name in GUARDED:
        with pytest.raises(InputError) as caught:
            read_selection(HOSTILE / name, config=config)
        assert [p.code for p in caught.value.problems] == [REFUSED[name][0]], name


def test_the_batch_runner_refuses_the_corpus_as_select_does(tmp_path: Path) -> None:
    """The unattended runner (a lock heartbeat thread beside it) reads through the same
    memory-capped worker: every hostile workbook ends in errors/ with select's problem, and
    the runner itself goes on."""
    from tests.test_batch_run import files, make_folder, run

    folder = make_folder(tmp_path)
    for name in GUARDED:
        shutil.copy(HOSTILE / name, folder / "inbox" / name)
    result = run(folder)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for name in GUARDED:
        stem, suffix = Path(name).stem, Path(name).suffix
        (note,) = files(folder, "errors", f"{stem}-*{suffix}.error.txt")
        assert REFUSED[name][0] in note.read_text("utf-8"), name
    assert files(folder, "inbox") == []
