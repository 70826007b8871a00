"""Every problem and warning code, with what it means and what to do, in English and Spanish.

The data behind :mod:`massinvoice.problems` (which raises with these codes and renders them) and
the docs page ``docs/problems.md`` made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# The taxonomy: the level tells where a problem sits, the code what it is.
FILE = "file"
HEADER = "header"
ROW = "row"
CELL = "cell"
CONFIG = "config"
SHEET = "sheet"

WARNING = "warning"  # not a problem: a warning on an order, shown in the workbook and the report


class Code(StrEnum):
    """Every problem and warning code. Raise with these names, never with bare strings: the
    catalogue below says what each means and what to do, and ``docs/problems.md`` is made
    from it (``python -m massinvoice.problems``)."""

    AMOUNT_MISMATCH = "amount_mismatch"
    BAD_DATE = "bad_date"
    BAD_DATE_RANGE = "bad_date_range"
    BAD_MANIFEST = "bad_manifest"
    BAD_NUMBER = "bad_number"
    BAD_OPTION = "bad_option"
    BAD_QUANTITY = "bad_quantity"
    BAD_STATUS = "bad_status"
    BAD_UNIT = "bad_unit"
    BAD_VALUE = "bad_value"
    CHANGED_CELLS = "changed_cells"
    CONFIG_MISSING = "config_missing"
    CONFIG_SYNTAX = "config_syntax"
    CONFIG_VALUE = "config_value"
    CONFLICTING_ORDER = "conflicting_order"
    CORRUPT = "corrupt"
    DRAFT_RUN = "draft_run"
    DUPLICATE_COLUMN = "duplicate_column"
    DUPLICATE_CUSTOMER = "duplicate_customer"
    DUPLICATE_HEADER = "duplicate_header"
    DUPLICATE_ORDER = "duplicate_order"
    EINVOICE_MISSING = "einvoice_missing"
    EMAIL_TEMPLATE = "email_template"
    EMPTY_FILE = "empty_file"
    EMPTY_VALUE = "empty_value"
    ENCRYPTED = "encrypted"
    FILE_MISSING = "file_missing"
    FORMAT_VERSION = "format_version"
    GLYPH_MISSING = "glyph_missing"
    INPUT = "input"
    LINE_ADDED = "line_added"
    LINE_DELETED = "line_deleted"
    MERGE_CONFLICT = "merge_conflict"
    MISSING_AWB = "missing_awb"
    MISSING_COLUMN = "missing_column"
    MISSING_DAE = "missing_dae"
    MISSING_ORDER_NO = "missing_order_no"
    MISSING_SHEET = "missing_sheet"
    MISSING_VALUE = "missing_value"
    MIXED_CURRENCY = "mixed_currency"
    MIXED_CUSTOMERS = "mixed_customers"
    MORE_PROBLEMS = "more_problems"
    NOT_AN_INTEGER = "not_an_integer"
    NOT_A_NUMBER = "not_a_number"
    NOT_BATCH_FOLDER = "not_batch_folder"
    NOT_FOUND = "not_found"
    NOT_PACKED = "not_packed"
    NOT_SELECTION_WORKBOOK = "not_selection_workbook"
    NO_DATA = "no_data"
    NO_HEADER = "no_header"
    NO_MANIFEST = "no_manifest"
    NO_ORDER = "no_order"
    NO_SAMPLES = "no_samples"
    OUTPUT_EXISTS = "output_exists"
    OUTPUT_HAS_MARKS = "output_has_marks"
    OUTPUT_IS_INPUT = "output_is_input"
    OUTPUT_NOT_WRITABLE = "output_not_writable"
    OUTPUT_WRITE_FAILED = "output_write_failed"
    PARTIAL = "partial"
    RENDERER_FAILED = "renderer_failed"
    SELECTION_GIVEN_AS_EXPORT = "selection_given_as_export"
    SELLER_MISSING = "seller_missing"
    SELLER_PLACEHOLDER = "seller_placeholder"
    SMTP_MISSING = "smtp_missing"
    SMTP_PASSWORD = "smtp_password"
    SMTP_SENDER = "smtp_sender"
    SRI_AUTHORISED = "sri_authorised"
    SRI_BUYER_ID = "sri_buyer_id"
    SRI_COUNTRY = "sri_country"
    SRI_DATE = "sri_date"
    SRI_IN_FLIGHT = "sri_in_flight"
    SRI_LINES = "sri_lines"
    SRI_NUMBER = "sri_number"
    SRI_OFF = "sri_off"
    SRI_P12 = "sri_p12"
    SRI_PASSWORD = "sri_password"
    SRI_PRICE = "sri_price"
    SRI_REASON = "sri_reason"
    SRI_TAX = "sri_tax"
    SRI_UNKNOWN = "sri_unknown"
    STATE_DAMAGED = "state_damaged"
    STEMS_MISMATCH = "stems_mismatch"
    TOO_LARGE = "too_large"
    TOO_MANY_LINES = "too_many_lines"
    TRUNCATED = "truncated"
    UNCLEAR_SELECT = "unclear_select"
    UNCONFIRMED = "unconfirmed"
    UNDER_MIN = "under_min"
    UNEVEN_BOXES = "uneven_boxes"
    UNKNOWN_CUSTOMER = "unknown_customer"
    UNKNOWN_FILTER = "unknown_filter"
    UNKNOWN_INVOICE = "unknown_invoice"
    UNKNOWN_ORDER = "unknown_order"
    UNREADABLE = "unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"
    WRONG_ENCODING = "wrong_encoding"
    ZERO_PRICE = "zero_price"


@dataclass(frozen=True, slots=True)
class Entry:
    """What a code means and what to do about it, in English and Spanish."""

    level: str
    meaning_en: str
    todo_en: str
    meaning_es: str
    todo_es: str

    def meaning(self, language: str) -> str:
        return self.meaning_es if language == "es" else self.meaning_en

    def todo(self, language: str) -> str:
        return self.todo_es if language == "es" else self.todo_en


# fmt: off
CATALOGUE: dict[Code, Entry] = {
    Code.AMOUNT_MISMATCH: Entry(WARNING,
        "The exported amount of a line is not its quantity x price.", "Check the price or quantity in the ERP, or correct the line on the Lines sheet.",
        "El valor exportado de una línea no es cantidad x precio.", "Revise precio o cantidad en el ERP, o corrija la línea en la hoja Líneas."),
    Code.BAD_DATE: Entry(CELL,
        "A date cell cannot be read as a date.", "Type the date as 2026-11-20 or in the config's date order (20/11/2026).",
        "Una celda de fecha no se puede leer como fecha.", "Escriba la fecha como 2026-11-20 o en el orden de fecha de la configuración (20/11/2026)."),
    Code.BAD_DATE_RANGE: Entry(FILE,
        "The first date of a range is after the last one.", "Swap --from and --to.",
        "La primera fecha del rango es posterior a la última.", "Intercambie --from y --to."),
    Code.BAD_NUMBER: Entry(CELL,
        "A corrected cell on the Lines sheet is not a usable number.", "Type a number of 0 or more (whole for boxes, bunches and stems).",
        "Una celda corregida en la hoja Líneas no es un número válido.", "Escriba un número de 0 o más (entero para cajas, ramos y tallos)."),
    Code.BAD_OPTION: Entry(FILE,
        "A command-line option has a value the command cannot use.", "Use one of the values listed in the command's --help.",
        "Una opción de la línea de comandos tiene un valor que no se puede usar.", "Use uno de los valores que muestra --help del comando."),
    Code.BAD_QUANTITY: Entry(WARNING,
        "A line has a zero or negative quantity.", "Correct the quantity in the ERP or on the Lines sheet.",
        "Una línea tiene cantidad cero o negativa.", "Corrija la cantidad en el ERP o en la hoja Líneas."),
    Code.BAD_UNIT: Entry(CELL,
        "The unit of a line is neither stem nor bunch.", "Write stem or bunch (tallo or ramo) in the Unit column.",
        "La unidad de una línea no es tallo ni ramo.", "Escriba tallo o ramo (stem o bunch) en la columna Unidad."),
    Code.BAD_VALUE: Entry(CELL,
        "A value in the customer directory is not one of the accepted ones.", "Use a value the message lists (for example en or es for the language).",
        "Un valor del directorio de clientes no es uno de los aceptados.", "Use un valor de los que indica el mensaje (por ejemplo en o es para el idioma)."),
    Code.CHANGED_CELLS: Entry(ROW,
        "Cells other than prices and quantities were changed on the Lines sheet.", "Undo that change, or make a new selection from the export.",
        "Se cambiaron celdas distintas de precios y cantidades en la hoja Líneas.", "Deshaga ese cambio o haga una nueva selección desde la exportación."),
    Code.CONFIG_MISSING: Entry(CONFIG,
        "No massinvoice.toml was found.", "Run massinvoice init FOLDER, or pass --config FILE.",
        "No se encontró massinvoice.toml.", "Ejecute massinvoice init CARPETA o indique --config ARCHIVO."),
    Code.CONFIG_SYNTAX: Entry(CONFIG,
        "The config file is not valid TOML.", "Fix the line the message names (quotes, brackets, =).",
        "El archivo de configuración no es TOML válido.", "Corrija la línea que indica el mensaje (comillas, corchetes, =)."),
    Code.CONFIG_VALUE: Entry(CONFIG,
        "A config key has a value of the wrong kind or an unknown name.", "Fix the key the message names; see the comments massinvoice init writes.",
        "Una clave de la configuración tiene un valor incorrecto o un nombre desconocido.", "Corrija la clave indicada; vea los comentarios que escribe massinvoice init."),
    Code.CONFLICTING_ORDER: Entry(ROW,
        "Two rows of one order disagree on an order-level field.", "Make the order's rows agree in the ERP and export again.",
        "Dos filas de un mismo pedido no coinciden en un dato del pedido.", "Haga que las filas del pedido coincidan en el ERP y exporte de nuevo."),
    Code.CORRUPT: Entry(FILE,
        "The file is damaged or is not what its name says.", "Open it in Excel or LibreOffice and save it again as .xlsx.",
        "El archivo está dañado o no es lo que dice su nombre.", "Ábralo en Excel o LibreOffice y guárdelo de nuevo como .xlsx."),
    Code.DUPLICATE_COLUMN: Entry(HEADER,
        "Two columns of a selection sheet have the same heading.", "Rename or delete the copied column.",
        "Dos columnas de la hoja de selección tienen el mismo encabezado.", "Cambie el nombre o borre la columna copiada."),
    Code.DUPLICATE_CUSTOMER: Entry(ROW,
        "A customer is listed twice in the customer directory.", "Keep one row per bill customer.",
        "Un cliente aparece dos veces en el directorio de clientes.", "Deje una fila por cliente de facturación."),
    Code.DUPLICATE_HEADER: Entry(HEADER,
        "Two columns of a file mean the same field.", "Delete or rename one of them.",
        "Dos columnas del archivo significan el mismo dato.", "Borre o cambie el nombre de una de ellas."),
    Code.DUPLICATE_ORDER: Entry(ROW,
        "An order is listed twice on the selection sheet.", "Delete the copied row.",
        "Un pedido aparece dos veces en la hoja de selección.", "Borre la fila copiada."),
    Code.EINVOICE_MISSING: Entry(FILE,
        "An e-invoice (Factur-X) needs data the config or directory lacks.", "Fill in the field the message names in the config or customer directory.",
        "La factura electrónica (Factur-X) necesita datos que faltan en la configuración o el directorio.", "Complete el dato indicado en la configuración o en el directorio de clientes."),
    Code.EMPTY_FILE: Entry(FILE,
        "The file has no rows.", "Export again from the ERP.",
        "El archivo no tiene filas.", "Exporte de nuevo desde el ERP."),
    Code.EMPTY_VALUE: Entry(CELL,
        "A corrected price or quantity cell was emptied.", "Type a value (0 if none).",
        "Se vació una celda corregida de precio o cantidad.", "Escriba un valor (0 si no hay)."),
    Code.ENCRYPTED: Entry(FILE,
        "The workbook is password-protected.", "Save it again without a password.",
        "El libro está protegido con contraseña.", "Guárdelo de nuevo sin contraseña."),
    Code.FILE_MISSING: Entry(FILE,
        "The file does not exist.", "Check the path.",
        "El archivo no existe.", "Revise la ruta."),
    Code.FORMAT_VERSION: Entry(FILE,
        "The selection workbook was made by another version of massinvoice.", "Make a new selection from the export with this version.",
        "El libro de selección se hizo con otra versión de massinvoice.", "Haga una nueva selección desde la exportación con esta versión."),
    Code.GLYPH_MISSING: Entry(WARNING,
        "A name uses characters that no installed font can draw.", "Install the fonts of the set-up command (ci/system-packages.sh --runtime), or check the name.",
        "Un nombre usa caracteres que ninguna fuente instalada puede dibujar.", "Instale las fuentes del comando de instalación (ci/system-packages.sh --runtime) o revise el nombre."),
    Code.INPUT: Entry(FILE,
        "The input cannot be used.", "Read the message and fix what it names.",
        "La entrada no se puede usar.", "Lea el mensaje y corrija lo que indica."),
    Code.LINE_ADDED: Entry(ROW,
        "A line on the Lines sheet is not one of the order's exported lines.", "Delete the added line: lines cannot be added to a selection.",
        "Una línea de la hoja Líneas no es una de las líneas exportadas del pedido.", "Borre la línea añadida: no se pueden añadir líneas a una selección."),
    Code.LINE_DELETED: Entry(ROW,
        "A line of a selected order was deleted from the Lines sheet.", "Restore the line (set its quantity to 0 to leave it out), or make a new selection.",
        "Se borró de la hoja Líneas una línea de un pedido seleccionado.", "Restaure la línea (ponga cantidad 0 para excluirla) o haga una nueva selección."),
    Code.MERGE_CONFLICT: Entry(ROW,
        "An order is in two exports with different content.", "Select from one export, or make the two agree.",
        "Un pedido está en dos exportaciones con contenido distinto.", "Seleccione desde una sola exportación o haga que coincidan."),
    Code.MISSING_AWB: Entry(WARNING,
        "The order has no AWB (air waybill).", "Add the AWB in the ERP before invoicing if the customer needs it.",
        "El pedido no tiene guía madre (AWB).", "Agregue la guía madre en el ERP antes de facturar si el cliente la necesita."),
    Code.MISSING_COLUMN: Entry(HEADER,
        "A required column is missing.", "Add the column, or map its heading in [aliases] of the config.",
        "Falta una columna obligatoria.", "Agregue la columna o asigne su encabezado en [aliases] de la configuración."),
    Code.MISSING_DAE: Entry(WARNING,
        "The order has no DAE (export declaration).", "Add the DAE in the ERP before invoicing an export.",
        "El pedido no tiene DAE (declaración de exportación).", "Agregue la DAE en el ERP antes de facturar una exportación."),
    Code.MISSING_ORDER_NO: Entry(ROW,
        "A line has no order number.", "Fill in the order number, or delete the row.",
        "Una línea no tiene número de pedido.", "Complete el número de pedido o borre la fila."),
    Code.MISSING_SHEET: Entry(FILE,
        "A sheet the selection workbook needs is missing.", "Restore the sheet, or make a new selection from the export.",
        "Falta una hoja que el libro de selección necesita.", "Restaure la hoja o haga una nueva selección desde la exportación."),
    Code.MISSING_VALUE: Entry(CELL,
        "A required cell is empty.", "Fill in the cell.",
        "Una celda obligatoria está vacía.", "Complete la celda."),
    Code.MIXED_CURRENCY: Entry(WARNING,
        "An order has lines in more than one currency.", "Split the order in the ERP: one invoice has one currency.",
        "Un pedido tiene líneas en más de una moneda.", "Divida el pedido en el ERP: una factura tiene una sola moneda."),
    Code.MIXED_CUSTOMERS: Entry(ROW,
        "Orders grouped into one invoice have different customers.", "Invoice them one per order (--group-by order).",
        "Los pedidos agrupados en una factura tienen clientes distintos.", "Facture uno por pedido (--group-by order)."),
    Code.MORE_PROBLEMS: Entry(FILE,
        "More problems were found than are listed.", "Fix the problems listed, then read the file again to see the rest.",
        "Se encontraron más problemas de los que se muestran.", "Corrija los problemas mostrados y lea el archivo de nuevo para ver el resto."),
    Code.NO_DATA: Entry(FILE,
        "The header row is followed by no order line.", "Export again with the orders you want.",
        "Después del encabezado no hay ninguna línea de pedido.", "Exporte de nuevo con los pedidos que desea."),
    Code.NO_HEADER: Entry(FILE,
        "No row looks like the export's header row.", "Check that it is an order export, or map its headings in [aliases].",
        "Ninguna fila parece el encabezado de la exportación.", "Verifique que sea una exportación de pedidos o asigne sus encabezados en [aliases]."),
    Code.NO_ORDER: Entry(ROW,
        "A marked row has no order number.", "Restore the order number, or clear the mark.",
        "Una fila marcada no tiene número de pedido.", "Restaure el número de pedido o borre la marca."),
    Code.NO_SAMPLES: Entry(FILE,
        "The sample files of the demo are not installed.", "Reinstall massinvoice (pip install massinvoice).",
        "Los archivos de ejemplo de la demostración no están instalados.", "Reinstale massinvoice (pip install massinvoice)."),
    Code.NOT_A_NUMBER: Entry(CELL,
        "A cell that needs a number holds something else.", "Type a number such as 0.35 or 1,250.00.",
        "Una celda que necesita un número contiene otra cosa.", "Escriba un número como 0,35 o 1.250,00."),
    Code.NOT_AN_INTEGER: Entry(CELL,
        "A cell that needs a whole number holds something else.", "Type a whole number such as 12.",
        "Una celda que necesita un número entero contiene otra cosa.", "Escriba un número entero como 12."),
    Code.NOT_BATCH_FOLDER: Entry(FILE,
        "The folder is not a massinvoice shared folder.", "Run massinvoice init FOLDER first.",
        "La carpeta no es una carpeta compartida de massinvoice.", "Ejecute primero massinvoice init CARPETA."),
    Code.NOT_FOUND: Entry(FILE,
        "The file does not exist.", "Check the path.",
        "El archivo no existe.", "Revise la ruta."),
    Code.NOT_PACKED: Entry(WARNING,
        "No box of the order is packed yet.", "Invoice it when packed, or on purpose as ordered.",
        "Ninguna caja del pedido está empacada.", "Facture cuando esté empacado, o a propósito según lo pedido."),
    Code.NOT_SELECTION_WORKBOOK: Entry(FILE,
        "The workbook is not a selection workbook made by massinvoice.", "Make one from an order export: massinvoice select EXPORT.",
        "El libro no es un libro de selección hecho por massinvoice.", "Haga uno desde una exportación de pedidos: massinvoice select EXPORTACIÓN."),
    Code.OUTPUT_NOT_WRITABLE: Entry(FILE,
        "The output folder cannot be written.", "Choose another folder with -o, or fix its permissions.",
        "No se puede escribir en la carpeta de salida.", "Elija otra carpeta con -o o corrija sus permisos."),
    Code.OUTPUT_WRITE_FAILED: Entry(FILE,
        "Writing an output file failed (disk full or removed).", "Free some space or fix the folder, then run again: pending numbers are finished.",
        "Falló la escritura de un archivo de salida (disco lleno o carpeta quitada).", "Libere espacio o corrija la carpeta y ejecute de nuevo: los números pendientes se terminan."),
    Code.PARTIAL: Entry(WARNING,
        "Only some boxes of the order are packed.", "Invoice what was ordered, what was packed (--partial packed), or wait.",
        "Solo parte de las cajas del pedido está empacada.", "Facture lo pedido, lo empacado (--partial packed) o espere."),
    Code.RENDERER_FAILED: Entry(FILE,
        "The invoice template or fonts cannot be prepared.", "Check the template folder and the fonts of the set-up command.",
        "No se puede preparar la plantilla o las fuentes de la factura.", "Revise la carpeta de plantillas y las fuentes del comando de instalación."),
    Code.SELLER_MISSING: Entry(CONFIG,
        "The config has no seller name or tax id.", "Fill in [seller] in massinvoice.toml.",
        "La configuración no tiene nombre o RUC del vendedor.", "Complete [seller] en massinvoice.toml."),
    Code.SELLER_PLACEHOLDER: Entry(CONFIG,
        "The config still has the placeholder seller that init writes.", "Fill in [seller] in massinvoice.toml with your company's details.",
        "La configuración aún tiene el vendedor de ejemplo que escribe init.", "Complete [seller] en massinvoice.toml con los datos de su empresa."),
    Code.STATE_DAMAGED: Entry(FILE,
        "The hidden _massinvoice sheet was edited or damaged.", "Make a new selection from the export.",
        "La hoja oculta _massinvoice fue editada o está dañada.", "Haga una nueva selección desde la exportación."),
    Code.STEMS_MISMATCH: Entry(ROW,
        "Corrected stems are not bunches x stems per bunch.", "Correct one of the three cells.",
        "Los tallos corregidos no son ramos x tallos por ramo.", "Corrija una de las tres celdas."),
    Code.TOO_LARGE: Entry(FILE,
        "The file or one of its sheets is larger than the limits allow.", "Export fewer rows, or raise [limits] in the config.",
        "El archivo o una de sus hojas supera los límites permitidos.", "Exporte menos filas o aumente [limits] en la configuración."),
    Code.TOO_MANY_LINES: Entry(FILE,
        "The orders do not fit in one workbook.", "Narrow the filters (--from/--to, --client ...).",
        "Los pedidos no caben en un solo libro.", "Reduzca los filtros (--from/--to, --client ...)."),
    Code.UNCLEAR_SELECT: Entry(CELL,
        "A Select cell holds a value that is neither a mark nor empty.", "Type X to invoice the order, or leave the cell empty (no and 0 also mean not selected).",
        "Una celda Seleccionar tiene un valor que no es una marca ni está vacía.", "Escriba X para facturar el pedido o deje la celda vacía (no y 0 también significan no seleccionado)."),
    Code.UNCONFIRMED: Entry(WARNING,
        "Some boxes are not confirmed by the farm.", "Check with the farm before invoicing.",
        "Hay cajas no confirmadas por la finca.", "Consulte con la finca antes de facturar."),
    Code.UNDER_MIN: Entry(WARNING,
        "A price is under the minimum price.", "Check the price with the sales rep.",
        "Un precio está por debajo del precio mínimo.", "Revise el precio con el vendedor."),
    Code.UNEVEN_BOXES: Entry(ROW,
        "A partly packed line's bunches or stems do not split evenly over its boxes.", "Invoice it as ordered (--partial ordered), or correct it on the Lines sheet.",
        "Los ramos o tallos de una línea parcialmente empacada no se reparten por igual en sus cajas.", "Facture según lo pedido (--partial ordered) o corríjala en la hoja Líneas."),
    Code.UNKNOWN_CUSTOMER: Entry(WARNING,
        "The bill customer is not in the customer directory.", "Add the customer to customers.xlsx (address, tax id, language).",
        "El cliente no está en el directorio de clientes.", "Agregue el cliente a customers.xlsx (dirección, identificación, idioma)."),
    Code.UNKNOWN_FILTER: Entry(FILE,
        "A filter value matches nothing in the export.", "Use one of the close values the message suggests.",
        "Un valor de filtro no coincide con nada en la exportación.", "Use uno de los valores parecidos que sugiere el mensaje."),
    Code.UNKNOWN_ORDER: Entry(ROW,
        "An order on the selection sheet was not in it when it was made.", "Orders cannot be added to a selection: make a new selection from the export.",
        "Un pedido de la hoja no estaba en la selección cuando se hizo.", "No se pueden añadir pedidos a una selección: haga una nueva desde la exportación."),
    Code.UNREADABLE: Entry(FILE,
        "The file cannot be read.", "Check its permissions, or save it again as .xlsx.",
        "El archivo no se puede leer.", "Revise sus permisos o guárdelo de nuevo como .xlsx."),
    Code.UNSUPPORTED_FORMAT: Entry(FILE,
        "The file is not of a kind massinvoice reads.", "Save it as .xlsx, .xlsm, .xls, .ods or .csv.",
        "El archivo no es de un tipo que massinvoice lea.", "Guárdelo como .xlsx, .xlsm, .xls, .ods o .csv."),
    Code.WRONG_ENCODING: Entry(FILE,
        "The csv file's text encoding cannot be read.", "Save it as UTF-8 csv.",
        "No se puede leer la codificación del archivo csv.", "Guárdelo como csv UTF-8."),
    Code.ZERO_PRICE: Entry(WARNING,
        "A line has a price of 0.00 or no price.", "Set the price in the ERP or on the Lines sheet.",
        "Una línea tiene precio 0,00 o no tiene precio.", "Ponga el precio en el ERP o en la hoja Líneas."),
    Code.OUTPUT_EXISTS: Entry(FILE,
        "The output file exists and is not a selection workbook: it is not replaced.", "Choose another name with -o, or add --force to replace it.",
        "El archivo de salida existe y no es un libro de selección: no se reemplaza.", "Elija otro nombre con -o o agregue --force para reemplazarlo."),
    Code.OUTPUT_HAS_MARKS: Entry(FILE,
        "The output is a selection workbook with orders marked: replacing it would wipe the marks.", "Invoice it first (massinvoice invoice), or choose another name with -o.",
        "La salida es un libro de selección con pedidos marcados: reemplazarlo borraría las marcas.", "Facture primero (massinvoice invoice) o elija otro nombre con -o."),
    Code.OUTPUT_IS_INPUT: Entry(FILE,
        "The output would replace the export it is made from.", "Give the selection workbook another name with -o.",
        "La salida reemplazaría la exportación de la que se hace.", "Dé otro nombre al libro de selección con -o."),
    Code.SELECTION_GIVEN_AS_EXPORT: Entry(FILE,
        "A selection workbook was given where an order export is expected.", "To invoice it: massinvoice invoice FILE -o FOLDER; to select, give the ERP's export.",
        "Se dio un libro de selección donde se espera una exportación de pedidos.", "Para facturarlo: massinvoice invoice ARCHIVO -o CARPETA; para seleccionar, use la exportación del ERP."),
    Code.TRUNCATED: Entry(FILE,
        "The file is cut short: its last line is incomplete.", "Copy or export the file again, complete.",
        "El archivo está cortado: su última línea está incompleta.", "Copie o exporte el archivo de nuevo, completo."),
    Code.BAD_STATUS: Entry(CELL,
        "A status cell holds a value the ERP profile does not know.", "Say what it means under [status] in the config (invoiced, partly_invoiced, not_invoiced, delivered, partly_delivered).",
        "Una celda de estado tiene un valor que el perfil del ERP no conoce.", "Indique qué significa en [status] de la configuración (invoiced, partly_invoiced, not_invoiced, delivered, partly_delivered)."),
    Code.BAD_MANIFEST: Entry(FILE,
        "A run's manifest.json cannot be read.", "Give the folder of a complete invoice run, or restore its runs/ folder.",
        "No se puede leer el manifest.json de una ejecución.", "Indique la carpeta de una facturación completa o restaure su carpeta runs/."),
    Code.DRAFT_RUN: Entry(FILE,
        "The folder holds only dry runs' drafts, which are never sent.", "Send a folder of a real invoice run.",
        "La carpeta solo tiene borradores de pruebas, que nunca se envían.", "Envíe la carpeta de una facturación real."),
    Code.EMAIL_TEMPLATE: Entry(CONFIG,
        "An e-mail template cannot be used.", "Fix the template, or delete it to use the bundled one.",
        "No se puede usar una plantilla de correo.", "Corrija la plantilla o bórrela para usar la incluida."),
    Code.NO_MANIFEST: Entry(FILE,
        "No invoice run is recorded in the folder (no runs/*/manifest.json).", "Give the folder that 'massinvoice invoice -o' wrote.",
        "La carpeta no registra ninguna facturación (no hay runs/*/manifest.json).", "Indique la carpeta que escribió 'massinvoice invoice -o'."),
    Code.SMTP_MISSING: Entry(CONFIG,
        "No mail server is configured.", "Add [smtp] with host, port, security and user to the config.",
        "No hay servidor de correo configurado.", "Agregue [smtp] con host, port, security y user a la configuración."),
    Code.SMTP_PASSWORD: Entry(CONFIG,
        "The environment variable holding the mail password is not set.", "Set it on this machine (never in the config).",
        "La variable de entorno con la contraseña del correo no está definida.", "Defínala en esta máquina (nunca en la configuración)."),
    Code.SMTP_SENDER: Entry(CONFIG,
        "No sender address for e-mail.", "Set [smtp] sender or [seller] email.",
        "No hay dirección de remitente para el correo.", "Defina [smtp] sender o [seller] email."),
    Code.SRI_AUTHORISED: Entry(FILE,
        "The invoice is authorised by the SRI: it cannot be voided here.", "Issue a credit note (nota de crédito) for it instead.",
        "La factura está autorizada por el SRI: no se puede anular aquí.", "Emita una nota de crédito en su lugar."),
    Code.SRI_BUYER_ID: Entry(ROW,
        "The buyer has no identification (tax id) for the SRI.", "Add the customer's tax id to the customer directory.",
        "El comprador no tiene identificación para el SRI.", "Agregue la identificación del cliente al directorio de clientes."),
    Code.SRI_COUNTRY: Entry(ROW,
        "The destination has no SRI country code.", "Add it under [sri.countries] in the config.",
        "El destino no tiene código de país del SRI.", "Agréguelo en [sri.countries] de la configuración."),
    Code.SRI_DATE: Entry(ROW,
        "The SRI takes invoices dated the day they are sent.", "Invoice with --date today.",
        "El SRI acepta facturas con la fecha del día en que se envían.", "Facture con --date today."),
    Code.SRI_IN_FLIGHT: Entry(FILE,
        "The invoice is still being processed at the SRI and may be authorised.", "Run 'massinvoice sri poll' first, then act as its state says.",
        "La factura aún está en proceso en el SRI y puede quedar autorizada.", "Ejecute primero 'massinvoice sri poll' y actúe según su estado."),
    Code.SRI_LINES: Entry(ROW,
        "A credit note names lines the invoice does not have.", "Name lines of the invoice (1 to its number of lines).",
        "Una nota de crédito nombra líneas que la factura no tiene.", "Indique líneas de la factura (de 1 a su número de líneas)."),
    Code.SRI_NUMBER: Entry(CONFIG,
        "The numbering format cannot give SRI numbers (establishment-point-sequence).", "Use a format such as 001-001-{seq:09d} in [series].",
        "El formato de numeración no da números del SRI (establecimiento-punto-secuencial).", "Use un formato como 001-001-{seq:09d} en [series]."),
    Code.SRI_OFF: Entry(CONFIG,
        "The config has no [sri] section.", "Set it up as the README's SRI section says.",
        "La configuración no tiene la sección [sri].", "Configúrela como indica la sección del SRI del README."),
    Code.SRI_P12: Entry(CONFIG,
        "The .p12 signing certificate cannot be used.", "Check the file and its password variable, or export the certificate again with its private key.",
        "No se puede usar el certificado de firma .p12.", "Revise el archivo y la variable de su contraseña, o exporte el certificado de nuevo con su clave privada."),
    Code.SRI_PASSWORD: Entry(CONFIG,
        "The environment variable holding the certificate's password is not set.", "Set it on the machine that signs.",
        "La variable de entorno con la contraseña del certificado no está definida.", "Defínala en la máquina que firma."),
    Code.SRI_PRICE: Entry(ROW,
        "A price has more than the 6 decimals the SRI accepts.", "Round the price on the Lines sheet.",
        "Un precio tiene más de los 6 decimales que acepta el SRI.", "Redondee el precio en la hoja Líneas."),
    Code.SRI_REASON: Entry(FILE,
        "A credit note needs its reason (motivo).", "Say why with --reason.",
        "Una nota de crédito necesita su motivo.", "Indique el motivo con --reason."),
    Code.SRI_TAX: Entry(CONFIG,
        "A tax rate has no SRI code.", "Use an IVA rate the SRI knows.",
        "Una tasa de impuesto no tiene código del SRI.", "Use una tasa de IVA que el SRI conozca."),
    Code.SRI_UNKNOWN: Entry(FILE,
        "No such SRI document in the registry.", "See 'massinvoice sri list'.",
        "No existe ese documento del SRI en el registro.", "Vea 'massinvoice sri list'."),
    Code.UNKNOWN_INVOICE: Entry(FILE,
        "An invoice of the run's manifest is not in this registry.", "Use the registry that issued it (--registry).",
        "Una factura del manifiesto de la ejecución no está en este registro.", "Use el registro que la emitió (--registry)."),
}
# fmt: on
