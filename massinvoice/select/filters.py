"""The select filters: values checked against the export, then a pure function over orders.

A filter value is matched case- and accent-insensitively against the values the export holds,
whole or as a part found in exactly one of them ('Diego' -> 'Diego Benítez'); ``--client``
looks at bill and ship customers. A value that matches nothing, or a part that matches several,
is a problem that lists the closest values: a filter never silently selects nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from massinvoice.model import Filters, Order
from massinvoice.problems import FILE, Code, InputError, Problem
from massinvoice.text import fold

DATE_FIELDS = {"ship": "ship_date", "order": "order_date", "flight": "flight_date"}

# filter field -> (option, what it names, the order's values it is checked against)
_CHECKED: dict[str, tuple[str, str, Callable[[Order], Iterable[str]]]] = {
    "reps": ("--rep", "sales rep", lambda o: (o.sales_rep,)),
    "clients": ("--client", "client", lambda o: (o.bill_customer, o.ship_customer)),
    "cargo_agencies": ("--cargo-agency", "cargo agency", lambda o: (o.cargo_agency,)),
    "markets": ("--market", "market", lambda o: (o.market,)),
}


def _matches(value: str, wanted: set[str]) -> bool:
    return not wanted or fold(value) in wanted


def keep(order: Order, filters: Filters) -> bool:
    """Whether one order passes the filters."""
    if filters.date_from or filters.date_to:
        day: dt.date | None = getattr(order, DATE_FIELDS[filters.date_field])
        if day is None:
            return False
        if filters.date_from and day < filters.date_from:
            return False
        if filters.date_to and day > filters.date_to:
            return False
    if not _matches(order.sales_rep, {fold(v) for v in filters.reps}):
        return False
    clients = {fold(v) for v in filters.clients}
    if (
        clients
        and fold(order.bill_customer) not in clients
        and fold(order.ship_customer) not in clients
    ):
        return False
    if not _matches(order.cargo_agency, {fold(v) for v in filters.cargo_agencies}):
        return False
    if not _matches(order.market, {fold(v) for v in filters.markets}):
        return False
    if filters.status == "invoiced":
        return not order.invoiceable
    if filters.status == "non-invoiced":
        return order.invoiceable
    return True


def apply_filters(orders: Iterable[Order], filters: Filters) -> list[Order]:
    """The orders that pass, in their original order."""
    if filters.date_field not in DATE_FIELDS:
        raise ValueError(f"date field must be one of {', '.join(DATE_FIELDS)}")
    return [o for o in orders if keep(o, filters)]


def resolve_filters(orders: Sequence[Order], filters: Filters) -> Filters:
    """The filters with every value replaced by the export's own spelling of it; every value
    that matches nothing (or a part that matches several) is a problem, reported together."""
    problems: list[Problem] = []
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        problems.append(Problem(
            Code.BAD_DATE_RANGE, f"--from {filters.date_from} is after --to {filters.date_to}",
            level=FILE, hint="swap the two dates",
        ))  # fmt: skip
    resolved: dict[str, tuple[str, ...]] = {}
    for field, (option, what, values_of) in _CHECKED.items():
        wanted = getattr(filters, field)
        if not wanted:
            continue
        known: dict[str, str] = {}  # folded -> as the export writes it (first seen)
        for order in orders:
            for value in values_of(order):
                if value:
                    known.setdefault(fold(value), value)
        # A part of a name that several ship marks share ('great lakes') means the one bill
        # customer it names, if it names one.
        bills = {fold(o.bill_customer) for o in orders} if field == "clients" else set()
        names = []
        for value in wanted:
            name, problem = _resolve(value, known, option, what, bills)
            if problem:
                problems.append(problem)
            elif name not in names:
                names.append(name)
        resolved[field] = tuple(names)
    if problems:
        raise InputError(problems)
    return replace(filters, **resolved)


def _resolve(
    value: str, known: dict[str, str], option: str, what: str, preferred: set[str]
) -> tuple[str, Problem | None]:
    key = fold(value)
    if key in known:
        return known[key], None
    found = [folded for folded in known if key and key in folded]
    first = [f for f in found if f in preferred]
    if len(found) == 1 or len(first) == 1:
        return known[first[0] if len(first) == 1 else found[0]], None
    parts = sorted(known[f] for f in found)
    if parts:
        shown = ", ".join(repr(p) for p in parts[:6])
        message = f"{what} {value!r} ({option}) is part of several: {shown}"
        hint = "write more of the name"
    else:
        close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.6)
        if not close:  # a word of a name close to the value ('Benites' -> 'Diego Benítez')
            close = [f for f in known if any(difflib.get_close_matches(key, f.split(), 1, 0.75))]
        suggestions = " or ".join(repr(known[c]) for c in close[:3])
        message = f"no {what} {value!r} ({option}) in the export"
        if suggestions:
            message += f"; did you mean {suggestions}?"
        hint = "use a value from the export" if not suggestions else "use the suggested spelling"
    return "", Problem(Code.UNKNOWN_FILTER, message, level=FILE, hint=hint)
