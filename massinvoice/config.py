"""Configuration: one typed, immutable object loaded once from ``massinvoice.toml``.

Found by ``--config``, the ``MASSINVOICE_CONFIG`` variable, or by searching from the current
folder upwards. Without a file, defaults apply (registry beside the current folder).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from massinvoice.problems import CONFIG, Code, ConfigError, Problem

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
DEFAULT_STRICT = ("zero_price", "under_min", "unconfirmed", "bad_quantity", "mixed_currency")


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
    limits: Limits = field(default_factory=Limits)

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


def find_config(start: Path | None = None) -> Path | None:
    """The config to use: $MASSINVOICE_CONFIG, else the nearest massinvoice.toml upwards."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None, *, search: bool = True) -> Config:
    """Load and check a config file; all its problems are reported together."""
    if path is None:
        path = find_config() if search else None
        if path is None:
            return Config()
    path = Path(path)
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            Problem(
                Code.CONFIG_MISSING,
                "config file not found",
                name,
                level=CONFIG,
                hint="check the path, or create one with 'massinvoice init DIR'",
            )
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            Problem(
                Code.CONFIG_SYNTAX,
                f"not valid TOML: {exc}",
                name,
                level=CONFIG,
                hint="fix the line named, or start again from 'massinvoice init'",
            )
        ) from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Build a Config from parsed TOML, checking every value."""
    problems: list[Problem] = []
    name = str(path) if path else "<config>"

    def bad(key: str, message: str, hint: str = "") -> None:
        problems.append(
            Problem(Code.CONFIG_VALUE, message, name, column=key, hint=hint, level=CONFIG)
        )

    scalars: dict[str, Any] = {}
    simple = {f.name for f in fields(Config)} - {
        "path", "seller", "series", "taxes", "hs_codes", "fulls", "aliases", "limits", "strict",
    }  # fmt: skip
    known = simple | {"seller", "series", "tax", "hs_codes", "fulls", "aliases", "limits", "strict"}
    for key in raw:
        if key not in known:
            bad(key, f"unknown setting {key!r}", f"known settings: {', '.join(sorted(known))}")
    for key in simple:
        if key in raw:
            scalars[key] = raw[key]
    choices = {
        "language": ("en", "es"), "paper": ("A4", "Letter"), "date_order": ("dmy", "mdy"),
        "partial": ("ordered", "packed", "skip"),
        "select_status": ("all", "invoiced", "non-invoiced"),
        "einvoice": ("off", "directory", "all"),
    }  # fmt: skip
    for key, allowed in choices.items():
        if key in scalars and scalars[key] not in allowed:
            bad(key, f"{scalars[key]!r} is not one of {', '.join(allowed)}")
    for key, value in scalars.items():
        expected = bool if key == "select_all" else str
        if not isinstance(value, expected):
            bad(key, f"expected {expected.__name__}, got {value!r}")

    seller_raw = raw.get("seller", {})
    address = seller_raw.get("address", ())
    if isinstance(address, str):
        address = tuple(a.strip() for a in address.splitlines() if a.strip())
    seller = Seller(
        **{k: v for k, v in seller_raw.items() if k not in ("address", "bank")},
        address=tuple(address),
        bank=tuple(seller_raw.get("bank", ())),
    ) if _keys_ok(seller_raw, Seller, "seller", bad) else Seller()  # fmt: skip

    series_raw = raw.get("series", {})
    series = Series(**series_raw) if _keys_ok(series_raw, Series, "series", bad) else Series()
    try:
        series.number(1)
    except (KeyError, ValueError, IndexError) as exc:
        bad(
            "series.format",
            f"number format {series.format!r} does not work: {exc}",
            "use {seq} with an optional width, e.g. '001-001-{seq:09d}'",
        )

    taxes: list[TaxLine] = []
    for i, tax in enumerate(raw.get("tax", [{"name": "VAT 0% (export)", "rate": "0"}])):
        try:
            taxes.append(TaxLine(str(tax["name"]), Decimal(str(tax["rate"]))))
        except (KeyError, InvalidOperation, TypeError):
            bad(f"tax[{i}]", "each [[tax]] needs a name and a numeric rate (percent)")

    fulls: dict[str, Decimal] = {k: Decimal(v) for k, v in DEFAULT_FULLS.items()}
    for box, factor in raw.get("fulls", {}).items():
        try:
            fulls[box.upper()] = Decimal(str(factor))
        except InvalidOperation:
            bad(f"fulls.{box}", f"{factor!r} is not a number")

    hs = dict(DEFAULT_HS_CODES)
    hs.update({k.strip().lower(): str(v) for k, v in raw.get("hs_codes", {}).items()})

    aliases: dict[str, tuple[str, ...]] = {}
    for key, names in raw.get("aliases", {}).items():
        aliases[key] = (names,) if isinstance(names, str) else tuple(str(n) for n in names)

    strict = raw.get("strict", list(DEFAULT_STRICT))
    for code in strict:
        if code not in WARNING_CODES:
            bad("strict", f"unknown check {code!r}", f"known: {', '.join(WARNING_CODES)}")

    limits_raw = raw.get("limits", {})
    limits = Limits(**limits_raw) if _keys_ok(limits_raw, Limits, "limits", bad) else Limits()

    if problems:
        raise ConfigError(problems)
    return Config(
        path=path.resolve() if path else None, seller=seller, series=series, taxes=tuple(taxes),
        fulls=fulls, hs_codes=hs, aliases=aliases, strict=tuple(strict), limits=limits, **scalars,
    )  # fmt: skip


def _keys_ok(raw: dict[str, Any], cls: type, section: str, bad: Any) -> bool:
    allowed = {f.name for f in fields(cls)}
    unknown = set(raw) - allowed
    for key in sorted(unknown):
        bad(
            f"{section}.{key}",
            f"unknown setting {key!r} in [{section}]",
            f"known: {', '.join(sorted(allowed))}",
        )
    return not unknown
