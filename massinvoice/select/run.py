"""The select stage: export file(s) in, filtered and checked, a selection workbook out.

The registry is asked which orders it has invoiced, so an order invoiced by an earlier run shows
GRAY with ``INVOICED!`` and its number even when the ERP's export does not know it yet.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from massinvoice.collector import collector_paused
from massinvoice.config import Config
from massinvoice.files import new_temp_beside, sweep_temps
from massinvoice.forking import Forked, cap_memory, two_cores
from massinvoice.model import Filters, Order, OrderWarning
from massinvoice.problems import InputError
from massinvoice.read import describe_sources, load_customers, load_export
from massinvoice.read.guard import ZIPPED, ReadError, check_file, measured_elsewhere
from massinvoice.registry.numbering import Registry
from massinvoice.select import checks
from massinvoice.select.filters import apply_filters, resolve_filters
from massinvoice.select.workbook import SheetSource, write_selection
from massinvoice.text import fold


@dataclass(frozen=True)
class SelectResult:
    path: Path
    read: int  # orders read from the export(s)
    listed: int  # orders that passed the filters
    lines: int
    by_status: dict[str, int]
    preselected: int
    warnings: dict[str, int]  # code -> count over listed orders
    invoiced_by_registry: int


def mark_registry_invoiced(orders: Sequence[Order], invoiced: dict[str, str]) -> list[Order]:
    """Orders the registry holds get its invoice number: they become INVOICED (gray)."""
    return [
        replace(o, invoice_no=invoiced[o.order_no])
        if not o.invoice_no and o.order_no in invoiced
        else o
        for o in orders
    ]


def registry_invoiced(config: Config, url: str = "") -> dict[str, str]:
    """Order -> invoice number, from the registry; empty when there is no registry yet."""
    url = url or config.registry_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return {}
    registry = Registry(url)
    try:
        return registry.invoiced()
    finally:
        registry.close()


def select_orders(
    exports: Sequence[Path],
    out: Path,
    *,
    config: Config,
    filters: Filters | None = None,
    select_all: bool = False,
    registry_url: str = "",
    use_registry: bool = True,
) -> SelectResult:
    """Read the export(s), filter, check, and write the colour-coded selection workbook."""
    options = dict(
        config=config, filters=filters, select_all=select_all, registry_url=registry_url,
        use_registry=use_registry,
    )  # fmt: skip
    if Path(out).parent.is_dir():
        sweep_temps(Path(out).parent)  # what a killed select of this machine left
    # Hundreds of thousands of records (orders, lines, warnings) live until the workbook is
    # written (the collector's walks were half a second for 20,000 orders).
    with collector_paused():
        if _measure_beside(exports):
            done = _select_beside_the_measure(exports, Path(out), options)
            if done is not None:
                return done
        return _select_orders(exports, out, **options)  # type: ignore[arg-type]


MEASURE_BESIDE_FROM = 2 << 20  # workbooks this large (compressed) are measured beside the select
CHILD_MEMORY = 4 << 30  # what the select beside the measure may take beyond its parent's size


def _measure_beside(exports: Sequence[Path]) -> bool:
    """Whether measuring the workbooks' sheets (most of the time it takes to read a large
    export) pays to do in this process while a forked one does the select."""
    if not two_cores():
        return False
    try:
        size = sum(Path(p).stat().st_size for p in exports if Path(p).suffix.lower() in ZIPPED)
    except OSError:
        return False
    return size >= MEASURE_BESIDE_FROM


def _select_beside_the_measure(
    exports: Sequence[Path], out: Path, options: dict[str, Any]
) -> SelectResult | None:
    """The select in a forked process (its memory capped, the sheet measure left to us) while
    this one measures every workbook's sheets; its workbook is renamed into place only when
    the measure passes them. None when the measure refuses a file or the select fails: the
    caller then selects here, and reports every problem of every file as always."""
    paths = [Path(p) for p in exports]
    out.parent.mkdir(parents=True, exist_ok=True)
    part = new_temp_beside(out)  # named for this process: swept if it is killed

    def select() -> dict[str, Any] | None:
        cap_memory(CHILD_MEMORY)
        try:
            with measured_elsewhere(paths):
                done = _select_orders(paths, part, **options)
        except InputError:
            return None
        return {k: v for k, v in asdict(done).items() if k != "path"}

    child = Forked(select)
    measured, found = False, None
    try:
        for path in paths:
            check_file(path, options["config"].limits, halves=False)
        measured = True
    except ReadError:
        pass
    finally:
        try:
            finished, found = child.result(kill=not measured)
        finally:
            if not (measured and found is not None):
                part.unlink(missing_ok=True)
    if not (measured and finished and found is not None):
        return None
    os.replace(part, out)
    return SelectResult(path=out, **found)


def _select_orders(
    exports: Sequence[Path],
    out: Path,
    *,
    config: Config,
    filters: Filters | None,
    select_all: bool,
    registry_url: str,
    use_registry: bool,
) -> SelectResult:
    exports = [Path(p) for p in exports]
    orders = load_export(exports, config)
    read = len(orders)
    invoiced = registry_invoiced(config, registry_url) if use_registry else {}
    orders = mark_registry_invoiced(orders, invoiced)
    filters = resolve_filters(orders, filters or Filters())
    listed = apply_filters(orders, filters)
    customers = load_customers(config.resolve(config.customers), config)
    known = {c.name for c in customers.values()} if customers else None
    warnings: dict[str, tuple[OrderWarning, ...]] = {
        o.order_no: checks.order_warnings(o, known) for o in listed
    }
    sources = [
        SheetSource(name=f.name, sha256=f.sha256, path=str(p.resolve()))
        for f, p in zip(describe_sources(exports), exports, strict=True)
    ]
    path = write_selection(
        Path(out), listed, config=config, filters=filters, sources=sources,
        warnings=warnings, select_all=select_all,
    )  # fmt: skip
    codes = Counter(w.code for ws in warnings.values() for w in ws)
    return SelectResult(
        path=path,
        read=read,
        listed=len(listed),
        lines=sum(len(o.lines) for o in listed),
        by_status=dict(Counter(o.status.value for o in listed)),
        preselected=sum(1 for o in listed if o.invoiceable) if select_all else 0,
        warnings=dict(codes),
        invoiced_by_registry=sum(1 for o in listed if o.order_no in invoiced),
    )


def summarise(orders: Sequence[Order]) -> dict[str, object]:
    """Counts of an export: orders, lines, by status, warnings by code."""
    warnings = Counter(w.code for o in orders for w in checks.order_warnings(o))
    return {
        "orders": len(orders),
        "lines": sum(len(o.lines) for o in orders),
        "by_status": dict(Counter(o.status.value for o in orders)),
        "customers": len({fold(o.bill_customer) for o in orders}),
        "warnings": dict(warnings),
    }
