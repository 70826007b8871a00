"""The clave de acceso: módulo 11, its parts, and the issue date in Ecuador."""

from __future__ import annotations

import datetime as dt

import pytest

from massinvoice.invoice.einvoice.sri.clave import (
    check_digit,
    ecuador_date,
    make_key,
    numeric_code,
    parse_key,
)

REAL_KEY = "0312202201019007200200120029020004874985766297216"  # authorised by SRI in 2022


def weighted_sum(digits: str) -> int:
    return sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(digits)))


def test_the_real_authorised_key_recomputes_exactly():
    assert weighted_sum(REAL_KEY[:48]) == 599  # 599 mod 11 = 5 -> 11 - 5 = 6
    assert check_digit(REAL_KEY[:48]) == 6
    key = parse_key(REAL_KEY)
    assert (key.date, key.document, key.ruc, key.ambiente) == (
        dt.date(2022, 12, 3),
        "01",
        "0190072002001",
        "2",
    )
    assert key.number == "002-902-000487498"
    assert (key.code, key.emission) == ("57662972", "1")
    rebuilt = make_key(
        date=key.date, document="01", ruc=key.ruc, ambiente="2", number=key.number, code=key.code
    )
    assert rebuilt == REAL_KEY


@pytest.mark.parametrize(
    ("body", "total", "dv"),
    [
        ("031220220101900720020012002902000487498000000091", 440, 0),  # rest 0: 11 -> 0
        ("031220220101900720020012002902000487498000000021", 419, 1),  # rest 1: 10 -> 1
        (REAL_KEY[:48], 599, 6),  # rest 5: 6
    ],
)
def test_check_digit_for_remainders_0_1_and_5(body, total, dv):
    assert weighted_sum(body) == total
    assert total % 11 in (0, 1, 5)
    assert check_digit(body) == dv
    assert parse_key(body + str(dv)).secuencial == "000487498"


def test_a_key_with_a_wrong_digit_is_refused():
    with pytest.raises(ValueError, match="check digit"):
        parse_key(REAL_KEY[:48] + "7")
    with pytest.raises(ValueError, match="49 digits"):
        parse_key(REAL_KEY[:48])


def test_make_key_checks_its_parts():
    good = dict(
        date=dt.date(2026, 11, 20),
        document="01",
        ruc="1791234567001",
        ambiente="1",
        number="001-001-000004561",
        code="12345678",
    )
    key = make_key(**good)
    assert len(key) == 49 and key.startswith("20112026011791234567001100100100000456112345678")
    assert parse_key(key).number == "001-001-000004561"
    for bad in (
        {"ruc": "179123456700"},
        {"ambiente": "3"},
        {"number": "F-4561"},
        {"code": "1234"},
        {"document": "07"},
    ):
        with pytest.raises(ValueError):
            make_key(**{**good, **bad})


def test_numeric_codes_are_eight_digits_and_vary():
    codes = {numeric_code() for _ in range(50)}
    assert all(len(c) == 8 and c.isdigit() for c in codes)
    assert len(codes) > 40


def test_a_clock_at_2330_in_ecuador_gives_ecuadors_date():
    late = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert ecuador_date(late) == dt.date(2026, 11, 20)
    # the same moment on a UTC server is already the 21st there
    utc = late.astimezone(dt.UTC)
    assert utc.date() == dt.date(2026, 11, 21)
    assert ecuador_date(utc) == dt.date(2026, 11, 20)
    assert ecuador_date(dt.datetime(2026, 11, 20, 19, 1, tzinfo=dt.UTC)) == dt.date(2026, 11, 20)
    assert ecuador_date(dt.datetime(2026, 11, 21, 5, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 21)
    with pytest.raises(ValueError, match="aware"):
        ecuador_date(dt.datetime(2026, 11, 20, 23, 30))
