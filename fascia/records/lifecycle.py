"""The one lifecycle of every signed record (evaluations, visit notes, progress notes, discharge summaries):
a draft is changed under a lock, signed once, then sealed (fascia.records.chain); corrections are dated
addenda, sealed too. Each step is audited.

The apps keep what differs: who may sign and what a record needs first (the `checks` given to `sign`),
their own exceptions (so their callers see the app's errors) and their audit actions. Call these inside
the app's transaction.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Prefetch
from django.utils import timezone

from fascia import audit
from fascia.core.models import User
from fascia.core.two_factor import is_admin
from fascia.records import chain
from fascia.records.models import RecordAddendum, SignedRecord

R = TypeVar("R", bound=SignedRecord)
A = TypeVar("A", bound=RecordAddendum)

# What a signature writes on the record (updated_at moves with it, as with any save).
SIGNATURE_FIELDS = ["status", "signed_by", "signed_at", "updated_at"]


def lock_draft(
    record: R,
    *,
    refuse: type[Exception],
    related: Iterable[str] = (),
    children: Iterable[str | Prefetch] = (),
    to_sign: bool = False,
    asking: Mapping[str, Any] | None = None,
) -> R:
    """The record as stored, locked until the transaction ends; `refuse()` is raised once it is signed.

    Two writers of one draft queue up here, so the second sees what the first stored (a second signature
    is refused). Only the record's own row is locked, and the patient's and the organization's with it
    `to_sign` (sign() appends to the organization's chain of seals, whose head is the organization's row:
    chain.lock_chain, taken here in the same query). To sign, the lock is FOR NO KEY UPDATE (PostgreSQL;
    SQLite's write transaction stands in): it queues signatures and every other writer of the rows as FOR UPDATE does,
    but not the rows that merely point to them. The front desk's audit entry naming the patient (a check-in,
    a no-show) then never waits on a signature, so a signature may check the appointment in after its locks
    without the two deadlocking. The `related` rows are read with it in the same query, the `children`
    (prefetched) once it is locked: whoever adds a child to a draft locks it first, so they stay as read
    until the transaction ends. `asking` names questions about other rows (annotations) the same query
    asks, read as the record's attributes.
    """
    locked = (
        type(record)
        ._default_manager.select_for_update(
            of=("self", "patient", "patient__organization") if to_sign else ("self",), no_key=to_sign
        )
        .select_related(*related, *(["patient__organization"] if to_sign else []))
        .annotate(**(asking or {}))
        .prefetch_related(*children)
        .get(pk=record.pk)
    )
    if locked.is_locked:
        raise refuse()
    return locked


def sign(
    record: R,
    *,
    actor: User,
    action: str,
    checks: Iterable[Callable[[R], None]] = (),
    write: Callable[[R], None] | None = None,
    rows: Mapping[str, Iterable[Any]] | None = None,
    saved_action: str | None = None,
    also_audited: Iterable[audit.Entry] = (),
) -> R:
    """Sign a draft locked to be signed (lock_draft(..., to_sign=True)) as `actor`, seal it and audit
    `action` once.

    Each of `checks` is called with the record first and raises the app's error to refuse the signature,
    before anything is written. `write(record)` stores the whole signed record as held (a draft saved and
    signed at once is written once, and audited as `saved_action` too, in the same INSERT as the
    signature's entry), and the seal hashes it as held, with the child `rows` the caller holds as stored
    (chain.seal). Without `write`, the signature alone is written, and the seal hashes the record read back:
    its other fields may hold changes never saved. `also_audited`: entries on other records the signature
    changed (a visit checked in), written after the record's in the same INSERT.
    """
    for check in checks:
        check(record)
    record.status, record.signed_by, record.signed_at = SignedRecord.Status.SIGNED, actor, timezone.now()
    if write is None:
        record.save(update_fields=SIGNATURE_FIELDS)
        chain.seal(actor=actor, patient=record.patient, record=chain.read_back(record), chain_locked=True)
    else:
        write(record)
        chain.seal(actor=actor, patient=record.patient, record=record, rows=rows, chain_locked=True)
    actions = [saved_action, action] if saved_action else [action]
    audit.record_steps(actor=actor, actions=actions, target=record, patient=record.patient, also=also_audited)
    return record


def add_addendum(
    record: SignedRecord, *, model: type[A], actor: User, text: str, action: str, error: type[Exception]
) -> A:
    """A dated addendum (a `model` row) to a signed record, by its signer or an admin: validated, sealed and
    audited.

    Refusals raise `error(message)`; a blank text raises ValidationError."""
    if not record.is_signed:
        raise error(f"A draft is edited directly; addenda are for signed {record._meta.verbose_name_plural}.")
    if actor.pk != record.signed_by_id and not is_admin(actor):
        raise error("Only the signer or an admin can add an addendum.")
    addendum = model(**{model.record_field: record}, text=text.strip(), author=actor)
    addendum.full_clean()
    addendum.save()
    chain.seal(actor=actor, patient=record.patient, record=addendum)
    audit.record(actor=actor, action=action, target=addendum, patient=record.patient)
    return addendum
