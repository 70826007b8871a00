"""The invoice registry: gap-free numbers per series, and never an order on two live invoices.

In: a database URL (SQLite file, or PostgreSQL shared by several machines). Out: numbers issued
once, the orders each invoice covers, their pending/issued/void state. Refuses: an order already
on a live invoice, a number asked twice.
"""
