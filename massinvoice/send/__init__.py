"""Sending the invoices by e-mail (DESIGN.md §13): issued invoices in, e-mails and records out.

In: issued invoices of the registry, chosen by an invoice run's folder (its manifest.json), a
range of invoice dates or their numbers; the customer directory's addresses and languages; the
config's [smtp] settings (the password from the environment only).
Out: one e-mail per invoice (plain text, optionally HTML, the PDF attached) through one SMTP
connection, each send recorded in the registry's ``sends`` table (pending before the SMTP
transaction, then sent or failed with the server's reply), and a send report.
Refuses: a void invoice (never sent), an invoice already sent or interrupted mid-send (without
``--resend``), a PDF that is missing or differs from the one issued. ``--dry-run`` writes the
.eml files and contacts no server.
"""

from massinvoice.send.run import SendOptions, SendResult, send_invoices

__all__ = ["SendOptions", "SendResult", "send_invoices"]
