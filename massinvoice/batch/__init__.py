"""batch: the shared folder run unattended (``massinvoice run`` and ``watch``), ``init`` and ``demo``.

In: a folder laid out by ``init`` (inbox/, selections/, invoices/, errors/, archive/). Out: exports
in the inbox become selection workbooks, saved selections become invoice runs, every failure a note
in errors/; one runner per folder at a time (a lock with a heartbeat). Uses the stages below it
through their public functions only.
"""
