"""Rendering: the PDF says what the invoice says, in its language, safely, on any number of pages."""

from __future__ import annotations

import datetime as dt
import io
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from massinvoice.config import Config, Seller, TaxLine
from massinvoice.invoice.document import Invoice, compose_invoice
from massinvoice.invoice.render import (
    TEMPLATES,
    FetchRefused,
    Formatter,
    Renderer,
    RestrictedFetcher,
    font_subsetting_note,
)
from massinvoice.model import Customer, Line, Order

D = Decimal
SELLER = Seller(
    name="FLORES DEL COTOPAXI S.A.", tax_id="1791234567001",
    address=("Km 12 Panamericana Norte", "Lasso, Cotopaxi"), country="Ecuador",
    phone="+593 3 271 9000", email="ventas@cotopaxi.example",
    bank=("Banco del Pichincha · Account 2100123456",),
)  # fmt: skip
CONFIG = Config(seller=SELLER, payment_terms="Net 30", taxes=(TaxLine("IVA 12%", D(12)),))
PRODUCTS = [("Roses", "Freedom", "0.35"), ("Roses", "Explorer", "0.275"),
            ("Carnations", "Moonlight", "0.18"), ("Gypsophila", "Xlence", "0.4125")]  # fmt: skip
HOSTILE = ("<script>alert(1)</script>", "{{ 7*7 }}", '<img src="file:///etc/passwd">')


def make_order(order_no: str = "1042", n: int = 15, **kw) -> Order:
    lines = []
    for i in range(n):
        species, variety, price = PRODUCTS[i % len(PRODUCTS)]
        boxes = 1 + i % 4
        lines.append(
            Line(order_no, i + 1, species, f"{variety} {i + 1}", "60", ("HB", "QB")[i % 2], boxes,
                 boxes, None, boxes * 10, 25, boxes * 250 + i, "stem", D(price), currency="USD")
        )  # fmt: skip
    values = dict(
        customer_po="PO-88213", ship_customer="MARK BRW-7", sales_rep="Andrea Salazar",
        cargo_agency="Ecuador Cargo Express", incoterm="FCA UIO", awb="729-1234 5675",
        hawb="ECX-448812", dae="055-2026-40-00981234", currency="USD",
        flight_date=dt.date(2026, 11, 21),
    )  # fmt: skip
    values.update(kw)
    return Order(order_no, values.pop("bill_customer", "BLOOMRIDGE WHOLESALE INC"), tuple(lines),
                 **values)  # fmt: skip


def make_invoice(orders=None, config: Config = CONFIG, **kw) -> Invoice:
    kw.setdefault("number", "001-001-000000123")
    kw.setdefault("date", dt.date(2026, 11, 20))
    return compose_invoice(orders or [make_order()], config=config, **kw)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, with figure spaces and runs of spaces folded to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"[ \u2007\u00a0]+", " ", p.extract_text()) for p in reader.pages]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(CONFIG)


@pytest.fixture(scope="module")
def invoice() -> Invoice:
    customer = Customer("BLOOMRIDGE WHOLESALE INC", tax_id="65-4821937",
                        address=("8450 NW 70th St, Suite 110",), city="Miami, FL 33166",
                        country="United States", payment_terms="Net 21")  # fmt: skip
    return make_invoice(customer=customer)


@pytest.fixture(scope="module")
def text(renderer, invoice) -> str:
    (page,) = pages_text(renderer.pdf(invoice))
    return page


def test_the_pdf_shows_the_number_parties_and_key_facts(text):
    for expected in (
        "INVOICE", "001-001-000000123", "20 Nov 2026", "FLORES DEL COTOPAXI S.A.",
        "RUC / Tax ID 1791234567001", "BLOOMRIDGE WHOLESALE INC", "8450 NW 70th St, Suite 110",
        "Tax ID: 65-4821937", "MARK BRW-7", "PO-88213", "Andrea Salazar", "Net 21", "FCA UIO",
        "Ecuador Cargo Express", "729-1234 5675", "ECX-448812", "055-2026-40-00981234",
        "21 Nov 2026", "Banco del Pichincha", "Page 1 of 1",
    ):  # fmt: skip
        assert expected in text, expected


def test_each_line_shows_its_stems_price_and_amount(text, invoice):
    rows = text.splitlines()
    for x in invoice.lines:
        (row,) = [r for r in rows if f"{x.product} " in r + " " and f" {x.hs_code} " in r]
        assert f" {x.stems:,} stem " in row
        assert f" {x.unit_price} " in row + " "  # own precision: 0.35, 0.275, 0.4125
        assert row.endswith(f" {x.amount:,.2f}")


def test_the_totals_block(text, invoice):
    tax = invoice.taxes[0]
    assert invoice.subtotal == sum(x.amount for x in invoice.lines)
    assert f"Subtotal {invoice.subtotal:,.2f}" in text
    assert f"IVA 12% {tax.amount:,.2f}" in text
    assert f"TOTAL USD {invoice.total:,.2f}" in text
    boxes = " · ".join(f"{t} {n}" for t, n in invoice.boxes_by_type)
    assert f"Boxes by type {boxes}" in text
    assert f"Stems {invoice.stems:,}" in text and f"Bunches {invoice.bunches:,}" in text
    assert f"Fulls {invoice.fulls:.2f}" in text
    assert "US dollars" in text  # amount in words


def test_spanish_labels_and_number_format(renderer):
    inv = make_invoice(config=replace(CONFIG, language="es"))
    (page,) = pages_text(renderer.pdf(inv))
    for expected in ("FACTURA", "Factura N.º", "20 nov 2026", "CAJAS", "TALLOS", "RAMOS",
                     "VALOR", "Facturar a".upper(), "Página 1 de 1", "tallo", "dólares"):  # fmt: skip
        assert expected in page, expected
    total = f"{inv.total:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert f"TOTAL USD {total}" in page
    assert "INVOICE" not in page


def test_a_customer_language_overrides_the_config(renderer):
    inv = make_invoice(customer=Customer("BLOOMRIDGE WHOLESALE INC", language="es"))
    assert inv.language == "es"
    assert "FACTURA" in renderer.html(inv)


def test_a_draft_is_marked_on_every_page(renderer):
    inv = make_invoice(number="", draft=True, orders=[make_order(n=70)])
    pages = pages_text(renderer.pdf(inv))
    assert len(pages) >= 2
    for page in pages:
        assert "DRAFT" in page
    es = pages_text(renderer.pdf(replace(inv, language="es")))
    assert all("BORRADOR" in page for page in es)
    assert "DRAFT" not in pages_text(renderer.pdf(make_invoice()))[0]


def test_a_long_invoice_spans_pages_with_headers_and_page_x_of_y(renderer):
    orders = [make_order("1042", n=40), make_order("1043", n=40)]
    inv = make_invoice(orders=orders)
    pages = pages_text(renderer.pdf(inv))
    n = len(pages)
    assert n >= 2
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {n}" in page
        assert "BOXES TYPE FULLS PRODUCT" in page  # the table header, repeated
        assert "001-001-000000123" in page
    everything = "\n".join(pages)
    rows = everything.splitlines()
    for x in inv.lines:  # no row lost or split: each line whole, on one text line
        found = [r for r in rows if f" {x.product} " in f" {r} "]
        same = [y for y in inv.lines if y.product == x.product]
        assert len(found) == len(same) and found[0].endswith(f" {x.amount:,.2f}"), x.product
    assert "Order 1042" in everything and "Order 1043" in everything
    assert "1042, 1043" in pages[0]
    assert f"TOTAL USD {inv.total:,.2f}" in pages[-1]


def test_letter_and_a4_paper():
    inv = make_invoice()
    for paper, size in (("A4", (595, 842)), ("Letter", (612, 792))):
        pdf = Renderer(replace(CONFIG, paper=paper)).pdf(inv)
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert (round(box.width), round(box.height)) == size


def test_the_same_invoice_gives_the_same_bytes(renderer, invoice):
    assert renderer.pdf(invoice) == Renderer(CONFIG).pdf(invoice)
    info = PdfReader(io.BytesIO(renderer.pdf(invoice))).metadata
    assert info["/Title"] == "INVOICE 001-001-000000123"
    assert info["/Author"] == SELLER.name


def test_hostile_names_print_literally_and_are_escaped_in_html(renderer):
    order = make_order(
        bill_customer=HOSTILE[0], ship_customer=HOSTILE[1], customer_po=HOSTILE[2],
        awb="</table><h1>x",
    )  # fmt: skip
    lines = tuple(replace(x, variety=HOSTILE[i % 3]) for i, x in enumerate(order.lines[:3]))
    customer = Customer(HOSTILE[0], address=(HOSTILE[2],), tax_id="&amp; {% raw %}")
    inv = make_invoice(orders=[replace(order, lines=lines)], customer=customer)
    html = renderer.html(inv)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=" not in html.replace('<img class="logo"', "")
    assert "<h1>" not in html
    text = "\n".join(pages_text(renderer.pdf(inv)))
    for hostile in HOSTILE:
        assert hostile in text, hostile
    assert "&amp; {% raw %}" in text and "</table><h1>x" in text


def test_the_fetcher_serves_only_templates_fonts_and_the_logo(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (4, 4), "green").save(logo)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for invoices")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "link.css").symlink_to("/etc/passwd")
    fetcher = RestrictedFetcher([TEMPLATES, tmp_path / "templates"], [logo])

    assert fetcher.fetch((TEMPLATES / "invoice.css").as_uri()).read().startswith(b"/*")
    assert fetcher.fetch(logo.as_uri()).read().startswith(b"\x89PNG")
    for url in (
        "http://example.com/logo.png", "https://example.com/x.css", "ftp://example.com/x",
        "data:text/plain,hello", "file:///etc/passwd", "file://otherhost/etc/passwd",
        secret.as_uri(), (tmp_path / "templates" / "link.css").as_uri(),
        (TEMPLATES / ".." / ".." / "pyproject.toml").as_uri(),
        TEMPLATES.as_uri() + "/%2e%2e/%2e%2e/pyproject.toml",
        (TEMPLATES / "missing.png").as_uri(),
    ):  # fmt: skip
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
        with pytest.raises(FetchRefused):
            fetcher(url)  # how WeasyPrint calls it


def test_rendering_fetches_nothing_outside_its_own_files(tmp_path, caplog):
    fetched: list[str] = []
    renderer = Renderer(CONFIG)
    real = renderer.fetcher.fetch

    def spy(url, headers=None):
        fetched.append(url)
        return real(url, headers)

    renderer.fetcher.fetch = spy  # type: ignore[method-assign]
    order = make_order(bill_customer=HOSTILE[2])
    html = renderer.html(make_invoice(orders=[order]))
    # even a stylesheet or image smuggled into the template is refused, not read
    html = html.replace("</body>", '<img src="file:///etc/passwd"/><link rel="stylesheet" '
                        'href="http://example.com/x.css"/></body>')  # fmt: skip
    document = HTML(string=html, base_url=renderer.base_url, url_fetcher=renderer.fetcher)
    document.write_pdf(font_config=renderer.font_config, stylesheets=[renderer.css])
    assert "file:///etc/passwd" in fetched and "http://example.com/x.css" in fetched
    assert "refused to fetch" in caplog.text


def test_a_logo_is_drawn_and_a_hostile_logo_path_is_not_read(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (35, 87, 63)).save(logo)
    config = replace(CONFIG, seller=replace(SELLER, logo=str(logo)))
    pdf = Renderer(config).pdf(make_invoice(config=config))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1

    (tmp_path / "evil.png").symlink_to("/etc/passwd")
    for hostile in ("/etc/passwd", str(tmp_path / "evil.png"), "http://example.com/logo.png",
                    str(tmp_path / "missing.png")):  # fmt: skip
        config = replace(CONFIG, seller=replace(SELLER, logo=hostile))
        renderer = Renderer(config)
        assert renderer.logo is None
        assert "<img" not in renderer.html(make_invoice(config=config))
        with pytest.raises(FetchRefused):
            renderer.fetcher.fetch(Path("/etc/passwd").as_uri())


def test_a_custom_template_folder_overrides_labels_and_falls_back(tmp_path):
    (tmp_path / "labels_en.toml").write_text('title = "PROFORMA"\n', encoding="utf-8")
    config = replace(CONFIG, template_dir=str(tmp_path))
    renderer = Renderer(config)
    (page,) = pages_text(renderer.pdf(make_invoice(config=config)))
    assert "PROFORMA" in page and "BOXES TYPE" in page  # the rest from the bundled files


def test_a_custom_template_that_is_not_xml_still_renders(tmp_path):
    bundled = (TEMPLATES / "invoice.html").read_text(encoding="utf-8")
    (tmp_path / "invoice.html").write_text(bundled.replace("<body>", "<body><p>&nbsp;<br></p>"))
    renderer = Renderer(replace(CONFIG, template_dir=str(tmp_path)))
    (page,) = pages_text(renderer.pdf(make_invoice()))
    assert "001-001-000000123" in page


def test_the_fast_parser_renders_what_the_html_parser_renders(renderer, invoice):
    stock = HTML(string=renderer.html(invoice), base_url=renderer.base_url,
                 url_fetcher=renderer.fetcher)  # fmt: skip
    slow = stock.write_pdf(font_config=renderer.font_config, stylesheets=[renderer.css])
    assert pages_text(slow) == pages_text(renderer.pdf(invoice))


def test_formatter_per_language():
    en, es = Formatter("en"), Formatter("es")
    assert (en.money(D("1234.5")), es.money(D("1234.5"))) == ("1,234.50", "1.234,50")
    assert en.amount(D("1234567.891"), "USD") == "USD 1,234,567.89"
    assert [en.price(D(p)) for p in ("0.35", "0.275", "0.4125", "3", "0.10")] == [
        "0.35", "0.275", "0.4125", "3.00", "0.10",
    ]  # fmt: skip
    assert en.price(D("0.35"), align=3) == "0.35\u2007"
    assert [en.decimal(D(v)) for v in ("0.5", "0.125", "21.625", "3")] == [
        "0.50", "0.125", "21.625", "3.00",
    ]  # fmt: skip
    assert es.integer(12500) == "12.500" and en.integer(12500) == "12,500"
    assert es.date(dt.date(2026, 11, 20)) == "20 nov 2026"


def _render_in_worker(invoice: Invoice) -> bytes:
    return Renderer(CONFIG).pdf(invoice)


def test_a_renderer_is_built_in_a_worker_process_from_the_config(invoice, renderer):
    with ProcessPoolExecutor(1) as pool:
        pdf = pool.submit(_render_in_worker, invoice).result(timeout=120)
    assert pdf == renderer.pdf(invoice)


def test_a_partial_shipment_says_what_is_still_to_invoice(renderer):
    order = make_order(n=4)
    order = replace(
        order, lines=(replace(order.lines[3], packed_boxes=2, stems=1000), *order.lines[:3])
    )
    inv = make_invoice(orders=[order], partial="packed")
    assert sum(x.boxes for x in inv.remaining) == 2
    (page,) = pages_text(renderer.pdf(inv))
    assert "Partial shipment: 2 boxes ordered are still to be packed and invoiced." in page
    assert "Partial shipment" not in pages_text(renderer.pdf(make_invoice()))[0]


def test_every_tax_line_is_printed_and_total_comes_last(renderer):
    config = replace(CONFIG, taxes=(TaxLine("IVA 12%", D(12)), TaxLine("ICE 1.5%", D("1.5"))))
    inv = make_invoice(config=config)
    (page,) = pages_text(Renderer(config).pdf(inv))
    for tax in inv.taxes:
        assert f"{tax.name} {tax.amount:,.2f}" in page
    assert f"Stems {inv.stems:,} TOTAL USD {inv.total:,.2f}" in page  # on the last row


def test_only_the_bundled_font_is_embedded(renderer):
    """The bundled DejaVu Sans, whatever the machine has installed: the same PDF everywhere."""
    inv = make_invoice(draft=True, config=replace(CONFIG, language="es"))
    reader = PdfReader(io.BytesIO(renderer.pdf(inv)))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"Invoice-Sans", "Invoice-Sans-Bold"}


def test_a_missing_font_subsetter_is_named_with_its_fix(monkeypatch):
    import ctypes.util

    assert font_subsetting_note() == ""  # the set-up command installs it
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    note = font_subsetting_note()
    assert "libharfbuzz-subset0" in note and "ci/system-packages.sh --runtime" in note
