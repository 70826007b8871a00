"""The configuration's records: one typed, immutable object and its sections, with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

CONFIG_NAME = "massinvoice.toml"
ENV_VAR = "MASSINVOICE_CONFIG"

DEFAULT_FULLS = {"FB": "1", "HB": "0.5", "QB": "0.25", "EB": "0.125"}
DEFAULT_HS_CODES = {
    "roses": "0603.11.00",
    "spray roses": "0603.11.00",
    "carnations": "0603.12.00",
    "gypsophila": "0603.19.00",
}
WARNING_CODES = (
    "unconfirmed", "not_packed", "partial", "zero_price", "under_min", "amount_mismatch",
    "missing_awb", "missing_dae", "bad_quantity", "mixed_currency", "unknown_customer",
)  # fmt: skip
PLACEHOLDER_SELLER = "Your Company S.A."  # what 'massinvoice init' writes into [seller]
PLACEHOLDER_TAX_ID = "0000000000001"
DEFAULT_STRICT = ("zero_price", "under_min", "unconfirmed", "bad_quantity", "mixed_currency")
# The fields [aliases] accepts (the export's, DESIGN section 3; read/header.py keeps the same
# list with each field's built-in aliases) and the built-in profiles (read/profiles.py).
ALIAS_FIELDS = (
    "order_no", "customer_po", "order_date", "ship_date", "flight_date", "bill_customer",
    "ship_customer", "sales_rep", "cargo_agency", "market", "incoterm", "awb", "hawb", "dae",
    "species", "variety", "length", "length_cm", "box_type", "boxes", "packed_boxes",
    "confirmed_boxes", "bunches", "stems_per_bunch", "stems", "quantity", "unit", "unit_price",
    "min_price", "amount", "currency", "invoice_no", "order_status", "billed", "billed_percent",
    "delivered_percent", "invoiced_qty", "delivered_qty",
)  # fmt: skip
PROFILE_NAMES = ("odoo", "erpnext", "dolibarr", "quickbooks", "komet", "flower", "generic")
# [status]: a status column and the values that mean each state, or percentage / quantity columns
STATUS_COLUMNS = (
    "column", "billed_percent", "delivered_percent", "invoiced_quantity", "delivered_quantity",
)  # fmt: skip
STATUS_VALUES = ("invoiced", "partly_invoiced", "not_invoiced", "delivered", "partly_delivered")


@dataclass(frozen=True, slots=True)
class Seller:
    name: str = ""
    tax_id: str = ""
    address: tuple[str, ...] = ()
    country: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    country_code: str = ""  # ISO 3166 alpha-2, e.g. EC; e-invoices need it
    logo: str = ""  # path, resolved against the config folder
    bank: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Series:
    name: str = "A"
    format: str = "{seq:06d}"
    start: int = 1

    def number(self, seq: int) -> str:
        return self.format.format(seq=seq, series=self.name)


@dataclass(frozen=True, slots=True)
class TaxLine:
    name: str
    rate: Decimal  # percent: 0, 12, 21 ...


@dataclass(frozen=True, slots=True)
class Limits:
    """What a workbook may expand to before we refuse it."""

    max_file_mb: int = 200
    max_uncompressed_mb: int = 1024
    max_rows: int = 500_000
    max_columns: int = 300
    max_cells: int = 20_000_000  # what one sheet may span, rows x columns, however empty
    max_memory_mb: int = 4096  # what the worker reading one workbook may take


# --- sending the invoices by e-mail (massinvoice.send) -----------------------------------------
SMTP_SECURITY = ("starttls", "tls", "none")
SEND_MODES = ("off", "after-invoice")
PASSWORD_ENV = "MASSINVOICE_SMTP_PASSWORD"


@dataclass(frozen=True, slots=True)
class Smtp:
    """The mail server and the envelope of every invoice e-mail; the password is never here."""

    host: str = ""
    port: int = 0  # 0: 587 with starttls, 465 with tls, 25 with none
    security: str = "starttls"  # starttls | tls (implicit, port 465) | none (local relays only)
    user: str = ""
    password_env: str = PASSWORD_ENV  # the environment variable holding the password
    sender: str = ""  # From; empty: the seller's e-mail
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    reply_to: str = ""
    html: bool = False  # add an HTML part beside the plain text
    timeout: float = 60.0
    retries: int = 4  # tries per message on temporary failures (4xx, dropped connections)

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465}.get(self.security, 25)


# --- end of sending ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None  # the file it came from, if any
    language: str = "en"
    paper: str = "A4"
    currency: str = "USD"
    date_order: str = "dmy"  # how ambiguous text dates read: dmy or mdy
    registry: str = ""  # SQLAlchemy URL; empty = sqlite beside the config
    template_dir: str = ""
    customers: str = "customers.csv"
    partial: str = "ordered"  # ordered | packed | skip
    invoice_date: str = "today"  # today | ship | flight | YYYY-MM-DD
    payment_terms: str = ""
    strict: tuple[str, ...] = DEFAULT_STRICT
    select_all: bool = False
    select_status: str = "all"
    einvoice: str = "off"  # Factur-X XML in the PDF: off | directory (customers who want it) | all
    seller: Seller = field(default_factory=Seller)
    series: Series = field(default_factory=Series)
    taxes: tuple[TaxLine, ...] = (TaxLine("VAT 0% (export)", Decimal(0)),)
    hs_codes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HS_CODES))
    fulls: dict[str, Decimal] = field(
        default_factory=lambda: {k: Decimal(v) for k, v in DEFAULT_FULLS.items()}
    )
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    profile: str = ""  # an export layout to force (PROFILE_NAMES); empty: detected per file
    status: dict[str, str | tuple[str, ...]] = field(default_factory=dict)  # [status]
    limits: Limits = field(default_factory=Limits)
    send: str = "off"  # off | after-invoice (the shared folder mails what it invoices)
    smtp: Smtp = field(default_factory=Smtp)
    # Ecuador's SRI: the raw [sri] table, checked by massinvoice.invoice.einvoice.sri.settings
    # (None: no SRI documents)
    sri: dict[str, Any] | None = None

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, value: str) -> Path:
        """A path from the config, relative to the config's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def registry_url(self) -> str:
        url = os.environ.get("MASSINVOICE_REGISTRY") or self.registry
        if not url:
            return f"sqlite:///{self.base_dir / 'massinvoice.sqlite'}"
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            rel = url.removeprefix("sqlite:///")
            if rel and rel != ":memory:":
                return f"sqlite:///{self.resolve(rel)}"
        return url

    def hs_code(self, species: str) -> str:
        return self.hs_codes.get(species.strip().lower(), "")
