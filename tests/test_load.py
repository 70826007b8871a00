"""Load: 20,000 orders through select, 2,000 through invoice, a real million-row csv, a gigabyte
zip bomb, and each hostile file alone, every one a separate process timed and measured.

All slow (CI runs them once). The figures are printed (``pytest -m slow -rA`` shows them) and
are the ones in the README's Reliability section.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from massinvoice.config import load_config
from tests.conftest import load_generator
from tests.fault_tools import GIB, check_invariants, prepare, run_measured
from tests.test_hostile import HOSTILE, READ, REFUSED, M

pytestmark = pytest.mark.slow


def test_select_20000_orders(workspace: Path) -> None:
    gen = load_generator()
    export = workspace / "orders.xlsx"
    started = time.monotonic()
    rows = gen.generate(20_000, seed=2611)
    gen.write_xlsx(rows, export)
    made = time.monotonic() - started
    done = run_measured(["-m", "massinvoice", "select", export, "-o", workspace / "sel.xlsx",
                         "--config", workspace / "massinvoice.toml"], cwd=workspace, timeout=600)  # fmt: skip
    print(f"\nselect: 20,000 orders ({len(rows):,} lines, export made in {made:.0f} s): "
          f"{done.seconds:.1f} s, peak {done.peak_mib:.0f} MiB")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Read 20,000 orders" in done.stdout
    assert done.seconds < 300 and done.peak_rss < GIB


def test_invoice_2000_orders_with_two_jobs(workspace: Path) -> None:
    b = prepare(workspace, 2000)
    out = workspace / "out"
    done = run_measured(["-m", "massinvoice", "invoice", b.sheet, "-o", out, "--config",
                         b.config_path, "--jobs", "2"], cwd=workspace, timeout=900)  # fmt: skip
    print(f"\ninvoice: 2,000 invoices with --jobs 2: {done.seconds:.1f} s "
          f"({done.seconds / 2000 * 1000:.0f} ms each), peak {done.peak_mib:.0f} MiB")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    audit = check_invariants(b, [out], manifest_of=out)
    assert audit.issued == 2000
    assert done.seconds < 600 and done.peak_rss < 1.5 * GIB


def test_a_real_million_row_csv_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    export = M.million_rows_csv(tmp_path / "million.csv")
    done = run_measured(["-m", "massinvoice", "select", export, "-o", tmp_path / "s.xlsx",
                         "--no-registry"], cwd=tmp_path)  # fmt: skip
    size = export.stat().st_size / (1 << 20)
    print(f"\n1,000,000-row csv ({size:.0f} MB): exit {done.returncode} in {done.seconds:.1f} s, "
          f"peak {done.peak_mib:.0f} MiB")  # fmt: skip
    assert done.returncode == 2
    assert "1000001 rows, over the limit of 500000" in done.stderr
    assert done.seconds < 60 and done.peak_rss < 1.5 * GIB


def test_a_gigabyte_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    bomb = M.gigabyte_zip_bomb(tmp_path / "bomb.xlsx", size=2 * GIB)
    done = run_measured(["-m", "massinvoice", "select", bomb, "-o", tmp_path / "s.xlsx",
                         "--no-registry"], cwd=tmp_path)  # fmt: skip
    print(f"\nzip bomb, 2 GiB in {bomb.stat().st_size >> 10} KiB (its header says 4 KiB): "
          f"exit {done.returncode} in {done.seconds:.1f} s, peak {done.peak_mib:.0f} MiB")  # fmt: skip
    assert done.returncode == 2 and "[corrupt]" in done.stderr and "bomb.xlsx" in done.stderr
    assert done.seconds < 60 and done.peak_rss < 1.5 * GIB


def test_each_hostile_file_alone(tmp_path: Path) -> None:
    """Every corpus file in a process of its own: its own time and peak memory."""
    config = tmp_path / "massinvoice.toml"
    config.write_text("", encoding="utf-8")
    lines = []
    for name in sorted([*REFUSED, *READ]):
        done = run_measured(["-m", "massinvoice", "select", HOSTILE / name, "-o",
                             tmp_path / "s.xlsx", "--no-registry", "--config", config],
                            cwd=tmp_path)  # fmt: skip
        code = REFUSED[name][0] if name in REFUSED else ""
        assert done.returncode == (2 if code else 0), (name, done.stderr)
        assert "Traceback" not in done.stderr
        assert done.seconds < 60 and done.peak_rss < 1.5 * GIB
        lines.append(f"  {name:<32} exit {done.returncode} {code:<15} "
                     f"{done.seconds:5.1f} s {done.peak_mib:5.0f} MiB")  # fmt: skip
    print("\n" + "\n".join(lines))


def test_the_sample_config_limits_are_the_defaults() -> None:
    """The figures above are for the default limits."""
    limits = load_config(None, search=False).limits
    assert (limits.max_rows, limits.max_columns, limits.max_uncompressed_mb) == (500_000, 300, 1024)
