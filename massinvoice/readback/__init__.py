"""readback: the selection workbook, after people edited it, back into orders to invoice.

In: a saved selection workbook (xlsx from Excel or LibreOffice, sorted, filtered, columns added).
Out: a :class:`~massinvoice.readback.selection.Selection`: the orders marked with X, with the
accountant's corrections from the Lines sheet. Read by header name and order number, never by
position. Refuses, with every problem named by sheet, row and column: unclear Select values,
numbers that are not numbers, a workbook that is not one of ours. Trusts nothing the workbook says
about invoiced status: the invoice run asks the registry and the export.
"""
