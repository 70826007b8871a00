"""The records of an invoice run: its options, what it issued, what it skipped and why, totals.

Frozen values, made by :mod:`massinvoice.invoice.run` and written out by
:mod:`massinvoice.invoice.outputs`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from massinvoice.invoice.document import Invoice
from massinvoice.model import OrderWarning
from massinvoice.readback.selection import LineEdit, Selection


@dataclass(frozen=True, slots=True)
class InvoiceOptions:
    dry_run: bool = False
    strict: bool = False
    date: str = ""  # today | ship | flight | YYYY-MM-DD; empty = config.invoice_date
    group_by: str = "order"  # order | customer
    partial: str = ""  # ordered | packed | skip; empty = config.partial
    merged: bool = False
    jobs: int = 1
    registry_url: str = ""  # empty = the config's registry
    raise_start: bool = False  # move the series forward to a raised [series] start, on purpose
    today: dt.date | None = None  # for reproducible runs and tests


@dataclass(frozen=True, slots=True)
class Skipped:
    order_no: str
    code: str  # invoiced | stale | refused | strict | zero_total | partial | conflict | failed
    reason: str


@dataclass(frozen=True, slots=True)
class Issued:
    number: str
    file: str
    sha256: str
    orders: tuple[str, ...]
    bill_customer: str
    currency: str
    subtotal: Decimal
    total: Decimal
    recovered: bool = False  # finished for a run that had crashed
    adopted: bool = False  # issued by a run that ended before recording it; recorded here


@dataclass(frozen=True)
class RunResult:
    outdir: Path
    run_id: str
    dry_run: bool
    selected: int
    issued: tuple[Issued, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[OrderWarning, ...]
    edits: tuple[LineEdit, ...]
    selected_totals: dict[tuple[str, str], Decimal]  # (bill customer, currency) -> amount
    issued_totals: dict[tuple[str, str], Decimal]
    invoices: tuple[Invoice, ...] = ()  # this run's composed invoices, numbered
    files: dict[str, Path] = field(default_factory=dict)  # register, report, manifest, merged
    records: Path = Path()  # this run's own folder of records (outputs.new_run_folder)
    registry_id: str = ""

    skipped_totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    partial: str = "ordered"
    sri: tuple[str, ...] = ()  # what the SRI step did (Ecuador), for the report
    sri_unfinished: int = 0  # documents parked or still waiting for the SRI

    def control_rows(self) -> list[tuple[str, str, Decimal, Decimal, Decimal, Decimal]]:
        """Per (customer, currency): selected, issued, skipped, and what is unaccounted for.

        Under ``--partial packed`` the unaccounted part is what stays to invoice (not packed).
        """
        keys = sorted(
            set(self.selected_totals) | set(self.issued_totals) | set(self.skipped_totals)
        )
        zero = Decimal(0)
        rows = []
        for key in keys:
            sel = self.selected_totals.get(key, zero)
            iss = self.issued_totals.get(key, zero)
            skp = self.skipped_totals.get(key, zero)
            rows.append((key[0], key[1], sel, iss, skp, sel - iss - skp))
        return rows

    @property
    def control_ok(self) -> bool:
        """Every selected cent is either issued or skipped with a reason."""
        diffs = [row[5] for row in self.control_rows()]
        if self.partial == "packed":
            return all(d >= 0 for d in diffs)
        return all(d == 0 for d in diffs)

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped or self.sri_unfinished else 0


def selected_totals(selection: Selection) -> dict[tuple[str, str], Decimal]:
    """What the sheet's selected rows add up to, per (bill customer, currency)."""
    out: dict[tuple[str, str], Decimal] = {}
    for o in selection.orders:
        key = (o.bill_customer, o.currency)
        out[key] = out.get(key, Decimal(0)) + selection.selected_totals.get(o.order_no, o.amount)
    return out


def skipped_totals(selection: Selection, skipped: list[Skipped]) -> dict[tuple[str, str], Decimal]:
    """What the selected but skipped orders add up to, per (bill customer, currency)."""
    by_no = {o.order_no: o for o in selection.orders}
    out: dict[tuple[str, str], Decimal] = {}
    for order_no in dict.fromkeys(s.order_no for s in skipped):
        o = by_no.get(order_no)
        if o is not None:
            key = (o.bill_customer, o.currency)
            out[key] = out.get(key, Decimal(0)) + selection.selected_totals.get(order_no, o.amount)
    return out


def issued_totals(issued: Iterable[Issued]) -> dict[tuple[str, str], Decimal]:
    """What this run invoiced before taxes, per (bill customer, currency)."""
    out: dict[tuple[str, str], Decimal] = {}
    for i in issued:
        key = (i.bill_customer, i.currency)
        out[key] = out.get(key, Decimal(0)) + i.subtotal
    return out
