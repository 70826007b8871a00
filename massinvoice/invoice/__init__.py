"""invoice: the invoice run, from a read-back selection to numbered PDF invoices and run records.

In: a :class:`~massinvoice.readback.selection.Selection`, the config, the registry. Out: per
invoice a PDF named by its number, and per run its records (register, report, manifest, lines csv,
optional merged PDF). Numbers are reserved with their orders in one transaction (pending), each PDF
is rendered to a temporary file and renamed, then marked issued; a rerun finishes pending work with
the same numbers. Refuses: an order already invoiced (export or registry), a stale sheet's changed
orders, a total of 0.00. ``--dry-run`` takes no number and never writes the registry.
"""
