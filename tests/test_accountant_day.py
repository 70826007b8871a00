"""The accountant's day through the real commands: filters checked against the export, a sheet
nobody saved, the accountant's own corrections, Spanish with no English leftovers, names in any
script, the shared folder's notes and status file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from massinvoice.cli import main
from tests.conftest import SELLER_CONFIG
from tests.registry_fixtures import fresh_pg_database, pg_server_url  # noqa: F401
from tests.sheet_tools import mark, set_line_value

SPANISH = SELLER_CONFIG.replace('language = "en"', 'language = "es"\npayment_terms = "Net 30"')


@pytest.fixture
def runner(workspace: Path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(workspace)
    return CliRunner()


def _record(outdir: str, name: str) -> Path:
    """One of the run's records (each run keeps its own under OUTDIR/runs/<run>/)."""
    (path,) = Path(outdir).glob(f"runs/*/{name}")
    return path


def _export_rows(path: Path) -> tuple[openpyxl.Workbook, object, int, dict[str, int]]:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for row in ws.iter_rows(min_row=1, max_row=10):
        names = {c.value: c.column for c in row if c.value}
        if "Order #" in names:
            return wb, ws, row[0].row, names
    raise AssertionError("no header")


def _rename_customers(export: Path, names: dict[int, str]) -> dict[str, str]:
    """Give the n-th order of the export a bill and ship customer: order number -> name."""
    wb, ws, header, cols = _export_rows(export)
    orders: list[str] = []
    given: dict[str, str] = {}
    for r in range(header + 1, ws.max_row + 1):
        order_no = ws.cell(r, cols["Order #"]).value
        if not order_no or not str(order_no).startswith("PO"):
            continue
        if order_no not in orders:
            orders.append(order_no)
        k = orders.index(order_no)
        if k in names:
            for col in ("Bill Customer", "Ship Customer"):
                ws.cell(r, cols[col]).value = names[k]
            given[order_no] = names[k]
    wb.save(export)
    return given


# --- filters -------------------------------------------------------------------------------


def test_filter_value_matching_nothing_names_the_closest(runner, make_export) -> None:
    export = make_export(40)
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx", "--rep", "Diego Benites"])
    assert r.exit_code == 2, r.output
    assert "no sales rep 'Diego Benites'" in r.output and "did you mean 'Diego Benítez'" in r.output
    assert not Path("s.xlsx").exists()


def test_unique_parts_and_dates_in_the_configs_order(runner, make_export) -> None:
    export = make_export(60)
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx", "--rep", "diego",
                             "--client", "great lakes", "--from", "09/11/2026", "--to", "2026-11-30"])  # fmt: skip
    assert r.exit_code in (0, 1), r.output
    ws = openpyxl.load_workbook("s.xlsx")["Selection"]
    filters = next(c.value for c in ws["A"][:6] if c.value and str(c.value).startswith("Filters"))
    assert "Diego Benítez" in filters and "GREAT LAKES BOUQUET CO" in filters
    assert "2026-11-09" in filters and "status" not in filters  # only what was applied
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx", "--from", "2026-11-22", "--to", "2026-11-16"])  # fmt: skip
    assert r.exit_code == 2 and "bad_date_range" in r.output


def test_zero_orders_listed_exits_1(runner, make_export) -> None:
    export = make_export(10)
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx", "--from", "2030-01-01"])
    assert r.exit_code == 1 and "No order matches the filters" in r.output


# --- forgetting to save, no and 0, corrections -------------------------------------------------


def test_unsaved_sheet_with_excel_lock_says_so(runner, make_selection) -> None:
    _, _, sheet = make_selection(6)
    (sheet.parent / f"~${sheet.name}").write_bytes(b"owner")
    r = runner.invoke(main, ["invoice", str(sheet), "-o", "out"])
    assert r.exit_code == 1
    assert "Nothing selected: did you save?" in r.output and f"~${sheet.name}" in r.output


def test_no_and_zero_mean_not_selected(runner, make_selection) -> None:
    _, _, sheet = make_selection(6)
    first, second, third = list(_invoiceable(sheet))[:3]
    mark(sheet, [first], "no")
    mark(sheet, [second], "0")
    mark(sheet, [third], "X")
    r = runner.invoke(main, ["invoice", str(sheet), "-o", "out"])
    assert r.exit_code == 0, r.output
    assert "Issued 1 invoice in" in r.output


def _invoiceable(sheet: Path) -> list[str]:
    from tests.sheet_tools import listed_orders

    return [
        o
        for o, row in listed_orders(sheet).items()
        if row["Select"] != "INVOICED!"
        and not {"several currencies", "zero price"} & set(str(row["Warnings"] or "").split(", "))
    ]


def test_own_correction_is_not_an_amount_mismatch(runner, make_selection) -> None:
    _, _, sheet = make_selection(6)
    order_no = _invoiceable(sheet)[0]
    mark(sheet, [order_no])
    set_line_value(sheet, order_no, 1, "Unit Price", 0.55)
    r = runner.invoke(main, ["invoice", str(sheet), "-o", "out"])
    assert r.exit_code == 0, r.output
    report = _record("out", "report.txt").read_text("utf-8")
    assert f"{order_no:<20} line 1: unit price" in report
    assert not re.search(rf"{order_no}\s+\[amount_mismatch\] line 1:", report)


# --- Spanish, no English leftovers ----------------------------------------------------------

# Words that give away English in Spanish output (whole words, case-sensitive where it matters).
ENGLISH = re.compile(
    r"\b(Issued|invoices?|Skipped|orders?|Warnings?|Control totals|Report|Register|Read|listed|"
    r"Wrote|Next|Net 30|VAT|export\)|Select|Lines|Selection|INVOICED!|not_packed|missing_awb|"
    r"missing_dae|partial|unconfirmed|zero_price|under_min|Cannot continue|problems? to fix|"
    r"Payment terms|Total for|stems|boxes|line \d)\b"
)


def _leftovers(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    for word in allowed:
        text = text.replace(word, "")
    text = re.sub(r"\[[a-z_]+\]", "", text)  # a code in brackets: the catalogue's key
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext")
def test_spanish_mode_has_no_english_leftovers(runner, workspace, make_export, tmp_path) -> None:
    (workspace / "massinvoice.toml").write_text(SPANISH, "utf-8")
    (workspace / "customers.csv").unlink()  # every invoice in the config's language
    export = make_export(12)
    texts: dict[str, str] = {}
    r = runner.invoke(main, ["select", str(export), "-o", "sel.xlsx"])
    assert r.exit_code == 0, r.output
    texts["select"] = r.output
    wb = openpyxl.load_workbook("sel.xlsx")
    assert wb.sheetnames[:2] == ["Selección", "Líneas"]
    ws = wb["Selección"]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    texts["workbook"] = "\n".join(c for c in cells if not c.startswith("="))
    texts["legend"] = "\n".join(
        str(c.value) for row in wb["Leyenda"].iter_rows() for c in row if c.value is not None
    )
    texts["lines_header"] = " ".join(str(c.value) for c in wb["Líneas"][1] if c.value)
    head = next(r for r in ws.iter_rows() if any(c.value == "Seleccionar" for c in r))
    col = {c.value: c.column for c in head}
    for row in ws.iter_rows(min_row=head[0].row + 1):
        order_no = row[col["Pedido"] - 1].value
        warned = str(row[col["Advertencias"] - 1].value or "")
        if (
            order_no
            and row[col["Seleccionar"] - 1].value in (None, "")
            and row[col["Estado"] - 1].value != "FACTURADO"
            and "varias monedas" not in warned
            and "precio cero" not in warned  # a zero total is never invoiced
            and warned  # its warnings go to the report
        ):
            ws.cell(row[0].row, col["Seleccionar"]).value = "X"
            break
    wb.save("sel.xlsx")
    r = runner.invoke(main, ["invoice", "sel.xlsx", "-o", "out"])
    assert r.exit_code == 0, r.output
    texts["invoice"] = r.output
    texts["report"] = _record("out", "report.txt").read_text("utf-8")
    assert "Advertencias" in texts["report"]
    register = openpyxl.load_workbook(_record("out", "register.xlsx"))
    texts["register"] = "\n".join(
        f"{ws.title} " + " ".join(str(c.value) for c in ws[1]) for ws in register.worksheets
    )
    (pdf,) = Path("out").glob("001-001-*.pdf")
    texts["pdf"] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout  # fmt: skip
    assert "Neto 30 días" in texts["pdf"] and "IVA 0% (exportación)" in texts["pdf"]
    r = runner.invoke(main, ["select", str(export), "-o", "x.xlsx", "--rep", "Diego Benites"])
    texts["error"] = r.output
    r = runner.invoke(main, ["init", str(tmp_path / "shared"), "--language", "es"])
    texts["init"] = r.output
    texts["readme"] = (tmp_path / "shared" / "README.txt").read_text("utf-8")
    # the shared folder: a file it cannot use, its note, the status file, the terminal
    shared = tmp_path / "shared"
    (shared / "massinvoice.toml").write_text(SPANISH, "utf-8")
    (shared / "inbox" / "factura.pdf").write_bytes(b"%PDF-1.4 not ours")
    shutil.copy(export, shared / "inbox" / "pedidos.xlsx")
    r = runner.invoke(main, ["run", str(shared), "--settle", "0", "--min-age", "0"])
    texts["run"] = r.output
    texts["status"] = (shared / "ESTADO.txt").read_text("utf-8")
    (note,) = (shared / "errors").glob("*.error.txt")
    texts["note"] = note.read_text("utf-8")
    # Names of things, not English text: the product's name, data from the export, file names.
    # Folder and file names and commands stay as they are on disk.
    allowed = ("massinvoice invoice", "massinvoice", '"invoices"', "invoices/", "orders.xlsx",
               "orders-selection", "Order export", "FOB", "Total", "report.txt")  # fmt: skip
    found = {k: _leftovers(v, allowed) for k, v in texts.items()}
    assert found == {k: [] for k in texts}, found


# --- names in any script -----------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="needs poppler-utils")
def test_cjk_arabic_and_cyrillic_customers_render_with_real_glyphs(runner, make_export) -> None:
    from pypdf import PdfReader

    export = make_export(12)
    scripts = ("東京フラワー株式会社", "شركة زهور الخليج", "ЦВЕТЫ МОСКВА ООО")
    names = {k: scripts[k % 3] for k in range(12)}
    _rename_customers(export, names)
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx"])
    assert r.exit_code == 0, r.output
    mark(Path("s.xlsx"), _invoiceable(Path("s.xlsx")))
    r = runner.invoke(main, ["invoice", "s.xlsx", "-o", "out"])
    assert r.exit_code == 0, r.output
    assert "glyph_missing" not in _record("out", "report.txt").read_text("utf-8")
    seen = set()
    for pdf in Path("out").glob("001-001-*.pdf"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "\ufffd" not in text
        if "東京フラワー株式会社" in text:
            assert "Noto-Sans-CJK" in fonts
            seen.add("cjk")
        if "ЦВЕТЫ МОСКВА ООО" in text:
            assert "Invoice-Sans" in fonts  # the bundled DejaVu Sans
            seen.add("cyrillic")
        if "زهور" in text or "روهز" in text:  # logical or visual order, as the extractor gives it
            assert "Invoice-Sans" in fonts
            seen.add("arabic")
        assert PdfReader(pdf).pages[0].extract_text()
    assert seen == {"cjk", "cyrillic", "arabic"}


def test_a_glyph_no_font_has_is_a_warning_naming_the_order() -> None:
    from massinvoice.invoice.glyphs import undrawable

    assert undrawable(["ЦВЕТЫ", "東京", "شركة", "שלום", "Ñandú"]) == ""
    assert undrawable(["\U0001d11e clef", "\U00013000"]) != ""  # musical symbol, hieroglyph


# --- the shared folder ------------------------------------------------------------------------


def test_wrong_kind_goes_to_errors_and_the_status_file_says_so(runner, tmp_path) -> None:
    folder = tmp_path / "shared"
    assert runner.invoke(main, ["init", str(folder), "--language", "es"]).exit_code == 0
    (folder / "inbox" / "factura.pdf").write_bytes(b"%PDF-1.4 not ours")
    r = runner.invoke(main, ["run", str(folder), "--settle", "0", "--min-age", "0"])
    assert r.exit_code == 1
    assert list((folder / "inbox").iterdir()) == []
    (note,) = (folder / "errors").glob("factura-*.pdf.error.txt")
    assert "unsupported_format" in note.read_text("utf-8")
    status = (folder / "ESTADO.txt").read_text("utf-8")
    assert "CON ERROR" in status and "factura.pdf" in status and note.name in status
    assert not (folder / "STATUS.txt").exists()


def test_an_old_error_note_goes_when_the_file_later_succeeds(
    runner, workspace, make_export
) -> None:
    folder = workspace
    for name in ("inbox", "selections", "invoices", "archive", "errors"):
        (folder / name).mkdir()
    (folder / "inbox" / "orders.xlsx").write_bytes(b"")  # an empty file fails
    run = ["run", str(folder), "--settle", "0", "--min-age", "0"]
    assert runner.invoke(main, run).exit_code == 1
    assert len(list((folder / "errors").glob("orders-*.error.txt"))) == 1
    shutil.copy(make_export(4), folder / "inbox" / "orders.xlsx")
    r = runner.invoke(main, run)
    assert r.exit_code == 0, r.output
    assert list((folder / "errors").iterdir()) == []
    assert "Done" in (folder / "STATUS.txt").read_text("utf-8")


# --- small things ------------------------------------------------------------------------------


def test_plurals_next_step_and_registry_newest(runner, make_selection) -> None:
    _, export, sheet = make_selection(12)
    r = runner.invoke(main, ["select", str(export), "-o", "again.xlsx"])
    assert "Next: open again.xlsx" in r.output and "massinvoice invoice again.xlsx" in r.output
    orders = _invoiceable(sheet)[:4]
    mark(sheet, orders)
    r = runner.invoke(main, ["invoice", str(sheet), "-o", "out"])
    assert r.exit_code == 0 and "Issued 4 invoices" in r.output
    every = re.findall(r"001-001-\d{9}", runner.invoke(main, ["registry", "list"]).output)
    r = runner.invoke(main, ["registry", "list", "--limit", "3"])
    numbers = re.findall(r"001-001-\d{9}", r.output)
    assert len(every) >= 4 and numbers == every[-3:]  # the newest three, oldest first
    assert r.output.rstrip().endswith("3 invoices")
    for command in ("run", "watch"):  # the same default as invoice, not one process
        help_text = " ".join(runner.invoke(main, [command, "--help"]).output.split())
        assert "(default: one per CPU, at most 8)" in help_text
    help_text = runner.invoke(main, ["registry", "--help"]).output
    assert "migrate  Copy a registry into another, e.g. SQLite to PostgreSQL.\n" in help_text


# --- install ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_runs_from_a_wheel_in_a_fresh_venv(tmp_path) -> None:
    import sys

    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"  # built from a copy: the build leaves nothing in the checkout
    skip = shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "tests", "benchmarks")
    shutil.copytree(root, source, ignore=skip)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)], check=True)  # fmt: skip
    (wheel,) = wheels.glob("massinvoice-*.whl")
    venv = tmp_path / "venv"
    # The fresh venv sees the installed dependencies (not massinvoice itself) of this Python.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], check=True)  # fmt: skip
    out = tmp_path / "demo"
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH
    done = subprocess.run([venv / "bin" / "massinvoice", "demo", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    where = subprocess.run([py, "-c", "import massinvoice; print(massinvoice.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=env).stdout  # fmt: skip
    assert str(venv) in where  # the wheel's package, not the source tree
    assert list((out / "invoices").glob("*.pdf")) and (out / "selection.xlsx").is_file()


# --- the page holds with extreme values --------------------------------------------------------


def _words(pdf: Path) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True)
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        out.stdout,
    )
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in found]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_extreme_values_stay_inside_their_cells_and_the_printed_math_holds(
    runner, make_export
) -> None:
    export = make_export(3)
    wb, ws, header, cols = _export_rows(export)
    long_mark = "X" * 60 + "Y" * 60  # 120 characters, no space to break at
    for r in range(header + 1, ws.max_row + 1):
        if ws.cell(r, cols["Order #"]).value == "PO-2611-0003":
            ws.cell(r, cols["Ship Customer"]).value = long_mark
    wb.save(export)
    assert runner.invoke(main, ["select", str(export), "-o", "s.xlsx"]).exit_code == 0
    mark(Path("s.xlsx"), ["PO-2611-0003"])
    set_line_value(Path("s.xlsx"), "PO-2611-0003", 1, "Unit Price", 4999999.99)
    for column, value in (("Bunches", 4000), ("Stems/Bunch", 25), ("Stems", 100000),
                          ("Unit Price", 0.12345649)):  # fmt: skip
        set_line_value(Path("s.xlsx"), "PO-2611-0003", 2, column, value)
    r = runner.invoke(main, ["invoice", "s.xlsx", "-o", "out"])
    assert r.exit_code == 0, r.output
    (pdf,) = Path("out").glob("001-001-*.pdf")
    words = _words(pdf)
    right_edge = 595.28 - 12 / 25.4 * 72  # A4 less the 12 mm margin
    assert max(w[2] for w in words) <= right_edge + 0.5
    text = "".join(w[4] for w in words)
    assert long_mark in text  # wrapped, not cut
    # 100,000 x 0.12345649 = 12,345.65: printed as 0.1234565 (0.123456 would print 12,345.60)
    assert "0.1234565" in text and "12,345.65" in text
    by_text = {w[4]: w for w in words}
    price, amount = by_text["4,999,999.99"], by_text["2,399,999,995.20"]
    assert price[2] < amount[0], "price and amount do not overlap"
    total = [w for w in words if w[4].startswith("2,400,0")]
    assert total and all(w[2] <= right_edge + 0.5 for w in total)


# --- the README's several-machines commands, as written ---------------------------------------


@pytest.mark.postgres
def test_readme_several_machines_commands_work_as_written(
    runner, make_selection, request, monkeypatch
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme.split("## Several machines", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    assert "pip install '.[postgres]'" in block
    _, _, sheet = make_selection(12)
    marked = mark(sheet, _invoiceable(sheet)[:4])
    assert len(marked) == 4
    assert runner.invoke(main, ["invoice", str(sheet), "-o", "out"]).exit_code == 0
    with fresh_pg_database(request.getfixturevalue("pg_server_url")) as url:
        plain = url.replace("postgresql+psycopg://", "postgresql://")  # as the README writes it
        monkeypatch.setenv("MASSINVOICE_REGISTRY", plain)
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if not command.startswith("massinvoice "):
                continue
            args = [a.strip('"') for a in command.split()[1:]]
            args = [plain if a == "$MASSINVOICE_REGISTRY" else a for a in args]
            r = runner.invoke(main, args)
            assert r.exit_code == 0, (command, r.output)
        assert re.findall(r"001-001-\d{9}", r.output) == [f"001-001-00000000{n}" for n in (2, 3, 4)]


# --- an Ecuadorian exporter's invoice ----------------------------------------------------------

EXPORT_FIELDS = {
    "Lugar Incoterm": "UIO", "Gross Weight": "412.5", "Peso Neto": "380", "Bultos": "17",
    "Airline": "LATAM Cargo", "Nº Vuelo": "LA 1450", "Aeropuerto Origen": "UIO",
    "Destination Airport": "MIA", "Certificado Fitosanitario": "AGR-2026-778812",
    "País Destino": "US",
}  # fmt: skip


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_export_invoice_fields_print_when_the_export_has_them(runner, make_export) -> None:
    export = make_export(3)
    wb, ws, header, cols = _export_rows(export)
    start = ws.max_column + 1
    for i, (name, value) in enumerate(EXPORT_FIELDS.items()):
        ws.cell(header, start + i).value = name
        for r in range(header + 1, ws.max_row + 1):
            if str(ws.cell(r, cols["Order #"]).value or "").startswith("PO"):
                ws.cell(r, start + i).value = value
                ws.cell(r, cols["Incoterm"]).value = "FOB"
    wb.save(export)
    r = runner.invoke(main, ["select", str(export), "-o", "s.xlsx"])
    assert r.exit_code == 0, r.output
    mark(Path("s.xlsx"), ["PO-2611-0003"])
    r = runner.invoke(main, ["invoice", "s.xlsx", "-o", "out"])
    assert r.exit_code == 0, r.output
    (pdf,) = Path("out").glob("001-001-*.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout  # fmt: skip
    for label, value in (("INCOTERM", "FOB UIO"), ("GROSS WEIGHT (KG)", "412.5"),
                         ("NET WEIGHT (KG)", "380"), ("PIECES", "17"), ("AIRLINE", "LATAM Cargo"),
                         ("FLIGHT", "LA 1450"), ("AIRPORT OF DEPARTURE", "UIO"),
                         ("AIRPORT OF DESTINATION", "MIA"), ("PHYTOSANITARY CERT.", "AGR-2026-778812"),
                         ("DESTINATION COUNTRY", "United States")):  # fmt: skip
        assert label in text and value in text, label
    assert re.search(r"Farm: \S+", text), "the farm of each line"


# --- Ctrl-C and the terminal -------------------------------------------------------------------


def _massinvoice(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    import os
    import sys

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root}
    return subprocess.Popen([sys.executable, "-m", "massinvoice", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)  # fmt: skip


def test_ctrl_c_on_invoice_says_the_next_run_finishes_pending(make_selection, workspace) -> None:
    import signal
    import time

    _, _, sheet = make_selection(60)
    mark(sheet, _invoiceable(sheet))
    run = _massinvoice("invoice", str(sheet), "-o", "out", "-j", "2", cwd=workspace)
    deadline = time.monotonic() + 120
    while not list((workspace / "out").glob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 130, (out, err)
    assert "the next 'massinvoice invoice' run" in err and "same numbers" in err
    assert "Traceback" not in err
    again = _massinvoice("invoice", str(sheet), "-o", "out2", cwd=workspace)
    out, err = again.communicate(timeout=300)
    assert "finished for an interrupted earlier run" in out, (out, err)


def test_no_progress_label_when_not_a_terminal(make_selection, workspace) -> None:
    _, _, sheet = make_selection(6)
    mark(sheet, _invoiceable(sheet)[:2])
    run = _massinvoice("invoice", str(sheet), "-o", "out", cwd=workspace)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0 and "Issued 2 invoices" in out
    assert "Invoices" not in err
    bad = _massinvoice("invoice", str(workspace / "customers.csv"), "-o", "o2", cwd=workspace)
    out, err = bad.communicate(timeout=120)
    assert bad.returncode == 2 and err.startswith("Cannot continue")  # nothing before the error
