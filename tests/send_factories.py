"""Issued invoices for the send tests and benchmark: registered, with a PDF and a manifest.

The PDFs are small stand-ins (rendering is tested elsewhere); the registry rows, the payloads
and the manifest are the real ones a run leaves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from massinvoice.config import Series
from massinvoice.model import Customer
from massinvoice.registry.numbering import Draft, Registry
from tests.einvoice_factories import CONFIG, flower_order, make_invoice

SERIES = Series(name="001-001", format="001-001-{seq:09d}")
CUSTOMERS_CSV = """\
Customer,Code,Email,Language,Payment Terms
ALPHA FLOWERS INC,ALF,ap@alpha.example,en,Net 30
BETA FLORES SA,BTF,"compras@beta.example; Contabilidad <conta@beta.example>",es,30 días
GAMMA BLOOMS LLC,GMB,,en,Net 30
DELTA STEMS BV,DLS,invoices@delta.example,en,Net 15
"""
WITH_ADDRESS = ("ALPHA FLOWERS INC", "BETA FLORES SA", "DELTA STEMS BV")


def write_config(folder: Path, port: int, extra: str = "") -> Path:
    """massinvoice.toml for a local STARTTLS server with AUTH, and the customer directory."""
    (folder / "customers.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    path = folder / "massinvoice.toml"
    path.write_text(f"""\
language = "en"
registry = "sqlite:///massinvoice.sqlite"
{extra}
[seller]
name = "Flores de Prueba S.A."
email = "facturacion@prueba.example"
[series]
name = "001-001"
format = "001-001-{{seq:09d}}"
[smtp]
host = "127.0.0.1"
port = {port}
security = "starttls"
user = "billing"
bcc = ["archive@prueba.example"]
reply_to = "Cobranzas <cobranzas@prueba.example>"
timeout = 10
""", encoding="utf-8")  # fmt: skip
    return path


def issue(
    registry_url: str, folder: Path, customers: Sequence[str], *, first_order: int = 1,
    date: dt.date = dt.date(2026, 11, 20),
) -> list[str]:  # fmt: skip
    """One issued invoice per name in ``customers``, its PDF in ``folder``; returns numbers.

    ``folder`` gets the run's ``runs/<run>/manifest.json``, as ``massinvoice invoice -o folder``
    leaves it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    drafts = []
    for i, name in enumerate(customers, start=first_order):
        customer = Customer(name=name, payment_terms="Net 30")
        invoice = make_invoice(flower_order(f"PO-{i}", customer=customer), customer=customer,
                               config=CONFIG, number="")  # fmt: skip
        drafts.append(Draft((f"PO-{i}",), name, date, invoice.currency, invoice.total,
                            {"invoice": invoice.to_dict(), "outdir": str(folder)}))  # fmt: skip
    with Registry(registry_url, create=True) as registry:  # as 'massinvoice init' makes it
        run_id = registry.start_run({"command": "test issue"})
        records, conflicts = registry.reserve(SERIES, drafts, run_id)
        assert not conflicts
        entries = []
        for record in records:
            pdf = folder / f"{record.number}.pdf"
            data = b"%PDF-1.4\n% invoice " + record.number.encode() + b"\n%%EOF\n"
            pdf.write_bytes(data)
            sha = hashlib.sha256(data).hexdigest()
            registry.mark_issued(record.number, str(pdf), sha)
            entries.append({"number": record.number, "file": pdf.name, "sha256": sha,
                            "customer": record.customer})  # fmt: skip
        registry.finish_run(run_id, {})
        registry_id = registry.identity.id
    records_folder = folder / "runs" / f"{dt.datetime.now(dt.UTC):%Y-%m-%d_%H%M%S}_{run_id[:8]}"
    records_folder.mkdir(parents=True)
    manifest = {"run_id": run_id, "registry": registry_id, "output_folder": str(folder),
                "dry_run": False, "invoices": entries}  # fmt: skip
    (records_folder / "manifest.json").write_text(json.dumps(manifest))
    return [e["number"] for e in entries]
