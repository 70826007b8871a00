"""Column names: the aliases of each field and finding the header row of a sheet.

Headers are matched on a folded key (case, accents, spacing, ``.`` and ``:`` ignored). A
trailing ``(…)`` note such as ``Unit Price (USD)`` may be left off a built-in alias, never off
an exact one (the config's ``[aliases]`` and a profile's headers): ``ID`` does not claim
ERPNext's ``ID (Items)``. A *weak* alias only claims
its field when no column carries a main alias of it: an export with both ``Order #`` and ``PO``
reads ``PO`` as an extra column, not as a second order number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from massinvoice.read.cells import cell_text
from massinvoice.text import clean, column_letter, fold

HEADER_SEARCH_ROWS = 30

# field -> (main aliases, weak aliases); English and Spanish, as in DESIGN section 3.
# fmt: off
EXPORT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_no": (("Order #", "Order No", "Order Number", "PO #", "Pedido", "Nº Pedido",
                  "No Pedido", "Nro Pedido", "Número de Pedido", "Número Pedido", "Orden",
                  "Nº Orden"), ("Order", "PO")),
    "customer_po": (("Customer PO", "PO Cliente", "Client PO", "Referencia Cliente"),
                    ("Reference", "Referencia")),
    "order_date": (("Order Date", "Date PO", "PO Date", "Fecha Pedido", "Fecha PO",
                    "Fecha de Pedido"), ()),
    "ship_date": (("Ship Date", "Dispatch Date", "Shipping Date", "Fecha Despacho",
                   "Fecha de Despacho", "Fecha Envío"), ()),
    "flight_date": (("Flight Date", "Date Fly", "Fly Date", "Fecha Vuelo", "Fecha de Vuelo"), ()),
    "bill_customer": (("Bill Customer", "Bill To", "Cliente Facturación", "Cliente Factura",
                       "Facturar A"), ("Customer", "Client", "Cliente")),
    "ship_customer": (("Ship Customer", "Consignee", "Ship To", "Marcación", "Consignatario"),
                      ("Mark", "Marca")),
    "sales_rep": (("Sales Rep", "Salesperson", "Seller", "Vendedor", "Vendedora"), ()),
    "cargo_agency": (("Cargo Agency", "Forwarder", "Freight Forwarder", "Agencia de Carga",
                      "Agencia Carga", "Carguera"), ()),
    "market": (("Market", "Mercado"), ("Country", "País")),
    "incoterm": (("Incoterm", "Incoterms"), ()),
    "awb": (("AWB", "MAWB", "Guía Madre", "Guia Master", "Guía", "Guía Aérea", "AWB No"), ()),
    "hawb": (("HAWB", "Guía Hija"), ()),
    "dae": (("DAE",), ()),
    "species": (("Species", "Especie"), ("Product", "Producto")),
    "variety": (("Variety", "Variedad"), ()),
    "length": (("Length", "Length cm", "Grade", "Largo", "Largo cm", "Grado"), ()),
    "box_type": (("Box Type", "Tipo Caja", "Tipo de Caja"), ()),
    "boxes": (("Boxes", "Cajas", "Box Qty", "No. Cajas", "Nº Cajas", "Número de Cajas",
               "Cant. Cajas", "Cantidad Cajas", "Piezas"), ()),
    "packed_boxes": (("Packed Boxes", "Cajas Empacadas"), ("Packed", "Empacadas")),
    "confirmed_boxes": (("Confirmed Boxes", "Cajas Confirmadas"), ("Confirmed", "Confirmadas")),
    "bunches": (("Bunches", "Ramos"), ()),
    "stems_per_bunch": (("Stems/Bunch", "Stems per Bunch", "Stems / Bunch", "Tallos/Ramo",
                         "Tallos por Ramo", "Tallos / Ramo", "Tallos x Ramo", "Tallos X Bunch",
                         "Stems x Bunch"), ()),
    "stems": (("Stems", "Total Stems", "Tallos", "Total Tallos"), ()),
    "quantity": (("Quantity", "Qty", "Cantidad", "Cant", "Quantité", "Qté"), ()),
    "unit": (("Unit", "Unidad", "Price Unit", "Unidad de Precio", "UOM", "Unit of Measure",
              "Unidad de Medida"), ()),
    "unit_price": (("Unit Price", "Precio Unitario", "Precio Unit"), ("Price", "Precio")),
    "min_price": (("Min Price", "Minimum Price", "Precio Mínimo", "Precio Min"), ()),
    "amount": (("Amount", "Line Total", "Valor", "Valor Total", "Importe"), ("Total",)),
    "currency": (("Currency", "Moneda", "Divisa"), ()),
    "invoice_no": (("Invoice #", "Invoice No", "Invoice Number", "Factura", "Nº Factura",
                    "No Factura", "Número de Factura"), ("Invoice",)),
}
# fmt: on
REQUIRED = ("order_no", "bill_customer")
_LABELS = {"order_no": "order number", "invoice_no": "invoice number", "awb": "AWB",
           "hawb": "HAWB", "dae": "DAE", "customer_po": "customer PO"}  # fmt: skip


def label(field: str) -> str:
    """A field as named in messages: 'order_no' -> 'order number'."""
    return _LABELS.get(field, field.replace("_", " "))


_PAREN = re.compile(r"\s*\([^)]*\)\s*$")
_PUNCT = re.compile(r"[.:]")
_HASH = re.compile(r"\s*#\s*")
_NUMBER_WORD = re.compile(r"\b(?:nro|num|n)\b")


def header_key(value: object) -> str:
    """The folded form a header is matched on: 'Nº. Pedido:' -> 'no pedido'."""
    key = _HASH.sub(" # ", _PUNCT.sub(" ", fold(value)))
    return _NUMBER_WORD.sub("no", " ".join(key.split()))


@dataclass(frozen=True, slots=True)
class AliasTable:
    """Header keys to fields: main aliases and weak ones."""

    main: Mapping[str, str]
    weak: Mapping[str, str]
    shown: Mapping[str, tuple[str, ...]]  # field -> aliases as shown in messages
    exact: frozenset[str] = frozenset()  # keys matched only as written (no "(...)" left off)

    @classmethod
    def build(
        cls,
        fields: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
        extra: Mapping[str, Iterable[str]] | None = None,
    ) -> AliasTable:
        main: dict[str, str] = {}
        weak: dict[str, str] = {}
        shown: dict[str, tuple[str, ...]] = {}
        extra = extra or {}
        exact: set[str] = set()
        for name, added in extra.items():  # the config's own names win over ours
            if name in fields:
                for alias in added:
                    key = header_key(alias)
                    main.setdefault(key, name)
                    exact.add(key)
        for name, (strong, soft) in fields.items():
            added = tuple(extra.get(name, ()))
            for alias in strong:
                main.setdefault(header_key(alias), name)
            for alias in soft:
                weak.setdefault(header_key(alias), name)
            shown[name] = (*added, *strong, *soft)
        return cls(main, weak, shown, frozenset(exact))

    def lookup(self, header: object) -> tuple[str, bool] | None:
        """(field, is_main) for a header cell, or None if it names no field."""
        if not isinstance(header, str) or not header.strip():
            return None
        key = header_key(header)
        if key in self.main:
            return self.main[key], True
        if key in self.weak:
            return self.weak[key], False
        bare = header_key(_PAREN.sub("", header))
        if bare == key or bare in self.exact:
            return None
        if bare in self.main:
            return self.main[bare], True
        if bare in self.weak:
            return self.weak[bare], False
        return None


def export_aliases(extra: Mapping[str, Iterable[str]] | None = None) -> AliasTable:
    """The export's alias table, with the config's extra aliases (``[aliases]``) as main ones."""
    extra = dict(extra or {})
    if "length_cm" in extra:
        extra.setdefault("length", extra.pop("length_cm"))
    return AliasTable.build(EXPORT_FIELDS, extra)


@dataclass(frozen=True, slots=True)
class Header:
    """The header row found in a sheet: which column holds which field."""

    row: int  # 0-based index in the sheet
    fields: dict[str, int]  # field -> column index
    extras: tuple[tuple[str, int], ...]  # unknown headers (text, column index), in order
    labels: tuple[str, ...]  # every header cell's text, by column
    duplicates: tuple[tuple[str, int, int], ...]  # (field, first column, second column)

    def column(self, index: int) -> str:
        """A column as named in a message: 'Unit Price (Z)'."""
        label = self.labels[index] if index < len(self.labels) else ""
        return f"{label} ({column_letter(index)})" if label else column_letter(index)

    def missing(self, required: Sequence[str]) -> list[str]:
        return [f for f in required if f not in self.fields]


def match_row(cells: Sequence[object], aliases: AliasTable) -> Header | None:
    """Read one row as a header (None if no cell names a field)."""
    main: dict[str, list[int]] = {}
    weak: dict[str, list[int]] = {}
    unknown: list[int] = []
    for j, cell in enumerate(cells):
        hit = aliases.lookup(cell)
        if hit is None:
            unknown.append(j)
        else:
            (main if hit[1] else weak).setdefault(hit[0], []).append(j)
    if not main and not weak:
        return None
    fields: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    for name in aliases.shown:
        columns = main.get(name) or weak.get(name) or []
        if columns:
            fields[name] = columns[0]
            duplicates.extend((name, columns[0], j) for j in columns[1:])
        if main.get(name):
            unknown.extend(weak.get(name, ()))  # a weak alias beside a main one: extra column
    labels = tuple(clean(cell_text(c)) for c in cells)
    extras = tuple((labels[j], j) for j in sorted(unknown) if labels[j])
    return Header(0, fields, extras, labels, tuple(duplicates))


def find_header(
    rows: Sequence[Sequence[object]],
    aliases: AliasTable,
    required: Sequence[str] = REQUIRED,
    search: int = HEADER_SEARCH_ROWS,
) -> Header | None:
    """The best header among the first rows: most fields named, the required ones first.

    Returns the best candidate even when a required field is missing (the caller reports
    it), or None when no row names any field.
    """
    best: Header | None = None
    best_score = (-1, -1)
    for i, cells in enumerate(rows[:search]):
        header = match_row(cells, aliases)
        if header is None:
            continue
        score = (len(required) - len(header.missing(required)), len(header.fields))
        if score > best_score:
            best_score = score
            best = Header(i, header.fields, header.extras, header.labels, header.duplicates)
    return best


def looks_like_header(header: Header | None, required: Sequence[str] = REQUIRED) -> bool:
    """Whether a near-miss is worth a 'missing column' message rather than 'no header'."""
    if header is None:
        return False
    return len(header.missing(required)) < len(required) and len(header.fields) >= 3


# --- Export-invoice columns (flower exporters: Ecuador, Colombia) -----------------------------
# Not fields of an order: read as the lines' extra columns (kept as exported, carried to the
# Lines sheet), and printed by the invoice when present (massinvoice/invoice/shipping.py).
# fmt: off
SHIPPING_ALIASES: dict[str, tuple[str, ...]] = {
    "incoterm_place": ("Incoterm Place", "Named Place", "Place", "Lugar Incoterm", "Lugar"),
    "gross_weight": ("Gross Weight", "Gross Wt", "GW", "Peso Bruto", "Peso Bruto Kg"),
    "net_weight": ("Net Weight", "Net Wt", "NW", "Peso Neto", "Peso Neto Kg"),
    "pieces": ("Pieces", "Pcs", "Bultos", "Total Piezas"),  # "Piezas" alone means boxes
    "airline": ("Airline", "Carrier", "Aerolínea", "Aerolinea"),
    "flight_no": ("Flight", "Flight #", "Flight No", "Flight Number", "Vuelo", "Nº Vuelo"),
    "origin_airport": ("Origin Airport", "Airport of Departure", "Aeropuerto Origen",
                       "Aeropuerto de Salida"),
    "destination_airport": ("Destination Airport", "Airport of Destination",
                            "Aeropuerto Destino", "Aeropuerto de Destino"),
    "phyto": ("Phytosanitary", "Phyto", "Phyto Certificate", "Phytosanitary Certificate",
              "Fitosanitario", "Certificado Fitosanitario"),
    "destination_country": ("Destination Country", "Country of Destination", "País Destino",
                            "Pais Destino", "País de Destino"),
    "farm": ("Farm", "Grower", "Finca", "Productor"),
}
# fmt: on
_SHIPPING_BY_ALIAS = {header_key(a): f for f, aliases in SHIPPING_ALIASES.items() for a in aliases}


def shipping_field(header: str) -> str | None:
    """The export-invoice field an extra column's header names, if any."""
    return _SHIPPING_BY_ALIAS.get(header_key(header))
