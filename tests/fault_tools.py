"""Tools for the fault, hostile-input and load tests: real processes, kills, limits, checks.

Everything here drives ``massinvoice`` the way a user or a scheduler does, as a separate process,
so that a SIGKILL, a full disk or a memory limit hits the real program and nothing of the test
runner. Each child runs in its own session (process group): a test can kill a run together with
its render workers, and :func:`reap` makes sure nothing a test started outlives it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from massinvoice.config import Config, load_config
from massinvoice.files import sha256_file
from massinvoice.readback.selection import read_selection
from massinvoice.registry.numbering import Registry
from massinvoice.select.run import select_orders
from tests.sheet_tools import mark

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30
SAFETY_AS = (
    4 * GIB
)  # address-space cap of hostile-input children: a regression fails, the box lives

EXPORT_HEADER = [
    "Order #", "Customer PO", "Ship Date", "Flight Date", "Bill Customer", "Ship Customer",
    "Sales Rep", "Cargo Agency", "Market", "AWB", "DAE", "Species", "Variety", "Length",
    "Box Type", "Boxes", "Packed Boxes", "Confirmed", "Bunches", "Stems/Bunch", "Stems", "Unit",
    "Unit Price", "Min Price", "Currency",
]  # fmt: skip
CUSTOMERS = ("BLOOM WHOLESALE INC", "PETALS GMBH", "ROSAS DEL NORTE LLC", "FLORA TRADE BV")
VARIETIES = (("Roses", "Freedom", "0.35"), ("Roses", "Explorer", "0.275"),
             ("Carnations", "Moonlight", "0.18"), ("Gypsophila", "Xlence", "0.4125"))  # fmt: skip


# --- inputs ------------------------------------------------------------------------------------


def export_rows(n_orders: int, *, prefix: str = "F", seed: int = 8, first: int = 1) -> list[list]:
    """Rows (header first) of a clean export: every order packed, confirmed, in USD, 1-3 lines."""
    rng = random.Random(seed)
    rows: list[list] = [list(EXPORT_HEADER)]
    for k in range(first, first + n_orders):
        customer = CUSTOMERS[k % len(CUSTOMERS)]
        for _ in range(rng.randint(1, 3)):
            species, variety, price = rng.choice(VARIETIES)
            boxes = rng.randint(1, 6)
            bunches = boxes * 10
            rows.append([
                f"{prefix}-{k:05d}", f"C-{k}", "2026-11-20", "2026-11-21", customer,
                f"{customer[:5]} / MARK {k % 7}", "Ana Torres", "Andes Cargo", "US",
                "369-12345675", "055-2026-40-00012345", species, variety, "60", "HB", boxes,
                boxes, boxes, bunches, 25, bunches * 25, "stem", price, "0.10", "USD",
            ])  # fmt: skip
    return rows


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    """Rows as a UTF-8 csv file."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@dataclass
class Billing:
    """A workspace with a config, an export, its selection workbook and the orders marked."""

    workspace: Path
    config: Config
    export: Path
    sheet: Path
    marked: list[str]

    @property
    def config_path(self) -> Path:
        """The workspace's massinvoice.toml."""
        return self.workspace / "massinvoice.toml"


def prepare(workspace: Path, n_orders: int, *, prefix: str = "F", seed: int = 8) -> Billing:
    """Write an export of ``n_orders`` clean orders, select them all and mark every row."""
    config = load_config(workspace / "massinvoice.toml")
    export = write_csv(workspace / "orders.csv", export_rows(n_orders, prefix=prefix, seed=seed))
    sheet = workspace / "selection.xlsx"
    select_orders([export], sheet, config=config, use_registry=False)
    marked = mark(sheet)
    assert len(marked) == n_orders
    return Billing(workspace, config, export, sheet, marked)


# --- processes -----------------------------------------------------------------------------------

_started: list[subprocess.Popen] = []


def cli_args(*args: object) -> list[str]:
    """The command line of ``python -m massinvoice ARGS``."""
    return [sys.executable, "-m", "massinvoice", *(str(a) for a in args)]


def start(
    *args: object, cwd: Path | None = None, preexec_fn: Callable[[], None] | None = None
) -> subprocess.Popen:
    """Start ``massinvoice ARGS`` in a new session (so its whole process group can be killed).

    Its output goes to files, not pipes: a killed run's orphaned workers would hold a pipe open
    and make the reader wait forever.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("MASSINVOICE_CONFIG", None)
    env.pop("MASSINVOICE_REGISTRY", None)
    logs = tempfile.mkdtemp(prefix="massinvoice-child-")
    with open(Path(logs) / "out", "w") as out, open(Path(logs) / "err", "w") as err:
        proc = subprocess.Popen(
            cli_args(*args), cwd=cwd or ROOT, env=env, stdout=out, stderr=err,
            start_new_session=True, preexec_fn=preexec_fn,
        )  # fmt: skip
    proc.logs = Path(logs)  # type: ignore[attr-defined]
    _started.append(proc)
    return proc


def output(proc: subprocess.Popen) -> tuple[str, str]:
    """What a started process wrote so far to stdout and stderr."""
    logs: Path = proc.logs  # type: ignore[attr-defined]
    return ((logs / "out").read_text(errors="replace"), (logs / "err").read_text(errors="replace"))


def start_invoice(b: Billing, out: Path, jobs: int = 1, **kw) -> subprocess.Popen:
    """``massinvoice invoice`` on the billing's sheet into ``out``."""
    return start("invoice", b.sheet, "-o", out, "--config", b.config_path, "--jobs", jobs,
                 cwd=b.workspace, **kw)  # fmt: skip


def group_alive(pgid: int) -> list[int]:
    """Pids of the living (not zombie) processes of a process group."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a started process and everything in its process group; reap the process."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    proc.wait()


def reap() -> None:
    """Kill whatever the tests of this process started and left running."""
    while _started:
        proc = _started.pop()
        if proc.returncode is None or group_alive(proc.pid):
            kill_group(proc)
        shutil.rmtree(proc.logs, ignore_errors=True)  # type: ignore[attr-defined]


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    """Wait for a started process; its exit code, stdout and stderr."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise AssertionError(f"{proc.args} did not finish in {timeout} s") from None
    return (proc.returncode, *output(proc))


def pdf_count(folder: Path) -> int:
    """PDFs with their final name in ``folder`` (temporary files are hidden and not counted)."""
    try:
        return sum(1 for e in os.scandir(folder) if e.name.endswith(".pdf"))
    except FileNotFoundError:
        return 0


def kill_when(
    proc: subprocess.Popen, ready: Callable[[], bool], *, group: bool = False, timeout: float = 300
) -> bool:
    """SIGKILL the run as soon as ``ready()`` holds (the run alone, or with its workers).

    Returns False if the run finished first.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.kill()
            proc.wait()
            return True
        time.sleep(0.005)
    kill_group(proc)
    raise AssertionError("the run neither finished nor reached its kill point")


def wait_group_gone(pgid: int, timeout: float = 10) -> list[int]:
    """Wait until no process of the group lives; the ones still alive after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (alive := group_alive(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@dataclass(frozen=True)
class KillPoint:
    """Where to kill a run: some time after its start, or when more PDFs exist."""

    kind: str  # "time": ``value`` scales Pace.window; "pdfs": how many more PDFs
    value: float
    jobs: int
    group: bool  # kill the render workers too (a power cut), not just the main process

    def __str__(self) -> str:
        what = f"{self.value:.2f} x window" if self.kind == "time" else f"+{self.value:g} PDFs"
        return f"{what:>13} jobs={self.jobs} {'group' if self.group else 'main'}"


def kill_plan(count: int, seed: int) -> list[KillPoint]:
    """``count`` reproducible kill points, alternately by time after start and by progress."""
    rng = random.Random(seed)
    plan = []
    for i in range(count):
        jobs, group = rng.choice((1, 2)), rng.random() < 0.3
        if i % 2 == 0:
            plan.append(KillPoint("time", round(rng.uniform(0.2, 1.2), 2), jobs, group))
        else:
            plan.append(KillPoint("pdfs", rng.randint(1, 3), jobs, group))
    return plan


@dataclass
class Pace:
    """How long a run takes here: its start-up (to its first new PDF) and each invoice.

    Measured by a dry run, then the start-up follows what the killed runs show: the machine's
    load and the renderer's speed change while a chain runs.
    """

    startup: float
    per_invoice: float

    def window(self, jobs: int) -> float:
        """Start-up and about two invoices: time kills land in reading, numbering, recovering
        what a killed run left pending, and rendering."""
        return self.startup + 2 * self.per_invoice / jobs

    def observe(self, startup: float) -> None:
        """A run's first new PDF came ``startup`` seconds after its start."""
        self.startup = (self.startup + startup) / 2


def measure_pace(b: Billing, folder: Path) -> Pace:
    """Time a dry run of the billing's sheet: seconds to its first draft, then per draft."""
    proc = start("invoice", b.sheet, "-o", folder, "--dry-run", "--config", b.config_path,
                 cwd=b.workspace)  # fmt: skip
    started = time.monotonic()
    first = None
    while proc.poll() is None:
        if first is None and any(folder.glob("runs/*/*.pdf")):  # a dry run's drafts
            first = time.monotonic() - started
        time.sleep(0.01)
    total = time.monotonic() - started
    assert proc.returncode == 0, output(proc)
    first = first or total
    return Pace(first, max(0.01, (total - first) / max(1, len(b.marked) - 1)))


def run_until_killed(b: Billing, out: Path, point: KillPoint, pace: Pace) -> bool:
    """Start an invoice run and kill it at ``point``; False if it finished before."""
    before = pdf_count(out)
    started = time.monotonic()
    first_new: list[float] = []
    delay = point.value * pace.window(point.jobs)
    target = before + int(point.value)

    def ready() -> bool:
        count = pdf_count(out)
        if count > before and not first_new:
            first_new.append(time.monotonic() - started)
        if point.kind == "time":
            return time.monotonic() - started >= delay
        return count >= target

    proc = start_invoice(b, out, point.jobs)
    killed = kill_when(proc, ready, group=point.group)
    if first_new:
        pace.observe(first_new[0])
    return killed


# --- invariants ----------------------------------------------------------------------------------


@dataclass
class Audit:
    """What the checks found, for the test's printout."""

    issued: int = 0
    total: Decimal = Decimal(0)


def registry_records(config: Config) -> list:
    """Every invoice of the billing's registry, in number order."""
    registry = Registry(config.registry_url)
    try:
        return registry.list()
    finally:
        registry.close()


def check_invariants(
    b: Billing,
    outs: Sequence[Path],
    *,
    manifest_of: Path | None = None,
    sheets: Sequence[Path] = (),
) -> Audit:
    """Nothing lost, nothing doubled, every PDF the registry's, totals that add up.

    * no pending invoice is left, numbers are gap-free from 1, all issued;
    * an order is on one invoice at most, and every marked order is on one;
    * every issued number has exactly one PDF (in one of ``outs``) whose SHA-256 is the
      registry's, its text shows its number; no other PDF exists;
    * the registry's totals per (customer, currency) equal the selection's totals (of the
      billing's sheet, or of every one of ``sheets``, an order counted once);
    * ``manifest_of`` (the last run's folder): its manifest and report say the control is OK.
    """
    records = registry_records(b.config)
    pending = [r.number for r in records if r.state == "pending"]
    assert not pending, f"pending invoices left after the rerun: {pending}"
    assert all(r.state == "issued" for r in records)
    assert sorted(r.seq for r in records) == list(range(1, len(records) + 1)), "gap in numbers"
    held = [o for r in records for o in r.orders]
    assert len(held) == len(set(held)), "an order is on two invoices"
    assert sorted(held) == sorted(b.marked), "a marked order is not invoiced"

    pdfs: dict[str, list[Path]] = {}
    for out in outs:
        for p in Path(out).glob("*.pdf"):
            if p.name not in ("merged.pdf", "merged-draft.pdf"):
                pdfs.setdefault(p.name, []).append(p)
    expected = {f"{r.number}.pdf" for r in records}
    assert set(pdfs) == expected, f"PDFs without invoice: {sorted(set(pdfs) - expected)[:5]}"
    for r in records:
        (path,) = pdfs[f"{r.number}.pdf"]
        assert path == Path(r.file), (path, r.file)
        assert sha256_file(path) == r.sha256, f"{path.name}: bytes differ from the registry's"
    for r in records[:: max(1, len(records) // 10)]:  # a sample: the PDF is a real invoice
        text = PdfReader(r.file).pages[0].extract_text()
        assert r.number in text and r.orders[0] in text
    for out in outs:
        stray = [p.name for p in Path(out).iterdir() if p.name.endswith(".tmp")]
        assert all(name.startswith(".") for name in stray), stray

    selected = {}
    for sheet in sheets or [b.sheet]:
        selected.update({o.order_no: o for o in read_selection(sheet, config=b.config).orders})
    expected_totals: dict[tuple[str, str], Decimal] = {}
    for order in selected.values():
        key = (order.bill_customer, order.currency)
        expected_totals[key] = expected_totals.get(key, Decimal(0)) + order.amount
    issued_totals: dict[tuple[str, str], Decimal] = {}
    for r in records:
        key = (r.customer, r.currency)
        issued_totals[key] = issued_totals.get(key, Decimal(0)) + r.total
    assert issued_totals == expected_totals, "issued totals differ from the selection's"

    if manifest_of is not None:
        last = sorted((manifest_of / "runs").glob("*/manifest.json"))[-1].parent  # newest run
        manifest = json.loads((last / "manifest.json").read_text("utf-8"))
        assert manifest["control"]["ok"] is True
        assert "Control: OK" in (last / "report.txt").read_text("utf-8")
        for inv in manifest["invoices"]:
            assert inv["sha256"] == next(r.sha256 for r in records if r.number == inv["number"])
    return Audit(len(records), sum(issued_totals.values(), Decimal(0)))


# --- measured children ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """A finished child: exit code, output, wall time and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes

    @property
    def peak_mib(self) -> float:
        """The peak RSS in MiB."""
        return self.peak_rss / (1 << 20)


# Runs the measured command as its child and reports that child's peak RSS. A small process in
# between is what makes the figure true: a child forked straight from the test run would count
# the test run's own memory (a fork starts with its parent's resident pages).
_MEASURE = r"""
import json, os, resource, subprocess, sys, time
spec = json.loads(sys.argv[1])
def cap():
    os.setsid()
    if spec["cap"]:
        resource.setrlimit(resource.RLIMIT_AS, (spec["cap"], spec["cap"]))
started = time.monotonic()
with open(spec["out"], "w") as out, open(spec["err"], "w") as err:
    proc = subprocess.Popen(spec["cmd"], cwd=spec["cwd"], stdout=out, stderr=err, preexec_fn=cap)
    try:
        code = proc.wait(timeout=spec["timeout"])
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        code = proc.wait()
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": time.monotonic() - started, "peak": peak}))
"""


def run_measured(
    args: Sequence[object], *, cwd: Path, timeout: float = 120, cap: int | None = SAFETY_AS
) -> Measured:
    """Run ``python ARGS`` to its end (its address space capped at ``cap``); measure its wall
    time and its peak RSS, its render workers included."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MASSINVOICE_CONFIG", None)
    env.pop("MASSINVOICE_REGISTRY", None)
    out, err = cwd / ".child.out", cwd / ".child.err"
    spec = {"cmd": [sys.executable, *(str(a) for a in args)], "cwd": str(cwd), "cap": cap,
            "out": str(out), "err": str(err), "timeout": timeout}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(spec)], env=env,
                          capture_output=True, text=True, timeout=timeout + 60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rss = report["peak"] * (1 if sys.platform == "darwin" else 1024)
    return Measured(report["code"], out.read_text(errors="replace"),
                    err.read_text(errors="replace"), report["seconds"], rss)  # fmt: skip


# --- reading hostile files in a child ------------------------------------------------------------


def probe(folder: Path, paths: Sequence[Path]) -> None:
    """Read each file as the export reader and as ``massinvoice select`` do; one JSON line each.

    Run in a child (``python -m tests.fault_tools probe FOLDER FILE...``) whose memory is
    capped: a file that escaped the checks kills the child, not the test run, and the line it
    stops at names the file. ``folder`` holds an empty config and the outputs.
    """
    from click.testing import CliRunner

    from massinvoice.cli import main
    from massinvoice.problems import InputError
    from massinvoice.read import load_export

    config = folder / "massinvoice.toml"
    config.write_text("", encoding="utf-8")
    for path in paths:
        started = time.monotonic()
        try:
            orders = load_export([path], load_config(config))
            record: dict = {"orders": len(orders)}
        except InputError as exc:
            record = {"codes": sorted(exc.codes), "report": exc.report()}
        out = folder / f"{path.stem}.selection.xlsx"
        result = CliRunner().invoke(
            main, ["select", str(path), "-o", str(out), "--no-registry", "--config", str(config)]
        )
        record |= {
            "file": path.name,
            "exit": result.exit_code,
            "output": result.output + (result.stderr if result.stderr_bytes is not None else ""),
            "exception": repr(result.exception) if result.exit_code not in (0, 2) else "",
            "seconds": round(time.monotonic() - started, 3),
            "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["probe"]:
    probe(Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
