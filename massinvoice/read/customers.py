"""The customer directory: billing details an export rarely carries, one row per bill customer.

``customers.csv`` or ``.xlsx`` (any format the export reader takes), found by header names in
English or Spanish. Customers are looked up by their folded name or by their folded code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from massinvoice.config import Config
from massinvoice.model import Customer
from massinvoice.problems import CELL, ROW, Code, Problem, raise_if
from massinvoice.read import convert
from massinvoice.read.cells import cell_text, is_empty
from massinvoice.read.guard import ReadError
from massinvoice.read.header import AliasTable
from massinvoice.read.sheets import locate
from massinvoice.text import clean, fold

# fmt: off
CUSTOMER_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "name": (("Customer", "Customer Name", "Bill Customer", "Client", "Cliente", "Nombre",
              "Razón Social", "Nombre Cliente"), ("Name",)),
    "code": (("Code", "Customer Code", "Código", "Código Cliente", "Codigo"), ()),
    "tax_id": (("Tax ID", "Tax Number", "VAT", "VAT Number", "VAT ID", "EIN", "RUC", "NIF",
                "NIT", "CIF", "RFC", "INN"), ()),
    "address": (("Address", "Billing Address", "Dirección", "Direccion Facturación"), ()),
    "city": (("City", "Ciudad"), ()),
    "country": (("Country", "País"), ()),
    "email": (("Email", "E-mail", "Invoice Email", "Correo", "Correo Electrónico"), ()),
    "language": (("Language", "Idioma"), ()),
    "payment_terms": (("Payment Terms", "Terms", "Condiciones de Pago", "Forma de Pago",
                       "Plazo de Pago"), ()),
    "einvoice": (("E-Invoice", "E-Invoicing", "Electronic Invoice", "Factura Electrónica",
                  "Facturación Electrónica"), ()),
}
# fmt: on
REQUIRED = ("name",)
_YES = {"yes", "y", "si", "s", "true", "1", "x", "✓", "verdadero"}
_NO = {"", "no", "n", "false", "0", "-", "falso"}
_LANGUAGES = {
    **dict.fromkeys(("en", "eng", "english", "ingles", "en-us", "en-gb"), "en"),
    **dict.fromkeys(("es", "spa", "spanish", "espanol", "castellano", "es-ec", "es-es"), "es"),
}
_ADDRESS_SPLIT = re.compile(r"[\r\n;]+")


def _address(value: object) -> tuple[str, ...]:
    if is_empty(value):
        return ()
    return tuple(p for p in (clean(s) for s in _ADDRESS_SPLIT.split(cell_text(value))) if p)


def load_customers(path: Path, config: Config) -> dict[str, Customer]:
    """The directory keyed by folded name, and also by folded code; a missing file is empty.

    A file that exists but cannot be used raises ``InputError`` with all its problems.
    """
    path = Path(path)
    if not path.exists():
        return {}
    aliases = AliasTable.build(CUSTOMER_FIELDS)
    try:
        sheet, header = locate(path, config.limits, aliases, REQUIRED, "customer directory")
    except ReadError as exc:
        raise_if(list(exc.problems))
        raise  # pragma: no cover - raise_if always raises here
    problems: list[Problem] = []

    def problem(code: str, message: str, row: int, field: str, hint: str, level: str) -> None:
        column = header.column(header.fields[field])
        problems.append(Problem(code, message, sheet.file, sheet.name, row, column, hint, level))

    for field, a, b in header.duplicates:
        problem(
            Code.DUPLICATE_HEADER,
            f"columns {header.column(a)} and {header.column(b)} both mean {field}",
            header.row + 1,
            field,
            "rename or delete one of the two columns",
            "header",
        )
    raise_if(problems)
    cells = sheet.frame.to_numpy(dtype=object)[header.row + 1 :]
    columns = {
        field: cells[:, j].tolist() if len(cells) else [] for field, j in header.fields.items()
    }
    texts = {
        field: convert.texts(values)
        for field, values in columns.items()
        if field not in ("address", "einvoice")
    }
    out: dict[str, Customer] = {}
    rows_of: dict[str, int] = {}
    for i in range(len(cells)):
        row = header.row + 2 + i
        customer = _customer(i, row, cells[i], columns, texts, problem)
        if customer is None:
            continue
        for key, field in ((fold(customer.name), "name"), (fold(customer.code), "code")):
            if not key:
                continue
            if key in rows_of and out[key] is not customer:
                problem(
                    Code.DUPLICATE_CUSTOMER,
                    f"{key!r} is already used by the customer on row {rows_of[key]}",
                    row,
                    field,
                    "each customer name and code may appear once",
                    ROW,
                )
                continue
            out[key], rows_of[key] = customer, row
    raise_if(problems)
    return out


def _customer(
    i: int, row: int, cells: Any, columns: dict[str, list[Any]], texts: dict[str, list[str]],
    problem: Callable[..., None],
) -> Customer | None:  # fmt: skip
    """The customer on one row of the directory (None for a row without a name); what is wrong
    with it goes to ``problem``."""

    def text(field: str) -> str:
        return texts[field][i] if field in texts else ""

    name = text("name")
    if not name:
        if any(not is_empty(c) for c in cells):
            problem(
                Code.MISSING_VALUE,
                "this row has data but no customer name",
                row,
                "name",
                "fill in the customer's name, or delete the row",
                ROW,
            )
        return None
    language = fold(text("language"))
    if language and language not in _LANGUAGES:
        problem(
            Code.BAD_VALUE,
            f"{text('language')!r} is not a language we print invoices in",
            row,
            "language",
            "write en (English) or es (Spanish), or leave it empty",
            CELL,
        )
    flag = fold(cell_text(columns["einvoice"][i])) if "einvoice" in columns else ""
    if flag.endswith(".0"):
        flag = flag[:-2]
    if flag not in _YES and flag not in _NO:
        problem(
            Code.BAD_VALUE,
            f"{flag!r} is not yes or no",
            row,
            "einvoice",
            "write yes (sí, x) or no, or leave it empty for no",
            CELL,
        )
    return Customer(
        name=name,
        code=text("code"),
        tax_id=text("tax_id"),
        address=_address(columns["address"][i]) if "address" in columns else (),
        city=text("city"),
        country=text("country"),
        email=text("email"),
        language=_LANGUAGES.get(language, ""),
        payment_terms=text("payment_terms"),
        einvoice=flag in _YES,
    )
