"""What a person reads, in English and Spanish: one catalogue for the terminal, the run report,
the register's headers, the shared folder's notes and status file.

``say(key, language, **values)`` formats one message; ``count(n, noun, language)`` writes
"1 order" / "3 orders" / "1 pedido". The workbook's own words live in ``select/labels.py`` and
the invoice's in ``invoice/templates/labels_*.toml``; problem texts in ``problems.CATALOGUE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from massinvoice.problems import CATALOGUE, Code, quoted_values

LANGUAGES = ("en", "es")

NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "order": (("order", "orders"), ("pedido", "pedidos")),
    "invoice": (("invoice", "invoices"), ("factura", "facturas")),
    "draft": (("draft preview", "draft previews"), ("borrador", "borradores")),
    "line": (("line", "lines"), ("línea", "líneas")),
    "problem": (("problem", "problems"), ("problema", "problemas")),
    "file": (("file", "files"), ("archivo", "archivos")),
    "correction": (("correction", "corrections"), ("corrección", "correcciones")),
    "pass": (("pass", "passes"), ("pasada", "pasadas")),
}

# key -> (English, Spanish); {names} are filled by say().
MESSAGES: dict[str, tuple[str, str]] = {
    # errors
    "cannot_continue": (
        "Cannot continue: {problems} to fix.",
        "No se puede continuar: {problems} por corregir.",
    ),
    "registry_error": ("Registry: {error}", "Registro: {error}"),
    # select
    "bad_date_option": (
        "{value!r} is not a date like 2026-11-20 or {example}",
        "{value!r} no es una fecha como 2026-11-20 o {example}",
    ),
    "read_file": ("Read {read}.", "Leído: {read}."),
    "erp_status": (
        "The ERP's status columns say: {erp} (shown as invoiced, never invoiced again).",
        "Las columnas de estado del ERP dicen: {erp} (se muestran como facturados y nunca se facturan otra vez).",
    ),
    "select_read": (
        "Read {orders}; listed {listed} ({lines}): {statuses}.",
        "Leídos {orders}; listados {listed} ({lines}): {statuses}.",
    ),
    "select_registry": (
        "{orders} shown as invoiced because the registry says so.",
        "{orders} marcados como facturados porque el registro lo dice.",
    ),
    "select_preselected": ("Pre-selected {orders}.", "Preseleccionados {orders}."),
    "select_warnings": ("Warnings: {warnings}", "Advertencias: {warnings}"),
    "wrote": ("Wrote {path}", "Escrito {path}"),
    "select_next": (
        "Next: open {path}, type X in the Select column of the orders to invoice, save it, then run: massinvoice invoice {path} -o invoices/",
        "Siguiente paso: abra {path}, escriba X en la columna Seleccionar de los pedidos a facturar, guárdelo y ejecute: massinvoice invoice {path} -o facturas/",
    ),
    "no_orders_listed": (
        "No order matches the filters ({read} read): nothing to select. Widen the filters.",
        "Ningún pedido cumple los filtros ({read} leídos): nada que seleccionar. Amplíe los filtros.",
    ),
    # invoice
    "issued": ("Issued {invoices} in {outdir}", "Emitidas {invoices} en {outdir}"),
    "numbers": ("  numbers {first} .. {last}", "  números {first} .. {last}"),
    "number": ("  number {first}", "  número {first}"),
    "recovered": (
        "  {n} finished for an interrupted earlier run",
        "  {n} terminadas de una ejecución interrumpida",
    ),
    "total_before_taxes": (
        "  total {currency} {amount} (before taxes)",
        "  total {currency} {amount} (antes de impuestos)",
    ),
    "skipped": ("Skipped {orders}: {reasons}", "Omitidos {orders}: {reasons}"),
    "more_in_report": ("  ... {more} more in the report", "  ... {more} más en el informe"),
    "edits_used": (
        "{corrections} from the sheet used (listed in the report).",
        "{corrections} de la hoja aplicadas (listadas en el informe).",
    ),
    "control": (
        "Control totals: {ok}. This run's records: {records}",
        "Totales de control: {ok}. Registros de esta ejecución: {records}",
    ),
    "report_and_register": (
        "  Report: {report}  Register: {register}",
        "  Informe: {report}  Registro: {register}",
    ),
    "adopted": (
        "  {n} issued by an interrupted earlier run, recorded in this run's records",
        "  {n} emitidas por una ejecución interrumpida, registradas en esta ejecución",
    ),
    "control_ok": ("OK", "correctos"),
    "control_check": ("CHECK", "REVISAR"),
    "progress": ("Invoices", "Facturas"),
    "nothing_selected": (
        "Nothing selected: did you save? No order of {path} is marked with X in the Select column.",
        "Nada seleccionado: ¿guardó el libro? Ningún pedido de {path} tiene X en la columna Seleccionar.",
    ),
    "still_open": (
        "It is open in Excel or LibreOffice ({lock} beside it): save it, close it, and run again.",
        "Está abierto en Excel o LibreOffice ({lock} junto a él): guárdelo, ciérrelo y ejecute de nuevo.",
    ),
    "interrupted": (
        "Interrupted. Invoices whose numbers were taken are pending: the next 'massinvoice invoice' run (any sheet, same registry) finishes them with the same numbers.",
        "Interrumpido. Las facturas con número ya tomado quedan pendientes: la próxima ejecución de 'massinvoice invoice' (cualquier hoja, mismo registro) las termina con los mismos números.",
    ),
    # init
    "created": ("created {path}", "creado {path}"),
    "nothing_to_do": ("nothing to do: everything exists already", "nada que hacer: todo existe ya"),
    "init_next": (
        "Next: fill in [seller] in {config}, then schedule 'massinvoice run {folder}' (cron, Task Scheduler) or keep 'massinvoice watch {folder}' running.",
        "Siguiente paso: complete [seller] en {config} y programe 'massinvoice run {folder}' (cron, Programador de tareas) o deje 'massinvoice watch {folder}' en marcha.",
    ),
    # run / watch
    "inbox_empty": ("Nothing waiting in the inbox.", "Nada en espera en inbox."),
    "processed": (
        "Processed {done}, failed {failed} (see errors/), waiting {waiting}.",
        "Procesados {done}, con error {failed} (vea errors/), en espera {waiting}.",
    ),
    "stopped_on_request": (
        "Stopped on request; the rest waits for the next run.",
        "Detenido a pedido; el resto espera a la próxima ejecución.",
    ),
    "watching": (
        "Watching {folder} every {interval}s; Ctrl-C to stop.",
        "Vigilando {folder} cada {interval} s; Ctrl-C para detener.",
    ),
    "watch_stopped": ("Stopped after {passes}.", "Detenido tras {passes}."),
    # the shared folder's runner (its log, the terminal and the status file)
    "b_open": (
        "open in Excel or LibreOffice; waits until it is closed",
        "abierto en Excel o LibreOffice; espera a que se cierre",
    ),
    "b_young": (
        "modified moments ago (perhaps still being copied); next pass",
        "modificado hace un momento (quizá aún se copia); próxima pasada",
    ),
    "b_copying": (
        "still being copied (its size or time changed); next pass",
        "aún se está copiando (cambió su tamaño o su hora); próxima pasada",
    ),
    "b_changed": ("{why}; next pass", "{why}; próxima pasada"),
    "b_selection": (
        "selection sheet {path} ({orders} listed{pre})",
        "hoja de selección {path} ({orders} listados{pre})",
    ),
    "b_preselected": (", {n} pre-selected", ", {n} preseleccionados"),
    "b_invoices": ("{invoices} in {path}", "{invoices} en {path}"),
    "b_skipped": (
        "; skipped {orders}: {reasons} (reasons in report.txt)",
        "; omitidos {orders}: {reasons} (motivos en report.txt)",
    ),
    "b_progress": ("{name}: {done}/{total} invoices", "{name}: {done}/{total} facturas"),
    "b_archived": ("{message}; archived as {path}", "{message}; archivado como {path}"),
    "b_moved": ("moved to {path} ({first}); see {note}", "movido a {path} ({first}); vea {note}"),
    "b_first": ("{problems}, first: {message}", "{problems}, el primero: {message}"),
    "b_unexpected": ("unexpected {error}", "error inesperado {error}"),
    "b_left": ("failed (ref {ref}); left in inbox", "con error (ref {ref}); queda en inbox"),
    "b_finished": (
        "finished after an interrupted run",
        "terminado tras una ejecución interrumpida",
    ),
    # run report
    "report_title": ("massinvoice run report", "Informe de facturación de massinvoice"),
    "report_dry": (
        " (DRY RUN: drafts only, no number taken)",
        " (PRUEBA: solo borradores, sin número)",
    ),
    "report_sheet": (
        "Selection sheet : {name} (sha256 {sha}…)",
        "Hoja de selección : {name} (sha256 {sha}…)",
    ),
    "report_records": ("Run records     : {records}", "Registros         : {records}"),
    "note_adopted": (
        "issued by an interrupted run, recorded here",
        "emitida por una ejecución interrumpida, registrada aquí",
    ),
    "note_recovered": (
        "finished for an interrupted run",
        "terminada de una ejecución interrumpida",
    ),
    "report_run": ("Run             : {run}", "Ejecución         : {run}"),
    "report_outdir": ("Output folder   : {outdir}", "Carpeta de salida : {outdir}"),
    "report_selected": ("Selected orders : {n}", "Pedidos elegidos  : {n}"),
    "report_issued": ("Invoices issued : {n}", "Facturas emitidas : {n}"),
    "report_skipped": ("Orders skipped  : {n}", "Pedidos omitidos  : {n}"),
    "report_control": (
        "Control totals (before taxes), selected = issued + skipped",
        "Totales de control (antes de impuestos), elegido = emitido + omitido",
    ),
    "report_row": (
        "selected {sel}  issued {iss}  skipped {skp}",
        "elegido {sel}  emitido {iss}  omitido {skp}",
    ),
    "report_all": ("ALL", "TODOS"),
    "report_row_ok": ("ok", "correcto"),
    "report_row_left": ("left to invoice", "por facturar"),
    "report_row_mismatch": ("MISMATCH", "DIFERENCIA"),
    "report_control_ok": (
        "Control: OK, every selected amount is issued or skipped with a reason",
        "Control: correcto, todo valor elegido está emitido u omitido con su motivo",
    ),
    "report_control_check": (
        "Control: CHECK THE DIFFERENCES ABOVE",
        "Control: REVISE LAS DIFERENCIAS DE ARRIBA",
    ),
    "report_invoices": ("Invoices", "Facturas"),
    "report_left": (
        "Left to invoice: boxes not packed yet (--partial packed invoiced packed boxes only)",
        "Por facturar: cajas aún sin empacar (--partial packed facturó solo lo empacado)",
    ),
    "report_stems": ("stems", "tallos"),
    "report_skipped_why": ("Skipped orders and why", "Pedidos omitidos y por qué"),
    "report_sri": (
        "SRI electronic invoices (Ecuador): legal once AUTORIZADO",
        "Facturas electrónicas del SRI (Ecuador): válidas una vez AUTORIZADAS",
    ),
    "report_edits": (
        "Corrections made in the sheet (used on the invoices)",
        "Correcciones hechas en la hoja (usadas en las facturas)",
    ),
    "report_edit": ("line {line}: {field} {old} -> {new}", "línea {line}: {field} {old} -> {new}"),
    "report_warnings": (
        "Warnings (invoiced anyway; --strict refuses: {strict})",
        "Advertencias (facturado igualmente; --strict rechaza: {strict})",
    ),
    "report_line": ("line {line}: ", "línea {line}: "),
    # register.xlsx
    "reg_invoices": ("Invoices", "Facturas"),
    "reg_skipped": ("Skipped", "Omitidos"),
    "reg_edits": ("Edits", "Correcciones"),
    "reg_invoice_cols": (
        "Invoice #|Date|Orders|Bill Customer|Ship Customer|Currency|Subtotal|Total|File|SHA-256|Warnings|Note",
        "Factura|Fecha|Pedidos|Cliente|Marcación|Moneda|Subtotal|Total|Archivo|SHA-256|Advertencias|Nota",
    ),
    "reg_skipped_cols": ("Order #|Reason code|Reason", "Pedido|Código|Motivo"),
    "reg_edits_cols": ("Order #|Line|Field|Was|Now", "Pedido|Línea|Campo|Antes|Ahora"),
}

# Why an order was skipped, by skip code (the English reason keeps its details).
SKIP_REASONS: dict[str, tuple[str, str]] = {
    "invoiced": ("already invoiced", "ya facturado; nunca se factura dos veces"),
    "refused": ("refused", "rechazado"),
    "strict": ("refused by --strict", "rechazado por --strict"),
    "partial": ("partially packed", "empacado parcialmente"),
    "conflict": ("held by another invoice", "tomado por otra factura"),
    "zero_total": ("total of 0.00", "total de 0,00: nada que facturar"),
    "lookalike": ("looks like an invoiced order", "parece un pedido ya facturado"),
    "failed": ("failed", "con error"),
    "stale": ("stale sheet", "hoja desactualizada: pedido facturado después de hacerla"),
}

# The row kinds of select's per-file line (read.profiles.ROW_WORDS), in Spanish.
ROW_WORDS_ES = {
    "customer heading rows": "filas de encabezado de cliente",
    "customer heading row": "fila de encabezado de cliente",
    "continuation lines": "líneas de continuación", "continuation line": "línea de continuación",
    "notes below the data": "notas bajo los datos", "note below the data": "nota bajo los datos",
    "rows with problems": "filas con problemas", "row with a problem": "fila con un problema",
    "order lines": "líneas de pedido", "order line": "línea de pedido",
    "subtotal rows": "filas de subtotal", "subtotal row": "fila de subtotal",
    "header rows": "filas de encabezado", "header row": "fila de encabezado",
    "title rows": "filas de título", "title row": "fila de título",
    "blank rows": "filas vacías", "blank row": "fila vacía",
    "total rows": "filas de total", "total row": "fila de total",
}  # fmt: skip


def rows_words(text: str, language: str = "en") -> str:
    """select's per-file line ('12 order lines, 1 title row') in ``language``."""
    if language != "es":
        return text
    for english, spanish in ROW_WORDS_ES.items():  # longer phrases first
        text = text.replace(english, spanish)
    return text


# Corrected fields of the Lines sheet, as the report names them.
FIELDS: dict[str, tuple[str, str]] = {
    "boxes": ("boxes", "cajas"),
    "packed_boxes": ("packed", "empacadas"),
    "bunches": ("bunches", "ramos"),
    "stems_per_bunch": ("stems/bunch", "tallos/ramo"),
    "stems": ("stems", "tallos"),
    "unit_price": ("unit price", "precio unitario"),
}


def _es(language: str) -> int:
    return 1 if language == "es" else 0


def say(key: str, language: str = "en", **values: object) -> str:
    """One message in ``language``, its {names} filled."""
    return MESSAGES[key][_es(language)].format(**values)


def word(table: dict[str, tuple[str, str]], key: str, language: str = "en") -> str:
    """A word of one of the small tables above, the key itself when unknown."""
    pair = table.get(key)
    return pair[_es(language)] if pair else key


def count(n: int, noun: str, language: str = "en") -> str:
    """'1 order', '3 orders', '1.250 pedidos'."""
    one, many = NOUNS[noun][_es(language)]
    shown = f"{n:,}".replace(",", ".") if language == "es" else f"{n:,}"
    return f"{shown} {one if n == 1 else many}"


def warning_text(code: str, message: str, line_no: int | None, language: str = "en") -> str:
    """A warning for the report: the English detail, or the catalogue's Spanish meaning."""
    if language != "es" or code not in CATALOGUE:
        return message
    where = say("report_line", language, line=line_no) if line_no else ""
    return where + CATALOGUE[Code(code)].meaning_es


def skip_reason(code: str, reason: str, language: str = "en") -> str:
    """Why an order was skipped, in ``language`` (Spanish keeps the numbers the reason quotes)."""
    if language != "es":
        return reason
    values = quoted_values(reason)
    text = word(SKIP_REASONS, code, language)
    return text + (f" ({', '.join(values)})" if values else "")


def counts_text(counts: Iterable[tuple[str, int]], table: dict[str, tuple[str, str]],
                language: str = "en") -> str:  # fmt: skip
    """'already invoiced 2, partially packed 1' from (code, n) pairs."""
    return ", ".join(f"{word(table, code, language)} {n}" for code, n in counts)
