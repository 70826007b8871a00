#!/usr/bin/env python3
"""Write the malformed-input corpus: one small file per way an export goes wrong.

Usage: ``python tests/corpus/make_corpus.py [OUTDIR]`` (default: this folder). The files are
committed; ``tests/test_sources_corpus.py`` holds what each must produce. Output is
deterministic (fixed workbook dates), so regenerating changes nothing unless a case changes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import xlsxwriter

CREATED = dt.datetime(2026, 11, 1, 8, 0, 0)
HEADER = ["Order #", "Ship Date", "Bill Customer", "Variety", "Boxes", "Stems", "Unit Price"]
ROW = ["1001", "2026-11-20", "ACME", "Freedom", 2, 250, 0.35]


def xlsx(path: Path, rows: list[list[object]], sheet: str = "Orders", **sheets: object) -> None:
    """A workbook whose first sheet has ``rows`` (None = empty cell); more sheets by name."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    wb.set_properties({"created": CREATED})
    for name, content in {sheet: rows, **sheets}.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(content):  # type: ignore[arg-type]
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    wb.close()


def csv_text(path: Path, rows: list[list[object]], encoding: str = "utf-8", sep: str = ",") -> None:
    lines = [sep.join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def zipped(path: Path, parts: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    path.write_bytes(buf.getvalue())


def make(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def p(name: str) -> Path:
        made.append(out / name)
        return out / name

    # Header problems.
    xlsx(p("missing_customer_column.xlsx"), [["Order #", "Ship Date", "Boxes"], ["1001", 1, 2]])
    csv_text(p("missing_order_column.csv"), [["Customer", "Variety", "Boxes"], ["ACME", "X", 2]])
    xlsx(p("duplicate_header.xlsx"), [["Order #", "Customer", "Boxes", "Pedido"], ROW[:1] * 4])
    xlsx(
        p("price_list.xlsx"),
        [["Price list 2026"], ["Variety", "Length", "Price"], ["Freedom", 50, 0.3]],
        sheet="Prices",
    )
    xlsx(
        p("two_sheets_no_export.xlsx"),
        [["Notes"], ["nothing here"]],
        sheet="Notes",
        Prices=[["Variety", "Price"], ["Freedom", 0.3]],
    )
    deep = [[None] * 3 for _ in range(39)] + [["Order #", "Customer", "Boxes"], ["1", "A", 1]]
    xlsx(p("header_too_deep.xlsx"), deep)
    xlsx(p("headers_only.xlsx"), [["Export"], HEADER])

    # Row and cell problems (row numbers as Excel shows them; header on row 1).
    xlsx(p("conflicting_customer.xlsx"), [HEADER, ROW, ["1001", *ROW[1:2], "OTHER", *ROW[3:]]])
    csv_text(
        p("conflicting_invoice.csv"),
        [["Order #", "Customer", "Invoice #"], ["7", "ACME", "001-1"], ["7", "ACME", "001-2"]],
    )
    xlsx(p("text_in_number.xlsx"), [HEADER, ROW, ["1002", "2026-11-20", "ACME", "X", "two", 1, 1]])
    xlsx(
        p("impossible_dates.xlsx"),
        [HEADER, ["1", "31/02/2026", "A", "X", 1, 1, 1], ["2", "2026-13-01", "A", "X", 1, 1, 1]],
    )
    xlsx(p("non_integer_boxes.xlsx"), [HEADER, ["1", "2026-11-20", "A", "X", 2.5, 1, 1]])
    xlsx(
        p("missing_order_number.xlsx"),
        [HEADER, ROW, [None, "2026-11-20", "ACME", "X", 1, 1, 1], ["1003", *ROW[1:]]],
    )
    xlsx(
        p("three_bad_cells.xlsx"),
        [
            HEADER,
            ["1", "soon", "A", "X", 1, 1, 0.3],
            ["2", "2026-11-20", "A", "X", 1.5, 1, 0.3],
            ["3", "2026-11-20", "A", "X", 1, 1, "cheap"],
        ],
    )
    csv_text(
        p("bad_unit.csv"),
        [["Order #", "Customer", "Unit", "Stems"], ["1", "A", "box", "10"]],
    )
    csv_text(p("no_bill_customer.csv"), [["Order #", "Customer", "Boxes"], ["5", "", "1"]])
    csv_text(p("too_many_rows.csv"), [["Order #", "Customer"]] + [[str(i), "A"] for i in range(12)])

    # Files that cannot be read at all.
    p("empty.csv").write_bytes(b"")
    p("empty.xlsx").write_bytes(b"")
    p("utf16.csv").write_bytes("Order #,Customer\n1,Ñandú\n".encode("utf-16"))
    p("binary.csv").write_bytes(bytes(range(256)) * 4)
    p("encrypted.xlsx").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + "EncryptedPackage".encode("utf-16-le")
    )
    good = io.BytesIO()
    xlsx(out / "_good.xlsx", [HEADER, ROW])
    good.write((out / "_good.xlsx").read_bytes())
    (out / "_good.xlsx").unlink()
    p("truncated.xlsx").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    p("text_renamed.xlsx").write_text("Order #,Customer\n1,ACME\n", encoding="utf-8")
    p("pdf_renamed.xlsx").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    zipped(p("not_a_workbook.xlsx"), {"word/document.xml": b"<w:document/>"})
    zipped(p("zip_bomb.xlsx"), {"xl/worksheets/sheet1.xml": b"\x00" * (8 * 1024 * 1024)})
    p("ole_junk.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01\x02" * 300)
    p("web_page.xls").write_text("<html><table><tr><td>Order #</td></tr></table></html>")
    p("orders.pdf").write_bytes(b"%PDF-1.7\n")
    wide = [["Order #", "Customer", *(f"C{i}" for i in range(400))], ["1", "A", *([1] * 400)]]
    csv_text(p("too_many_columns.csv"), wide)

    # Two files that disagree on one order.
    csv_text(p("merge_a.csv"), [["Order #", "Customer", "Boxes"], ["9", "ACME", "1"]])
    csv_text(p("merge_b.csv"), [["Order #", "Customer", "Boxes"], ["9", "ACME", "3"]])
    return made


def make_good_xls(out: Path) -> Path | None:
    """A small legacy .xls export, converted by LibreOffice (None without soffice)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "orders_legacy.xlsx"
        xlsx(
            source,
            [
                ["Legacy export"],
                [],
                [
                    "Order #",
                    "Ship Date",
                    "Bill Customer",
                    "Variety",
                    "Boxes",
                    "Stems",
                    "Unit Price",
                ],
                [1001, "20/11/2026", "ACME", "Freedom", 2, 250, 0.35],
                [1001, "20/11/2026", "ACME", "Explorer", 1, 125, 0.4],
                [1002, "21/11/2026", "Flores SA", "Mondial", 3, 300, 0.3],
                ["TOTAL", None, None, None, 6, 675, None],
            ],
        )
        subprocess.run(
            [soffice, "--headless", "--convert-to", "xls", "--outdir", str(out), str(source)],
            check=True,
            capture_output=True,
            timeout=180,
            env={**os.environ, "HOME": tmp},
        )
    return out / "orders_legacy.xls"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in make(target):
        print(f"{path.name:32} {path.stat().st_size:>7} bytes")
    legacy = make_good_xls(target / "good")
    print(f"good/{legacy.name}" if legacy else "soffice not found: good/orders_legacy.xls not made")
