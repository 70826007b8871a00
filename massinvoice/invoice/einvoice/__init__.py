"""einvoice: structured invoices beside the PDF (EN 16931 CII inside a Factur-X PDF/A-3)."""
