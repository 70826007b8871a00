"""Configuration: one typed, immutable object loaded once from ``massinvoice.toml``.

Found by ``--config``, the ``MASSINVOICE_CONFIG`` variable, or by searching from the current
folder upwards. Without a file, defaults apply (registry beside the current folder).
"""

from massinvoice.config.records import (
    ALIAS_FIELDS,
    CONFIG_NAME,
    DEFAULT_FULLS,
    DEFAULT_HS_CODES,
    DEFAULT_STRICT,
    ENV_VAR,
    PASSWORD_ENV,
    PLACEHOLDER_SELLER,
    PLACEHOLDER_TAX_ID,
    PROFILE_NAMES,
    SEND_MODES,
    SMTP_SECURITY,
    STATUS_COLUMNS,
    STATUS_VALUES,
    WARNING_CODES,
    Config,
    Limits,
    Seller,
    Series,
    Smtp,
    TaxLine,
)
from massinvoice.config.schema import (
    check_seller,
    find_config,
    load_config,
    parse_config,
)

__all__ = [
    "ALIAS_FIELDS",
    "CONFIG_NAME",
    "DEFAULT_FULLS",
    "DEFAULT_HS_CODES",
    "DEFAULT_STRICT",
    "ENV_VAR",
    "PASSWORD_ENV",
    "PLACEHOLDER_SELLER",
    "PLACEHOLDER_TAX_ID",
    "PROFILE_NAMES",
    "SEND_MODES",
    "SMTP_SECURITY",
    "STATUS_COLUMNS",
    "STATUS_VALUES",
    "WARNING_CODES",
    "Config",
    "Limits",
    "Seller",
    "Series",
    "Smtp",
    "TaxLine",
    "check_seller",
    "find_config",
    "load_config",
    "parse_config",
]
