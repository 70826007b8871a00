"""Which invoices a send run takes: an invoice run's folder, a range of dates, or numbers.

An invoice run's folder holds the PDFs and, under ``runs/<run>/``, each run's manifest.json
(the invoices it issued, each PDF's place and SHA-256). Every issued run of the folder is taken;
a dry run's drafts never are. A number the registry holds with another PDF's SHA-256 is refused:
the manifest comes from another registry, where that number is another invoice. (The
manifest's registry id is not compared: a migrated registry has a new id, the same invoices.)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from massinvoice.invoice.outputs import RUNS
from massinvoice.problems import FILE, Code, InputError, Problem
from massinvoice.registry.numbering import InvoiceRecord, Registry


@dataclass(frozen=True, slots=True)
class Target:
    """An invoice to send: its registry record, its PDF and the PDF's SHA-256 when issued."""

    record: InvoiceRecord
    pdf: Path
    sha256: str


def choose(
    registry: Registry, *, run_folder: Path | None = None, numbers: Iterable[str] = (),
    since: dt.date | None = None, until: dt.date | None = None,
) -> list[Target]:  # fmt: skip
    """The invoices named, in order, each once; unknown numbers are problems, raised together."""
    problems: list[Problem] = []
    found: dict[str, Target] = {}
    if run_folder is not None:
        for number, pdf, sha in _run_invoices(Path(run_folder)):
            record = registry.get(number)
            if record is None or (sha and record.sha256 and sha != record.sha256):
                what = "is not in" if record is None else "is another invoice (PDF SHA-256) in"
                problems.append(Problem(Code.UNKNOWN_INVOICE, f"invoice {number} of the run's "
                                        f"manifest {what} this registry", str(run_folder),
                                        level=FILE, hint="use the registry that issued it (--registry)"))  # fmt: skip
            else:
                found[number] = Target(record, pdf, sha or record.sha256)
    for number in dict.fromkeys(numbers):
        record = registry.get(number)
        if record is None:
            problems.append(Problem(Code.UNKNOWN_INVOICE, f"no invoice {number!r} in the registry",
                                    level=FILE, hint="check the number with 'massinvoice registry list'"))  # fmt: skip
        elif number not in found:
            found[number] = Target(record, Path(record.file), record.sha256)
    if since or until:
        for record in registry.list():
            if (
                record.state != "pending"
                and (since is None or record.date >= since)
                and (until is None or record.date <= until)
            ):
                found.setdefault(record.number, Target(record, Path(record.file), record.sha256))
    if problems:
        raise InputError(problems)
    return list(found.values())


def _run_invoices(folder: Path) -> list[tuple[str, Path, str]]:
    """(number, PDF, SHA-256) of every invoice the folder's issuing runs recorded."""
    if (folder / "manifest.json").is_file():  # one run's records folder, given itself
        paths = [folder / "manifest.json"]
        outdir = folder.parent.parent if folder.parent.name == RUNS else folder
    else:
        paths = sorted((folder / RUNS).glob("*/manifest.json"))
        outdir = folder
    if not paths:
        raise InputError(Problem(Code.NO_MANIFEST, "no invoice run recorded here (no runs/*/"
                                 "manifest.json)", str(folder), level=FILE,
                                 hint="give the folder that 'massinvoice invoice -o' wrote"))  # fmt: skip
    entries: list[tuple[str, Path, str]] = []
    drafts = 0
    for path in paths:
        data = _read(path)
        if data.get("dry_run"):
            drafts += 1
            continue
        for invoice in data["invoices"]:
            place = Path(str(invoice["file"]))
            pdf = place if place.is_absolute() else outdir / place
            entries.append((str(invoice["number"]), pdf, str(invoice.get("sha256", ""))))
    if drafts == len(paths):
        raise InputError(Problem(Code.DRAFT_RUN, "this folder holds only dry runs' drafts, which "
                                 "are never sent", str(folder), level=FILE))  # fmt: skip
    return entries


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data["invoices"], list):
            raise TypeError("no list of invoices")
        return data
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(Problem(Code.BAD_MANIFEST, f"the run's manifest cannot be read: {exc}",
                                 str(path), level=FILE)) from None  # fmt: skip
