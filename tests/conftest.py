"""Shared fixtures: a billing folder with a config, and exports made by the sample generator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PACKAGED_SAMPLES = ROOT / "massinvoice" / "batch" / "samples"  # what the demo ships


def load_generator():
    """samples/generate.py as a module (it is a script, not part of the package)."""
    name = "massinvoice_samples_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SAMPLES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


SELLER_CONFIG = """\
language = "en"
invoice_date = "2026-11-23"
[seller]
name = "Flores de Prueba S.A."
tax_id = "1790000000001"
address = ["Km 5 Via Cayambe", "Cayambe, Ecuador"]
country = "Ecuador"
[series]
name = "001-001"
format = "001-001-{seq:09d}"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder with a massinvoice.toml (seller filled in) and a customer directory."""
    (tmp_path / "massinvoice.toml").write_text(SELLER_CONFIG, encoding="utf-8")
    (tmp_path / "customers.csv").write_text(
        (PACKAGED_SAMPLES / "customers.csv").read_text("utf-8"), "utf-8"
    )
    create_registry(tmp_path)
    return tmp_path


def create_registry(folder: Path) -> str:
    """The registry beside ``folder``'s config, made as 'massinvoice init' makes it; its URL."""
    from massinvoice.registry.numbering import Registry

    url = f"sqlite:///{folder / 'massinvoice.sqlite'}"
    Registry(url, create=True).close()
    return url


@pytest.fixture
def make_export(tmp_path: Path):
    """make_export(n_orders, name='orders.xlsx', seed=2611) -> path of a generated export."""
    gen = load_generator()

    def make(n_orders: int, name: str = "orders.xlsx", seed: int = 2611) -> Path:
        path = tmp_path / name
        gen.write_xlsx(gen.generate(n_orders, seed=seed), path)
        return path

    return make


@pytest.fixture
def make_selection(workspace: Path, make_export):
    """make_selection(n_orders) -> (config, export, sheet): an export of the workspace and the
    selection workbook ``select`` makes of it, nothing marked yet."""
    from massinvoice.config import load_config
    from massinvoice.select.run import select_orders

    def make(n_orders: int) -> tuple:
        export = make_export(n_orders)
        config = load_config(workspace / "massinvoice.toml")
        sheet = workspace / "selection.xlsx"
        select_orders([export], sheet, config=config)
        return config, export, sheet

    return make
