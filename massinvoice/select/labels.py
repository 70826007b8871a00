"""Words of the selection workbook, in English and Spanish.

Column labels are also what read-back looks for: a header matches a column when its folded text
(see :func:`massinvoice.text.fold`) equals the folded English or Spanish label, whatever the
language the workbook was made in.
"""

from __future__ import annotations

from massinvoice.model import Status
from massinvoice.text import fold

LANGUAGES = ("en", "es")

# key -> (English, Spanish). The key is the Order/Line attribute where there is one.
SELECTION_COLUMNS: dict[str, tuple[str, str]] = {
    "select": ("Select", "Seleccionar"),
    "status": ("Status", "Estado"),
    "order_no": ("Order #", "Pedido"),
    "customer_po": ("Customer PO", "PO Cliente"),
    "order_date": ("Order Date", "Fecha Pedido"),
    "ship_date": ("Ship Date", "Fecha Despacho"),
    "flight_date": ("Flight Date", "Fecha Vuelo"),
    "bill_customer": ("Bill Customer", "Cliente"),
    "ship_customer": ("Ship Customer", "Marcación"),
    "sales_rep": ("Sales Rep", "Vendedor"),
    "cargo_agency": ("Cargo Agency", "Agencia de Carga"),
    "market": ("Market", "Mercado"),
    "awb": ("AWB", "Guía Madre"),
    "boxes": ("Boxes", "Cajas"),
    "packed_boxes": ("Packed", "Empacadas"),
    "fulls": ("Fulls", "Fulls"),
    "stems": ("Stems", "Tallos"),
    "amount": ("Amount", "Valor"),
    "currency": ("Currency", "Moneda"),
    "invoice_no": ("Invoice #", "Factura"),
    "warnings": ("Warnings", "Advertencias"),
}

LINES_COLUMNS: dict[str, tuple[str, str]] = {
    "order_no": ("Order #", "Pedido"),
    "line_no": ("Line", "Línea"),
    "species": ("Species", "Especie"),
    "variety": ("Variety", "Variedad"),
    "length": ("Length", "Largo"),
    "box_type": ("Box Type", "Tipo Caja"),
    "boxes": ("Boxes", "Cajas"),
    "packed_boxes": ("Packed", "Empacadas"),
    "confirmed_boxes": ("Confirmed", "Confirmadas"),
    "bunches": ("Bunches", "Ramos"),
    "stems_per_bunch": ("Stems/Bunch", "Tallos/Ramo"),
    "stems": ("Stems", "Tallos"),
    "unit": ("Unit", "Unidad"),
    "unit_price": ("Unit Price", "Precio Unitario"),
    "min_price": ("Min Price", "Precio Mínimo"),
    "amount": ("Amount", "Valor"),
    "currency": ("Currency", "Moneda"),
}

# Line fields the accountant may correct on the Lines sheet (the blue cells).
EDITABLE = ("boxes", "packed_boxes", "bunches", "stems_per_bunch", "stems", "unit_price")

STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.INVOICED: ("INVOICED", "FACTURADO"),
    Status.PACKED: ("PACKED", "EMPACADO"),
    Status.PARTIAL: ("PARTIAL", "PARCIAL"),
    Status.NOT_PACKED: ("NOT PACKED", "SIN EMPACAR"),
}

# What the Select cell of an invoiced order says (the source ERP's own word), by language; read
# back in either language whatever the workbook's.
INVOICED_MARK = "INVOICED!"
INVOICED_MARKS = (INVOICED_MARK, "¡FACTURADO!")
# Select values that plainly mean "not this one" (folded), read as an empty cell.
NOT_SELECTED_MARKS = frozenset({"no", "n", "0", "false", "falso", "-"})
# Select values that mean "invoice this order", folded (case and accents ignored).
SELECT_MARKS = frozenset({"x", "yes", "y", "si", "1", "true", "✓", "✔"})
# The same, as typed, for the live count formula (which cannot fold accents).
SELECT_MARKS_TYPED = ("x", "yes", "y", "si", "sí", "1", "true", "✓", "✔")

# The short words of the Warnings column (the workbook shows words, never codes).
WARNING_LABELS: dict[str, tuple[str, str]] = {
    "unconfirmed": ("unconfirmed boxes", "cajas sin confirmar"),
    "not_packed": ("not packed", "sin empacar"),
    "partial": ("partly packed", "empacado en parte"),
    "zero_price": ("zero price", "precio cero"),
    "under_min": ("under minimum price", "bajo precio mínimo"),
    "amount_mismatch": ("amount is not qty x price", "valor distinto de cantidad x precio"),
    "missing_awb": ("no AWB", "sin guía madre"),
    "missing_dae": ("no DAE", "sin DAE"),
    "bad_quantity": ("zero or negative quantity", "cantidad cero o negativa"),
    "mixed_currency": ("several currencies", "varias monedas"),
    "unknown_customer": ("customer not in directory", "cliente fuera del directorio"),
}

WARNING_TEXT: dict[str, tuple[str, str]] = {
    "unconfirmed": (
        "Some boxes are not confirmed by the farm.",
        "Hay cajas no confirmadas por la finca.",
    ),
    "not_packed": ("No box of the order is packed yet.", "Ninguna caja del pedido está empacada."),
    "partial": ("Only some boxes are packed.", "Solo parte de las cajas está empacada."),
    "zero_price": (
        "A line has a price of 0.00 or no price.",
        "Una línea tiene precio 0,00 o no tiene precio.",
    ),
    "under_min": (
        "A price is under the minimum price.",
        "Un precio está por debajo del precio mínimo.",
    ),
    "amount_mismatch": (
        "The exported amount is not quantity x price.",
        "El valor exportado no es cantidad x precio.",
    ),
    "missing_awb": ("No AWB (air waybill).", "Sin guía madre (AWB)."),
    "missing_dae": ("No DAE (export declaration).", "Sin DAE (declaración de exportación)."),
    "bad_quantity": (
        "A line has a zero or negative quantity.",
        "Una línea tiene cantidad cero o negativa.",
    ),
    "mixed_currency": ("Lines in more than one currency.", "Líneas en más de una moneda."),
    "unknown_customer": (
        "The bill customer is not in the customer directory.",
        "El cliente no está en el directorio de clientes.",
    ),
}

# Filters.describe() labels and values, for the Spanish title block.
FILTER_WORDS_ES = {
    "ship date": "fecha despacho",
    "order date": "fecha pedido",
    "flight date": "fecha vuelo",
    "sales rep": "vendedor",
    "client": "cliente",
    "cargo agency": "agencia de carga",
    "market": "mercado",
    "status": "estado",
    "all": "todos",
    "invoiced": "facturados",
    "non-invoiced": "no facturados",
    " to ": " a ",
}

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Invoice selection", "Selección de facturas"),
    "created": ("created", "creada"),
    "filters": ("Filters", "Filtros"),
    "sources": ("Source", "Origen"),
    "selected": ("Selected", "Seleccionados"),
    "orders": ("orders", "pedidos"),
    "amount": ("amount", "valor"),
    "total": ("Total", "Total"),
    "no_orders": ("No orders match the filters.", "Ningún pedido cumple los filtros."),
    "dv_title": ("Select", "Seleccionar"),
    "dv_input": (
        "Type X to invoice this order; leave empty to skip it.",
        "Escriba X para facturar este pedido; déjelo vacío para omitirlo.",
    ),
    "dv_error": (
        "Use X to select (x, yes, sí, 1 and ✓ are read as X too). Other values stop the invoice run.",
        "Use X para seleccionar (x, sí, yes, 1 y ✓ también valen). Otros valores detienen la facturación.",
    ),
    "page": ("Page &P of &N", "Página &P de &N"),
    "legend": ("Legend", "Leyenda"),
    "how_title": ("How to use this workbook", "Cómo usar este libro"),
    "colours": ("Row colours", "Colores de las filas"),
    "select_values": ("Select column", "Columna Seleccionar"),
    "warnings": ("Warnings", "Advertencias"),
}

HOW_TO: tuple[tuple[str, str], ...] = (
    (
        "1. On the Selection sheet, type X in the Select column of every order to invoice, "
        "or pick X from the list. Leave it empty to skip the order.",
        "1. En la hoja Selección, escriba X en la columna Seleccionar de cada pedido a facturar, "
        "o elija X en la lista. Déjela vacía para omitir el pedido.",
    ),
    (
        "2. Gray rows are already invoiced: they say INVOICED! and are never invoiced again.",
        "2. Las filas grises ya están facturadas: dicen ¡FACTURADO! y nunca se facturan otra vez.",
    ),
    (
        "3. Prices and quantities (blue cells) may be corrected on the Lines sheet; the invoice "
        "uses the corrected values and the run report lists every change.",
        "3. Los precios y cantidades (celdas azules) se pueden corregir en la hoja Líneas; la "
        "factura usa los valores corregidos y el informe lista cada cambio.",
    ),
    (
        "4. Do not add or delete lines, and do not change order numbers. Sorting, filtering, "
        "hiding rows and adding your own columns are fine.",
        "4. No agregue ni borre líneas, ni cambie números de pedido. Ordenar, filtrar, ocultar "
        "filas y agregar columnas propias no causa problemas.",
    ),
    (
        "5. The sheets are protected without a password so that only the right cells change. "
        "Excel does not sort protected sheets: to sort, use Review > Unprotect Sheet.",
        "5. Las hojas están protegidas sin contraseña para que solo cambien las celdas debidas. "
        "Excel no ordena hojas protegidas: para ordenar, use Revisar > Desproteger hoja.",
    ),
    (
        "6. Save the workbook (xlsx) and run: massinvoice invoice FILE -o FOLDER, "
        "or drop it into the inbox folder.",
        "6. Guarde el libro (xlsx) y ejecute: massinvoice invoice ARCHIVO -o CARPETA, "
        "o déjelo en la carpeta inbox.",
    ),
)

STATUS_MEANING: dict[Status, tuple[str, str]] = {
    Status.INVOICED: (
        "Gray: already invoiced; cannot be selected.",
        "Gris: ya facturado; no se puede seleccionar.",
    ),
    Status.NOT_PACKED: (
        "White: not invoiced, nothing packed yet.",
        "Blanco: no facturado, nada empacado todavía.",
    ),
    Status.PARTIAL: (
        "Yellow: not invoiced, partially packed.",
        "Amarillo: no facturado, empacado en parte.",
    ),
    Status.PACKED: (
        "Green: not invoiced, fully packed.",
        "Verde: no facturado, empacado por completo.",
    ),
}

SELECT_MEANING: tuple[tuple[str, str, str], ...] = (
    ("X", "Invoice this order. Also read as X: x, yes, y, sí, si, 1, true, ✓.",
     "Facturar este pedido. También valen: x, sí, si, yes, y, 1, true, ✓."),
    ("", "(empty) Do not invoice this order now; no, n, 0 and false mean the same.",
     "(vacío) No facturar este pedido ahora; no, n, 0 y false significan lo mismo."),
    (INVOICED_MARK, "Already invoiced; locked.", "Ya facturado; bloqueado."),
)  # fmt: skip


def pick(pair: tuple[str, str], language: str) -> str:
    """The label in the language (Spanish for 'es', English otherwise)."""
    return pair[1] if language == "es" else pair[0]


def header_keys(columns: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Folded label (either language) -> column key, for reading headers back."""
    out: dict[str, str] = {}
    for key, pair in columns.items():
        for label in pair:
            out.setdefault(fold(label), key)
    return out


def describe_filters(pairs: list[tuple[str, str]], language: str) -> str:
    """Filters.describe() as one line: 'ship date: 2026-11-09 to 2026-11-22 · status: all'."""
    if not pairs:
        return "ninguno" if language == "es" else "none"
    text = " · ".join(f"{label}: {value}" for label, value in pairs)
    if language != "es":
        return text
    parts = []
    for label, value in pairs:
        label = FILTER_WORDS_ES.get(label, label)
        value = FILTER_WORDS_ES.get(value, value).replace(" to ", " a ")
        parts.append(f"{label}: {value}")
    return " · ".join(parts)
