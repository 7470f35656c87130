"""Billing: from signed visits to claims, files, payments and reports.

The Django app (label ``billing``) keeps its models, forms, views, urls, management commands and
templates here; its parts, each a step of the money's way, say what they hold in their own docstrings:
``units.py`` (``bill_units``, a public contract), ``claims/`` (service lines and the claim services),
``scrubber/``, ``x12/`` (the 837P out), ``remittance/`` (the 835 in), ``paper/`` (the PDFs),
``queries.py`` (the reads pages and the API share) and ``reports.py``.

The demo's 835 writer, which answers claims as a payer would, is ``fascia.demo.era``.
"""
