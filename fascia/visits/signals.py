"""What the visits app tells others, without importing them."""

from django.dispatch import Signal

# Sent with `note` inside the signing transaction, once the note is signed and sealed.
note_signed = Signal()
