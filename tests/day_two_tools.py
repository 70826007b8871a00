"""The day-two invariants, checked from what a person can see: the registry and the run records.

* numbers are gap-free in each series (from its first number);
* an order is on at most one live (pending or issued) invoice;
* every issued number is in exactly one run's manifest, across every output folder given, and
  its PDF is where that manifest says, with the hash it says (and the registry says).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from massinvoice.files import sha256_file
from massinvoice.registry.numbering import Registry


def manifests(*outs: Path) -> list[dict]:
    """Every real run's manifest in the output folders, oldest first (dry runs left out)."""
    found = []
    for out in outs:
        for path in sorted(Path(out).glob("runs/*/manifest.json")):
            data = json.loads(path.read_text("utf-8"))
            if not data["dry_run"]:
                found.append(data)
    return found


def pdf_of(manifest: dict, entry: dict) -> Path:
    """Where a manifest says an invoice's PDF is."""
    file = Path(entry["file"])
    return file if file.is_absolute() else Path(manifest["output_folder"]) / file


def check_day_two(url: str, *outs: Path) -> dict[str, int]:
    """Assert the invariants; return counts (issued, pending, void) for the caller's checks."""
    with Registry(url, read_only=True) as registry:
        records = registry.list()
    by_series: dict[str, list[int]] = {}
    for r in records:
        by_series.setdefault(r.series, []).append(r.seq)
    for series, seqs in by_series.items():
        seqs.sort()
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"gap in series {series}"
    live = [o for r in records if r.state in ("pending", "issued") for o in r.orders]
    twice = [o for o, n in Counter(live).items() if n > 1]
    assert not twice, f"orders on two live invoices: {twice}"

    listed: Counter[str] = Counter()
    where: dict[str, tuple[Path, str]] = {}
    for m in manifests(*outs):
        for entry in m["invoices"]:
            listed[entry["number"]] += 1
            where[entry["number"]] = (pdf_of(m, entry), entry["sha256"])
    issued = [r for r in records if r.state == "issued"]
    for r in issued:
        assert listed[r.number] == 1, f"{r.number} is in {listed[r.number]} manifests"
        path, sha = where[r.number]
        assert path.is_file(), f"{r.number}: no PDF at {path}"
        assert sha256_file(path) == sha == r.sha256, f"{r.number}: hash differs"
        assert path.resolve() == Path(r.file).resolve(), (path, r.file)
    extra = set(listed) - {r.number for r in records if r.state in ("issued", "void")}
    assert not extra, f"manifests list numbers the registry has not issued: {sorted(extra)}"
    states = Counter(r.state for r in records)
    return {"issued": states["issued"], "pending": states["pending"], "void": states["void"]}
