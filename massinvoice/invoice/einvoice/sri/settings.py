"""The ``[sri]`` section of ``massinvoice.toml``: who issues, where, and with which certificate.

``config.py`` keeps the section's raw table (the config stage imports no later stage);
:func:`sri_settings` checks it and reports every mistake at once, naming ``sri.KEY``. The .p12's
password is read from the environment only: a password written in the (shared) config file is
refused, since anyone who can read the folder could then sign invoices in the company's name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from massinvoice.config import Config
from massinvoice.problems import CONFIG, Code, ConfigError, Problem

PASSWORD_ENV = "MASSINVOICE_SRI_PASSWORD"
ENDPOINTS = {
    # SRI's offline web services: celcer = pruebas, cel = producción
    "1": "https://celcer.sri.gob.ec/comprobantes-electronicos-ws/",
    "2": "https://cel.sri.gob.ec/comprobantes-electronicos-ws/",
}
RECEPTION = "RecepcionComprobantesOffline"
AUTHORIZATION = "AutorizacionComprobantesOffline"
AMBIENTE_CODES = {"pruebas": "1", "produccion": "2", "producción": "2"}
EXPORT_INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")


@dataclass(frozen=True, slots=True)
class SriSettings:
    """What the SRI documents say about the issuer, and how to reach the SRI."""

    ambiente: str = "pruebas"  # pruebas | produccion
    ruc: str = ""
    razon_social: str = ""  # empty: the seller's name
    nombre_comercial: str = ""
    dir_matriz: str = ""  # empty: the seller's address on one line
    dir_establecimiento: str = ""
    obligado_contabilidad: bool = True
    contribuyente_especial: str = ""  # the resolution number, if the SRI named the company one
    agente_retencion: str = ""
    contribuyente_rimpe: str = ""
    p12: str = ""  # path to the signing certificate, relative to the config
    password_env: str = PASSWORD_ENV  # the variable that holds the .p12's password
    pais_origen: str = "593"
    puerto_embarque: str = ""  # e.g. UIO
    incoterm: str = "FCA"  # when an order has none
    lugar_incoterm: str = ""  # e.g. QUITO
    forma_pago: str = "20"  # 20 = otros con utilización del sistema financiero (wire transfer)
    plazo_dias: int = 0  # credit terms in days; 0 = none
    credit_note_format: str = "001-002-{seq:09d}"
    credit_note_series: str = "NC"
    timeout: float = 20.0  # seconds per SRI request
    wait: float = 30.0  # seconds a run keeps asking for authorisations still in process
    url: str = ""  # the services' base URL; empty = SRI's host for the ambiente
    countries: dict[str, str] = field(default_factory=dict)  # market or ISO -> SRI 3 digits
    ports: dict[str, str] = field(default_factory=dict)  # market or country -> puertoDestino

    @property
    def ambiente_code(self) -> str:
        return AMBIENTE_CODES[self.ambiente]

    @property
    def base_url(self) -> str:
        return self.url or ENDPOINTS[self.ambiente_code]

    def country_code(self, market: str) -> str:
        """SRI's 3-digit code for a market or country name ('' when unknown)."""
        key = market.strip().lower()
        for name, code in self.countries.items():
            if name.strip().lower() == key:
                return code
        return market.strip() if re.fullmatch(r"\d{3}", market.strip()) else ""

    def port(self, market: str) -> str:
        key = market.strip().lower()
        return next((p for n, p in self.ports.items() if n.strip().lower() == key), "")


def sri_settings(config: Config) -> SriSettings | None:
    """The checked ``[sri]`` settings, or None when the config has no ``[sri]`` section."""
    raw = getattr(config, "sri", None)
    if raw is None:
        return None
    return parse_sri(raw, str(config.path or "<config>"), config)


def parse_sri(raw: dict[str, Any], name: str, config: Config | None = None) -> SriSettings:
    """Check an ``[sri]`` table; every problem reported together as a ConfigError."""
    problems: list[Problem] = []

    def bad(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(Code.CONFIG_VALUE, message, name, column=f"sri.{key}", hint=hint,
                                level=CONFIG))  # fmt: skip

    if not isinstance(raw, dict):
        raise ConfigError(Problem(Code.CONFIG_VALUE, "[sri] must be a table", name, column="sri",
                                  level=CONFIG))  # fmt: skip
    if "password" in raw:
        bad("password", "the certificate's password must not be written in the config file",
            f"remove it and set the environment variable {raw.get('password_env', PASSWORD_ENV)}"
            " on the machine that signs")  # fmt: skip
    known = {f.name for f in fields(SriSettings)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "password":
            continue
        if key not in known:
            bad(key, f"unknown setting {key!r} in [sri]", f"known: {', '.join(sorted(known))}")
            continue
        values[key] = value
    _check_types(values, bad)
    ambiente = str(values.get("ambiente", "pruebas"))
    if ambiente not in AMBIENTE_CODES:
        bad("ambiente", f"{ambiente!r} is not pruebas or produccion")
    elif ambiente == "producción":
        values["ambiente"] = "produccion"
    if not re.fullmatch(r"\d{10}001", str(values.get("ruc", ""))):
        bad("ruc", f"RUC {values.get('ruc', '')!r} must be 13 digits ending in 001",
            "the company's RUC as the SRI registered it")  # fmt: skip
    codes = {"pais_origen": values.get("pais_origen", "593")}
    codes.update({f"countries.{k}": v for k, v in values.get("countries", {}).items()})
    for key, code in codes.items():
        if not re.fullmatch(r"\d{3}", str(code)):
            bad(
                key,
                f"{code!r} is not one of SRI's 3-digit country codes (593 = Ecuador)",
                "use the code from SRI's table of countries, not an ISO letter code like US",
            )
    incoterm = str(values.get("incoterm", "FCA")).strip().upper()
    if incoterm not in EXPORT_INCOTERMS:
        bad("incoterm", f"{incoterm!r} is not an Incoterm", ", ".join(EXPORT_INCOTERMS))
    values["incoterm"] = incoterm
    if str(values.get("forma_pago", "20")) not in {f"{i:02d}" for i in range(1, 22)}:
        bad("forma_pago", f"{values['forma_pago']!r} is not one of SRI's payment codes 01-21")
    if "{seq" not in str(values.get("credit_note_format", "{seq")):
        bad("credit_note_format", "the credit-note number format needs {seq}",
            "e.g. '001-002-{seq:09d}'")  # fmt: skip
    if problems:
        raise ConfigError(problems)
    if config is not None:
        values.setdefault("razon_social", config.seller.name)
        values.setdefault("dir_matriz", " ".join(config.seller.address))
        if values.get("p12"):
            values["p12"] = str(config.resolve(values["p12"]))
    values["timeout"] = float(values.get("timeout", 20.0))
    values["wait"] = float(values.get("wait", 30.0))
    return SriSettings(**values)


def _check_types(values: dict[str, Any], bad: Any) -> None:
    for f in fields(SriSettings):
        if f.name not in values:
            continue
        value = values[f.name]
        if f.name in ("countries", "ports"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                bad(f.name, f"[sri.{f.name}] must be a table of names to text codes")
                values.pop(f.name)
        elif f.name == "obligado_contabilidad":
            if not isinstance(value, bool):
                bad(f.name, f"expected true or false, got {value!r}")
        elif f.name == "plazo_dias":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                bad(f.name, f"expected a whole number of days, got {value!r}")
        elif f.name in ("timeout", "wait"):
            try:
                if Decimal(str(value)) < (0 if f.name == "wait" else Decimal("0.001")):
                    raise InvalidOperation
            except InvalidOperation:
                bad(f.name, f"expected seconds above 0, got {value!r}")
        elif not isinstance(value, str):
            bad(f.name, f"expected text, got {value!r}")


def p12_password(settings: SriSettings) -> bytes:
    """The certificate's password from the environment; a ConfigError naming it when unset."""
    value = os.environ.get(settings.password_env)
    if value is None:
        raise ConfigError(Problem(
            Code.SRI_PASSWORD, f"the environment variable {settings.password_env} is not set",
            column="sri.password_env", level=CONFIG,
            hint="set it to the .p12 certificate's password on the machine that signs",
        ))  # fmt: skip
    return value.encode("utf-8")


def p12_bytes(settings: SriSettings) -> bytes:
    """The .p12 file's bytes; a ConfigError naming the path when it cannot be read."""
    try:
        return Path(settings.p12).read_bytes()
    except OSError as exc:
        raise ConfigError(Problem(
            Code.SRI_P12, f"cannot read the signing certificate {settings.p12!r}: {exc.strerror}",
            column="sri.p12", level=CONFIG, hint="set sri.p12 to the .p12 file the BCE or your "
            "certificate provider issued",
        )) from None  # fmt: skip
