"""Billing: from signed visits to claims, files, payments and reports.

The Django app (label ``billing``) keeps its models, forms, views, urls, admin, management commands
and templates here; its parts live in subpackages, each a step of the money's way:

- ``units.py`` — billing units by the CMS 8-minute rule or per code (a public contract: ``bill_units``).
- ``claims/`` — ``charges.py``: service lines from a signed note (codes, units, modifiers, fees);
  ``services.py``: building, scrubbing, submitting and exporting claims, the lifecycle ``TRANSITIONS``,
  ``BillingError`` and its subclasses.
- ``scrubber/`` — ``scrub()`` runs the rules of ``rules.py``: one function per rule, each registered
  with its source (REFERENCE.md section, CMS manual, NUCC guide, payer) and saying its problems in
  words billing staff can act on. A new payer rule is one function and one test.
- ``x12/`` — the 837P out: ``edi837.py`` writes plain dataclasses (a pure core: no Django, no model),
  ``from_models.py`` fills them from the database, ``validate.py`` checks a file with pyx12.
- ``remittance/`` — the 835 in: ``parse.py`` (pure parser), ``codes.py`` (CARC, RARC, groups, claim
  status in words; pure), ``posting.py`` (the posting service).
- ``paper/`` — ``cms1500.py`` (the CMS-1500 form and the superbill), ``statement.py`` (patient statements).
- ``queries.py`` — reads the pages and the API share (claims, the work queue, the chart's section, the
  ledger); ``reports.py`` — the reports page's reads (AR aging, denials).

The demo's 835 writer, which answers claims as a payer would, is ``fascia.demo.era``.
"""
