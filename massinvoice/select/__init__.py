"""select: export file(s) in, one colour-coded selection workbook out.

In: orders read by :mod:`massinvoice.read`, the filters of DESIGN §5, the registry (read only, to
grey what it has invoiced). Out: ``selection.xlsx`` with the sheets Selection, Lines, Legend and the
hidden ``_massinvoice`` state, written atomically. Refuses: filters that match nothing (with the
closest values), a reversed date range, an output that would replace the export or a workbook that
holds an accountant's marks. Never writes the registry.
"""
