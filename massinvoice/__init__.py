"""massinvoice: from an ERP's order export to numbered PDF invoices, in bulk, never twice."""

__version__ = "0.1.0"
