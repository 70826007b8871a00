"""The select stage: export file(s) in, filtered and checked, a selection workbook out.

The registry is asked which orders it has invoiced, so an order invoiced by an earlier run shows
GRAY with ``INVOICED!`` and its number even when the ERP's export does not know it yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from massinvoice.collector import collector_paused
from massinvoice.config import Config
from massinvoice.files import sweep_temps
from massinvoice.model import Filters, Order, OrderWarning, order_key
from massinvoice.read import describe_sources, load_customers, load_export_readings
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
    reads: tuple[str, ...] = ()  # per file: its profile and its rows of each kind
    rows: dict[str, int] | None = None  # row kind -> count over all files
    erp_status: dict[str, int] | None = None  # "invoiced", "partly invoiced" -> orders read


def mark_registry_invoiced(orders: Sequence[Order], invoiced: dict[str, str]) -> list[Order]:
    """Orders the registry holds get its invoice number: they become INVOICED (gray). So do
    orders that only look like one it holds (``123`` for ``000123``, see ``order_key``): the
    invoice run holds them back too."""
    alike = {order_key(o): number for o, number in invoiced.items()}
    out = []
    for o in orders:
        number = invoiced.get(o.order_no) or alike.get(order_key(o.order_no))
        out.append(replace(o, invoice_no=number) if number and not o.invoice_no else o)
    return out


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
    if Path(out).parent.is_dir():
        sweep_temps(Path(out).parent)  # what a killed select of this machine left
    # Hundreds of thousands of records (orders, lines, warnings) live until the workbook is
    # written (the collector's walks were half a second for 20,000 orders).
    with collector_paused():
        return _select_orders(
            exports, out, config=config, filters=filters, select_all=select_all,
            registry_url=registry_url, use_registry=use_registry,
        )  # fmt: skip


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
    orders, readings = load_export_readings(exports, config)
    read = len(orders)
    invoiced = registry_invoiced(config, registry_url) if use_registry else {}
    orders = mark_registry_invoiced(orders, invoiced)
    held_keys = {order_key(o) for o in invoiced}
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
        invoiced_by_registry=sum(1 for o in listed if order_key(o.order_no) in held_keys),
        reads=tuple(r.describe() for r in readings),
        rows=dict(sum((Counter(r.rows) for r in readings), Counter())),
        erp_status=dict(Counter(o.erp_status for o in orders if o.erp_status)),
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
