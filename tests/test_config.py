from decimal import Decimal

import pytest

from massinvoice.batch.scaffold import config_text
from massinvoice.config import find_config, load_config
from massinvoice.problems import ConfigError


def test_init_template_loads_and_formats_numbers(tmp_path):
    path = tmp_path / "massinvoice.toml"
    path.write_text(config_text("es"), encoding="utf-8")
    config = load_config(path)
    assert config.language == "es"
    assert config.series.number(42) == "001-001-000000042"
    assert config.fulls["QB"] == Decimal("0.25")
    assert config.registry_url == f"sqlite:///{tmp_path / 'massinvoice.sqlite'}"
    assert config.hs_code("Roses") == "0603.11.00"


def test_all_config_problems_reported_together(tmp_path):
    path = tmp_path / "massinvoice.toml"
    path.write_text('language = "fr"\npaper = "A5"\nbogus = 1\nstrict = ["nope"]\n'
                    '[series]\nformat = "{oops}"\n[fulls]\nHB = "half"\n', encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError) as err:
        load_config(path)
    columns = {p.column for p in err.value.problems}
    assert {"language", "paper", "bogus", "strict", "series.format", "fulls.HB"} <= columns
    assert all(p.file == str(path) for p in err.value.problems)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "massinvoice.toml"
    path.write_text("language = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_found_upwards_and_by_environment(tmp_path, monkeypatch):
    (tmp_path / "massinvoice.toml").write_text("", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.delenv("MASSINVOICE_CONFIG", raising=False)
    assert find_config(deep) == tmp_path / "massinvoice.toml"
    other = tmp_path / "other.toml"
    monkeypatch.setenv("MASSINVOICE_CONFIG", str(other))
    assert find_config(deep) == other


def test_sample_config_is_valid():
    from pathlib import Path

    config = load_config(
        Path(__file__).parent.parent / "massinvoice" / "batch" / "samples" / "massinvoice.toml"
    )
    assert config.seller.name and config.seller.tax_id and config.seller.address
