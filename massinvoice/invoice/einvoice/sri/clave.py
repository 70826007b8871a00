"""The clave de acceso: the 49 digits that name one comprobante at the SRI, and its issue date.

Layout: issue date ddmmaaaa (8), document code (2: 01 factura, 04 nota de crédito), the issuer's
RUC (13), ambiente (1: 1 pruebas, 2 producción), serie = establecimiento + punto de emisión (6),
secuencial (9), a numeric code the issuer chooses (8), tipo de emisión (1, always 1 = normal),
and a módulo 11 check digit over the first 48.

The key is made once, when the number is reserved, and stored with it: a resend reuses it (SRI
answers 43 "clave ya registrada" or 45 "secuencial registrado" to a second key for one number).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

ECUADOR = ZoneInfo("America/Guayaquil")
FACTURA = "01"
NOTA_CREDITO = "04"
DOCUMENT_CODES = (FACTURA, NOTA_CREDITO)
AMBIENTES = {"pruebas": "1", "produccion": "2"}
TIPO_EMISION = "1"
_NUMBER = re.compile(r"^(\d{3})-(\d{3})-(\d{9})$")
_KEY = re.compile(r"^\d{49}$")


def check_digit(digits: str) -> int:
    """Módulo 11 with weights 2..7 from the right: 11 - (sum mod 11); 11 gives 0, 10 gives 1."""
    if not digits.isdigit():
        raise ValueError(f"the check digit is computed over digits only, not {digits!r}")
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits)))
    dv = 11 - total % 11
    return {11: 0, 10: 1}.get(dv, dv)


def ecuador_date(now: dt.datetime) -> dt.date:
    """The calendar date in Ecuador at ``now`` (an aware time: a server on UTC after 19:00 is
    already on tomorrow, and SRI refuses a document dated tomorrow with code 65)."""
    if now.tzinfo is None:
        raise ValueError("ecuador_date needs an aware datetime (with its time zone)")
    return now.astimezone(ECUADOR).date()


def ecuador_now() -> dt.datetime:
    """The time now in Ecuador, aware (-05:00)."""
    return dt.datetime.now(ECUADOR)


def split_number(number: str) -> tuple[str, str, str]:
    """``001-002-000000123`` -> establecimiento, punto de emisión, secuencial."""
    m = _NUMBER.match(number)
    if not m:
        raise ValueError(
            f"invoice number {number!r} is not in SRI's form 001-001-000000001 "
            "(set the series format to '001-001-{seq:09d}' with your establecimiento and "
            "punto de emisión)"
        )
    return m.group(1), m.group(2), m.group(3)


def numeric_code() -> str:
    """A fresh 8-digit code for a new key (stored with the number, never chosen again)."""
    return f"{secrets.randbelow(10**8):08d}"


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A clave de acceso, split into its parts."""

    date: dt.date
    document: str
    ruc: str
    ambiente: str
    estab: str
    pto_emi: str
    secuencial: str
    code: str
    emission: str = TIPO_EMISION

    def __str__(self) -> str:
        body = (
            f"{self.date:%d%m%Y}{self.document}{self.ruc}{self.ambiente}{self.estab}"
            f"{self.pto_emi}{self.secuencial}{self.code}{self.emission}"
        )
        return body + str(check_digit(body))

    @property
    def number(self) -> str:
        """The document number it names: ``estab-ptoEmi-secuencial``."""
        return f"{self.estab}-{self.pto_emi}-{self.secuencial}"


def make_key(
    *, date: dt.date, document: str, ruc: str, ambiente: str, number: str, code: str
) -> str:
    """The 49-digit key for one document; every part is checked for SRI's form."""
    if document not in DOCUMENT_CODES:
        raise ValueError(f"document code must be one of {', '.join(DOCUMENT_CODES)}")
    if not re.fullmatch(r"\d{10}001", ruc):
        raise ValueError(f"RUC {ruc!r} must be 13 digits ending in 001")
    if ambiente not in AMBIENTES.values():
        raise ValueError("ambiente must be 1 (pruebas) or 2 (producción)")
    if not re.fullmatch(r"\d{8}", code):
        raise ValueError("the numeric code must be 8 digits")
    estab, pto_emi, secuencial = split_number(number)
    return str(AccessKey(date, document, ruc, ambiente, estab, pto_emi, secuencial, code))


def parse_key(key: str) -> AccessKey:
    """The parts of a 49-digit key whose check digit is right; ValueError otherwise."""
    if not _KEY.match(key):
        raise ValueError(f"a clave de acceso is 49 digits, not {key!r}")
    if check_digit(key[:48]) != int(key[48]):
        raise ValueError(f"clave de acceso {key}: wrong check digit")
    try:
        date = dt.datetime.strptime(key[:8], "%d%m%Y").date()
    except ValueError:
        raise ValueError(f"clave de acceso {key}: {key[:8]} is not a date") from None
    return AccessKey(
        date=date, document=key[8:10], ruc=key[10:23], ambiente=key[23], estab=key[24:27],
        pto_emi=key[27:30], secuencial=key[30:39], code=key[39:47], emission=key[47],
    )  # fmt: skip
