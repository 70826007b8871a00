#!/usr/bin/env python3
"""Deterministic generator of the massinvoice sample files (all names invented).

Writes ``orders.xlsx`` (a messy English ERP export of a fictitious Ecuadorian cut-flower
exporter: title rows, merged cell, blank row, TOTAL row, hidden ``Farm`` column),
``orders_es.csv`` (the same lines, Spanish headers, ``;``, decimal comma, cp1252, CRLF) and
``customers.csv`` (customer directory, one bill customer left out on purpose).

Usage: ``python samples/generate.py [--orders N] [--out DIR] [--seed S]``; importable as
``generate()``, ``write_xlsx()``, ``write_csv_es()``, ``write_customers()``, ``summarize()``.
Money is ``Decimal`` throughout; a float is made only at the xlsx cell edge.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

Row = dict[str, Any]

# fmt: off
HEADERS_EN = [
    "Order #", "Customer PO", "Order Date", "Ship Date", "Flight Date", "Bill Customer",
    "Ship Customer", "Sales Rep", "Cargo Agency", "Market", "Incoterm", "AWB", "HAWB", "DAE",
    "Species", "Variety", "Length", "Box Type", "Boxes", "Packed Boxes", "Confirmed", "Bunches",
    "Stems/Bunch", "Stems", "Unit", "Unit Price", "Min Price", "Amount", "Currency", "Invoice #",
    "Farm",
]
HEADERS_ES = [
    "Pedido", "PO Cliente", "Fecha Pedido", "Fecha Despacho", "Fecha Vuelo", "Cliente",
    "Marcación", "Vendedor", "Agencia de Carga", "Mercado", "Incoterm", "Guía Madre", "Guía Hija",
    "DAE", "Especie", "Variedad", "Largo", "Tipo Caja", "Cajas", "Cajas Empacadas", "Confirmadas",
    "Ramos", "Tallos/Ramo", "Tallos", "Unidad", "Precio Unitario", "Precio Mínimo", "Valor",
    "Moneda", "Factura", "Finca",
]
DIRECTORY_HEADERS = [
    "Customer", "Code", "Tax ID", "Address", "City", "Country", "Email", "Language",
    "Payment Terms", "E-Invoice",
]
# fmt: on
DATE_COLS = {"Order Date", "Ship Date", "Flight Date"}
PRICE_COLS = {"Unit Price", "Min Price"}

EXPORTER = "ANDES CUMBRE FLOWERS S.A."
FIRST_SHIP = dt.date(2026, 11, 9)  # a Monday
SHIP_DAYS = 14
TITLE = f"Order export {FIRST_SHIP} to {FIRST_SHIP + dt.timedelta(SHIP_DAYS - 1)}"
CREATED = dt.datetime(2026, 11, 22, 18, 0, 0)  # fixed xlsx document date
CENT = Decimal("0.01")
STATUS_SHARES = {"invoiced": 0.20, "packed": 0.35, "partial": 0.15}  # rest: not packed
ANOMALY_RATES = {  # share of orders; each anomaly on distinct, non-invoiced orders
    "unconfirmed": 0.03,
    "zero price": 0.02,
    "under min price": 0.03,
    "amount mismatch": 0.02,
    "missing AWB": 0.02,
    "missing DAE": 0.02,
}
MIXED_CURRENCY_PER = 300  # one order with two currencies per this many orders
OMITTED_CUSTOMER = "DESERT WILLOW FLOWERS"  # left out of customers.csv on purpose

REPS = ("Carla Andrade", "Diego Benítez", "Mónica Salazar", "Javier Ortiz", "Paola Chiriboga")
AGENCIES = {  # name: HAWB prefix
    "ALTIPLANO AIR CARGO": "ALT",
    "MITAD DEL MUNDO CARGO": "MDM",
    "RUTA VERDE FORWARDING": "RVF",
    "QUITO SKYLINK CARGO": "QSK",
    "CARGA ANDINA EXPRÉS": "CAE",
}
MARKET_AGENCIES = {
    "US": ("ALTIPLANO AIR CARGO", "MITAD DEL MUNDO CARGO", "RUTA VERDE FORWARDING"),
    "EU": ("QUITO SKYLINK CARGO", "RUTA VERDE FORWARDING"),
    "RU": ("CARGA ANDINA EXPRÉS", "QUITO SKYLINK CARGO"),
}
AIRLINE_PREFIXES = {"US": ("145", "729", "369"), "EU": ("074", "406"), "RU": ("406", "145")}

# name|short (for marks)|market|currency|incoterm|rep|order weight|marks|directory: code|tax id|
# address|city|country|language|payment terms|e-invoice
_CUSTOMERS = """\
BLOOMRIDGE WHOLESALE INC|BLOOMRIDGE|US|USD|FOB|0|12|MARK A,MARK B,KEY LARGO STORES|BLR01|65-4821937|8450 NW 70th St, Suite 110|Miami, FL 33166|United States|en|Net 30|no
SUNCOAST PETALS LLC|SUNCOAST|US|USD|FOB|0|9|PALM BAY MARKETS,GULF SHORE|SCP02|59-3318204|2301 NW 84th Ave|Doral, FL 33122|United States|en|Net 21|no
HUDSON STEM SUPPLY CORP|HUDSON|US|USD|FOB|1|8||HSS03|13-7720458|47-20 Vernon Blvd|Long Island City, NY 11101|United States|en|Net 30|no
LONE PRAIRIE FLORAL DIST|LONE PRAIRIE|US|USD|FOB|1|7|MARK 1,MARK 2|LPF04|75-2094417|1810 Irving Blvd|Dallas, TX 75207|United States|en|Net 30|no
PACIFIC VELVET BLOOMS INC|PACIFIC VELVET|US|USD|CPT|3|6||PVB05|95-4410932|766 Wall St|Los Angeles, CA 90014|United States|en|Net 15|no
GREAT LAKES BOUQUET CO|GREAT LAKES|US|USD|FOB|1|8|NORTH,SOUTH,EVENTS|GLB06|36-4187290|2121 W Fulton St|Chicago, IL 60612|United States|en|Net 30|no
MAGNOLIA ROW FLORAL LLC|MAGNOLIA ROW|US|USD|FOB|0|5||MRF07|58-2963011|1450 Marietta Blvd NW|Atlanta, GA 30318|United States|en|Net 30|no
DESERT WILLOW FLOWERS|DESERT WILLOW|US|USD|FOB|3|4||DWF08|86-1029384|3120 E Broadway Rd|Phoenix, AZ 85040|United States|en|Net 15|no
CAPE HARBOR FLORAL IMPORTS|CAPE HARBOR|US|USD|CPT|1|4||CHF09|04-3371826|88 Newmarket Sq|Boston, MA 02118|United States|en|Net 30|no
FLORES DEL SOL MIAMI CORP|FLORES DEL SOL|US|USD|FOB|0|7|MARK SOL,MARK LUNA|FDS10|65-1122937|7600 NW 25th St|Miami, FL 33122|United States|es|Net 30|no
TWIN RIVERS FLORAL SUPPLY|TWIN RIVERS|US|USD|FOB|3|3||TRF11|41-2088431|1200 2nd St NE|Minneapolis, MN 55413|United States|en|Prepaid|no
BLOEMENHUIS VAN DER KAMP B.V.|VAN DER KAMP|EU|USD|FCA|2|7|AALSMEER,NAALDWIJK|VDK12|NL859312746B01|Legmeerdijk 313|1431 GB Aalsmeer|Netherlands|en|Net 30|no
DE ZILVEREN STENGEL B.V.|ZILVEREN STENGEL|EU|USD|FCA|2|4||ZST13|NL823190557B01|Laan van Verhof 12|2231 BZ Rijnsburg|Netherlands|en|Net 30|no
BLUMENKONTOR ELBWIESE GMBH|ELBWIESE|EU|EUR|CPT|4|4||BKE14|DE298456173|Billstraße 118|20539 Hamburg|Germany|en|Net 30|yes
FLEURS DE L'ÉTANG SARL|L'ÉTANG|EU|EUR|CPT|4|3||FDE15|FR47512938461|1 Rue de la Tour|94150 Rungis|France|en|Net 45|yes
FIORI DEL LAGO SRL|FIORI DEL LAGO|EU|USD|FCA|2|4|MILANO,COMO|FDL16|IT09183746521|Via Lombardia 24|20098 San Giuliano Milanese|Italy|en|Net 30|yes
FLORERÍA LA ALAMEDA S.L.|LA ALAMEDA|EU|USD|FCA|4|3||FLA17|ESB87654321|Calle de Mercamadrid 7|28053 Madrid|Spain|es|Net 30|no
KWIATY POD LIPAMI SP. Z O.O.|POD LIPAMI|EU|USD|FCA|2|3||KPL18|PL5262718394|ul. Ogrodowa 15|02-821 Warsaw|Poland|en|Prepaid|no
OOO TSVETOCHNY BEREG|TSVETOCHNY BEREG|RU|USD|FCA|3|8|MOSCOW,KAZAN|OTB19|7714829301|Ul. Tsvetochnaya 9|125047 Moscow|Russia|en|Prepaid|no
OOO SEVERNAYA ROZA|SEVERNAYA ROZA|RU|USD|FCA|3|5||OSR20|7802654318|Ul. Sadovaya 41|190068 Saint Petersburg|Russia|en|Prepaid|no
OOO BUKET URAL|BUKET URAL|RU|USD|FOB|3|4||OBU21|6671093285|Ul. Malysheva 3|620014 Yekaterinburg|Russia|en|Prepaid|no
TD ZOLOTAYA OSEN|ZOLOTAYA OSEN|RU|USD|FCA|3|3||TZO22|5406718842|Krasny Prospekt 77|630091 Novosibirsk|Russia|en|Prepaid|no
"""


@dataclass(frozen=True)
class Customer:
    """A bill customer with its order behaviour and directory details."""

    name: str
    short: str
    market: str
    currency: str
    incoterm: str
    rep: str
    weight: int
    marks: tuple[str, ...]
    directory: tuple[str, ...]  # Code .. E-Invoice, without Email


def _load_customers() -> tuple[Customer, ...]:
    out = []
    for spec in _CUSTOMERS.splitlines():
        name, short, market, cur, inco, rep, weight, marks, *info = spec.split("|")
        tags = tuple(m for m in marks.split(",") if m)
        out.append(
            Customer(name, short, market, cur, inco, REPS[int(rep)], int(weight), tags, (*info,))
        )
    return tuple(out)


CUSTOMERS = _load_customers()


@dataclass(frozen=True)
class Species:
    """Product rules: varieties, lengths, boxes (bunches per box) and prices in cents."""

    varieties: tuple[str, ...]
    cents: dict[int, tuple[int, int]]  # length -> per-stem price range in cents
    stems_per_bunch: tuple[int, ...]
    boxes: dict[str, tuple[int, int, int]]  # box type -> (weight, min, max bunches)
    by_bunch: float  # share of lines sold per bunch
    bunch_cents: tuple[int, int]
    farms: tuple[str, ...]


ROSE_FARMS = ("FINCA LAS GARZAS", "HACIENDA PIEDRA AZUL", "FINCA YAKU PAMBA")
SPECIES = {
    "Roses": Species(
        ("Freedom", "Explorer", "Vendela", "Mondial", "Playa Blanca", "Pink Floyd",
         "Tiffany", "Deep Purple", "Brighton", "Country Blues", "Hearts",
         "High & Magic", "Momentum", "Nina", "Shimmer", "Sweetness"),
        {40: (28, 36), 50: (32, 42), 60: (38, 52), 70: (46, 64), 80: (56, 78), 90: (68, 95)},
        (25,), {"HB": (60, 10, 12), "QB": (34, 5, 6), "FB": (6, 20, 24)}, 0.0, (0, 0),
        ROSE_FARMS,
    ),
    "Spray Roses": Species(
        ("Lydia", "Mirabel", "Snowflake", "Babe", "Majolika", "Bombastic", "Rubicon"),
        {40: (30, 38), 50: (34, 44), 60: (40, 52), 70: (46, 60)},
        (10,), {"HB": (50, 18, 20), "QB": (40, 9, 10), "EB": (10, 4, 5)}, 0.0, (0, 0),
        (*ROSE_FARMS[1:], "ROSAS DE LOMA ALTA"),
    ),
    "Carnations": Species(
        ("Moonlight", "Don Pedro", "Hermes Orange", "Nobbio Burgundy", "Polimnia",
         "Brut", "Komachi"),
        {60: (14, 20), 70: (17, 24)},
        (20, 25), {"FB": (30, 24, 25), "HB": (50, 12, 12), "QB": (20, 6, 6)}, 0.35,
        (300, 520), ("FINCA EL CHAQUIÑÁN",),
    ),
    "Gypsophila": Species(
        ("Xlence", "Million Star", "Overtime", "Mirabella"),
        {70: (20, 28), 80: (24, 34)},
        (10, 12, 15), {"FB": (10, 30, 36), "HB": (50, 15, 18), "QB": (30, 8, 9),
                       "EB": (10, 4, 5)}, 0.6,
        (280, 480), ("FINCA EL CHAQUIÑÁN", "FLORES DEL PASOCHOA"),
    ),
}  # fmt: skip
SPECIES_WEIGHTS = {"US": (60, 10, 15, 15), "EU": (55, 15, 15, 15), "RU": (85, 5, 5, 5)}
ROSE_LENGTHS = {"US": (40, 50, 60, 70), "EU": (50, 60, 70, 80), "RU": (60, 70, 80, 90)}
LINES_PER_ORDER = ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                   (9, 10, 12, 13, 13, 12, 10, 8, 6, 4, 2, 1))  # fmt: skip
BOXES_PER_LINE = ((1, 2, 3, 4, 5, 6, 8, 10, 12, 15), (22, 20, 14, 11, 9, 7, 6, 5, 3, 3))
DAY_WEIGHTS = tuple(2 if d % 7 == 6 else 5 if d % 7 == 5 else 8 for d in range(SHIP_DAYS))


def _new_line(rng: random.Random, market: str, currency: str) -> Row:
    """Return one order line spec (quantities and amount are derived later)."""
    name = rng.choices(tuple(SPECIES), SPECIES_WEIGHTS[market])[0]
    sp = SPECIES[name]
    length = rng.choice(ROSE_LENGTHS[market] if name == "Roses" else tuple(sp.cents))
    box = rng.choices(tuple(sp.boxes), [b[0] for b in sp.boxes.values()])[0]
    _, lo, hi = sp.boxes[box]
    long_rose = name == "Roses" and length >= 80 and box != "QB"
    per_box = rng.randint(lo, hi) - (2 if long_rose else 0)
    if rng.random() < sp.by_bunch:
        unit, price = "bunch", Decimal(rng.randint(*sp.bunch_cents)) / 100
    else:
        unit, price = "stem", Decimal(rng.randint(*sp.cents[length])) / 100
        if rng.random() < 0.15:  # some prices carry a third decimal
            price += Decimal("0.005")
    factor = Decimal(rng.choice(("0.85", "0.88", "0.90", "0.92", "0.95")))
    min_price = min((price * factor).quantize(CENT, ROUND_DOWN), price - CENT)
    return {
        "Species": name, "Variety": rng.choice(sp.varieties), "Length": length,
        "Box Type": box, "Boxes": rng.choices(*BOXES_PER_LINE)[0], "per_box": per_box,
        "Stems/Bunch": rng.choice(sp.stems_per_bunch), "Unit": unit,
        "Unit Price": price, "Min Price": min_price, "Currency": currency,
        "Farm": rng.choice(sp.farms), "stale": Decimal(0), "Confirmed": None,
    }  # fmt: skip


def _make_partial(rng: random.Random, lines: list[Row]) -> None:
    """Pack some but not all boxes of an order (at least one, never all)."""
    if sum(ln["Boxes"] for ln in lines) == 1:
        lines[0]["Boxes"] = 2
    for ln in lines:
        ln["Packed Boxes"] = rng.choice((0, ln["Boxes"], rng.randint(0, ln["Boxes"])))
    packed = sum(ln["Packed Boxes"] for ln in lines)
    if packed == 0:
        lines[0]["Packed Boxes"] = 1
    elif packed == sum(ln["Boxes"] for ln in lines):
        lines[-1]["Packed Boxes"] -= 1


def generate(n_orders: int, seed: int = 2611) -> list[Row]:
    """Return the export lines of ``n_orders`` orders as dicts keyed by English header.

    Dates are ``datetime.date``, quantities ``int``, money ``Decimal``, text ``str``
    (``""`` when empty). The same arguments always give the same rows.
    """
    rng = random.Random(seed)
    weights = [c.weight for c in CUSTOMERS]
    orders: list[dict[str, Any]] = []
    for _ in range(n_orders):
        cust = rng.choices(CUSTOMERS, weights)[0]
        ship = FIRST_SHIP + dt.timedelta(rng.choices(range(SHIP_DAYS), DAY_WEIGHTS)[0])
        placed = ship - dt.timedelta(rng.randint(1, 12))
        orders.append({"cust": cust, "ship": ship, "placed": placed})
    orders.sort(key=lambda o: (o["placed"], o["ship"]))  # stable: numbers follow dates
    width = max(4, len(str(n_orders)))
    awbs: dict[tuple[str, dt.date, str], str] = {}
    daes: dict[str, str] = {}
    hawbs: dict[tuple[str, str], str] = {}
    for k, o in enumerate(orders, 1):
        cust: Customer = o["cust"]
        agencies = MARKET_AGENCIES[cust.market]
        agency = agencies[(CUSTOMERS.index(cust) + (rng.random() < 0.1)) % len(agencies)]
        flight = o["ship"] + dt.timedelta(rng.random() < 0.3)
        key = (agency, flight, cust.market)
        if key not in awbs:
            serial = rng.randint(1_000_000, 9_999_999)  # 8th digit: serial mod 7
            awbs[key] = f"{rng.choice(AIRLINE_PREFIXES[cust.market])}-{serial}{serial % 7}"
        mark = rng.choice(cust.marks) if cust.marks else ""
        ship_to = f"{cust.short} / {mark}" if mark else cust.name
        if (awbs[key], ship_to) not in hawbs:
            hawbs[awbs[key], ship_to] = f"{AGENCIES[agency]}{rng.randint(100000, 999999)}"
        country = cust.directory[4]
        if country not in daes:
            daes[country] = f"055-2026-40-{rng.randint(100000, 999999):08d}"
        po = "" if rng.random() < 0.25 else f"{cust.directory[0][:3]}-{rng.randint(10000, 99999)}"
        n_lines = rng.choices(*LINES_PER_ORDER)[0]
        o.update(
            {
                "Order #": f"PO-2611-{k:0{width}d}", "Customer PO": po,
                "Order Date": o["placed"], "Ship Date": o["ship"], "Flight Date": flight,
                "Bill Customer": cust.name, "Ship Customer": ship_to,
                "Sales Rep": cust.rep, "Cargo Agency": agency, "Market": cust.market,
                "Incoterm": cust.incoterm, "AWB": awbs[key], "HAWB": hawbs[awbs[key], ship_to],
                "DAE": daes[country], "Invoice #": "", "status": "not packed",
                "lines": [_new_line(rng, cust.market, cust.currency) for _ in range(n_lines)],
            }
        )  # fmt: skip
    _assign_statuses(rng, orders)
    _seed_anomalies(rng, orders)
    return _finalize(orders)


def _assign_statuses(rng: random.Random, orders: list[dict[str, Any]]) -> None:
    """Give exact status shares, earlier ship dates more likely further along."""
    ranked = sorted(orders, key=lambda o: o["ship"].toordinal() + rng.gauss(0, 3))
    start = 0
    for status, share in STATUS_SHARES.items():
        count = round(len(orders) * share)
        for o in ranked[start : start + count]:
            o["status"] = status
        start += count
    invoiced = sorted((o for o in orders if o["status"] == "invoiced"), key=lambda o: o["ship"])
    for k, o in enumerate(invoiced, 4501):
        o["Invoice #"] = f"001-001-{k:09d}"
    for o in orders:
        for ln in o["lines"]:
            ln["Packed Boxes"] = 0 if o["status"] == "not packed" else ln["Boxes"]
        if o["status"] == "partial":
            _make_partial(rng, o["lines"])


def _seed_anomalies(rng: random.Random, orders: list[dict[str, Any]]) -> None:
    """Seed each anomaly on its own set of non-invoiced orders."""
    n = len(orders)
    unpacked = [o for o in orders if o["status"] == "not packed"]
    rng.shuffle(unpacked)
    unconfirmed = unpacked[: max(1, round(n * ANOMALY_RATES["unconfirmed"]))] if n else []
    for o in unconfirmed:
        ln = rng.choice(o["lines"])
        ln["Confirmed"] = rng.randint(0, ln["Boxes"] - 1)
    skip = {id(o) for o in unconfirmed}
    pool = [o for o in orders if o["status"] != "invoiced" and id(o) not in skip]
    rng.shuffle(pool)
    taken = 0
    plan = [(a, r) for a, r in ANOMALY_RATES.items() if a != "unconfirmed"]
    plan.append(("mixed currency", 1 / MIXED_CURRENCY_PER))
    for anomaly, rate in plan:
        for _ in range(max(1, round(n * rate)) if pool else 0):
            o = pool[taken % len(pool)]
            taken += 1
            ln = rng.choice(o["lines"])
            if anomaly == "zero price":
                ln["Unit Price"] = Decimal("0.00")
            elif anomaly == "under min price":
                ln["Min Price"] = ln["Unit Price"] + Decimal(rng.randint(1, 5)) / 100
            elif anomaly == "amount mismatch":  # amount kept from a stale price
                ln["stale"] = Decimal(rng.choice((-3, -2, -1, 1, 2, 3))) / 100
            elif anomaly == "missing AWB":
                o["AWB"] = o["HAWB"] = ""
            elif anomaly == "missing DAE":
                o["DAE"] = ""
            else:  # mixed currency: one extra line in the other currency
                other = "EUR" if o["cust"].currency == "USD" else "USD"
                o["lines"].append(_new_line(rng, o["cust"].market, other))
                extra = o["lines"][-1]
                extra["Packed Boxes"] = extra["Boxes"] if o["status"] == "packed" else 0


def _finalize(orders: list[dict[str, Any]]) -> list[Row]:
    """Derive quantities and amounts and flatten orders into export rows."""
    rows: list[Row] = []
    order_cols = HEADERS_EN[:14]
    for o in orders:
        head = {c: o[c] for c in order_cols}
        for ln in o["lines"]:
            bunches = ln["Boxes"] * ln["per_box"]
            stems = bunches * ln["Stems/Bunch"]
            qty = stems if ln["Unit"] == "stem" else bunches
            billed = ln["Unit Price"] + ln["stale"]  # stale != 0 only on mismatch lines
            amount = (qty * billed).quantize(CENT, ROUND_HALF_UP)
            confirmed = ln["Boxes"] if ln["Confirmed"] is None else ln["Confirmed"]
            line = {"Bunches": bunches, "Stems": stems, "Amount": amount}
            line |= {"Confirmed": confirmed, "Invoice #": o["Invoice #"]}
            row = head | {c: ln.get(c) for c in HEADERS_EN[14:]} | line
            rows.append({c: row[c] for c in HEADERS_EN})
    return rows


def summarize(rows: list[Row]) -> dict[str, int]:
    """Count orders, lines, statuses and anomalies (orders affected), read from the rows."""
    by_order: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_order[r["Order #"]].append(r)
    counts: Counter[str] = Counter(orders=len(by_order), lines=len(rows))
    for lines in by_order.values():
        boxes = sum(r["Boxes"] for r in lines)
        packed = sum(r["Packed Boxes"] for r in lines)
        full = "packed" if packed == boxes else "partial" if packed else "not packed"
        counts["invoiced" if lines[0]["Invoice #"] else full] += 1
        checks = {
            "unconfirmed": any(r["Confirmed"] < r["Boxes"] for r in lines),
            "zero price": any(r["Unit Price"] == 0 for r in lines),
            "under min price": any(0 < r["Unit Price"] < r["Min Price"] for r in lines),
            "amount mismatch": any(r["Amount"] != _amount(r) for r in lines),
            "missing AWB": not lines[0]["AWB"],
            "missing DAE": not lines[0]["DAE"],
            "mixed currency": len({r["Currency"] for r in lines}) > 1,
        }
        counts.update(k for k, v in checks.items() if v)
    keys = ["orders", "lines", "invoiced", "packed", "partial", "not packed"]
    return {k: counts[k] for k in [*keys, *ANOMALY_RATES, "mixed currency"]}


def _amount(row: Row) -> Decimal:
    """Quantity x unit price, rounded half-up to cents."""
    qty = row["Stems"] if row["Unit"] == "stem" else row["Bunches"]
    return (qty * row["Unit Price"]).quantize(CENT, ROUND_HALF_UP)


def write_xlsx(rows: list[Row], path: str | Path) -> None:
    """Write the messy English export with xlsxwriter in constant-memory mode."""
    import xlsxwriter  # only the xlsx writer needs it

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": TITLE, "author": EXPORTER, "created": CREATED})
    ws = wb.add_worksheet("Orders")
    bold = wb.add_format({"bold": True})
    fmts = {
        "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
        "price": wb.add_format({"num_format": "0.00#"}),
        "money": wb.add_format({"num_format": "#,##0.00"}),
    }
    total_money = wb.add_format({"bold": True, "num_format": "#,##0.00"})
    ws.merge_range(0, 0, 0, 5, EXPORTER, wb.add_format({"bold": True, "font_size": 14}))
    ws.write_string(1, 0, TITLE)
    for c, h in enumerate(HEADERS_EN):
        ws.write_string(3, c, h, bold)
        width = 12 if h in DATE_COLS else max(8, min(30, len(h) + 3))
        ws.set_column(c, c, width, None, {"hidden": h == "Farm"})
    ws.freeze_panes(4, 0)
    kinds = [
        "date" if h in DATE_COLS else "price" if h in PRICE_COLS else "money"
        if h == "Amount" else "" for h in HEADERS_EN
    ]  # fmt: skip
    epoch = dt.date(1899, 12, 30)
    r = 3
    for r, row in enumerate(rows, 4):
        for c, h in enumerate(HEADERS_EN):
            v = row[h]
            if isinstance(v, str):
                if v:
                    ws.write_string(r, c, v)
            elif isinstance(v, dt.date):
                ws.write_number(r, c, (v - epoch).days, fmts["date"])
            elif kinds[c]:
                ws.write_number(r, c, float(v), fmts[kinds[c]])
            elif v is not None:
                ws.write_number(r, c, v)
    ws.write_string(r + 1, 0, "TOTAL", bold)
    for h in ("Boxes", "Stems", "Amount"):
        total = sum((row[h] for row in rows), Decimal(0) if h == "Amount" else 0)
        ws.write_number(
            r + 1, HEADERS_EN.index(h), float(total), total_money if h == "Amount" else bold
        )
    wb.close()


def _es_number(v: int | Decimal) -> str:
    """Format a number the Spanish way: ``1.234,50``."""
    if isinstance(v, int):
        return f"{v:,}".replace(",", ".")
    places = max(2, -int(v.as_tuple().exponent))
    return f"{v:,.{places}f}".translate(str.maketrans(",.", ".,"))


def write_csv_es(rows: list[Row], path: str | Path) -> None:
    """Write the same lines with Spanish headers: ``;``, decimal comma, cp1252, CRLF."""
    with open(path, "w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(HEADERS_ES)
        for row in rows:
            out = []
            for h in HEADERS_EN:
                v = row[h]
                if isinstance(v, dt.date):
                    out.append(f"{v.day:02d}/{v.month:02d}/{v.year}")
                elif isinstance(v, (int, Decimal)):
                    out.append(_es_number(v))
                else:
                    out.append(v)
            w.writerow(out)


def write_customers(path: str | Path) -> None:
    """Write the customer directory (UTF-8, ``,``), leaving one customer out."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(DIRECTORY_HEADERS)
        for c in CUSTOMERS:
            if c.name == OMITTED_CUSTOMER:
                continue
            code, tax, address, city, country, lang, terms, einv = c.directory
            slug = "".join(ch for ch in c.short.lower() if ch.isalnum())
            email = f"invoices@{slug}.example"
            w.writerow([c.name, code, tax, address, city, country, email, lang, terms, einv])


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: write the three sample files and print the counts."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--orders", type=int, default=300, help="number of orders (300)")
    p.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "massinvoice" / "batch" / "samples",
    )
    p.add_argument("--seed", type=int, default=2611, help="random seed (2611)")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = generate(args.orders, args.seed)
    write_xlsx(rows, args.out / "orders.xlsx")
    write_csv_es(rows, args.out / "orders_es.csv")
    write_customers(args.out / "customers.csv")
    for key, value in summarize(rows).items():
        print(f"{key:>16}: {value}")
    print(f"wrote orders.xlsx, orders_es.csv, customers.csv to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
