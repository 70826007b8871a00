"""Shared by the invoice benchmarks: a prepared selection workbook and timed invoice runs.

The data comes from ``samples/generate.py`` (the sample exporter's customers, products, prices
and anomalies), reshaped into orders of a fixed number of lines so that every invoice is one
A4 page. Every order is invoiceable and its customer is in the directory, so the same workbook
serves runs with ``einvoice = "off"`` and ``einvoice = "all"``.

Each run is ``python -m massinvoice invoice SHEET -o OUT --jobs J`` in a fresh process, with a
fresh registry and output folder: wall time includes the interpreter's start, the imports, the
reading of the workbook, the numbering, the PDFs, the register, report and manifest.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from massinvoice.registry.numbering import Registry

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LINES = 15  # per invoice: one A4 page holds 18


def load_text() -> str:
    """The load averages (1, 5, 15 minutes): the machine may be busy with other work."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def make_export(n_orders: int, path: Path, lines: int = LINES, seed: int = 2611) -> None:
    """An export of ``n_orders`` packed orders of ``lines`` lines each, all invoiceable."""
    sys.path.insert(0, str(SAMPLES))
    import generate  # type: ignore[import-not-found]

    rows = generate.generate(max(40, n_orders * 4), seed)
    heads: dict[str, dict] = {}
    pool = []
    for row in rows:
        pool.append(row)
        if row["Bill Customer"] != generate.OMITTED_CUSTOMER:
            heads.setdefault(row["Order #"], row)
    order_cols = generate.HEADERS_EN[:14]  # the order-level columns
    out, k = [], 0
    for head in list(heads.values())[:n_orders]:
        for _ in range(lines):
            line = dict(pool[k % len(pool)])
            k += 1
            line.update({c: head[c] for c in order_cols})
            line.update({"Currency": head["Currency"], "Invoice #": ""})
            line.update({"Packed Boxes": line["Boxes"], "Confirmed": line["Boxes"]})
            out.append(line)
    generate.write_xlsx(out, path)


@dataclass(frozen=True)
class Workload:
    """A folder with an export, two configs and the selection workbook of ``n`` marked orders."""

    folder: Path
    n: int

    @property
    def sheet(self) -> Path:
        return self.folder / "selection.xlsx"

    def config(self, einvoice: bool) -> Path:
        return self.folder / ("einvoice.toml" if einvoice else "massinvoice.toml")


def prepare(folder: Path, n: int) -> Workload:
    """Write the export, the configs (e-invoices off and on) and the selection workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    make_export(n, folder / "orders.xlsx")
    shutil.copy2(
        ROOT / "massinvoice" / "batch" / "samples" / "customers.csv", folder / "customers.csv"
    )
    toml = (SAMPLES / "massinvoice.toml").read_text(encoding="utf-8")
    for name, value in (("massinvoice.toml", "off"), ("einvoice.toml", "all")):
        lines = [f'einvoice = "{value}"' if x.startswith("einvoice =") else x
                 for x in toml.splitlines()]  # fmt: skip
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    work = Workload(folder, n)
    subprocess.run(
        [sys.executable, "-m", "massinvoice", "select", str(folder / "orders.xlsx"), "-o",
         str(work.sheet), "--select-all", "--no-registry", "--config", str(work.config(False))],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    return work


@dataclass(frozen=True)
class Run:
    """One timed invoice run: wall and CPU seconds (the command and its render processes)."""

    wall: float
    cpu: float
    issued: int
    load: str
    registry: Path
    out: Path


def invoice_run(work: Workload, jobs: int, *, einvoice: bool = False, tag: str = "") -> Run:
    """``python -m massinvoice invoice`` on the workload, fresh registry and output folder."""
    name = f"run-{'fx' if einvoice else 'pdf'}-j{jobs}{tag}"
    out, registry = work.folder / name, work.folder / f"{name}.sqlite"
    shutil.rmtree(out, ignore_errors=True)
    for stale in work.folder.glob(f"{name}.sqlite*"):
        stale.unlink()
    Registry(f"sqlite:///{registry}", create=True).close()  # as 'massinvoice init' makes it
    cmd = [sys.executable, "-m", "massinvoice", "invoice", str(work.sheet), "-o", str(out),
           "--jobs", str(jobs), "--config", str(work.config(einvoice)),
           "--registry", f"sqlite:///{registry}"]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=work.folder)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (manifest,) = out.glob("runs/*/manifest.json")  # the run's own records
    issued = len(json.loads(manifest.read_text())["invoices"])
    return Run(wall, cpu, issued, load_text(), registry, out)


def best_run(work: Workload, jobs: int, repeat: int, *, einvoice: bool = False) -> Run:
    """The fastest of ``repeat`` runs (the others were slowed by something else)."""
    runs = [invoice_run(work, jobs, einvoice=einvoice, tag=f"-{i}") for i in range(repeat)]
    return min(runs, key=lambda r: r.wall)


def issued_invoices(registry: Path) -> list:
    """The invoices of a run, exactly as it rendered them (from the registry's payloads)."""
    from massinvoice.invoice.document import Invoice

    with sqlite3.connect(registry) as db:
        rows = db.execute("SELECT number, payload FROM invoices ORDER BY seq").fetchall()
    return [Invoice.from_dict(json.loads(p)["invoice"]).with_number(n) for n, p in rows]
