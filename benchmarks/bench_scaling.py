"""Scaling benchmark: the cost per order and per invoice at 1x, 4x and 16x the data.

Usage: ``python benchmarks/bench_scaling.py [--orders 1250] [--invoices 25] [--repeat 3]
[--jobs J] [--only select|invoice]``.

* select: ``select_orders`` of exports of 1,250, 5,000 and 20,000 orders (about 5 lines each),
  and the read-back of the workbooks it wrote (``read_selection``), each call timed in a fresh
  process (its imports not counted), as in ``bench_select.py``;
* invoice: ``python -m massinvoice invoice`` of 25, 100 and 400 one-page invoices (15 lines),
  a fresh process and registry each time, ``--jobs J`` (default one per CPU).

For each size it prints the time, the time per unit and its ratio to the per-unit time at 1x
(at most about 1.0 when the cost grows linearly; below 1.0 when a fixed start-up cost is spread
over more units), and the marginal time per unit between two sizes (the difference of the times
over the difference of the units), which leaves the fixed cost out. Best of ``--repeat`` runs;
the load average is printed with each line, since other work on the machine slows wall times.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_select import make_export, run_part
from workload import best_run, load_text, prepare

SCALES = (1, 4, 16)


def table(title: str, unit: str, rows: list[tuple[int, float, float, str]]) -> None:
    """rows: (units, wall seconds, CPU seconds, load)."""
    print(f"\n{title}")
    print(f"  {unit:>8} {'wall s':>8} {'ms/' + unit:>10} {'vs 1x':>6} {'marginal':>9} "
          f"{'CPU ms/' + unit:>12}   load")  # fmt: skip
    base = rows[0][1] / rows[0][0]
    previous = None
    for units, wall, cpu, load in rows:
        per = wall / units
        marginal = ""
        if previous is not None:
            marginal = f"{(wall - previous[1]) / (units - previous[0]) * 1000:9.2f}"
        print(f"  {units:8,} {wall:8.2f} {per * 1000:10.2f} {per / base:6.2f} {marginal:>9} "
              f"{cpu / units * 1000:12.2f}   {load}")  # fmt: skip
        previous = (units, wall)


def scale_select(folder: Path, orders: int, repeat: int) -> None:
    selects, reads = [], []
    for k in SCALES:
        n = orders * k
        export = folder / f"export_{n}.xlsx"
        make_export(n, 2611, export)
        sheet = folder / f"selection_{n}.xlsx"
        done = run_part("select", str(export), str(sheet), repeat=repeat)
        selects.append((done["orders"], done["seconds"], done["cpu"], load_text()))
        back = run_part("read", str(sheet), repeat=repeat)
        reads.append((back["all"], back["seconds"], back["cpu"], load_text()))
        print(f"  {n:,} orders: {done['lines']:,} lines, peak RSS at most "
              f"{done['peak_mib'] + done['helper_mib']:.0f} MiB (select, with its forked "
              f"process), {back['peak_mib'] + back['helper_mib']:.0f} MiB (read-back)")  # fmt: skip
    table("select (select_orders, every order listed and pre-selected)", "order", selects)
    table("read-back (read_selection, every invoiceable order selected)", "order", reads)


def scale_invoice(folder: Path, invoices: int, repeat: int, jobs: int) -> None:
    rows = []
    for k in SCALES:
        n = invoices * k
        work = prepare(folder / f"invoice_{n}", n)
        run = best_run(work, jobs, repeat)
        assert run.issued == n, f"{run.issued} issued, {n} expected"
        rows.append((n, run.wall, run.cpu, run.load))
    table(f"invoice (python -m massinvoice invoice --jobs {jobs}, wall includes process start)",
          "invoice", rows)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1250, help="orders at 1x (select)")
    parser.add_argument("--invoices", type=int, default=25, help="invoices at 1x")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parser.add_argument("--jobs", type=int, default=cpus or 1, help="render processes")
    parser.add_argument("--only", choices=("select", "invoice"))
    args = parser.parse_args()
    print(f"scales {', '.join(f'{k}x' for k in SCALES)}; best of {args.repeat}; "
          f"{cpus} CPUs; load now {load_text()}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "invoice":
            scale_select(Path(tmp), args.orders, args.repeat)
        if args.only != "select":
            scale_invoice(Path(tmp), args.invoices, args.repeat, args.jobs)


if __name__ == "__main__":
    main()
