"""Tamper evidence for signed clinical records (issue 5).

Signing an evaluation or a visit note, or adding an addendum, seals it: the SHA-256 of its
content, as canonical JSON, is chained to the patient's previous seal. `verify` recomputes each
record's content from the database and reports any record that no longer matches its seal, and
any broken link. The apps that own signed records register how to read them (`register`), so this
module imports none of them.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder

from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.records.models import RecordAddendum, Seal, SignedRecord


@dataclass(frozen=True)
class Sealable:
    model: type[SignedRecord] | type[RecordAddendum]
    # The record (and its child rows, when given by name) -> everything its signature vouches for.
    content: Callable[..., dict]
    prefetch: tuple[str, ...]  # the child rows `content` reads, so `verify` reads them in bulk


_KINDS: dict[str, Sealable] = {}


def register(
    kind: str,
    model: type[SignedRecord] | type[RecordAddendum],
    content: Callable[..., dict],
    *,
    prefetch: tuple[str, ...] = (),
) -> None:
    """`content(record)` reads the `prefetch` child rows through the record's related managers (which
    verify() fills in bulk), or takes them given: content(record, name=rows, ...)."""
    _KINDS[kind] = Sealable(model, content, prefetch)


def fields_of(record: Any, *, exclude: tuple[str, ...] = ()) -> dict:
    """A record's stored values by column, minus its row id and last-change time (which saving an
    unrelated flag may move) and any `exclude`d."""
    skip = {"id", "updated_at", *exclude}
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields if f.name not in skip}


def kind_of(record: Any) -> str:
    return next(kind for kind, s in _KINDS.items() if isinstance(record, s.model))


def canonical(content: dict) -> str:
    return json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(previous_hash: str, content: dict) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical(content)}".encode()).hexdigest()


def seal(*, actor: User, patient: Patient, record: Any) -> Seal:
    """Append the record to the patient's chain. Call inside the signing transaction.

    The patient row is locked first, so two signatures for one patient queue up instead of
    both claiming the same place in the chain (on SQLite the write transaction already does).
    """
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    kind = kind_of(record)
    sealable = _KINDS[kind]
    # Hash what was stored, not what is in memory.
    fresh = sealable.model._default_manager.prefetch_related(*sealable.prefetch).get(pk=record.pk)
    last = Seal.objects.filter(patient=patient).order_by("-sequence").first()
    previous_hash = last.content_hash if last else ""
    return Seal.objects.create(
        patient=patient,
        sequence=(last.sequence + 1) if last else 1,
        kind=kind,
        record_id=record.public_id,
        record_label=str(record)[:200],
        previous_hash=previous_hash,
        content_hash=link_hash(previous_hash, sealable.content(fresh)),
        sealed_by=actor,
    )


@dataclass(frozen=True)
class Problem:
    seal: Seal
    message: str


# Seals checked per round of reads: bounded memory for a whole clinic's records, and IN lists within
# SQLite's 999 parameters.
VERIFY_CHUNK = 500


def _records(seals: list[Seal]) -> dict[tuple[str, UUID], Any]:
    """The records these seals vouch for, by (kind, public id): a query per kind and per child list."""
    wanted: dict[str, list[UUID]] = defaultdict(list)
    for s in seals:
        wanted[s.kind].append(s.record_id)
    found = {}
    for kind, ids in wanted.items():
        sealable = _KINDS.get(kind)
        if sealable is None:
            continue
        for record in sealable.model._default_manager.filter(public_id__in=ids).prefetch_related(*sealable.prefetch):
            found[(kind, record.public_id)] = record
    return found


def verify(seals: Iterable[Seal]) -> list[Problem]:
    """Check seals (ordered by patient, then sequence): each record against its hash, each link
    against the seal before it. Reads the records in bulk, VERIFY_CHUNK seals at a time."""
    problems: list[Problem] = []
    previous: Seal | None = None
    remaining = iter(seals)
    while chunk := list(islice(remaining, VERIFY_CHUNK)):
        records = _records(chunk)
        for s in chunk:
            if previous is not None and previous.patient_id == s.patient_id:
                expected_previous, expected_sequence = previous.content_hash, previous.sequence + 1
            else:
                expected_previous, expected_sequence = "", 1
            if s.previous_hash != expected_previous or s.sequence != expected_sequence:
                problems.append(Problem(s, "The chain is broken here: a seal before it was changed or removed."))
            record = records.get((s.kind, s.record_id))
            if record is None:
                problems.append(Problem(s, "The signed record is missing."))
            elif link_hash(s.previous_hash, _KINDS[s.kind].content(record)) != s.content_hash:
                problems.append(Problem(s, "The record's content no longer matches the hash taken when it was signed."))
            previous = s
    return problems
