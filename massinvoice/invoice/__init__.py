"""The invoice stage: records, compose, render, run, outputs and e-invoices."""
