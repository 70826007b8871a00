"""Fixtures for the SRI tests: an export invoice, settings, SRI's XSDs and test certificates.

SRI's schemas are not in this repository: :func:`sri_xsd` installs (without dependencies, into a
temporary folder) the one package on the package index that ships copies of them, and skips the
schema tests with the reason when it cannot. ``MASSINVOICE_SRI_XSD`` may name a folder that
already holds them (``factura_V2.1.0.xsd`` ...). The W3C signature schema they import comes from
``xmlschema``. Certificates are made here, for each test session: none is committed.

Use: ``from tests.sri_fixtures import sri_xsd_fixture  # noqa: F401``, then ask for ``sri_xsd``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from massinvoice.invoice.einvoice.sri.settings import SriSettings
from massinvoice.model import Customer
from tests.einvoice_factories import flower_order, make_invoice
from tests.factories import line

XSD_PACKAGE = "odoo-addon-l10n-ec-account-edi"  # AGPL: used by the tests only, never imported
XSD_FILES = {"factura": "factura_V2.1.0.xsd", "notaCredito": "NotaCredito_V1.1.0.xsd"}

SETTINGS = SriSettings(
    ambiente="pruebas", ruc="1791234567001", razon_social="FLORES DEL CONDOR ANDINO S.A.",
    nombre_comercial="CONDOR ANDINO", dir_matriz="Km 12 Via a Cayambe, Cayambe",
    dir_establecimiento="Km 12 Via a Cayambe, Cayambe", obligado_contabilidad=True,
    contribuyente_especial="12345", puerto_embarque="UIO", lugar_incoterm="QUITO",
    plazo_dias=30, countries={"United States": "213", "US": "213"}, ports={"US": "MIAMI"},
)  # fmt: skip
BUYER = Customer(
    name="BLOOMRIDGE WHOLESALE INC", code="BLR01", tax_id="65-4821937",
    address=("8450 NW 70th St, Suite 110",), city="Miami, FL 33166", country="United States",
    email="invoices@bloomridge.example", payment_terms="Net 30",
)  # fmt: skip


def export_invoice(number: str = "001-001-000004561", **kw):
    """An FCA export invoice to a foreign (08) buyer with a 0.285 stem price, DAE and AWB."""
    lines = [
        line("PO-7", 1, unit_price=Decimal("0.285"), stems=600, bunches=24),
        line("PO-7", 2, species="Carnations", variety="Moon Light", length="Select",
             box_type="QB", boxes=3, bunches=30, stems_per_bunch=20, stems=600, unit="bunch",
             unit_price=Decimal("4.275")),
    ]  # fmt: skip
    order = flower_order("PO-7", customer=BUYER, lines=lines, incoterm="fca", **kw)
    return make_invoice(order, customer=BUYER, number=number)


def _install_xsd(target: Path) -> Path | str:
    """The folder of SRI's XSDs, installed into ``target``; a reason string when impossible."""
    env = os.environ.get("MASSINVOICE_SRI_XSD")
    if env:
        return Path(env) if (Path(env) / XSD_FILES["factura"]).is_file() else f"{env}: no XSDs"
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
           "--disable-pip-version-check", "--target", str(target), XSD_PACKAGE]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"installing {XSD_PACKAGE} failed: {exc}"
    found = list(target.rglob(XSD_FILES["factura"]))
    if done.returncode or not found:
        return f"{XSD_PACKAGE} (SRI's XSD copies) is not installable here: {done.stderr[-300:]}"
    return found[0].parent


@pytest.fixture(scope="session", name="sri_xsd")
def sri_xsd_fixture(tmp_path_factory: pytest.TempPathFactory) -> dict[str, etree.XMLSchema]:
    """SRI's factura 2.1.0 and notaCredito 1.1.0 schemas, compiled; skips when unavailable."""
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema ships the W3C xmldsig XSD")
    where = _install_xsd(tmp_path_factory.mktemp("sri-xsd-package"))
    if isinstance(where, str):
        pytest.skip(where)
    folder = tmp_path_factory.mktemp("sri-xsd")
    for name in XSD_FILES.values():
        shutil.copy(where / name, folder / name)
    dsig = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"
    shutil.copy(dsig, folder / "xmldsig-core-schema.xsd")
    return {root: etree.XMLSchema(etree.parse(str(folder / name)))
            for root, name in XSD_FILES.items()}  # fmt: skip


def xsd_errors(schemas: dict[str, etree.XMLSchema], xml: bytes) -> list[str]:
    """The schema's complaints about ``xml`` (empty when valid)."""
    root = etree.fromstring(xml)
    schema = schemas[root.tag]
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
