#!/usr/bin/env python3
"""Sample order exports in the layouts real ERPs write, and what each must read as.

Each sample is written from one table of orders (``ORDERS`` below, invented names) in the
layout of one system, as researched in ``docs/erp-profiles.md``: its header labels, its
status values, its report shape (continuation lines, grouped report rows, title rows). Beside
each export goes ``NAME.truth.json``: the orders it holds, their line counts, amounts and
statuses, and how many rows of each kind the file has. The truth is written from the table,
never from what massinvoice reads.

Usage: ``python tests/erp/make_samples.py [OUTDIR]`` (default: this folder). Deterministic:
the same bytes every run (fixed workbook creation time).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CREATED = dt.datetime(2026, 12, 1, 8, 0, 0)
EPOCH = dt.date(1899, 12, 30)


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Item:
    product: str
    qty: int
    unit: str  # as the ERP calls it: "Units", "Nos", "stem", "bunch"
    price: Decimal  # what the line is priced at per unit
    delivered: int = 0
    invoiced: int = 0

    @property
    def amount(self) -> Decimal:
        return money(self.qty * self.price)


@dataclass(frozen=True)
class Order:
    number: str
    customer: str
    date: dt.date
    ship: dt.date
    po: str
    rep: str
    items: tuple[Item, ...]

    @property
    def amount(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))

    @property
    def invoice_state(self) -> str:
        """'invoiced', 'partly invoiced' or '' (open), from the lines' invoiced quantities."""
        done = sum(i.invoiced for i in self.items)
        if done == 0:
            return ""
        return "invoiced" if all(i.invoiced >= i.qty for i in self.items) else "partly invoiced"

    @property
    def delivery_state(self) -> str:
        done = sum(i.delivered for i in self.items)
        if done == 0:
            return "not delivered"
        if all(i.delivered >= i.qty for i in self.items):
            return "delivered"
        return "partly delivered"


D = Decimal
d = dt.date


def _orders(prefix: str, unit: str = "Units") -> list[Order]:
    """Six orders covering every state: open, delivered, partly delivered, invoiced,
    partly invoiced; one line priced so that amount / quantity does not end (100.00 / 3)."""
    u = unit
    return [
        Order(f"{prefix}041", "Bloom Wholesale LLC", d(2026, 11, 16), d(2026, 11, 20), "BW-7781",
              "Diego Benítez", (
                  Item("Rose Freedom 50cm", 300, u, D("0.65"), delivered=300),
                  Item("Rose Explorer 60cm", 250, u, D("0.72"), delivered=250),
                  Item("Gypsophila Xlence", 40, u, D("2.10"), delivered=40),
              )),
        Order(f"{prefix}042", "Fleurs de Paris SARL", d(2026, 11, 16), d(2026, 11, 21), "FP-2026-118",
              "Ana Quishpe", (
                  Item("Rose Vendela 60cm", 500, u, D("0.58")),
                  Item("Spray Rose Mikado", 120, u, D("1.15")),
              )),
        Order(f"{prefix}043", "Moscow Flora OOO", d(2026, 11, 17), d(2026, 11, 21), "",
              "Diego Benítez", (
                  Item("Rose Freedom 70cm", 400, u, D("0.81"), delivered=400, invoiced=400),
                  Item("Rose Mondial 60cm", 200, u, D("0.74"), delivered=200, invoiced=200),
              )),
        Order(f"{prefix}044", "Bloom Wholesale LLC", d(2026, 11, 17), d(2026, 11, 22), "BW-7790",
              "Ana Quishpe", (
                  Item("Carnation Select Mix", 600, u, D("0.19"), delivered=600, invoiced=600),
                  Item("Rose Explorer 50cm", 350, u, D("0.61"), delivered=350),
                  Item("Hydrangea White Premium", 30, u, D("2.35"), delivered=0),
              )),
        Order(f"{prefix}045", "Tulip & Co. B.V.", d(2026, 11, 18), d(2026, 11, 22), "TC-55",
              "Diego Benítez", (
                  Item("Rose Pink Floyd 60cm", 250, u, D("0.88"), delivered=100),
                  Item("Alstroemeria Assorted", 3, u, D("100.00") / 3, delivered=0),
              )),
        Order(f"{prefix}046", "Fleurs de Paris SARL", d(2026, 11, 18), d(2026, 11, 23), "FP-2026-121",
              "Ana Quishpe", (
                  Item("Rose Playa Blanca 50cm", 450, u, D("0.55")),
              )),
    ]  # fmt: skip


def truth(orders: list[Order], rows: dict[str, int], *, profile: str, delivered: bool,
          invoiced: bool = True) -> dict[str, Any]:  # fmt: skip
    """What a sample must read as: every order, its lines, amount and statuses; row kinds."""
    return {
        "profile": profile,
        "orders": {
            o.number: {
                "bill_customer": o.customer,
                "lines": len(o.items),
                "amount": str(o.amount),
                "invoiced": o.invoice_state if invoiced else "",
                "delivered": o.delivery_state if delivered else "",
            }
            for o in orders
        },
        "rows": rows,
    }


def _xlsx(path: Path, sheet: str, rows: list[list[Any]], date_format: str = "yyyy-mm-dd") -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet(sheet)
    fmt = wb.add_format({"num_format": date_format})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, stamp)
            elif isinstance(v, dt.date):
                ws.write_number(r, c, (v - EPOCH).days, fmt)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, float(v))
    wb.close()


def _csv(path: Path, rows: list[list[Any]], *, delimiter: str = ",", encoding: str = "utf-8",
         comma: bool = False, date: Callable[[dt.date], str] = dt.date.isoformat) -> None:  # fmt: skip
    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.date):
            return date(v)
        if isinstance(v, Decimal):
            text = f"{v:.2f}" if v == money(v) else f"{v:.4f}"
            return text.replace(".", ",") if comma else text
        return str(v)

    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(
            [[cell(v) for v in row] for row in rows]
        )


# --- Odoo ---------------------------------------------------------------------------------


ODOO_INVOICE_STATUS = {"invoiced": "Fully Invoiced", "partly invoiced": "To Invoice"}


def odoo_sale_order(out: Path) -> None:
    """sale.order list, Export with the order lines' fields (labels, not technical names):
    order fields on an order's first row only, its other lines below with those cells blank."""
    orders = _orders("S00")
    header = ["Order Reference", "Order Date", "Customer", "Customer Reference", "Salesperson",
              "Currency", "Invoice Status", "Total", "Order Lines/Product",
              "Order Lines/Quantity", "Order Lines/Unit of Measure", "Order Lines/Unit Price",
              "Order Lines/Delivery Quantity", "Order Lines/Invoiced Quantity",
              "Order Lines/Subtotal"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for o in orders:
        state = o.invoice_state
        status = ODOO_INVOICE_STATUS.get(state) or (
            "To Invoice" if o.delivery_state != "not delivered" else "Nothing to Invoice"
        )
        head = [o.number, dt.datetime.combine(o.date, dt.time(9, 30)), o.customer, o.po, o.rep,
                "USD", status, o.amount]  # fmt: skip
        for k, i in enumerate(o.items):
            first = head if k == 0 else [""] * len(head)
            rows.append([*first, i.product, i.qty, i.unit, i.price, i.delivered, i.invoiced,
                         i.amount])  # fmt: skip
    _xlsx(out / "odoo_sale_order.xlsx", "Sales Order (sale.order)", rows)
    lines = sum(len(o.items) for o in orders)
    (out / "odoo_sale_order.truth.json").write_text(_dump(truth(
        orders, {"header": 1, "line": len(orders), "continuation": lines - len(orders)},
        profile="odoo", delivered=True)))  # fmt: skip


def odoo_order_lines(out: Path) -> None:
    """sale.order.line list (Sales > Orders > Order Lines), exported as csv: one full row per
    line, each with the line's own Invoice Status."""
    orders = _orders("S00")
    header = ["Order Reference", "Customer", "Salesperson", "Product", "Quantity",
              "Delivery Quantity", "Invoiced Quantity", "Unit of Measure", "Unit Price",
              "Subtotal", "Invoice Status"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for o in orders:
        for i in o.items:
            if i.invoiced >= i.qty:
                status = "Fully Invoiced"
            elif i.delivered > i.invoiced:
                status = "To Invoice"
            else:
                status = "Nothing to Invoice"
            rows.append([o.number, o.customer, o.rep, i.product, f"{i.qty}.00",
                         f"{i.delivered}.00", f"{i.invoiced}.00", i.unit, i.price, i.amount,
                         status])  # fmt: skip
    _csv(out / "odoo_order_lines.csv", rows)
    lines = sum(len(o.items) for o in orders)
    (out / "odoo_order_lines.truth.json").write_text(_dump(truth(
        orders, {"header": 1, "line": lines}, profile="odoo", delivered=True)))  # fmt: skip


# --- ERPNext / Frappe -----------------------------------------------------------------------


def erpnext_sales_order(out: Path) -> None:
    """Data Export of Sales Order with its Items child table (Frappe's exporter): parent labels,
    child labels followed by "(Items)", the parent's fields on its first row only."""
    orders = _orders("SAL-ORD-2026-00", unit="Nos")
    header = ["ID", "Customer", "Customer Name", "Date", "Delivery Date",
              "Customer's Purchase Order", "Currency", "Status", "% Delivered",
              "% Amount Billed", "Grand Total", "ID (Items)", "Item Code (Items)",
              "Item Name (Items)", "Quantity (Items)", "UOM (Items)", "Rate (Items)",
              "Amount (Items)"]  # fmt: skip
    rows: list[list[Any]] = [header]
    n = 0
    for o in orders:
        total = o.amount
        billed = sum((i.price * i.invoiced for i in o.items), Decimal(0))
        per_billed = money(100 * billed / total)
        per_delivered = money(D(100) * sum(i.delivered for i in o.items) /
                              sum(i.qty for i in o.items))  # fmt: skip
        if per_billed >= 100:
            status = "Completed" if per_delivered >= 100 else "To Deliver"
        else:
            status = "To Bill" if per_delivered >= 100 else "To Deliver and Bill"
        head = [o.number, o.customer.upper().replace(" ", "-")[:12], o.customer, o.date, o.ship,
                o.po, "USD", status, per_delivered, per_billed, total]  # fmt: skip
        for k, i in enumerate(o.items):
            n += 1
            first = head if k == 0 else [""] * len(head)
            code = "-".join(i.product.upper().split()[:2])
            rows.append([*first, f"c{n:04x}9e1f2", code, i.product, i.qty, i.unit, i.price,
                         i.amount])  # fmt: skip
    _csv(out / "erpnext_sales_order.csv", rows)
    lines = sum(len(o.items) for o in orders)
    (out / "erpnext_sales_order.truth.json").write_text(_dump(truth(
        orders, {"header": 1, "line": len(orders), "continuation": lines - len(orders)},
        profile="erpnext", delivered=True)))  # fmt: skip


# --- Dolibarr -------------------------------------------------------------------------------

DOLIBARR_LABELS = {
    "en": ["Company name", "Ref.", "Customer ref.", "Order date", "Billed", "Status",
           "Line id", "Product ref.", "Description of line", "Line quantity",
           "Amount excl. tax for line"],
    "es": ["Nombre de la empresa", "Ref.", "Ref. cliente", "Fecha pedido", "Facturado",
           "Estado", "ID línea", "Ref. producto", "Descripción de línea", "Cantidad línea",
           "Total línea base imponible"],
    "fr": ["Nom de la société", "Réf.", "Réf. client", "Date commande", "Facturée", "État",
           "ID ligne", "Réf. produit", "Description de ligne", "Qté ligne",
           "Montant HT ligne"],
}  # fmt: skip
# fk_statut as the export writes it: 1 validated, 2 shipment in process, 3 delivered (closed).
DOLIBARR_STATUS = {"not delivered": 1, "partly delivered": 2, "delivered": 3}


def dolibarr(out: Path, lang: str) -> None:
    """Export "Customer orders and order lines": one row per line, the order's fields on
    each (a SQL join); no unit price, only the line's amount excluding tax."""
    orders = _orders("CO2611-00")
    rows: list[list[Any]] = [DOLIBARR_LABELS[lang]]
    n = 0
    for o in orders:
        # "Billed" is a flag on the order: set when the order is classified billed. A partly
        # invoiced order is not flagged (Dolibarr knows no partly billed order).
        billed = 1 if o.invoice_state == "invoiced" else 0
        for i in o.items:
            n += 1
            rows.append([o.customer, o.number, o.po, o.date, billed,
                         DOLIBARR_STATUS[o.delivery_state], 400 + n, i.product.split()[0].upper(),
                         i.product, i.qty, i.amount])  # fmt: skip
    name = f"dolibarr_orders_{lang}.csv"
    if lang == "en":
        _csv(out / name, rows)
    else:
        encoding = "cp1252" if lang == "es" else "utf-8"
        _csv(out / name, rows, delimiter=";", encoding=encoding, comma=True,
             date=lambda v: v.strftime("%d/%m/%Y"))  # fmt: skip
    lines = sum(len(o.items) for o in orders)
    result = truth(orders, {"header": 1, "line": lines}, profile="dolibarr", delivered=True)
    for number, o in zip(result["orders"], orders, strict=True):
        result["orders"][number]["invoiced"] = "invoiced" if o.invoice_state == "invoiced" else ""
    (out / f"dolibarr_orders_{lang}.truth.json").write_text(_dump(result))


# --- QuickBooks -----------------------------------------------------------------------------


def quickbooks_desktop(out: Path) -> None:
    """Open Sales Orders by Customer (Desktop), modified to show Item, Qty and Invoiced,
    exported to Excel: company and report title rows, a heading row per customer, the
    customer's lines, "Total <customer>", and TOTAL."""
    orders = [o for o in _orders("71") if o.invoice_state != "invoiced"]  # open orders only
    header = ["", "Type", "Date", "Num", "Memo", "Ship Date", "Item", "Qty", "Invoiced",
              "Amount", "Open Balance"]  # fmt: skip
    rows: list[list[Any]] = [
        ["Andes Bloom Imports Inc."],
        ["Open Sales Orders by Customer"],
        ["All Transactions"],
        header,
    ]
    kinds = {"title": 3, "header": 1, "heading": 0, "line": 0, "subtotal": 0, "total": 1}
    grand = Decimal(0)
    for customer in dict.fromkeys(o.customer for o in orders):
        rows.append([customer])
        kinds["heading"] += 1
        subtotal = Decimal(0)
        for o in (o for o in orders if o.customer == customer):
            for i in o.items:
                open_balance = money(i.price * (i.qty - i.invoiced))
                rows.append(["", "Sales Order", o.date, o.number, o.po, o.ship, i.product, i.qty,
                             i.invoiced, i.amount, open_balance])  # fmt: skip
                kinds["line"] += 1
                subtotal += i.amount
        rows.append([f"Total {customer}", "", "", "", "", "", "", "", "", subtotal, ""])
        kinds["subtotal"] += 1
        grand += subtotal
    rows.append(["TOTAL", "", "", "", "", "", "", "", "", grand, ""])
    _xlsx(out / "quickbooks_desktop_open_sales_orders.xlsx", "Sheet1", rows, "mm/dd/yyyy")
    (out / "quickbooks_desktop_open_sales_orders.truth.json").write_text(_dump(truth(
        orders, kinds, profile="quickbooks", delivered=False)))  # fmt: skip


def quickbooks_online(out: Path) -> None:
    """Open sales orders by customer (Online, Advanced), exported as csv: title rows, a blank
    row, the header, customer heading rows, "Total for <customer>", TOTAL, then the basis
    and time stamp lines under the data."""
    orders = [o for o in _orders("10") if o.invoice_state == ""]
    header = ["", "Date", "Transaction type", "No.", "Product/Service", "Memo/Description",
              "Qty", "Amount"]  # fmt: skip
    rows: list[list[Any]] = [
        ["Andes Bloom Imports Inc."],
        ["Open Sales Orders by Customer"],
        ["All Dates"],
        [],
        header,
    ]
    kinds = {"title": 3, "blank": 2, "header": 1, "heading": 0, "line": 0, "subtotal": 0,
             "total": 1, "note": 1}  # fmt: skip
    grand = Decimal(0)
    for customer in dict.fromkeys(o.customer for o in orders):
        rows.append([customer])
        kinds["heading"] += 1
        subtotal = Decimal(0)
        for o in (o for o in orders if o.customer == customer):
            for i in o.items:
                rows.append(["", o.date, "Sales Order", o.number, i.product, o.po, i.qty,
                             i.amount])  # fmt: skip
                kinds["line"] += 1
                subtotal += i.amount
        rows.append([f"Total for {customer}", "", "", "", "", "", "", subtotal])
        kinds["subtotal"] += 1
        grand += subtotal
    rows.append(["TOTAL", "", "", "", "", "", "", grand])
    rows.append([])
    rows.append(["Accrual basis Sunday, December 6, 2026 08:15 AM GMT-05:00"])
    _csv(out / "quickbooks_online_open_sales_orders.csv", rows,
         date=lambda v: v.strftime("%m/%d/%Y"))  # fmt: skip
    (out / "quickbooks_online_open_sales_orders.truth.json").write_text(_dump(truth(
        orders, kinds, profile="quickbooks", delivered=False, invoiced=False)))  # fmt: skip


# --- Komet Sales ----------------------------------------------------------------------------


def komet(out: Path) -> None:
    """Invoice order details (Export Details of invoice orders): one row per product line; the
    Quantity is boxes, Pack the units in a box, Total Units what the Unit Price applies to."""
    orders = _orders("50", unit="Stem")
    header = ["Order #", "Order Date", "Location", "Customer Code", "Customer", "Terms",
              "Bill City", "Bill State", "Ship City", "Ship State", "Carrier", "PO #",
              "Salesperson", "Product Category", "Product", "Product Legacy", "Quantity",
              "Box Type", "Vendor", "Pack", "Unit Type", "Unit Price", "Total Units", "Amount",
              "Product Accounting Code"]  # fmt: skip
    rows: list[list[Any]] = [header]
    for o in orders:
        for k, i in enumerate(o.items):
            bunch = i.qty % 25 != 0  # priced per bunch when the units are not stems in 25s
            pack = i.qty if bunch else 25 * (4 if i.qty % 100 == 0 else 2)
            boxes = 1 if bunch else max(1, i.qty // pack)
            pack = i.qty // boxes
            rows.append([o.number, o.ship, "Miami", f"C{100 + len(o.customer)}", o.customer,
                         "Net 30", "Miami", "FL", "Miami", "FL", "LATAM Cargo", o.po, o.rep,
                         i.product.split()[0], i.product, f"L{k}", boxes,
                         "HB" if boxes > 1 else "QB", "Finca La Rosaleda", pack,
                         "Bunch" if bunch else "Stem", i.price, i.qty, i.amount,
                         "4000"])  # fmt: skip
    _xlsx(out / "komet_invoice_details.xlsx", "Invoice Details", rows, "mm/dd/yyyy")
    lines = sum(len(o.items) for o in orders)
    (out / "komet_invoice_details.truth.json").write_text(_dump(truth(
        orders, {"header": 1, "line": lines}, profile="komet", delivered=False,
        invoiced=False)))  # fmt: skip


# --- Our flower ERP (Ecuador / Colombia) ----------------------------------------------------


def flower_erp(out: Path) -> None:
    """The Spanish order report of Ecuadorian and Colombian flower ERPs: a title row, No. Cajas,
    Cajas Empacadas, Ramos, Tallos x Ramo, Marcación, Finca, Guía, DAE; a TOTAL row."""
    orders = _orders("P-2611")
    header = ["Pedido", "Fecha Vuelo", "Cliente", "Marcación", "Vendedor", "Agencia de Carga",
              "Guía", "DAE", "Finca", "Variedad", "Largo", "Tipo Caja", "No. Cajas",
              "Cajas Empacadas", "Ramos", "Tallos x Ramo", "Tallos", "Unidad", "Precio", "Total",
              "Factura"]  # fmt: skip
    rows: list[list[Any]] = [["FLORES DEL VALLE CIA. LTDA. - Reporte de pedidos por vuelo"], header]
    n_lines = 0
    invoice_seq = 100
    for o in orders:
        invoice = ""
        if o.invoice_state:  # our ERP invoices whole orders: any invoiced line has a number
            invoice_seq += 1
            invoice = f"001-002-000000{invoice_seq}"
        for i in o.items:
            n_lines += 1
            per_bunch = 25 if i.qty % 25 == 0 else 1
            bunches = i.qty // per_bunch
            boxes = max(1, bunches // 4)
            packed = boxes if i.delivered >= i.qty else 0 if i.delivered == 0 else boxes - 1
            rows.append([o.number, o.ship, o.customer, o.customer.split()[0].upper(), o.rep,
                         "Ecuador Cargo", "145-2611 0041", "055-2026-40-00123456",
                         "Finca La Rosaleda", i.product, "", "QB", boxes, packed, bunches,
                         per_bunch, i.qty, "Tallo", i.price, i.amount, invoice])  # fmt: skip
    total = sum((o.amount for o in orders), Decimal(0))
    rows.append(["TOTAL", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
                 "", total, ""])  # fmt: skip
    _xlsx(out / "flower_erp.xlsx", "Pedidos", rows, "dd/mm/yyyy")
    result = truth(orders, {"title": 1, "header": 1, "line": n_lines, "total": 1},
                   profile="flower", delivered=True)  # fmt: skip
    for number, o in zip(result["orders"], orders, strict=True):
        # a whole order carries the number as soon as one line was invoiced
        result["orders"][number]["invoiced"] = "invoiced" if o.invoice_state else ""
    (out / "flower_erp.truth.json").write_text(_dump(result))


# --- A layout no profile knows ----------------------------------------------------------


def unknown_layout(out: Path) -> None:
    """An export of a system we have no profile for: none of its headers is an alias."""
    orders = _orders("WO-")
    header = ["Doc No", "Account", "Posted", "SKU", "Units", "Each", "Ext", "Billed?"]
    rows: list[list[Any]] = [header]
    for o in orders:
        for i in o.items:
            billed = "Y" if o.invoice_state == "invoiced" else "N"
            rows.append([o.number, o.customer, o.date, i.product, i.qty, i.price, i.amount,
                         billed])  # fmt: skip
    _csv(out / "unknown_layout.csv", rows)
    lines = sum(len(o.items) for o in orders)
    result = truth(orders, {"header": 1, "line": lines}, profile="generic", delivered=False)
    for number, o in zip(result["orders"], orders, strict=True):
        result["orders"][number]["invoiced"] = "invoiced" if o.invoice_state == "invoiced" else ""
    (out / "unknown_layout.truth.json").write_text(_dump(result))


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


SAMPLES: dict[str, Callable[[Path], None]] = {
    "odoo_sale_order.xlsx": odoo_sale_order,
    "odoo_order_lines.csv": odoo_order_lines,
    "erpnext_sales_order.csv": erpnext_sales_order,
    "dolibarr_orders_en.csv": lambda out: dolibarr(out, "en"),
    "dolibarr_orders_es.csv": lambda out: dolibarr(out, "es"),
    "dolibarr_orders_fr.csv": lambda out: dolibarr(out, "fr"),
    "quickbooks_desktop_open_sales_orders.xlsx": quickbooks_desktop,
    "quickbooks_online_open_sales_orders.csv": quickbooks_online,
    "komet_invoice_details.xlsx": komet,
    "flower_erp.xlsx": flower_erp,
    "unknown_layout.csv": unknown_layout,
}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for write in SAMPLES.values():
        write(out)
    print(f"{len(SAMPLES)} sample exports written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
