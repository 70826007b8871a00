"""Reading a 100,000-line export: ``load_export`` against a bare calamine read of the same file.

Usage: ``python benchmarks/bench_read.py [--lines N] [--repeat R] [--file PATH]``

Writes the export once (with ``samples/generate.py``: title rows, a hidden column, a totals row,
real dates), then times, best of R, ``pandas.read_excel(path, engine="calamine", header=None)``
and ``massinvoice.read.load_export([path], Config())`` in the same process, and prints both
and their ratio. The target is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "samples"))

from massinvoice.config import Config  # noqa: E402
from massinvoice.read import load_export  # noqa: E402

TARGET = 1.5


def write_export(path: Path, lines: int) -> int:
    """Write an export of about ``lines`` lines; return the number of lines written."""
    import generate  # samples/generate.py

    rows = generate.generate(max(1, lines // 5))
    while len(rows) < lines:  # generate() picks line counts per order; top up to the target
        rows += generate.generate(max(1, (lines - len(rows)) // 5 + 1), seed=len(rows))
    rows = rows[:lines]
    generate.write_xlsx(rows, path)
    return len(rows)


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, float, object]:
    """Best wall time, best CPU time (the steadier one on a shared machine), last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        result = None  # the previous run's records must not weigh on this one's GC passes
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, help="read this export instead of generating one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "export.xlsx"
            start = time.perf_counter()
            written = write_export(path, args.lines)
            took = time.perf_counter() - start
            print(f"wrote {written} lines ({path.stat().st_size / 1e6:.1f} MB) in {took:.1f} s")
        config = Config()
        bare, bare_cpu, frame = best_of(
            args.repeat, lambda: pd.read_excel(path, engine="calamine", header=None)
        )
        ours, ours_cpu, orders = best_of(args.repeat, lambda: load_export([path], config))
        assert isinstance(frame, pd.DataFrame) and isinstance(orders, list)
        n_lines = sum(len(o.lines) for o in orders)
        ratio = ours / bare
        print(f"pandas.read_excel(calamine): {bare:.2f} s wall, {bare_cpu:.2f} s CPU")
        print(f"load_export:                 {ours:.2f} s wall, {ours_cpu:.2f} s CPU")
        print(f"  ({frame.shape[0]} sheet rows -> {len(orders)} orders, {n_lines} lines)")
        print(f"ratio: {ratio:.2f}x wall, {ours_cpu / bare_cpu:.2f}x CPU (target <= {TARGET}x)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
