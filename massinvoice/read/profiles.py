"""Profiles: how the exports of known ERPs are laid out, and how their status columns read.

A profile names a system's headers for our fields (exactly as it writes them, in the languages
it ships), the status columns it exports and what their values mean, and its report shape:
order fields only on an order's first row (``continuation``), or a grouped report with customer
heading rows and subtotals (``grouped``). A profile is detected from the header row (the one
whose cells name most of its signature headers), or forced with ``--profile`` / ``profile =``
in the config. Where no profile fits, the generic English/Spanish aliases apply.

The sources of every layout are listed in ``docs/erp-profiles.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from massinvoice.read.header import EXPORT_FIELDS, REQUIRED, AliasTable, header_key
from massinvoice.text import fold

# Status fields: columns a profile or the config's [status] maps; never invoice numbers.
STATUS_FIELDS = (
    "order_status", "billed", "billed_percent", "delivered_percent", "invoiced_qty",
    "delivered_qty",
)  # fmt: skip
INVOICED, PARTLY, OPEN = "invoiced", "partly invoiced", ""
DELIVERED, PARTLY_DELIVERED, NOT_DELIVERED = "delivered", "partly delivered", "not delivered"
YES = frozenset({"1", "yes", "y", "si", "sí", "oui", "o", "true", "verdadero", "vrai", "x", "ja"})
NO = frozenset({"0", "no", "n", "non", "false", "falso", "faux", "nein", "-"})


@dataclass(frozen=True, slots=True)
class Profile:
    """One system's export layout."""

    name: str  # as given to --profile
    title: str  # as named in messages
    aliases: Mapping[str, tuple[str, ...]]  # field -> this system's headers (exact)
    signature: tuple[str, ...]  # headers that say an export is this system's
    invoiced: tuple[str, ...] = ()  # order_status values that mean invoiced
    partly: tuple[str, ...] = ()  # ... partly invoiced
    not_invoiced: tuple[str, ...] = ()  # ... not invoiced (any other value is a problem)
    delivered: tuple[str, ...] = ()  # order_status values that mean delivered / packed
    partly_delivered: tuple[str, ...] = ()
    continuation: bool = False  # order fields only on an order's first row
    grouped: bool = False  # customer heading rows, "Total for X" subtotals
    required: tuple[str, ...] = REQUIRED

    @property
    def known_values(self) -> frozenset[str]:
        values = (*self.invoiced, *self.partly, *self.not_invoiced, *self.delivered,
                  *self.partly_delivered)  # fmt: skip
        return frozenset(fold(v) for v in values)


def _p(name: str, title: str, aliases: dict[str, Iterable[str]], signature: Iterable[str],
       **kw: object) -> Profile:  # fmt: skip
    return Profile(name, title, {k: tuple(v) for k, v in aliases.items()}, tuple(signature), **kw)  # type: ignore[arg-type]


# fmt: off
ODOO = _p("odoo", "Odoo", {
    "order_no": ["Order Reference", "Référence de la commande", "Referencia del pedido",
                 "Order Reference/Display Name"],
    "order_date": ["Order Date", "Date de la commande", "Fecha de la orden", "Fecha del pedido"],
    "ship_date": ["Delivery Date", "Commitment Date", "Expected Date", "Fecha de entrega"],
    "bill_customer": ["Customer", "Invoice Address", "Client", "Cliente"],
    "ship_customer": ["Delivery Address", "Dirección de entrega", "Adresse de livraison"],
    "customer_po": ["Customer Reference", "Référence client", "Referencia del cliente"],
    "sales_rep": ["Salesperson", "Vendeur", "Comercial", "Vendedor"],
    "currency": ["Currency", "Devise", "Moneda"],
    "order_status": ["Invoice Status", "Statut de facturation", "Estado de facturación"],
    "species": ["Order Lines/Product", "Product", "Lignes de commande/Produit", "Produit",
                "Líneas del pedido/Producto", "Producto"],
    "variety": ["Order Lines/Description", "Description", "Descripción"],
    "quantity": ["Order Lines/Quantity", "Quantity", "Lignes de commande/Quantité", "Quantité",
                 "Líneas del pedido/Cantidad", "Cantidad"],
    "unit": ["Order Lines/Unit of Measure", "Unit of Measure", "Unité de mesure",
             "Unidad de medida"],
    "unit_price": ["Order Lines/Unit Price", "Unit Price", "Prix unitaire", "Precio unitario"],
    "amount": ["Order Lines/Subtotal", "Subtotal", "Sous-total", "Order Lines/Tax excl.",
               "Tax excl."],
    "delivered_qty": ["Order Lines/Delivery Quantity", "Delivery Quantity", "Delivered Quantity",
                      "Order Lines/Delivered Quantity", "Quantité livrée", "Cantidad entregada"],
    "invoiced_qty": ["Order Lines/Invoiced Quantity", "Invoiced Quantity", "Quantité facturée",
                     "Cantidad facturada"],
}, ["Order Reference", "Invoice Status", "Order Lines/Product", "Order Lines/Quantity",
    "Customer Reference", "Delivery Quantity", "Invoiced Quantity", "Salesperson",
    "Référence de la commande", "Statut de facturation", "Referencia del pedido",
    "Estado de facturación"],
    invoiced=("Fully Invoiced", "Upselling Opportunity", "Entièrement facturé",
              "Totalmente facturado", "Opportunité de vente incitative",
              "Oportunidad de venta adicional"),
    not_invoiced=("To Invoice", "Nothing to Invoice", "À facturer", "Rien à facturer",
                  "A facturar", "Para facturar", "Nada que facturar", "Nada para facturar"),
    continuation=True)

ERPNEXT = _p("erpnext", "ERPNext", {
    "order_no": ["ID", "Sales Order"],
    "bill_customer": ["Customer Name"],
    "order_date": ["Date"],
    "ship_date": ["Delivery Date"],
    "customer_po": ["Customer's Purchase Order"],
    "currency": ["Currency"],
    "sales_rep": ["Sales Person (Sales Team)"],
    "order_status": ["Status"],
    "delivered_percent": ["% Delivered", "%  Delivered"],
    "billed_percent": ["% Amount Billed", "%  Amount Billed"],
    "species": ["Item Name (Items)"],
    "quantity": ["Quantity (Items)"],
    "unit": ["UOM (Items)", "Stock UOM (Items)"],
    "unit_price": ["Rate (Items)"],
    "amount": ["Amount (Items)"],
    "delivered_qty": ["Delivered Qty (Items)"],
    "invoiced_qty": ["Billed Qty (Items)"],
}, ["ID", "Customer Name", "% Delivered", "% Amount Billed", "ID (Items)", "Item Code (Items)",
    "Quantity (Items)", "Rate (Items)", "Amount (Items)", "Customer's Purchase Order"],
    invoiced=("Completed", "To Deliver"),
    not_invoiced=("Draft", "On Hold", "To Deliver and Bill", "To Bill", "Cancelled", "Closed"),
    delivered=("Completed", "To Bill"),
    partly_delivered=(),
    continuation=True)

DOLIBARR = _p("dolibarr", "Dolibarr", {
    "order_no": ["Ref.", "Réf.", "Ref", "Order ref.", "Ref. pedido", "Réf. commande"],
    "bill_customer": ["Company name", "Third-party name", "Third party", "Nombre de la empresa",
                      "Tercero", "Nom de la société", "Tiers", "Raison sociale"],
    "customer_po": ["Customer ref.", "Ref. cliente", "Réf. client"],
    "order_date": ["Order date", "Fecha pedido", "Date commande"],
    "ship_date": ["Delivery date", "Fecha de entrega", "Date de livraison"],
    "billed": ["Billed", "Facturado", "Facturada", "Facturée", "Facturé"],
    "order_status": ["Status", "Estado", "État", "Etat"],
    "species": ["Description of line", "Descripción de línea", "Description de ligne",
                "Product label", "Etiqueta producto", "Libellé produit", "Label"],
    "quantity": ["Line quantity", "Qty", "Cantidad línea", "Qté ligne", "Quantité ligne"],
    "unit_price": ["Unit price", "Precio unitario", "Prix unitaire", "P.U. HT"],
    "amount": ["Amount excl. tax for line", "Line total excl. tax", "Total línea base imponible",
               "Base imponible línea", "Montant HT ligne", "Total HT ligne"],
}, ["Ref.", "Customer ref.", "Billed", "Line quantity", "Amount excl. tax for line",
    "Ref. cliente", "Facturado", "Cantidad línea", "Total línea base imponible", "Réf. client",
    "Facturée", "Qté ligne", "Montant HT ligne", "Line id", "ID línea", "ID ligne"],
    # fk_statut as exported, and its labels: 0 draft, 1 validated, 2 in process, 3 delivered.
    delivered=("3", "Delivered", "Entregado", "Entregada", "Livrée", "Livré"),
    partly_delivered=("2", "In process", "Shipment in process", "En proceso", "En cours",
                      "Envoi en cours"),
    not_invoiced=("0", "1", "-1", "Draft", "Validated", "Canceled", "Cancelled", "Borrador",
                  "Validado", "Validada", "Anulado", "Cancelado", "Brouillon", "Validée",
                  "Annulée"))

QUICKBOOKS = _p("quickbooks", "QuickBooks", {
    "order_no": ["Num", "No.", "Number"],
    "order_date": ["Date"],
    "ship_date": ["Ship Date", "Deliv Date"],
    "customer_po": ["P. O. #", "PO #", "Memo", "Memo/Description"],
    "bill_customer": ["Name", "Customer", "Customer full name"],
    "sales_rep": ["Rep", "Sales Rep"],
    "species": ["Item", "Product/Service"],
    "variety": ["Item Description", "Description"],
    "quantity": ["Qty", "Quantity"],
    "unit": ["U/M"],
    "unit_price": ["Rate", "Sales Price"],
    "amount": ["Amount"],
    "invoiced_qty": ["Invoiced"],
}, ["Num", "Type", "Memo", "Open Balance", "Invoiced", "Backordered", "Transaction type", "No.",
    "Product/Service", "Memo/Description", "Qty", "Item", "Deliv Date"],
    grouped=True, required=("order_no",))

KOMET = _p("komet", "Komet Sales", {
    "order_no": ["Order #", "Invoice #", "Order Number"],
    "ship_date": ["Order Date", "Ship Date", "Truck Date"],
    "bill_customer": ["Customer"],
    "customer_po": ["PO #"],
    "sales_rep": ["Salesperson"],
    "cargo_agency": ["Carrier"],
    "species": ["Product"],
    "box_type": ["Box Type"],
    "boxes": ["Quantity", "Boxes"],
    "unit": ["Unit Type"],
    "unit_price": ["Unit Price"],
    "quantity": ["Total Units"],
    "amount": ["Amount"],
}, ["Customer Code", "Unit Type", "Total Units", "Pack", "Product Legacy",
    "Product Accounting Code", "Carrier", "Terms", "Vendor", "Bill City", "Ship City",
    "Product Category"])

FLOWER = _p("flower", "flower ERP (es)", {}, [
    "No. Cajas", "Tallos x Ramo", "Cajas Empacadas", "Marcación", "Finca", "Guía", "DAE", "Ramos",
    "Tallos", "Unidad", "Tipo Caja", "Pedido", "Agencia de Carga", "Variedad"])

GENERIC = _p("generic", "generic", {}, [])
# fmt: on
PROFILES: dict[str, Profile] = {
    p.name: p for p in (ODOO, ERPNEXT, DOLIBARR, QUICKBOOKS, KOMET, FLOWER, GENERIC)
}  # fmt: skip
MIN_SIGNATURE = 3  # signature headers an export must show to be taken for that system's


def names() -> list[str]:
    return list(PROFILES)


def _signature_keys(profile: Profile) -> frozenset[str]:
    return frozenset(header_key(s) for s in profile.signature)


_SIGNATURES = {name: _signature_keys(p) for name, p in PROFILES.items()}


def detect(rows: Sequence[Sequence[object]]) -> Profile:
    """The profile whose signature headers one of these rows names most (generic if none
    names at least ``MIN_SIGNATURE``)."""
    best, best_score = GENERIC, MIN_SIGNATURE - 1
    for cells in rows:
        keys = {header_key(c) for c in cells if isinstance(c, str) and c.strip()}
        if len(keys) < 2:
            continue
        for name, signature in _SIGNATURES.items():
            score = len(keys & signature)
            if score > best_score:
                best, best_score = PROFILES[name], score
    return best


@dataclass(frozen=True, slots=True)
class StatusMap:
    """What the values of the order-status column mean (a profile's, or the config's)."""

    invoiced: frozenset[str] = frozenset()
    partly: frozenset[str] = frozenset()
    not_invoiced: frozenset[str] = frozenset()
    delivered: frozenset[str] = frozenset()
    partly_delivered: frozenset[str] = frozenset()
    closed: bool = False  # True: a value not listed is a problem (the profile knows them all)

    @classmethod
    def of(cls, profile: Profile, config_status: Mapping[str, object] | None = None) -> StatusMap:
        """The profile's values, with the config's [status] values added (they win)."""
        config_status = config_status or {}

        def values(key: str, own: Iterable[str]) -> frozenset[str]:
            extra = config_status.get(key, ())
            extra = (extra,) if isinstance(extra, str) else extra
            return frozenset(fold(v) for v in (*own, *extra))  # type: ignore[misc]

        closed = bool(profile.known_values) and "column" not in config_status
        return cls(
            values("invoiced", profile.invoiced), values("partly_invoiced", profile.partly),
            values("not_invoiced", profile.not_invoiced), values("delivered", profile.delivered),
            values("partly_delivered", profile.partly_delivered), closed,
        )  # fmt: skip

    def read(self, value: str) -> tuple[str | None, str | None] | None:
        """(invoiced state, delivered state) of one status value; None values have no say.

        Returns None for a value this map does not know when it knows them all.
        """
        key = fold(value)
        if not key:
            return None, None
        invoiced = (
            INVOICED if key in self.invoiced else PARTLY if key in self.partly
            else OPEN if key in self.not_invoiced else None
        )  # fmt: skip
        delivered = (
            DELIVERED if key in self.delivered else PARTLY_DELIVERED
            if key in self.partly_delivered else None
        )  # fmt: skip
        if invoiced is None and delivered is None:
            if self.closed:
                return None
            return OPEN, None
        if delivered is None and (self.delivered or self.partly_delivered):
            delivered = NOT_DELIVERED
        return invoiced, delivered


def status_aliases(config_status: Mapping[str, object] | None) -> dict[str, tuple[str, ...]]:
    """The config's [status] columns as aliases of the status fields."""
    config_status = config_status or {}
    out: dict[str, tuple[str, ...]] = {}
    for key, target in (("column", "order_status"), ("billed_percent", "billed_percent"),
                        ("delivered_percent", "delivered_percent"),
                        ("invoiced_quantity", "invoiced_qty"),
                        ("delivered_quantity", "delivered_qty")):  # fmt: skip
        value = config_status.get(key)
        if isinstance(value, str) and value:
            out[target] = (value,)
    return out


def alias_table(
    profile: Profile,
    extra: Mapping[str, Iterable[str]] | None = None,
    config_status: Mapping[str, object] | None = None,
) -> AliasTable:
    """The headers of a profile, the config's [aliases] and [status] columns (all exact, the
    config's first), then the generic aliases of DESIGN section 3."""
    fields: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for name, (main, weak) in EXPORT_FIELDS.items():
        fields[name] = (main, weak)
    for name in STATUS_FIELDS:
        fields.setdefault(name, ((), ()))
    exact: dict[str, list[str]] = {}
    for source in (extra or {}, status_aliases(config_status), profile.aliases):
        for name, headers in source.items():
            exact.setdefault(name, []).extend(headers)
    return AliasTable.build(fields, exact)


@dataclass(frozen=True, slots=True)
class Reading:
    """How one export file was understood: for select's output and ``inspect``."""

    file: str
    sheet: str | None
    profile: str
    header_row: int  # 1-based
    columns: tuple[tuple[str, str], ...]  # (header as written, field or "")
    rows: Mapping[str, int] = field(default_factory=dict)  # row kind -> count
    invoiced: Mapping[str, int] = field(default_factory=dict)  # state -> orders
    delivered: Mapping[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """'orders.xlsx (Odoo): 12 order lines, 7 continuation lines, 1 title row'."""
        title = PROFILES[self.profile].title if self.profile in PROFILES else self.profile
        return f"{self.file} ({title}): {rows_text(self.rows)}"


ROW_WORDS = {
    "line": ("order line", "order lines"),
    "continuation": ("continuation line", "continuation lines"),
    "title": ("title row", "title rows"), "header": ("header row", "header rows"),
    "blank": ("blank row", "blank rows"),
    "heading": ("customer heading row", "customer heading rows"),
    "subtotal": ("subtotal row", "subtotal rows"), "total": ("total row", "total rows"),
    "note": ("note below the data", "notes below the data"),
    "problem": ("row with a problem", "rows with problems"),
}  # fmt: skip


def rows_text(rows: Mapping[str, int]) -> str:
    """'6 order lines, 7 continuation lines, 1 header row'."""
    order = [k for k in ROW_WORDS if rows.get(k)] + [k for k in rows if k not in ROW_WORDS]
    return ", ".join(
        f"{rows[k]} {ROW_WORDS.get(k, (k, k))[rows[k] != 1]}" for k in order if rows.get(k)
    )


# What each field is, for the field table of ``init``'s config and of docs/erp-profiles.md.
FIELD_NOTES = {
    "order_no": "order number, the key of an order (required)",
    "customer_po": "the customer's own order reference",
    "order_date": "order date", "ship_date": "ship date (the default date of the filters)",
    "flight_date": "flight date", "bill_customer": "who is billed (required)",
    "ship_customer": "who receives: consignee, mark (marcación)", "sales_rep": "sales rep",
    "cargo_agency": "cargo agency, forwarder, carrier", "market": "market or country",
    "incoterm": "incoterm", "awb": "air waybill (guía madre)", "hawb": "house AWB (guía hija)",
    "dae": "export declaration (DAE)", "species": "product or species", "variety": "variety",
    "length": "length or grade", "box_type": "box type: FB, HB, QB, EB",
    "boxes": "boxes (optional: exports in units or kilos have none)",
    "packed_boxes": "boxes packed", "confirmed_boxes": "boxes confirmed by the farm",
    "bunches": "bunches", "stems_per_bunch": "stems per bunch", "stems": "stems",
    "quantity": "quantity in the export's own unit (units, kilos), when it is not stems/bunches",
    "unit": "what the price is per: stem, bunch, unit, kg, lb, dozen",
    "unit_price": "unit price (else amount / quantity)", "min_price": "minimum price",
    "amount": "line amount (checked against quantity x price)", "currency": "currency",
    "invoice_no": "invoice number: non-empty = invoiced (a yes/no column counts as a flag)",
    "order_status": "status text; its values are mapped under [status]",
    "billed": "yes/no: the order is invoiced", "billed_percent": "percent invoiced (0-100)",
    "delivered_percent": "percent delivered (0-100)",
    "invoiced_qty": "quantity invoiced of a line", "delivered_qty": "quantity delivered of a line",
}  # fmt: skip


def field_reference() -> list[tuple[str, str, str]]:
    """(field, what it is, built-in headers) for every field [aliases] accepts."""
    out = []
    for name, note in FIELD_NOTES.items():
        main, weak = EXPORT_FIELDS.get(name, ((), ()))
        out.append((name, note, ", ".join((*main, *weak)) or "(profiles and [status] only)"))
    return out


def config_comments() -> str:
    """The field table as TOML comments, for the config ``init`` writes."""
    return "\n".join(f"# {name:<17} {note}" for name, note, _ in field_reference())
