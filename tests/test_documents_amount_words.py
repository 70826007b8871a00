"""Amounts in words, English and Spanish, as invoices print them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from massinvoice.invoice.words import amount_in_words, number_in_words


@pytest.mark.parametrize(
    ("n", "en", "es"),
    [
        (0, "zero", "cero"),
        (1, "one", "uno"),
        (16, "sixteen", "dieciséis"),
        (21, "twenty-one", "veintiuno"),
        (45, "forty-five", "cuarenta y cinco"),
        (100, "one hundred", "cien"),
        (101, "one hundred one", "ciento uno"),
        (500, "five hundred", "quinientos"),
        (1000, "one thousand", "mil"),
        (1001, "one thousand one", "mil uno"),
        (21000, "twenty-one thousand", "veintiún mil"),
        (101000, "one hundred one thousand", "ciento un mil"),
        (1_000_000, "one million", "un millón"),
        (2_031_000, "two million thirty-one thousand", "dos millones treinta y un mil"),
        (31_000_000, "thirty-one million", "treinta y un millones"),
    ],
)
def test_numbers_in_words(n, en, es):
    assert number_in_words(n, "en") == en
    assert number_in_words(n, "es") == es


def test_amounts_with_cents_and_currency_names():
    assert amount_in_words(Decimal("1234.56"), "USD", "en") == (
        "One thousand two hundred thirty-four and 56/100 US dollars"
    )
    assert amount_in_words(Decimal("1234.56"), "USD", "es") == (
        "Mil doscientos treinta y cuatro con 56/100 dólares estadounidenses"
    )
    assert amount_in_words(Decimal("0.05"), "EUR", "es") == "Cero con 05/100 euros"
    assert amount_in_words(Decimal("10.005"), "XYZ", "en") == "Ten and 01/100 XYZ"  # half-up
    assert amount_in_words(Decimal("-3.50"), "USD", "en") == "Minus three and 50/100 US dollars"
