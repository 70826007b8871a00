"""Cell parsers: one spreadsheet or csv cell to a number, an integer, a date or a unit.

Each parser takes whatever the engine gave (``str``, ``int``, ``float``, ``datetime``, ``None``
or NaN) and returns a Python value, ``None`` for an empty cell, or raises :class:`CellError`
(a ``ValueError``) with a problem code and a hint. The readers turn a ``CellError`` into a
:class:`~massinvoice.problems.Problem` with the cell's coordinates; nothing else escapes.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from decimal import Decimal, InvalidOperation

from massinvoice.problems import Code
from massinvoice.text import fold

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_SERIAL = 2_958_465  # 9999-12-31
_NBSP = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " "})
# What may stand around a number: currency codes and symbols, signs, spaces.
_CURRENCY = re.compile(
    r"^(?:[A-Za-z]{1,3}\$|[A-Za-z]{3}|[$€£¥]|S/\.?)\s*|\s*(?:[A-Za-z]{3}|[$€£¥])$"
)
_DIGITS = re.compile(r"^(?:\d[\d.,]*\d|\d|[.,]\d+)$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$|^\d{1,3}(?:\.\d{3})+$")


class CellError(ValueError):
    """A cell that cannot be read as what its column needs."""

    def __init__(self, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def is_empty(value: object) -> bool:
    """None, NaN, NaT or a string of spaces."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, str):
        return not value.strip()
    return value != value  # NaT and friends


def show(value: object) -> str:
    """A cell value as quoted in a message, shortened."""
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


# No price, amount or quantity reaches a trillion: the bound keeps every product and sum of
# them within Decimal's 28 digits (beyond, rounding to cents raises InvalidOperation).
MAX_MAGNITUDE = 10**12


def _too_large(value: object) -> CellError:
    return CellError(Code.NOT_A_NUMBER, f"{show(value)} is too large for a price, amount or quantity",
                     "check the cell: no price, amount or quantity reaches 1,000,000,000,000")  # fmt: skip


def float_to_decimal(value: float) -> Decimal:
    """The decimal a person typed: via repr, so 0.35 stays 0.35 (never ``Decimal(float)``)."""
    if math.isinf(value) or math.isnan(value):
        raise CellError(Code.NOT_A_NUMBER, f"{value} is not a number")
    if abs(value) >= MAX_MAGNITUDE:
        raise _too_large(value)
    d = Decimal(repr(value))
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _bad_number(text: str) -> CellError:
    return CellError(Code.NOT_A_NUMBER, f"{show(text)} is not a number")


def number_text(text: str, decimal_comma: bool | None = None) -> Decimal:
    """Read a number typed as text: ``1.234,56``, ``1,234.56``, ``0,35``, ``$ 1,234.00``.

    ``decimal_comma`` says which mark the column uses for decimals when a cell alone cannot
    tell (``1,234`` or ``1.234``); ``None`` guesses: a lone comma or point followed by exactly
    three digits groups thousands, anything else is the decimal mark.
    """
    s = text.translate(_NBSP).strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):  # accounting style: (12.50)
        negative, s = True, s[1:-1].strip()
    s = _CURRENCY.sub("", s).strip()
    if s.endswith("-") and not s.startswith("-"):  # trailing minus: 12.50-
        negative, s = True, s[:-1].strip()
    if s[:1] in ("+", "-"):
        negative, s = negative != (s[0] == "-"), s[1:].strip()
    s = _CURRENCY.sub("", s).strip().replace(" ", "").replace("'", "")
    if not _DIGITS.match(s):
        raise _bad_number(text)
    commas, points = s.count(","), s.count(".")
    if commas and points:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
    elif commas + points == 1:
        sep = "," if commas else "."
        head, _, tail = s.partition(sep)
        if decimal_comma is not None:
            grouping = "." if decimal_comma else ","
            decimal = "" if sep == grouping and _GROUPED.match(s) else sep
        elif len(tail) == 3 and head not in ("", "0"):
            decimal = ""  # 1,234 or 1.234: thousands
        else:
            decimal = sep
    else:
        decimal = ""  # no mark, or several of one kind: 1.234.567
    intpart, frac = s, ""
    if decimal and decimal in s:
        intpart, _, frac = s.rpartition(decimal)
    if "," in frac or "." in frac or (decimal and decimal in intpart):
        raise _bad_number(text)
    if ("," in intpart or "." in intpart) and not _GROUPED.match(intpart):
        raise _bad_number(text)
    digits = intpart.replace(",", "").replace(".", "") or "0"
    try:
        value = Decimal(f"{digits}.{frac or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern let only digits through
        raise _bad_number(text) from None
    if value >= MAX_MAGNITUDE:
        raise _too_large(text)
    if negative:
        value = -value
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def parse_decimal(value: object, decimal_comma: bool | None = None) -> Decimal | None:
    """A money or price cell as ``Decimal`` (``None`` when empty)."""
    if type(value) is int:
        if abs(value) >= MAX_MAGNITUDE:
            raise _too_large(value)
        return Decimal(value)
    if type(value) is float:
        return None if value != value else float_to_decimal(value)
    if isinstance(value, str):
        if not value.strip():
            return None
        return number_text(value, decimal_comma)
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError(Code.NOT_A_NUMBER, f"{value} is not a number")
    if isinstance(value, numbers.Integral):
        return parse_decimal(int(value))
    if isinstance(value, numbers.Real):
        return float_to_decimal(float(value))
    raise CellError(Code.NOT_A_NUMBER, f"{show(value)} is not a number")


def parse_int(value: object) -> int | None:
    """A quantity cell as ``int`` (``None`` when empty); ``2.5`` boxes is an error."""
    if type(value) is int:
        if abs(value) >= MAX_MAGNITUDE:
            raise _too_large(value)
        return value
    if type(value) is float:
        if value != value:
            return None
        if abs(value) >= MAX_MAGNITUDE:
            raise _too_large(value)
        if value.is_integer():
            return int(value)
        raise CellError(Code.NOT_AN_INTEGER, f"{value!r} is not a whole number")
    if isinstance(value, str):
        if not value.strip():
            return None
        number = number_text(value, decimal_comma=None)
        if number != number.to_integral_value():
            raise CellError(Code.NOT_AN_INTEGER, f"{show(value)} is not a whole number")
        return int(number)
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise CellError(Code.NOT_A_NUMBER, f"{value} is not a number")
    if isinstance(value, numbers.Real):
        return parse_int(float(value))
    raise CellError(Code.NOT_A_NUMBER, f"{show(value)} is not a number")


# Month names and abbreviations, English and Spanish, folded.
_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        "january jan enero ene",
        "february feb febrero",
        "march mar marzo",
        "april apr abril abr",
        "may mayo",
        "june jun junio",
        "july jul julio",
        "august aug agosto ago",
        "september sep sept septiembre setiembre set",
        "october oct octubre",
        "november nov noviembre",
        "december dec diciembre dic",
    ),
    1,
):
    for _name in _names.split():
        _MONTHS[_name] = _n
_SKIP_WORDS = {
    "de", "del", "of", "the", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "lunes", "martes", "miercoles",
    "jueves", "viernes", "sabado", "domingo",
}  # fmt: skip
_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_TOKENS = re.compile(r"[a-z]+|\d+")
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?$", re.IGNORECASE)


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(
            Code.BAD_DATE, f"{show(text)} is not a real date", "check the day and the month"
        ) from None


def _year(token: str) -> int:
    return int(token) + 2000 if len(token) == 2 else int(token)


def date_text(text: str, date_order: str = "dmy") -> dt.date:
    """Read a date typed as text (ISO, d/m/y or m/d/y, month names in English or Spanish)."""
    s = text.translate(_NBSP).strip()
    if m := _ISO.match(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _NUMERIC.match(s):
        a, b, year = int(m[1]), int(m[3]), _year(m[4])
        if a > 12 or (b <= 12 and date_order != "mdy"):
            return _make_date(year, b, a, text)
        return _make_date(year, a, b, text)
    if s.isdigit():
        if len(s) == 8:  # 20261120
            return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]), text)
        if len(s) == 5:  # an Excel serial typed as text
            return serial_date(int(s), text)
    tokens = [t for t in _TOKENS.findall(fold(_TIME.sub("", s))) if t not in _SKIP_WORDS]
    months = [t for t in tokens if t in _MONTHS]
    nums = [t for t in tokens if t.isdigit()]
    if len(months) == 1 and len(nums) == 2 and len(tokens) == 3:
        years = [t for t in nums if len(t) == 4]
        if len(years) == 1:
            day = next(t for t in nums if t is not years[0])
        elif tokens.index(months[0]) == 1 and len(nums[1]) == 2:  # 20-nov-26
            day, years = nums[0], [nums[1]]
        else:
            day = ""
        if day and len(day) <= 2:
            return _make_date(_year(years[0]), _MONTHS[months[0]], int(day), text)
    raise CellError(
        Code.BAD_DATE,
        f"{show(text)} is not a date",
        "write dates as 2026-11-20, 20/11/2026 or 20-Nov-2026, or format the cell as a date",
    )


def serial_date(serial: float, original: object = None) -> dt.date:
    """An Excel serial day number (1900 system) as a date."""
    if not 1 <= serial <= MAX_SERIAL:
        raise CellError(
            Code.BAD_DATE,
            f"{show(original if original is not None else serial)} is not a date",
            "format the cell as a date",
        )
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def parse_date(value: object, date_order: str = "dmy") -> dt.date | None:
    """A date cell: a real date or datetime, an Excel serial number, or text."""
    if isinstance(value, dt.datetime):
        return None if value != value else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return date_text(value, date_order) if value.strip() else None
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return serial_date(value, value)
    raise CellError(Code.BAD_DATE, f"{show(value)} is not a date", "format the cell as a date")


_UNITS = {
    **dict.fromkeys(("stem", "stems", "st", "tallo", "tallos", "tl"), "stem"),
    **dict.fromkeys(("bunch", "bunches", "bu", "bn", "ramo", "ramos"), "bunch"),
    # Units of ERPs that count in their own units (Odoo, ERPNext, Dolibarr, QuickBooks).
    **dict.fromkeys(("unit", "units", "unit(s)", "u", "un", "und", "unid", "unidad", "unidades",
                     "nos", "no", "pc", "pcs", "piece", "pieces", "pieza", "piezas", "ea",
                     "each", "unite", "unites", "unite(s)", "pce", "pces"), "unit"),
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramo",
                     "kilogramos"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds", "libra", "libras"), "lb"),
    **dict.fromkeys(("dozen", "dozens", "dz", "docena", "docenas"), "dozen"),
}  # fmt: skip


def parse_unit(value: object) -> str:
    """The pricing unit: ``stem``, ``bunch``, or the unit of a counted quantity (``unit``,
    ``kg``, ``lb``, ``dozen``); empty means ``stem``. A price per box is not one: an invoice
    line is priced per stem, bunch or counted unit."""
    if is_empty(value):
        return "stem"
    key = fold(value).rstrip(".")
    if key in _UNITS:
        return _UNITS[key]
    raise CellError(
        Code.BAD_UNIT,
        f"{show(value)} is not a unit",
        "write stem (tallo), bunch (ramo), unit, kg, lb or dozen, or leave empty for stem",
    )


def cell_text(value: object) -> str:
    """Any cell as the text a person sees: 1234.0 -> '1234', a date -> '2026-11-20'."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if type(value) is float:
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value != value:
            return ""
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if is_empty(value):
        return ""
    return str(value)
