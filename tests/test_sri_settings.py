"""The [sri] section: checked when read, every mistake named, no password in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from massinvoice.config import load_config
from massinvoice.invoice.einvoice.sri.settings import p12_bytes, p12_password, sri_settings
from massinvoice.problems import ConfigError

GOOD = """\
[seller]
name = "Flores del Cóndor Andino S.A."
address = ["Km 12 Vía a Cayambe", "Cayambe"]
[series]
name = "001-001"
format = "001-001-{seq:09d}"
[sri]
ambiente = "pruebas"
ruc = "1791234567001"
p12 = "firma.p12"
obligado_contabilidad = true
puerto_embarque = "UIO"
lugar_incoterm = "QUITO"
plazo_dias = 30
[sri.countries]
"United States" = "213"
[sri.ports]
"United States" = "MIAMI"
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "massinvoice.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_a_good_section_gives_settings_with_defaults_from_the_seller(tmp_path):
    settings = sri_settings(load(tmp_path, GOOD))
    assert settings.ambiente_code == "1" and settings.ruc == "1791234567001"
    assert settings.razon_social == "Flores del Cóndor Andino S.A."
    assert settings.dir_matriz == "Km 12 Vía a Cayambe Cayambe"
    assert settings.p12 == str(tmp_path / "firma.p12")
    assert settings.country_code("united states") == "213" and settings.port("United States")
    assert "celcer" in settings.base_url
    assert sri_settings(load(tmp_path, GOOD.split("[sri]")[0])) is None


def test_a_password_in_the_file_is_refused(tmp_path):
    with pytest.raises(ConfigError) as err:
        sri_settings(
            load(tmp_path, GOOD.replace('p12 = "firma.p12"', 'p12 = "firma.p12"\npassword = "x"'))
        )
    [problem] = err.value.problems
    assert problem.column == "sri.password" and "MASSINVOICE_SRI_PASSWORD" in problem.hint


def test_every_mistake_is_named_at_once(tmp_path):
    bad = (GOOD.replace('ruc = "1791234567001"', 'ruc = "179123456"')
           .replace('ambiente = "pruebas"', 'ambiente = "test"')
           .replace('"United States" = "213"', '"United States" = "US"')
           .replace("plazo_dias = 30", "plazo_dias = -3\nincoterm = \"FOOB\"\nsenders = 1"))  # fmt: skip
    with pytest.raises(ConfigError) as err:
        sri_settings(load(tmp_path, bad))
    columns = {p.column for p in err.value.problems}
    assert columns >= {"sri.ruc", "sri.ambiente", "sri.countries.United States",
                       "sri.plazo_dias", "sri.incoterm", "sri.senders"}  # fmt: skip
    assert "3-digit" in str(err.value)


def test_sri_must_be_a_table(tmp_path):
    with pytest.raises(ConfigError, match=r"expected a table \[sri\]"):
        load(tmp_path, 'sri = "on"\n')


def test_the_password_comes_from_the_environment_and_the_p12_from_its_path(tmp_path, monkeypatch):
    settings = sri_settings(load(tmp_path, GOOD))
    monkeypatch.delenv("MASSINVOICE_SRI_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="MASSINVOICE_SRI_PASSWORD is not set"):
        p12_password(settings)
    monkeypatch.setenv("MASSINVOICE_SRI_PASSWORD", "clave")
    assert p12_password(settings) == b"clave"
    with pytest.raises(ConfigError, match="cannot read the signing certificate"):
        p12_bytes(settings)
