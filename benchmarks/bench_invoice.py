"""Invoice rendering benchmark: our Renderer against the naive WeasyPrint loop, same template.

Usage: ``python benchmarks/bench_invoice.py [N] [--jobs J]`` (N one-page invoices of 15 lines,
default 300; J worker processes for the parallel run, default the number of CPUs).

It times, on the same invoices:

* naive: per invoice a fresh ``CSS`` and ``FontConfiguration`` and
  ``HTML(string=html).write_pdf()``, in one process (what the WeasyPrint tutorial shows);
* ours: one :class:`~massinvoice.render.Renderer` reused for every invoice, in one process,
  with the time split into layout (``HTML.render()``) and PDF writing (``write_pdf()``);
* ours in J processes, each building its own Renderer, as the invoice run does.

and prints seconds per invoice, the ratios, and the projection for 1,000 invoices (the goal:
at most 90 s on 2 cores, and at least 2.5x the naive loop).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from massinvoice.config import Config, Seller
from massinvoice.documents import Invoice, compose_invoice
from massinvoice.model import Customer, Line, Order
from massinvoice.render import PAPER, Renderer, collector_paused

PRODUCTS = [
    ("Roses", "Freedom", "stem", "0.35"), ("Roses", "Explorer", "stem", "0.42"),
    ("Roses", "Mondial", "stem", "0.38"), ("Roses", "Vendela", "stem", "0.30"),
    ("Roses", "Pink Floyd", "stem", "0.45"), ("Roses", "Playa Blanca", "stem", "0.275"),
    ("Spray Roses", "Lydia", "stem", "0.55"), ("Carnations", "Moonlight", "bunch", "3.75"),
    ("Gypsophila", "Xlence", "bunch", "4.20"), ("Roses", "Hearts", "stem", "0.33"),
]  # fmt: skip
BOX_TYPES = ("HB", "QB", "FB", "EB")

CONFIG = Config(
    seller=Seller(
        name="FLORES DEL COTOPAXI S.A.",
        tax_id="1791234567001",
        address=("Km 12 Panamericana Norte", "Lasso, Cotopaxi 050150"),
        country="Ecuador",
        phone="+593 3 271 9000",
        email="ventas@floresdelcotopaxi.example",
        bank=("Banco del Pichincha · Account 2100123456 (USD)", "SWIFT PICHECEQXXX"),
    ),
    payment_terms="Net 30",
)


def synthetic_invoices(n: int, lines: int = 15) -> list[Invoice]:
    """``n`` invoices of ``lines`` lines each, varied but reproducible."""
    invoices = []
    for k in range(n):
        order_no = f"{20000 + k}"
        order_lines = []
        for i in range(lines):
            species, variety, unit, price = PRODUCTS[(k + i) % len(PRODUCTS)]
            boxes = 1 + (k + i) % 6
            bunches = boxes * 10
            order_lines.append(
                Line(order_no, i + 1, species, variety, str(40 + 10 * (i % 5)),
                     BOX_TYPES[(k + i) % 4], boxes, boxes, None, bunches, 25, bunches * 25,
                     unit, Decimal(price), currency="USD")
            )  # fmt: skip
        order = Order(
            order_no, f"CUSTOMER {k % 40:02d} WHOLESALE INC", tuple(order_lines),
            customer_po=f"PO-{k:05d}", flight_date=dt.date(2026, 11, 21),
            ship_customer=f"MARK {k % 40:02d}", sales_rep="Andrea Salazar",
            cargo_agency="Ecuador Cargo Express", market="United States", incoterm="FCA UIO",
            awb="729-1234 5675", hawb=f"ECX-{k:06d}", dae="055-2026-40-00981234", currency="USD",
        )  # fmt: skip
        customer = Customer(
            order.bill_customer, tax_id="65-4821937", address=("8450 NW 70th St",),
            city="Miami, FL 33166", country="United States", payment_terms="Net 21",
        )  # fmt: skip
        invoices.append(
            compose_invoice([order], config=CONFIG, number=f"001-001-{k + 1:09d}",
                            date=dt.date(2026, 11, 20), customer=customer)
        )  # fmt: skip
    return invoices


def naive(invoices: list[Invoice], renderer: Renderer) -> tuple[float, float]:
    """The loop everyone writes first: everything built afresh for each invoice.

    Returns wall and CPU seconds."""
    css_text = (Path(renderer.base_url.removeprefix("file://")) / "invoice.css").read_text()
    css_text = f"@page {{ size: {PAPER[CONFIG.paper]}; }}\n" + css_text
    wall, cpu = time.perf_counter(), time.process_time()
    for inv in invoices:
        fonts = FontConfiguration()
        css = CSS(string=css_text, base_url=renderer.base_url, font_config=fonts)
        HTML(string=renderer.html(inv), base_url=renderer.base_url).write_pdf(
            stylesheets=[css], font_config=fonts
        )
    return time.perf_counter() - wall, time.process_time() - cpu


def ours(invoices: list[Invoice], renderer: Renderer) -> dict[str, float]:
    """One Renderer for all: wall and CPU seconds, split into template, layout and writing."""
    spent = {"template": 0.0, "layout": 0.0, "write": 0.0, "pages": 0}
    wall, cpu = time.perf_counter(), time.process_time()
    for inv in invoices:
        with collector_paused():  # as Renderer.pdf() does
            t0 = time.process_time()
            html = renderer.html(inv)
            t1 = time.process_time()
            document = renderer.layout_html(html)
            t2 = time.process_time()
            document.write_pdf()
            spent["write"] += time.process_time() - t2
            spent["layout"] += t2 - t1
            spent["template"] += t1 - t0
            spent["pages"] += len(document.pages)
            del document
    spent["wall"] = time.perf_counter() - wall
    spent["cpu"] = time.process_time() - cpu
    return spent


_worker: Renderer | None = None


def _init() -> None:
    global _worker
    _worker = Renderer(CONFIG)


def _render(invoice: Invoice) -> int:
    assert _worker is not None
    return len(_worker.pdf(invoice))


def parallel(invoices: list[Invoice], jobs: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs, initializer=_init) as pool:
        sizes = list(pool.map(_render, invoices, chunksize=8))
    assert all(sizes)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300, help="invoices (default 300)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    invoices = synthetic_invoices(args.n)
    start = time.perf_counter()
    renderer = Renderer(CONFIG)
    setup = time.perf_counter() - start
    renderer.pdf(invoices[0])  # warm up fonts and caches, as a long run would be

    naive_wall, naive_cpu = naive(invoices, renderer)
    t = ours(invoices, renderer)
    t_par = parallel(invoices, args.jobs)

    n = args.n
    ms = 1000 / n
    print(f"{n} invoices of 15 lines, {t['pages'] / n:.2f} pages each, the shipped template")
    print(f"  load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  Renderer set-up (once per process)  {setup * 1000:8.1f} ms")
    print("                                         wall ms    CPU ms   per invoice")
    print(f"  naive loop, 1 process              {naive_wall * ms:9.1f} {naive_cpu * ms:9.1f}")
    print(f"  Renderer, 1 process                {t['wall'] * ms:9.1f} {t['cpu'] * ms:9.1f}")
    print(f"    template (jinja2)                          {t['template'] * ms:9.1f}")
    print(f"    layout (HTML.render)                       {t['layout'] * ms:9.1f}")
    print(f"    PDF writing (write_pdf)                    {t['write'] * ms:9.1f}")
    other = t["cpu"] - t["template"] - t["layout"] - t["write"]
    print(f"    cycle collection and the rest              {other * ms:9.1f}")
    print(f"  Renderer, {args.jobs} processes              {t_par * ms:9.1f}")
    print(
        f"  naive / Renderer, 1 process        {naive_wall / t['wall']:8.2f}x {naive_cpu / t['cpu']:8.2f}x"
    )
    print(
        f"  naive / Renderer, {args.jobs} processes      {naive_wall / t_par:8.2f}x   (goal >= 2.5x)"
    )
    print(
        f"  projected 1,000 invoices           {t_par * 1000 / n:8.1f} s   (goal <= 90 s, aim 60 s)"
    )


if __name__ == "__main__":
    main()
