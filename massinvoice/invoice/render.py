"""Invoice documents: HTML from a jinja2 template, PDF through WeasyPrint.

A :class:`Renderer` is built once per process from the config: the template environment, the
parsed stylesheet and the font configuration are reused for every invoice (parsing them per
document costs about a quarter of the time). It holds WeasyPrint objects that cannot be pickled,
so worker processes each build their own from the (picklable) config.

Nothing from the data is trusted: jinja2 escapes every value, and WeasyPrint fetches through a
:class:`RestrictedFetcher` that serves only the template folders, the fonts and the configured
logo, and refuses everything else (network, other files).
"""

from __future__ import annotations

import ctypes.util
import logging
import mimetypes
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from massinvoice.collector import collector_paused
from massinvoice.config import Config, Seller
from massinvoice.invoice.document import LANGUAGES, Invoice, InvoiceLine
from massinvoice.invoice.printed import (
    CONTENT_MM,
    country_name,
    decimals,
    fit,
    payment_terms,
    price_places,
    tax_name,
)
from massinvoice.invoice.words import amount_in_words

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONTS = TEMPLATES / "fonts"
LOGO_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
PAPER = {"A4": "A4", "Letter": "letter"}

FIGURE_SPACE = "\u2007"  # as wide as a digit

log = logging.getLogger(__name__)


class FetchRefused(PermissionError):
    """A URL outside what an invoice may load; WeasyPrint logs it and goes on without it."""


class RestrictedFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads only files inside given folders, or given files.

    Paths are resolved (symlinks and ``..``) before they are checked, so a link inside the
    template folder cannot point outside it. No other scheme than ``file:`` is ever opened.
    """

    def __init__(self, folders: Iterable[Path], files: Iterable[Path] = ()):
        super().__init__(allowed_protocols=("file",))
        self.folders = tuple(Path(f).resolve() for f in folders)
        self.files = frozenset(Path(f).resolve() for f in files)

    def allowed_path(self, url: str) -> Path:
        """The local file ``url`` names, if it may be read; else :class:`FetchRefused`."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise FetchRefused(f"refused to fetch {url[:200]!r}: only local template files")
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"refused to fetch {url[:200]!r}: remote file host")
        path = Path(url2pathname(parts.path)).resolve()  # url2pathname unquotes
        inside = any(path.is_relative_to(folder) for folder in self.folders)
        if not (inside or path in self.files) or not path.is_file():
            raise FetchRefused(f"refused to fetch {url[:200]!r}: not a template, font or logo")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.allowed_path(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": mime})


def font_subsetting_note() -> str:
    """Why invoices render slowly on this machine, or "" when nothing is missing.

    WeasyPrint subsets the embedded fonts with HarfBuzz (libharfbuzz-subset, HarfBuzz 4.1 or
    newer); without it, it silently falls back to fontTools, which makes every invoice about
    twice as slow to render.
    """
    if ctypes.util.find_library("harfbuzz-subset"):
        return ""
    return (
        "HarfBuzz's font subsetter (libharfbuzz-subset) is missing: invoices render about "
        "twice as slowly; install it with 'bash ci/system-packages.sh --runtime' "
        "(Debian/Ubuntu package libharfbuzz-subset0)"
    )


@dataclass(frozen=True, slots=True)
class Formatter:
    """Numbers and dates as the invoice's language writes them (en 1,234.56; es 1.234,56)."""

    language: str

    def money(self, value: Decimal) -> str:
        return format_decimal(value, format="#,##0.00", locale=self.language)

    def amount(self, value: Decimal, currency: str) -> str:
        return f"{currency} {self.money(value)}"

    def price(self, value: Decimal, align: int = 0, places: int = 0) -> str:
        """A unit price with its own precision (2 to 6 decimals: 0.35, 0.275; ``places`` when
        the line's printed math needs more).

        ``align`` pads with figure spaces to that many decimals, so that the decimal points of
        a right-aligned column line up while each price keeps its own precision.
        """
        places = places or decimals(value, 2, 6)
        text = format_decimal(value, format="#,##0." + "0" * places, locale=self.language)
        return text + FIGURE_SPACE * max(0, align - places)

    def decimal(self, value: Decimal, align: int = 0) -> str:
        """Fulls: 2 decimals, 3 when needed (an EB box is 0.125 of a full box)."""
        places = decimals(value, 2, 3)
        text = format_decimal(value, format="#,##0." + "0" * places, locale=self.language)
        return text + FIGURE_SPACE * max(0, align - places)

    def integer(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.language)

    def date(self, value: Any) -> str:
        return format_date(value, "d MMM y", locale=self.language) if value else ""


def load_labels(language: str, folders: Iterable[Path] = (TEMPLATES,)) -> dict[str, str]:
    """The document's labels in one language; a custom template folder may override some."""
    labels: dict[str, str] = {}
    for folder in reversed(tuple(folders)):  # bundled first, custom last (wins)
        path = folder / f"labels_{language}.toml"
        if path.is_file():
            labels.update(tomllib.loads(path.read_text(encoding="utf-8")))
    labels.setdefault("language", language)
    return labels


class Renderer:
    """Turns invoices into HTML and PDF; build one per process and reuse it."""

    def __init__(self, config: Config):
        self.config = config
        self.folders = self._template_folders(config)
        self.logo = self._logo(config)
        self.fetcher = RestrictedFetcher((*self.folders, FONTS), [self.logo] if self.logo else [])
        self.env = Environment(
            loader=FileSystemLoader([str(f) for f in self.folders]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.template = self.env.get_template("invoice.html")
        self.labels = {lang: load_labels(lang, self.folders) for lang in LANGUAGES}
        css_folder = next(f for f in self.folders if (f / "invoice.css").is_file())
        self.base_url = css_folder.as_uri() + "/"
        page = f"@page {{ size: {PAPER.get(config.paper, 'A4')} portrait; }}\n"
        css_text = (css_folder / "invoice.css").read_text(encoding="utf-8")
        self.font_config = FontConfiguration()
        self.css = CSS(
            string=page + css_text,
            base_url=self.base_url,
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )
        self._images: dict[str, Any] = {}  # WeasyPrint's image cache: the logo is decoded once

    def html(self, invoice: Invoice) -> str:
        """The invoice as an HTML document (every value escaped)."""
        return self.template.render(self.context(invoice))

    def layout(self, invoice: Invoice) -> Document:
        """The laid-out, paginated document (most of the rendering time is spent here)."""
        return self.layout_html(self.html(invoice))

    def layout_html(self, text: str) -> Document:
        """Lay out an HTML text made by :meth:`html`."""
        html = HTML(string=text, base_url=self.base_url, url_fetcher=self.fetcher)
        return html.render(font_config=self.font_config, stylesheets=[self.css], cache=self._images)

    def pdf(self, invoice: Invoice, *, variant: str | None = None) -> bytes:
        """The invoice as PDF bytes; ``variant`` is a WeasyPrint PDF variant (``"pdf/a-3b"``).

        The same invoice gives the same bytes: the PDF's dates are the invoice date and its
        identifier comes from the number.
        """
        with collector_paused(collect=1):  # the document's cycles, once it is written
            return self.layout(invoice).write_pdf(
                pdf_identifier=(invoice.number or "draft").encode(),
                pdf_variant=variant,
                cache=self._images,
            )

    def context(self, invoice: Invoice) -> dict[str, Any]:
        """What the template is given: the invoice, its labels and every figure formatted."""
        lang = invoice.language if invoice.language in LANGUAGES else "en"
        labels, f = self.labels[lang], Formatter(lang)
        seller, cur = self.config.seller, invoice.currency
        # decimals that the price and fulls columns line up on
        align = (
            max((price_places(x) for x in invoice.lines), default=2),
            max((decimals(x.fulls, 2, 3) for x in invoice.lines), default=2),
        )
        boxes = " · ".join(f"{t or '?'}\u00a0{f.integer(n)}" for t, n in invoice.boxes_by_type)
        remaining = sum(r.boxes for r in invoice.remaining)
        counted = [x.qty for x in invoice.lines if x.qty is not None]
        if counted:  # lines in units or kilos: the stems column says what it holds
            labels = {**labels, "stems": labels.get("quantity", labels["stems"])}
        quantity = _count(invoice.stems + sum(counted, Decimal(0)), f)
        return {
            "inv": invoice,
            "L": labels,
            "lang": lang,
            "number": invoice.number or labels["draft"],
            "date": f.date(invoice.date),
            "created": invoice.date.isoformat(),
            "seller": seller,
            "contact": _contact(seller, labels),
            "logo_url": self.logo.as_uri() if self.logo else "",
            "bill_lines": _bill_to(invoice, labels),
            "destination": country_name(invoice.market, lang) if invoice.market else "",
            "facts": _facts(invoice, labels, f, seller.country),
            "groups": _line_groups(invoice, labels, f, align),
            "sums": {
                "boxes": f.integer(invoice.boxes) if invoice.boxes else "",
                "fulls": f.decimal(invoice.fulls, align[1]),
                "bunches": f.integer(invoice.bunches),
                "stems": quantity,
                "subtotal": (subtotal := f.money(invoice.subtotal)),
                "subtotal_fit": fit(subtotal, CONTENT_MM * 0.10 - 1.5, 7.5, bold=True),
            },
            "closing": _closing(invoice, labels, f, boxes or "—", quantity),
            "words": amount_in_words(invoice.total, cur, lang),
            "remaining_note": labels["remaining"].format(boxes=remaining) if remaining else "",
        }

    @staticmethod
    def _template_folders(config: Config) -> tuple[Path, ...]:
        if config.template_dir:
            custom = config.resolve(config.template_dir).resolve()
            if custom.is_dir():
                return (custom, TEMPLATES)
            log.warning("template folder %s not found; using the bundled templates", custom)
        return (TEMPLATES,)

    @staticmethod
    def _logo(config: Config) -> Path | None:
        """The configured logo, if it is an image file; anything else is left out, with a warning."""
        if not config.seller.logo:
            return None
        path = config.resolve(config.seller.logo).resolve()
        if path.suffix.lower() not in LOGO_SUFFIXES or not path.is_file():
            log.warning(
                "logo %s is not an image file (%s); left out",
                path,
                ", ".join(sorted(LOGO_SUFFIXES)),
            )
            return None
        return path


Labels = dict[str, str]


def _bill_to(invoice: Invoice, labels: Labels) -> list[str]:
    """The bill-to lines under the customer's name, from the customer directory."""
    customer = invoice.customer
    if customer is None:
        return []
    country = (
        country_name(customer.country, labels.get("language", "en")) if customer.country else ""
    )
    lines = [*customer.address, *(x for x in (customer.city, country) if x)]
    if customer.tax_id:
        lines.append(f"{labels['tax_id']}: {customer.tax_id}")
    if customer.email:
        lines.append(customer.email)
    return lines


def _contact(seller: Seller, labels: Labels) -> str:
    phone = f"{labels['phone']} {seller.phone}" if seller.phone else ""
    return " · ".join(x for x in (phone, seller.email, seller.website) if x)


def _facts(
    invoice: Invoice, labels: Labels, f: Formatter, origin: str
) -> list[list[tuple[str, str]]]:
    """The key-facts grid, four to a row; an unknown value shows as a dash."""
    shipping = dict(invoice.shipping)
    place = shipping.pop("incoterm_place", "")
    if "destination_country" in shipping:
        shipping["destination_country"] = ", ".join(
            country_name(c.strip(), labels.get("language", "en"))
            for c in shipping["destination_country"].split(",")
        )
    facts = [
        ("order_no", ", ".join(invoice.order_nos)),
        ("customer_po", ", ".join(invoice.customer_pos)),
        ("sales_rep", ", ".join(invoice.sales_reps)),
        ("payment_terms", payment_terms(invoice.payment_terms, labels)),
        ("incoterm", f"{invoice.incoterm} {place}".strip() if invoice.incoterm else place),
        ("currency", invoice.currency),
        ("cargo_agency", invoice.cargo_agency),
        ("flight_date", f.date(invoice.flight_date)),
        ("awb", invoice.awb),
        ("hawb", invoice.hawb),
        ("dae", invoice.dae),
        ("origin", origin),
        *shipping.items(),  # weights, pieces, airline, flight, airports, phyto, destination
    ]
    cells = [(labels[key], value or "—") for key, value in facts]
    return [cells[i : i + 4] for i in range(0, len(cells), 4)]


def _line_groups(
    invoice: Invoice, labels: Labels, f: Formatter, align: tuple[int, int]
) -> list[dict[str, Any]]:
    """The table's rows; with several orders, grouped under a heading per order."""
    if len(invoice.order_nos) < 2:
        return [{"title": "", "rows": [_row(x, labels, f, align) for x in invoice.lines]}]
    groups = []
    for order_no in invoice.order_nos:
        rows = [_row(x, labels, f, align) for x in invoice.lines if x.order_no == order_no]
        if rows:
            groups.append({"title": f"{labels['order']} {order_no}", "rows": rows})
    return groups


def _closing(
    invoice: Invoice, labels: Labels, f: Formatter, boxes: str, quantity: str
) -> list[dict[str, str]]:
    """The block under the table: quantities on the left, money on the right, TOTAL last."""
    left = [
        (labels["boxes_by_type"], boxes),
        (labels["fulls"], f.decimal(invoice.fulls)),
        (labels["bunches"], f.integer(invoice.bunches)),
        (labels["stems"], quantity),
    ]
    right = [
        (labels["subtotal"], f.money(invoice.subtotal), ""),
        *((tax_name(t.name, labels), f.money(t.amount), "") for t in invoice.taxes),
        (f"{labels['total']} {invoice.currency}", f.money(invoice.total), " grand"),
    ]
    # quantities from the top, money to the bottom: TOTAL sits on the last row
    n = max(len(left), len(right))
    left += [("", "")] * (n - len(left))
    right = [("", "", "")] * (n - len(right)) + right
    return [
        {"k": k, "v": v, "rk": rk, "rv": rv, "cls": cls,
         "fit": fit(rv, 30, 8.8 if cls else 7.5, bold=bool(cls))}
        for (k, v), (rk, rv, cls) in zip(left, right, strict=True)
    ]  # fmt: skip


def _count(value: int | Decimal, f: Formatter) -> str:
    """A quantity: whole ones as integers, kilos with their decimals."""
    if value == int(value):
        return f.integer(int(value))
    return f.price(Decimal(value))


def _row(x: InvoiceLine, labels: Labels, f: Formatter, align: tuple[int, int]) -> dict[str, str]:
    return {
        "boxes": f.integer(x.boxes) if x.boxes else "",
        "box_type": x.box_type,
        "fulls": f.decimal(x.fulls, align[1]),
        "product": x.product,
        "farm": x.farm,
        "length": f"{x.length} cm" if x.length.isdigit() else x.length,
        "hs_code": x.hs_code,
        "bunches": f.integer(x.bunches),
        "stems_per_bunch": f.integer(x.stems_per_bunch) if x.stems_per_bunch else "",
        "stems": _count(x.qty, f) if x.qty is not None else f.integer(x.stems),
        "unit": labels.get(f"unit_{x.unit}", x.unit),
        "unit_price": (price := f.price(x.unit_price, align[0], price_places(x))),
        "amount": (amount := f.money(x.amount)),
        # the price and amount columns (8.5% and 10% of the table, less padding), at 7.5pt
        "price_fit": fit(price, CONTENT_MM * 0.085 - 2, 7.5),
        "amount_fit": fit(amount, CONTENT_MM * 0.10 - 1.5, 7.5),
    }
