"""Loading ``massinvoice.toml``: found, read, and checked whole against one schema (every key,
its type and what it may hold), every problem reported together."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
from collections.abc import Iterable
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from massinvoice.config.records import (
    ALIAS_FIELDS,
    CONFIG_NAME,
    DEFAULT_FULLS,
    DEFAULT_HS_CODES,
    DEFAULT_STRICT,
    ENV_VAR,
    PASSWORD_ENV,
    PLACEHOLDER_SELLER,
    PLACEHOLDER_TAX_ID,
    PROFILE_NAMES,
    SEND_MODES,
    SMTP_SECURITY,
    STATUS_COLUMNS,
    STATUS_VALUES,
    WARNING_CODES,
    Config,
    Limits,
    Seller,
    Series,
    Smtp,
    TaxLine,
)
from massinvoice.problems import CONFIG, Code, ConfigError, Problem
from massinvoice.text import email_addresses


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
        # utf-8-sig: Notepad's byte-order mark is accepted
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
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


# --- the schema: every key, its type and what it may hold, checked at load ----------------------

_CHOICES = {
    "language": ("en", "es"), "paper": ("A4", "Letter"), "date_order": ("dmy", "mdy"),
    "partial": ("ordered", "packed", "skip"), "select_status": ("all", "invoiced", "non-invoiced"),
    "einvoice": ("off", "directory", "all"), "send": SEND_MODES,
    "profile": ("", *PROFILE_NAMES),
}  # fmt: skip
_TEXT = ("currency", "registry", "template_dir", "customers", "invoice_date", "payment_terms")
_FLAGS = ("select_all",)
_SECTIONS = (
    "seller", "series", "tax", "hs_codes", "fulls", "aliases", "limits", "strict", "status",
    "smtp", "sri",
)  # fmt: skip
_KNOWN = (*_CHOICES, *_TEXT, *_FLAGS, *_SECTIONS)


class _Checker:
    """Collects every problem of one config file, each naming its key."""

    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(Code.CONFIG_VALUE, message, self.name, column=key, hint=hint,
                                     level=CONFIG))  # fmt: skip

    def unknown(self, key: str, known: Iterable[str], where: str = "") -> None:
        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
        self.bad(key if not where else f"{where}.{key}", f"unknown setting {key!r}"
                 + (f" in [{where}]" if where else ""), hint)  # fmt: skip

    def text(self, key: str, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        quoted = f'{key.rpartition(".")[2]} = "{value}"' if isinstance(value, int | float) else ""
        self.bad(key, f"expected text, got {_toml_kind(value)} {value!r}",
                 f"put it in quotes: {quoted}" if quoted else "write it as text in quotes")  # fmt: skip
        return None

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        self.bad(key, f"expected a table [{key}], got {_toml_kind(value)} {value!r}",
                 f"write it as a section: [{key}] and its keys on the lines below")  # fmt: skip
        return {}

    def integer(self, key: str, value: Any, low: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(key, f"expected a whole number, got {_toml_kind(value)} {value!r}",
                     f"write it without quotes, e.g. {key.rpartition('.')[2]} = {max(low, 1)}")  # fmt: skip
            return None
        if value < low:
            self.bad(key, f"must be {low} or more, got {value}")
            return None
        return value

    def lines(self, key: str, value: Any) -> tuple[str, ...]:
        """Text lines: a list of text, or one text split at its line breaks."""
        if isinstance(value, str):
            return tuple(a.strip() for a in value.splitlines() if a.strip())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.bad(key, f"expected text or a list of text, got {_toml_kind(value)} {value!r}",
                 f'e.g. {key.rpartition(".")[2]} = ["Km 5 Via Cayambe", "Cayambe, Ecuador"]')  # fmt: skip
        return ()


def _toml_kind(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a table"}  # fmt: skip
    return next((k for t, k in kinds.items() if isinstance(value, t)), type(value).__name__)


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Build a Config from parsed TOML, checking every value against the schema; all problems
    of the file are raised together."""
    check = _Checker(str(path) if path else "<config>")
    for key in raw:
        if key not in _KNOWN:
            check.unknown(key, _KNOWN)
    scalars = _scalars(raw, check)
    values = dict(
        seller=_seller(check.table("seller", raw.get("seller", {})), check),
        series=_series(check.table("series", raw.get("series", {})), check),
        taxes=_taxes(raw.get("tax", [{"name": "VAT 0% (export)", "rate": "0"}]), check),
        fulls=_fulls(check.table("fulls", raw.get("fulls", {})), check),
        hs_codes=_hs_codes(check.table("hs_codes", raw.get("hs_codes", {})), check),
        aliases=_aliases(check.table("aliases", raw.get("aliases", {})), check),
        status=_status(check.table("status", raw.get("status", {})), check),
        strict=_strict(raw.get("strict", list(DEFAULT_STRICT)), check),
        limits=_limits(check.table("limits", raw.get("limits", {})), check),
        smtp=_smtp(check.table("smtp", raw.get("smtp", {})), check),
        sri=check.table("sri", raw["sri"]) if "sri" in raw else None,  # checked by the SRI stage
    )
    if check.problems:
        raise ConfigError(check.problems)
    return Config(path=path.resolve() if path else None, **values, **scalars)


def _scalars(raw: dict[str, Any], check: _Checker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, allowed in _CHOICES.items():
        if key in raw and (value := check.text(key, raw[key])) is not None:
            if value in allowed:
                out[key] = value
            else:
                check.bad(key, f"{value!r} is not one of {', '.join(allowed)}")
    for key in _TEXT:
        if key in raw and (value := check.text(key, raw[key])) is not None:
            out[key] = value
    for key in _FLAGS:
        if key in raw:
            if isinstance(raw[key], bool):
                out[key] = raw[key]
            else:
                check.bad(key, f"expected true or false, got {raw[key]!r}")
    rule = out.get("invoice_date", "today")
    if rule not in ("today", "ship", "flight"):
        try:
            dt.date.fromisoformat(rule)
        except ValueError:
            check.bad("invoice_date", f"{rule!r} is not today, ship, flight or a date YYYY-MM-DD",
                      'for a fixed date write it as invoice_date = "2026-11-20"')  # fmt: skip
            out.pop("invoice_date")
    return out


def _section(raw: dict[str, Any], cls: type, name: str, check: _Checker) -> dict[str, Any]:
    allowed = [f.name for f in fields(cls)]
    for key in raw:
        if key not in allowed:
            check.unknown(key, allowed, name)
    return {k: v for k, v in raw.items() if k in allowed}


def _seller(raw: dict[str, Any], check: _Checker) -> Seller:
    values: dict[str, Any] = {}
    for key, value in _section(raw, Seller, "seller", check).items():
        if key in ("address", "bank"):
            values[key] = check.lines(f"seller.{key}", value)
        elif (text := check.text(f"seller.{key}", value)) is not None:
            values[key] = text
    return Seller(**values)


def _series(raw: dict[str, Any], check: _Checker) -> Series:
    values = _section(raw, Series, "series", check)
    for key in ("name", "format"):
        if key in values and check.text(f"series.{key}", values[key]) is None:
            values.pop(key)
    if "start" in values and check.integer("series.start", values["start"], 1) is None:
        values.pop("start")
    series = Series(**values)
    hint = "use {seq} with an optional width, e.g. '001-001-{seq:09d}'"
    if "{seq" not in series.format:
        check.bad("series.format", f"number format {series.format!r} has no {{seq}}: every "
                  "invoice would get the same number", hint)  # fmt: skip
        return series
    try:
        series.number(1)
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        check.bad("series.format", f"number format {series.format!r} does not work: {exc}", hint)
    return series


def _taxes(raw: Any, check: _Checker) -> tuple[TaxLine, ...]:
    if not isinstance(raw, list):
        check.bad("tax", "expected [[tax]] tables, each with a name and a rate")
        return ()
    taxes: list[TaxLine] = []
    for i, tax in enumerate(raw):
        try:
            assert isinstance(tax, dict) and isinstance(tax["name"], str)
            assert not isinstance(tax["rate"], bool)
            taxes.append(TaxLine(tax["name"], Decimal(str(tax["rate"]))))
        except (AssertionError, KeyError, InvalidOperation, TypeError):
            check.bad(f"tax[{i}]", "each [[tax]] needs a name (text) and a numeric rate (percent)")
    return tuple(taxes)


def _fulls(raw: dict[str, Any], check: _Checker) -> dict[str, Decimal]:
    fulls = {k: Decimal(v) for k, v in DEFAULT_FULLS.items()}
    for box, factor in raw.items():
        try:
            assert not isinstance(factor, bool)
            fulls[box.upper()] = Decimal(str(factor))
        except (AssertionError, InvalidOperation):
            check.bad(f"fulls.{box}", f"{factor!r} is not a number")
    return fulls


def _hs_codes(raw: dict[str, Any], check: _Checker) -> dict[str, str]:
    hs = dict(DEFAULT_HS_CODES)
    for species, code in raw.items():
        if (text := check.text(f"hs_codes.{species}", code)) is not None:
            hs[species.strip().lower()] = text
    return hs


def _aliases(raw: dict[str, Any], check: _Checker) -> dict[str, tuple[str, ...]]:
    """[aliases]: field = "Header" or ["Header", ...], for the fields an export has."""
    aliases: dict[str, tuple[str, ...]] = {}
    for key, names in raw.items():
        if key not in ALIAS_FIELDS:
            check.unknown(key, ALIAS_FIELDS, "aliases")
        else:
            aliases[key] = check.lines(f"aliases.{key}", names)
    return aliases


def _status(raw: dict[str, Any], check: _Checker) -> dict[str, str | tuple[str, ...]]:
    """[status]: a status column (column = "...") and its values, or percentage / quantity
    columns; see docs/erp-profiles.md."""
    status: dict[str, str | tuple[str, ...]] = {}
    for key, value in raw.items():
        if key in STATUS_COLUMNS:
            if (text := check.text(f"status.{key}", value)) is not None:
                status[key] = text
        elif key in STATUS_VALUES:
            status[key] = check.lines(f"status.{key}", value)
        else:
            check.unknown(key, (*STATUS_COLUMNS, *STATUS_VALUES), "status")
    if any(k in status for k in STATUS_VALUES) and "column" not in status:
        check.bad("status.column", "[status] lists values but names no column",
                  'add column = "Your Status Header"')  # fmt: skip
    return status


def _strict(raw: Any, check: _Checker) -> tuple[str, ...]:
    """The warnings ``--strict`` refuses; one code written as text is taken as a list of one."""
    codes = [raw] if isinstance(raw, str) else raw
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        check.bad("strict", f"expected a list of checks, got {raw!r}",
                  f'e.g. strict = ["zero_price", "under_min"]; known: {", ".join(WARNING_CODES)}')  # fmt: skip
        return DEFAULT_STRICT
    for code in codes:
        if code not in WARNING_CODES:
            close = difflib.get_close_matches(code, WARNING_CODES, n=1)
            check.bad("strict", f"unknown check {code!r}",
                      f"did you mean {close[0]!r}?" if close else f"known: {', '.join(WARNING_CODES)}")  # fmt: skip
    return tuple(codes)


def _limits(raw: dict[str, Any], check: _Checker) -> Limits:
    values = {}
    for key, value in _section(raw, Limits, "limits", check).items():
        if (number := check.integer(f"limits.{key}", value, 1)) is not None:
            values[key] = number
    return Limits(**values)


def _smtp(raw: dict[str, Any], check: _Checker) -> Smtp:
    """[smtp]: the server, the envelope; a password here is refused (the folder is shared)."""
    if "password" in raw:
        check.bad("smtp.password", "a password does not belong in the config file (the shared "
                  "folder can be read by others)", "remove it and set the environment variable "
                  f"{raw.get('password_env') or PASSWORD_ENV} on the machine that sends")  # fmt: skip
        raw = {k: v for k, v in raw.items() if k != "password"}
    values: dict[str, Any] = {}
    for key, value in _section(raw, Smtp, "smtp", check).items():
        name = f"smtp.{key}"
        if key in ("port", "retries"):
            number = check.integer(name, value, 0 if key == "port" else 1)
            if number is not None and number > 65535:
                check.bad(name, f"{number} is not a port (1 to 65535)")
            elif number is not None:
                values[key] = number
        elif key == "timeout":
            if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
                values[key] = float(value)
            else:
                check.bad(name, f"expected a number of seconds, got {value!r}")
        elif key == "html":
            if isinstance(value, bool):
                values[key] = value
            else:
                check.bad(name, f"expected true or false, got {value!r}")
        elif key in ("cc", "bcc"):
            values[key] = check.lines(name, value)
        elif (text := check.text(name, value)) is not None:
            values[key] = text
    if values.get("security", "starttls") not in SMTP_SECURITY:
        check.bad("smtp.security", f"{values.pop('security')!r} is not one of "
                  f"{', '.join(SMTP_SECURITY)}")  # fmt: skip
    for key in ("sender", "reply_to", "cc", "bcc"):
        value = values.get(key, "")
        for text in (value,) if isinstance(value, str) else value:
            good, wrong = email_addresses(text)
            if wrong or (key in ("sender", "reply_to") and len(good) > 1):
                check.bad(f"smtp.{key}", f"{text!r} is not one e-mail address",
                          "write it as name@example.com or Name <name@example.com>")  # fmt: skip
    return Smtp(**values)


def check_seller(config: Config) -> None:
    """Refuse to invoice while [seller] still holds what ``init`` wrote: no invoice carries it."""
    blanks = [
        key
        for key, example in (("name", PLACEHOLDER_SELLER), ("tax_id", PLACEHOLDER_TAX_ID))
        if getattr(config.seller, key) == example
    ]
    if blanks:
        raise ConfigError(
            Problem(Code.SELLER_PLACEHOLDER,
                    f"the seller's {' and '.join(blanks)} still {'hold' if len(blanks) > 1 else 'holds'} "
                    "the example values of 'massinvoice init'",
                    str(config.path or CONFIG_NAME), column="[seller]", level=CONFIG,
                    hint="fill in the company's real details in [seller]")
        )  # fmt: skip
