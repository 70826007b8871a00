"""An amount in words, as printed on invoices and cheques, in English or Spanish.

``amount_in_words(Decimal("1234.56"), "USD", "en")`` ->
``"One thousand two hundred thirty-four and 56/100 US dollars"``; in Spanish
``"Mil doscientos treinta y cuatro con 56/100 dólares estadounidenses"``. Cents are written as
a fraction of 100, the way Latin American and US invoices do.
"""

from __future__ import annotations

from decimal import Decimal

from massinvoice.model import money

CURRENCY_NAMES = {
    "USD": ("US dollars", "dólares estadounidenses"),
    "EUR": ("euros", "euros"),
    "RUB": ("Russian rubles", "rublos rusos"),
    "COP": ("Colombian pesos", "pesos colombianos"),
    "GBP": ("pounds sterling", "libras esterlinas"),
    "CAD": ("Canadian dollars", "dólares canadienses"),
    "CHF": ("Swiss francs", "francos suizos"),
    "JPY": ("Japanese yen", "yenes japoneses"),
}

_EN_ONES = (  # noqa: SIM905
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()  # noqa: SIM905
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))

_ES_ONES = (  # noqa: SIM905
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce "
    "quince dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós "
    "veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve"
).split()
_ES_TENS = "_ _ _ treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()  # noqa: SIM905
_ES_HUNDREDS = (  # noqa: SIM905
    "_ ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos "
    "ochocientos novecientos"
).split()


def number_in_words(n: int, language: str = "en") -> str:
    """A whole number in words (lower case): 1234 -> 'one thousand two hundred thirty-four'."""
    if n < 0:
        return ("menos " if language == "es" else "minus ") + number_in_words(-n, language)
    return _es(n) if language == "es" else _en(n)


def amount_in_words(amount: Decimal, currency: str, language: str = "en") -> str:
    """The amount in words with its cents as n/100 and the currency's name, capitalised."""
    value = money(amount)
    sign = -1 if value < 0 else 1
    units, cents = divmod(abs(value) * 100, 100)
    words = number_in_words(sign * int(units), language)
    names = CURRENCY_NAMES.get(currency.upper())
    es = language == "es"
    name = (names[1] if es else names[0]) if names else currency.upper()
    text = f"{words} {'con' if es else 'and'} {int(cents):02d}/100 {name}"
    return text[0].upper() + text[1:]


def _en(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_ONES[hundreds]} hundred" + (f" {_en(rest)}" if rest else "")
    for scale, name in _EN_SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return f"{_en(high)} {name}" + (f" {_en(rest)}" if rest else "")
    raise AssertionError(n)  # pragma: no cover


def _es(n: int) -> str:
    if n < 30:
        return _ES_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _ES_TENS[tens] + (f" y {_ES_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        if n == 100:
            return "cien"
        return _ES_HUNDREDS[hundreds] + (f" {_es(rest)}" if rest else "")
    if n < 10**6:
        high, rest = divmod(n, 1000)
        head = "mil" if high == 1 else f"{_apocope(_es(high))} mil"
        return head + (f" {_es(rest)}" if rest else "")
    if n < 10**12:
        high, rest = divmod(n, 10**6)
        head = "un millón" if high == 1 else f"{_apocope(_es(high))} millones"
        return head + (f" {_es(rest)}" if rest else "")
    high, rest = divmod(n, 10**12)
    head = "un billón" if high == 1 else f"{_apocope(_es(high))} billones"
    return head + (f" {_es(rest)}" if rest else "")


def _apocope(words: str) -> str:
    """'uno' shortens before a noun: veintiuno mil -> veintiún mil, treinta y uno -> treinta y un."""
    if words.endswith("veintiuno"):
        return words[: -len("veintiuno")] + "veintiún"
    if words.endswith("uno"):
        return words[:-3] + "un"
    return words
