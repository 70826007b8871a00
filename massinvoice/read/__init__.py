"""Reading the inputs: order exports (xlsx, xlsm, xls, ods, csv) and the customer directory.

``load_export`` reads one or more export files into :class:`~massinvoice.model.Order` records in
export order, or raises one :class:`~massinvoice.problems.InputError` carrying every problem of
every file. ``read_export`` is the same for one file with the problems returned as values.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from massinvoice.config import Config
from massinvoice.model import Order
from massinvoice.problems import FILE, Code, Problem, raise_if
from massinvoice.read.customers import load_customers
from massinvoice.read.export import read_export, read_export_reading, same_content
from massinvoice.read.guard import ExportFile, describe_sources
from massinvoice.read.profiles import Reading

__all__ = [
    "ExportFile",
    "Reading",
    "describe_sources",
    "load_customers",
    "load_export",
    "load_export_readings",
    "read_export",
]


def load_export(paths: Sequence[str | Path], config: Config) -> list[Order]:
    """Every order of the given export files, merged, in export order.

    An order found in several files must read the same in each (it is kept once); otherwise a
    ``merge_conflict`` names both files. Raises ``InputError`` with all problems of all files.
    """
    return load_export_readings(paths, config)[0]


def load_export_readings(
    paths: Sequence[str | Path], config: Config
) -> tuple[list[Order], list[Reading]]:
    """``load_export``, with how each file was understood (profile, rows of each kind)."""
    if isinstance(paths, str | Path):  # a lone path is a common slip; read it
        paths = [paths]
    problems: list[Problem] = []
    readings: list[Reading] = []
    merged: dict[str, tuple[Order, str]] = {}
    for path in paths:
        orders, found, reading = read_export_reading(path, config)
        problems.extend(found)
        if reading is not None:
            readings.append(reading)
        name = Path(path).name
        for order in orders:
            seen = merged.get(order.order_no)
            if seen is None:
                merged[order.order_no] = (order, name)
            elif not same_content(seen[0], order):
                first, second = seen[0].source, order.source
                problems.append(
                    Problem(
                        Code.MERGE_CONFLICT,
                        f"order {order.order_no} is in {seen[1]} ({first}) and in {name} "
                        f"({second}) with different content",
                        name,
                        order.source.sheet if order.source else None,
                        order.source.row if order.source else None,
                        hint="keep one version: remove the order from one of the files, "
                        "or read the files separately",
                        level=FILE,
                    )
                )
    raise_if(problems)
    return [order for order, _ in merged.values()], readings
