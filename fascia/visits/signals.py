"""What the visits app tells others, without importing them.

`note_signed` is the one extension point from visits to billing (and the only signal Fascia defines: STYLE.md keeps
signals for extension points). Billing sits above visits and may import it; visits never imports billing, so a
signed note reaches billing only through this signal, which billing connects to in `BillingConfig.ready()` to
put the visit in its queue of unbilled visits. The `layers` import contract in pyproject.toml holds the direction.
"""

from django.dispatch import Signal

# Sent with `note` and `billable` (whether the visit had treatment to bill) inside the signing transaction, once
# the note is signed and sealed: a receiver that raises rolls the signing back, so receivers must only add rows of
# their own (billing's queue entry), never refuse.
note_signed = Signal()
