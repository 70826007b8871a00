"""``massinvoice init``: a commented config, an empty customer directory, the batch folders."""

from __future__ import annotations

from pathlib import Path

from massinvoice.config import CONFIG_NAME
from massinvoice.fsutil import atomic_write_text

CONFIG_TEMPLATE = """\
# massinvoice configuration. Every setting is optional except [seller], which every invoice needs.
# Paths are relative to this file. Full reference: the README's "Configuration" section.

language = "{language}"      # en | es: labels of the selection workbook and of the invoices
paper = "A4"                 # A4 | Letter
currency = "USD"             # when an export line has no currency
date_order = "dmy"           # how text dates like 03/04/2026 read: dmy (3 April) or mdy (March 4)
invoice_date = "today"       # today | ship | flight | YYYY-MM-DD
payment_terms = "Net 30"     # when the customer directory has none for a customer
partial = "ordered"          # partially packed orders: ordered (invoice as ordered) | packed | skip
customers = "customers.csv"  # the customer directory (addresses, tax ids, languages)
# registry = "sqlite:///massinvoice.sqlite"  # default: beside this file. For several machines
#   use PostgreSQL and keep the password out of this file: set MASSINVOICE_REGISTRY instead.

# Warnings that --strict refuses (the others are shown but do not stop an invoice):
strict = ["zero_price", "under_min", "unconfirmed", "bad_quantity", "mixed_currency"]
# Batch mode (massinvoice run): how exports become selection workbooks.
select_all = false           # pre-mark every invoiceable order with X
select_status = "non-invoiced"
# Factur-X / ZUGFeRD (EN 16931) XML inside each PDF, for EU importers:
einvoice = "off"             # off | directory (customers whose E-Invoice column says yes) | all

[seller]
name = "{seller}"
tax_id = "{tax_id}"
address = ["{street}", "{city}"]
country = "{country}"
country_code = "EC"
phone = "+593 2 000 0000"
email = "billing@example.com"
# logo = "logo.png"
# bank = ["Bank: ...", "Account: ...", "SWIFT: ..."]

[series]
name = "001-001"
format = "001-001-{{seq:09d}}"  # establishment-point-sequence; {{seq}} is the gap-free counter
start = 1

[[tax]]
name = "VAT 0% (export)"
rate = "0"

[hs_codes]   # by species, printed on each line
roses = "0603.11.00"
"spray roses" = "0603.11.00"
carnations = "0603.12.00"
gypsophila = "0603.19.00"

[fulls]      # full-box equivalents per box type
FB = "1"
HB = "0.5"
QB = "0.25"
EB = "0.125"

[aliases]    # more header names for the export's columns, per field
# order_no = ["Nro Orden"]
# bill_customer = ["Cliente Final"]

[limits]     # what an input file may be or expand to before it is refused
max_file_mb = 200
max_uncompressed_mb = 1024
max_rows = 500000
max_columns = 300
"""

CUSTOMERS_HEADER = (
    "Customer,Code,Tax ID,Address,City,Country,Email,Language,Payment Terms,E-Invoice\n"
)

FOLDERS = ("inbox", "selections", "invoices", "archive", "errors")


def config_text(language: str = "en", *, seller: str = "Your Company S.A.") -> str:
    """The commented config that ``init`` writes."""
    return CONFIG_TEMPLATE.format(
        language=language, seller=seller, tax_id="0000000000001", street="Street and number",
        city="City", country="Ecuador",
    )  # fmt: skip


def init_config(folder: Path, *, language: str = "en", force: bool = False) -> list[Path]:
    """Write massinvoice.toml and an empty customers.csv into ``folder``; never overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((CONFIG_NAME, config_text(language)), ("customers.csv", CUSTOMERS_HEADER)):
        path = folder / name
        if path.exists() and not force:
            continue
        atomic_write_text(path, text)
        written.append(path)
    return written
