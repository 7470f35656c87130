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
from collections.abc import Callable, Iterable, Mapping
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


def values_of(record: Any) -> dict:
    """A record's stored values by column."""
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}


def vouched(values: Mapping[str, Any], *, exclude: tuple[str, ...] = ()) -> dict:
    """What a signature vouches for of one row, from its values by column (a record's, or those of a row
    written in bulk): all of them but its row id and last-change time (which saving an unrelated flag may
    move) and the `exclude`d columns."""
    skip = {"id", "updated_at", *exclude}
    return {column: value for column, value in values.items() if column not in skip}


def fields_of(record: Any, *, exclude: tuple[str, ...] = ()) -> dict:
    """`vouched` for a record, `exclude` naming its fields."""
    return vouched(values_of(record), exclude=tuple(record._meta.get_field(name).attname for name in exclude))


def kind_of(record: Any) -> str:
    return next(kind for kind, s in _KINDS.items() if isinstance(record, s.model))


def canonical(content: dict) -> str:
    return json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(previous_hash: str, content: dict) -> str:
    return hashlib.sha256(f"{previous_hash}\n{canonical(content)}".encode()).hexdigest()


def next_link(sequence: int, last_hash: str, content: dict) -> dict:
    """The place and hashes of a seal on `content` after a chain's last seal (its sequence and content hash;
    0 and "" for a patient with none yet)."""
    return {"sequence": sequence + 1, "previous_hash": last_hash, "content_hash": link_hash(last_hash, content)}


def seal(
    *,
    actor: User,
    patient: Patient,
    record: Any,
    rows: Mapping[str, Iterable[Any]] | None = None,
    patient_locked: bool = False,
) -> Seal:
    """Append the record to the patient's chain. Call inside the signing transaction, with the record as it
    is stored: read in this transaction under its lock, or written in full by the caller since.

    `rows` are child rows the caller holds as stored, by the names its `content` takes (a note's
    techniques); the others are read through the record's related managers (their prefetched rows when the
    caller prefetched them under the record's lock). The hash is the one a read-back would give: `content`
    is the function verify() runs on the record read from the database, and the values held are those
    that were read or, having been through the fields' validation, written.

    The patient row is locked first (unless the caller has, `patient_locked`), so two signatures for one
    patient queue up instead of both claiming the same place in the chain (on SQLite the write transaction
    already does).
    """
    if not patient_locked:
        list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    kind = kind_of(record)
    last = Seal.objects.filter(patient=patient).order_by("-sequence").first()
    return Seal.objects.create(
        patient=patient,
        kind=kind,
        record_id=record.public_id,
        record_label=str(record)[:200],
        sealed_by=actor,
        **next_link(
            last.sequence if last else 0,
            last.content_hash if last else "",
            _KINDS[kind].content(record, **(rows or {})),
        ),
    )


def read_back(record: Any) -> Any:
    """The record as stored, with the child rows its content reads."""
    sealable = _KINDS[kind_of(record)]
    return sealable.model._default_manager.prefetch_related(*sealable.prefetch).get(pk=record.pk)


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
