"""einvoice: structured invoices beside the PDF (EN 16931 CII inside a Factur-X PDF/A-3), and
Ecuador's SRI comprobantes (``sri/``: signed XML, authorisation, RIDE)."""
