"""The batch folder as people see it: what ``massinvoice init`` writes, and the notes it leaves.

``init`` writes a commented config, an empty customer directory, the five folders and a README
for the people who use the folder; :func:`error_note` is the ``.error.txt`` beside a failed input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

from massinvoice.config import (
    CONFIG_NAME,
    PLACEHOLDER_SELLER,
    PLACEHOLDER_TAX_ID,
)
from massinvoice.files import atomic_write_text, new_temp_beside
from massinvoice.problems import CATALOGUE, ConfigError, InputError

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
# E-mail each invoice run as it is issued (see [smtp] below): off | after-invoice
send = "off"

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

[aliases]    # more header names for the export's columns, per field (matched exactly)
# order_no = ["Nro Orden"]
# bill_customer = ["Cliente Final"]
# 'massinvoice inspect EXPORT' prints these lines for an export it cannot read. The fields:
{fields}

# [status]   # a status column of an ERP no profile knows, and what its values mean
# column = "Estado Factura"
# invoiced = ["Facturado"]
# partly_invoiced = ["Parcial"]
# delivered = ["Despachado"]
# billed_percent = "% Facturado"    # or a percentage column (100 = invoiced)

# profile = "odoo"   # force a layout: odoo, erpnext, dolibarr, quickbooks, komet, flower, generic
#                    # (put it above [seller]); default: detected from each export's header

# [smtp]     # the mail server for 'massinvoice send' and send = "after-invoice"
# host = "smtp.example.com"
# port = 587
# security = "starttls"        # starttls | tls (port 465) | none (local relay only)
# user = "billing@example.com"
#   the password never goes here: set MASSINVOICE_SMTP_PASSWORD on the machine that sends
# sender = "Billing <billing@example.com>"   # default: the seller's name and email
# bcc = ["archive@example.com"]
# reply_to = "accounts@example.com"

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
README_NAME = "README.txt"

README = {
    "en": """\
INVOICING FOLDER - HOW IT WORKS
===============================

This folder turns the orders exported from the ERP into invoices. A program (massinvoice)
looks into it regularly. You only put files in and take files out.

1. Put an order export from the ERP (.xlsx, .xls, .ods or .csv) into the "inbox" folder.

2. After a short while a selection sheet appears in the "selections" folder, named after the
   export with the date and time, for example orders-selection-20261126-1405.xlsx.
   The export itself moves to "archive".

3. Open the selection sheet in Excel or LibreOffice. Type X in the "Select" column of every
   order you want to invoice. Gray rows say INVOICED! and cannot be invoiced again.
   Prices and quantities can be corrected on the "Lines" sheet. Save it as .xlsx.

4. Put the saved sheet back into the "inbox" folder.

5. The invoices appear in "invoices", in a folder named after the day (for example
   invoices/2026-11-26): one PDF per invoice and, in runs/ inside it, a folder for each run
   with register.xlsx (the list of invoices) and report.txt (what was invoiced, and what was
   skipped and why); runs.csv lists the runs. The sheet moves to "archive".

If something is wrong with a file, it moves to the "errors" folder, with a file ending in
.error.txt beside it. That file says what is wrong and what to do. Usually: correct the file,
save it, and put it back into "inbox".

Good to know
- No order is ever invoiced twice, even if the same sheet goes into "inbox" twice.
- Save or copy a file into "inbox" in one go. Files that are still being copied, files open in
  Excel or LibreOffice, their lock files (~$... and .~lock...#) and other kinds of files are
  left alone until they are complete.
- Do not change the files in "archive": they are the record of what was processed.
- Settings (company details, invoice numbers): massinvoice.toml, for whoever set up this folder.
  A log of everything the program did: massinvoice.log.
""",
    "es": """\
CARPETA DE FACTURACIÓN - CÓMO FUNCIONA
======================================

Esta carpeta convierte los pedidos exportados del ERP en facturas. Un programa (massinvoice)
la revisa cada cierto tiempo. Usted solo pone archivos y los retira.

1. Ponga una exportación de pedidos del ERP (.xlsx, .xls, .ods o .csv) en la carpeta "inbox".

2. Al poco tiempo aparece una hoja de selección en la carpeta "selections", con el nombre de la
   exportación más la fecha y la hora, por ejemplo orders-selection-20261126-1405.xlsx.
   La exportación pasa a la carpeta "archive".

3. Abra la hoja de selección en Excel o LibreOffice. Escriba X en la columna "Seleccionar" de cada
   pedido que quiera facturar. Las filas grises dicen ¡FACTURADO! y no se pueden
   facturar otra vez. Los precios y cantidades se pueden corregir en la hoja "Líneas".
   Guárdela como .xlsx.

4. Ponga la hoja guardada otra vez en la carpeta "inbox".

5. Las facturas aparecen en "invoices", en una carpeta con la fecha del día (por ejemplo
   invoices/2026-11-26): un PDF por factura y, en runs/ dentro de ella, una carpeta por
   ejecución con register.xlsx (la lista de facturas) y report.txt (lo facturado, y lo que se
   omitió y por qué); runs.csv lista las ejecuciones. La hoja pasa a "archive".

Si algo está mal en un archivo, este pasa a la carpeta "errors", junto con un archivo que
termina en .error.txt. Ese archivo explica qué está mal y qué hacer. Por lo general: corrija
el archivo, guárdelo y póngalo otra vez en "inbox".

Conviene saber
- Ningún pedido se factura dos veces, aunque la misma hoja entre dos veces en "inbox".
- Guarde o copie cada archivo en "inbox" de una sola vez. Los archivos que aún se están
  copiando, los abiertos en Excel o LibreOffice, sus archivos de bloqueo (~$... y .~lock...#)
  y los de otros tipos se dejan quietos hasta que estén completos.
- No modifique los archivos de "archive": son el registro de lo procesado.
- Configuración (datos de la empresa, numeración): massinvoice.toml, para quien instaló la
  carpeta. Un registro de todo lo que hizo el programa: massinvoice.log.
""",
}


def config_text(language: str = "en", *, seller: str = PLACEHOLDER_SELLER) -> str:
    """The commented config that ``init`` writes."""
    from massinvoice.read.profiles import config_comments

    return CONFIG_TEMPLATE.format(
        language=language, seller=seller, tax_id=PLACEHOLDER_TAX_ID, street="Street and number",
        city="City", country="Ecuador", fields=config_comments(),
    )  # fmt: skip


def readme_text(language: str = "en") -> str:
    """The batch folder's README.txt for the people who use it, in their language."""
    return README.get(language, README["en"])


def init_config(folder: Path, *, language: str = "en", force: bool = False) -> list[Path]:
    """Write massinvoice.toml and an empty customers.csv into ``folder``; never overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in ((CONFIG_NAME, config_text(language)), ("customers.csv", CUSTOMERS_HEADER)):
        path = folder / name
        if force:
            atomic_write_text(path, text)
        elif not write_new(path, text):
            continue
        written.append(path)
    return written


def init_registry(config_path: Path) -> Path | None:
    """Create the SQLite registry the config names, if there is none yet: a fresh numbering is
    made here (and by ``demo``) only, never by a run that finds no registry. Returns its path,
    or None when it exists already or is not a SQLite file (a shared PostgreSQL)."""
    from massinvoice.config import load_config
    from massinvoice.registry.identity import sqlite_file
    from massinvoice.registry.numbering import Registry
    from massinvoice.registry.schema import parse_url

    url = load_config(config_path).registry_url
    path = sqlite_file(parse_url(url))
    if path is None or path.exists():
        return None
    Registry(url, create=True).close()
    return path


def init_folder(folder: Path, *, language: str = "en") -> list[Path]:
    """Make ``folder`` a batch folder: the five subfolders, config, customers.csv, README.txt.

    Returns what was created; anything that exists already is left exactly as it is.
    """
    folder = Path(folder)
    created: list[Path] = []
    if not folder.is_dir():
        folder.mkdir(parents=True)
        created.append(folder)
    for name in FOLDERS:
        sub = folder / name
        if not sub.is_dir():
            sub.mkdir()
            created.append(sub)
    created += init_config(folder, language=language)
    registry = init_registry(folder / CONFIG_NAME)
    if registry is not None:
        created.append(registry)
    readme = folder / README_NAME
    # Windows Notepad opens CRLF text cleanly on every version; the others do not care.
    if write_new(readme, readme_text(language).replace("\n", "\r\n")):
        created.append(readme)
    return created


def write_new(path: Path, text: str) -> bool:
    """Create ``path`` with ``text`` complete at once; False (and untouched) if it exists."""
    if path.exists():
        return False
    tmp = new_temp_beside(path)
    try:
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # fails if the name exists: never overwrites
        except FileExistsError:
            return False
        except OSError:  # a share without hard links: exclusive create instead
            try:
                with open(path, "xb") as f:
                    f.write(text.encode("utf-8"))
            except FileExistsError:
                return False
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


# --- the note beside a failed input in errors/ --------------------------------------------------------------

NOTE = {
    "en": {
        "title": "massinvoice could not process this file.",
        "labels": ("File", "Found in inbox", "Moved to", "Reference"),
        "ref": "(look for it in {log})",
        "happened": "WHAT HAPPENED",
        "problems": "PROBLEMS TO FIX ({n})",
        "more": "... and {n} more",
        "fix": "What to do",
        "next": "WHAT TO DO NEXT",
        "export": "The file could not be read as an order export. Nothing was made from it.",
        "selection": "The selection sheet could not be used. No invoice was made from it.",
        "config": "The settings of this folder (massinvoice.toml) stop this file from being "
        "processed. The file itself may be fine. Nothing was invoiced.",
        "bug": "Something unexpected went wrong ({error}). This is probably not a mistake in "
        "your file. Orders already invoiced are never invoiced twice.",
        "next_input": ("Open {moved} and correct what is listed above (or make the export again "
                       "in the ERP).", "Save it and put it back into the inbox folder.",
                       "You may then delete this .error.txt file."),
        "next_config": ("Ask whoever set up this folder to correct massinvoice.toml as listed "
                        "above.", "Then move {moved} back into the inbox folder."),
        "next_bug": ("Move {moved} back into the inbox folder once, to try again.",
                     "If it comes back here, send this .error.txt file and {log} to whoever "
                     "looks after massinvoice, with the reference above."),
    },
    "es": {
        "title": "massinvoice no pudo procesar este archivo.",
        "labels": ("Archivo", "Encontrado en inbox", "Movido a", "Referencia"),
        "ref": "(búsquela en {log})",
        "happened": "QUÉ PASÓ",
        "problems": "PROBLEMAS QUE CORREGIR ({n})",
        "more": "... y {n} más",
        "fix": "Qué hacer",
        "next": "QUÉ HACER AHORA",
        "export": "No se pudo leer el archivo como una exportación de pedidos. No se generó "
        "nada a partir de él.",
        "selection": "No se pudo usar la hoja de selección. No se emitió ninguna factura.",
        "config": "La configuración de esta carpeta (massinvoice.toml) impide procesar el "
        "archivo. El archivo en sí puede estar bien. No se facturó nada.",
        "bug": "Ocurrió un error inesperado ({error}). Probablemente no es un error de su "
        "archivo. Un pedido ya facturado nunca se factura dos veces.",
        "next_input": ("Abra {moved} y corrija lo indicado arriba (o vuelva a exportar desde "
                       "el ERP).", "Guárdelo y póngalo otra vez en la carpeta inbox.",
                       "Después puede borrar este archivo .error.txt."),
        "next_config": ("Pida a quien instaló esta carpeta que corrija massinvoice.toml como "
                        "se indica arriba.", "Luego mueva {moved} otra vez a la carpeta inbox."),
        "next_bug": ("Mueva {moved} otra vez a la carpeta inbox una vez, para reintentar.",
                     "Si vuelve aquí, envíe este archivo .error.txt y {log} a quien da soporte "
                     "a massinvoice, con la referencia de arriba."),
    },
}  # fmt: skip


def error_note(exc: Exception, *, name: str, kind: str, moved_to: str, ref: str, log_name: str,
               when: dt.datetime, language: str = "en", aliases: set[str] | None = None) -> str:  # fmt: skip
    """What a person reads in errors/NAME.error.txt: what happened, the problems, what next."""
    t = NOTE.get(language, NOTE["en"])
    aliases = aliases or {name}
    labels = t["labels"]
    lines = [
        t["title"], "",
        f"{labels[0]}: {name}", f"{labels[1]}: {when:%Y-%m-%d %H:%M}", f"{labels[2]}: {moved_to}",
        f"{labels[3]}: {ref} {t['ref'].format(log=log_name)}", "", t["happened"],
    ]  # fmt: skip
    if isinstance(exc, ConfigError):
        lines.append(t["config"])
        steps = t["next_config"]
    elif isinstance(exc, InputError):
        lines.append(t["selection"] if kind == "selection" else t["export"])
        steps = t["next_input"]
    else:
        lines.append(t["bug"].format(error=f"{type(exc).__name__}: {exc}"))
        steps = t["next_bug"]
    problems = exc.problems if isinstance(exc, InputError) else ()
    if problems:
        lines += ["", t["problems"].format(n=len(problems))]
        for i, p in enumerate(problems[:100], 1):
            file = Path(p.file).name if p.file else ""
            shown = replace(p, file=name if file in aliases else file)
            if language == "es" and p.code in CATALOGUE:  # the catalogue's words, the values kept
                lines.append(f"{i}. {shown.render('es')}")
                continue
            where = shown.where()
            lines.append(f"{i}. {where + ': ' if where else ''}{p.message} [{p.code}]")
            if p.hint:
                lines.append(f"   {t['fix']}: {p.hint}")
        if len(problems) > 100:
            lines.append(t["more"].format(n=len(problems) - 100))
    lines += ["", t["next"]]
    lines += [f"{i}. {s.format(moved=moved_to, log=log_name)}" for i, s in enumerate(steps, 1)]
    return "\n".join(lines) + "\n"
