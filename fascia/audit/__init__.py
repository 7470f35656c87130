"""The audit trail. `record()` is the only way to write an entry."""

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any, NamedTuple

# The client address of the request being served, set by AuditContextMiddleware, so services
# can record it without passing the request around. None outside a request (commands).
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def record(*, actor: Any, action: str, target: Any, patient: Any = None, detail: dict | None = None) -> None:
    """Write one audit entry for `actor` doing `action` on `target` (a model instance)."""
    _event(actor=actor, action=action, target=target, patient=patient, detail=detail).save(force_insert=True)


class Entry(NamedTuple):
    """An entry on another record that a write audited with record_steps() made as it went."""

    action: str
    target: Any
    patient: Any = None
    detail: dict | None = None


def record_steps(
    *, actor: Any, actions: Iterable[str], target: Any, patient: Any = None, also: Iterable[Entry] = ()
) -> None:
    """record() of each of several actions on one target that one write took at once (a draft saved and
    signed together), in order, then the entries `also` made by the same write on other records (the
    appointment a signature checks in), all in one INSERT."""
    from fascia.audit.models import AuditEvent

    AuditEvent.objects.bulk_create(
        [_event(actor=actor, action=action, target=target, patient=patient, detail=None) for action in actions]
        + [_event(actor=actor, action=e.action, target=e.target, patient=e.patient, detail=e.detail) for e in also]
    )


def record_each(*, actor: Any, action: str, entries: Iterable[tuple[Any, Any, dict | None]]) -> None:
    """record() for many targets at once, in one INSERT: each entry is (target, patient, detail).

    For batch jobs that change thousands of records (an 837P file, an 835 remittance)."""
    from fascia.audit.models import AuditEvent

    AuditEvent.objects.bulk_create(
        _event(actor=actor, action=action, target=target, patient=patient, detail=detail)
        for target, patient, detail in entries
    )


def _event(*, actor: Any, action: str, target: Any, patient: Any, detail: dict | None) -> Any:
    from fascia.audit.models import AuditEvent

    if patient is None and target.__class__.__name__ == "Patient":
        patient = target
    organization_id = (
        _loaded(patient, "organization_id")
        or _loaded(target, "organization_id")
        or (target.pk if target._meta.label_lower == "core.organization" else None)
        or _loaded(actor, "organization_id")
    )
    return AuditEvent(
        organization_id=organization_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(getattr(target, "public_id", None) or target.pk or ""),
        target_label=str(target)[:200],
        patient=patient,
        ip_address=current_ip.get(),
        detail=detail or {},
    )


def _loaded(record: Any, field: str) -> Any:
    """`record.field` when it was read with the record (a list that loads only a few fields must not cost a query
    per entry for it), else None; also None for no record or one without the field (an anonymous user)."""
    if record is None or not hasattr(record, "get_deferred_fields") or field in record.get_deferred_fields():
        return None
    return getattr(record, field, None)
