"""Tamper evidence for signed clinical records (issue 5).

Signing an evaluation or a visit note, or adding an addendum, seals it: the HMAC-SHA256 of its
content, as canonical JSON, keyed with the records key (settings.RECORDS_KEY, never in the database)
and chained to the organization's previous seal (issue 25). `verify` recomputes each record's content
from the database and reports any record that no longer matches its seal, and any broken link; the
head (`head`), exported outside the database, shows a chain cut short after its last seal, and
`unsealed` a signed record whose seal is gone. The apps that own signed records register how to read
them (`register`), so this module imports none of them.
"""

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

from fascia.audit.models import AuditEvent
from fascia.core.models import Organization, User
from fascia.patients.models import Patient
from fascia.records.models import RecordAddendum, Seal, SignedRecord


@dataclass(frozen=True)
class Sealable:
    model: type[SignedRecord] | type[RecordAddendum]
    # The record (and its child rows, when given by name) -> everything its signature vouches for.
    content: Callable[..., dict]
    prefetch: tuple[str, ...]  # the child rows `content` reads, so `verify` reads them in bulk
    signed_action: str  # the audit action of its signature (a SignedRecord's), for `unsealed`


_KINDS: dict[str, Sealable] = {}


def register(
    kind: str,
    model: type[SignedRecord] | type[RecordAddendum],
    content: Callable[..., dict],
    *,
    prefetch: tuple[str, ...] = (),
    signed_action: str = "",
) -> None:
    """`content(record)` reads the `prefetch` child rows through the record's related managers (which
    verify() fills in bulk), or takes them given: content(record, name=rows, ...). `signed_action`: the
    audit action a signature of a SignedRecord writes."""
    _KINDS[kind] = Sealable(model, content, prefetch, signed_action)


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
    """The seal of `content` after the seal `previous_hash`: HMAC-SHA256 with the records key, which is not
    in the database, so whoever rewrites a record there cannot compute the seal that would vouch for it."""
    message = f"{previous_hash}\n{canonical(content)}".encode()
    return hmac.new(settings.RECORDS_KEY, message, hashlib.sha256).hexdigest()


def next_link(sequence: int, last_hash: str, content: dict) -> dict:
    """The place and hashes of a seal on `content` after a chain's last seal (its sequence and content hash;
    0 and "" for an organization with none yet)."""
    return {"sequence": sequence + 1, "previous_hash": last_hash, "content_hash": link_hash(last_hash, content)}


def lock_chain(organization_id: int) -> None:
    """Hold the organization's chain until the transaction ends: its row is the chain's head, so two
    signatures in one organization queue up instead of both claiming the same place (FOR NO KEY UPDATE:
    rows that merely point to the organization are not held up; on SQLite the write transaction already
    serializes). Signing takes it in the same query as the record's lock (lifecycle.lock_draft)."""
    list(Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).values_list("pk"))


def seal(
    *,
    actor: User,
    patient: Patient,
    record: Any,
    rows: Mapping[str, Iterable[Any]] | None = None,
    chain_locked: bool = False,
) -> Seal:
    """Append the record to its organization's chain. Call inside the signing transaction, with the record as
    it is stored: read in this transaction under its lock, or written in full by the caller since.

    `rows` are child rows the caller holds as stored, by the names its `content` takes (a note's
    techniques); the others are read through the record's related managers (their prefetched rows when the
    caller prefetched them under the record's lock). The hash is the one a read-back would give: `content`
    is the function verify() runs on the record read from the database, and the values held are those
    that were read or, having been through the fields' validation, written.

    The chain is locked first (lock_chain), unless the caller has (`chain_locked`).
    """
    if not chain_locked:
        lock_chain(patient.organization_id)
    kind = kind_of(record)
    last = Seal.objects.filter(organization_id=patient.organization_id).order_by("-sequence").first()
    return Seal.objects.create(
        organization_id=patient.organization_id,
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


def verify(seals: Iterable[Seal], *, before: Seal | None = None) -> list[Problem]:
    """Check seals (ordered by organization, then sequence): each record against its seal, each link
    against the seal before it (`before` the first, when the check starts past an organization's first
    seal). Reads the records in bulk, VERIFY_CHUNK seals at a time."""
    problems: list[Problem] = []
    previous = before
    remaining = iter(seals)
    while chunk := list(islice(remaining, VERIFY_CHUNK)):
        records = _records(chunk)
        for s in chunk:
            if previous is not None and previous.organization_id == s.organization_id:
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


def _head_mac(body: Mapping[str, Any]) -> str:
    return hmac.new(settings.RECORDS_KEY, f"head\n{canonical(dict(body))}".encode(), hashlib.sha256).hexdigest()


def head(organization: Organization, *, at: datetime) -> dict:
    """The organization's chain head as of `at`, signed with the records key: how many seals it holds and
    the last one. Kept outside the database (`fascia export_records_head`, the backup), it shows seals
    removed from the chain's end since, which the chain alone cannot (issue 25)."""
    last = Seal.objects.filter(organization=organization).order_by("-sequence").first()
    body = {
        "organization": str(organization.public_id),
        "count": last.sequence if last else 0,
        "last_seal": last.content_hash if last else "",
        "at": at.isoformat(),
    }
    return {**body, "mac": _head_mac(body)}


def unsealed() -> list[str]:
    """Records signed but not in the chain: a signed record or an addendum
    without a seal, and a draft the audit trail shows was signed (its seal removed and its status set back).
    A query per kind, and one per 500 drafts of a kind that has a signed action."""
    found = []
    for kind, sealable in _KINDS.items():
        records: QuerySet[Any] = sealable.model._default_manager.all()
        sealed = Seal.objects.filter(kind=kind).values("record_id")
        is_signed_record = issubclass(sealable.model, SignedRecord)
        signed = records.filter(status=SignedRecord.Status.SIGNED) if is_signed_record else records
        found += [
            f"{record} ({kind} {record.public_id}) is signed but has no seal."
            for record in signed.exclude(public_id__in=sealed)
        ]
        if not (is_signed_record and sealable.signed_action):
            continue
        drafts = iter(records.filter(status=SignedRecord.Status.DRAFT).order_by("pk").values_list("public_id"))
        while ids := [str(i) for (i,) in islice(drafts, VERIFY_CHUNK)]:
            signatures = AuditEvent.objects.filter(action=sealable.signed_action, target_id__in=ids).order_by("at")
            found += [
                f"{e.target_label} ({kind} {e.target_id}) is a draft, but the audit trail shows it signed at "
                f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}."
                for e in signatures
            ]
    return found


def head_files(at: datetime) -> dict[str, str]:
    """Every organization's head as of `at`, as JSON by file name (records-head-<organization>-<time>.json)."""
    return {
        f"records-head-{organization.public_id}-{at:%Y%m%dT%H%M%SZ}.json": json.dumps(
            head(organization, at=at), indent=1
        )
        for organization in Organization.objects.order_by("pk")
    }


def compare_head(exported: Mapping[str, Any]) -> list[str]:
    """What is wrong with the chain as against a head exported earlier (`head`): nothing, or why not."""
    body = {k: exported.get(k) for k in ("organization", "count", "last_seal", "at")}
    if not isinstance(exported.get("mac"), str) or not hmac.compare_digest(_head_mac(body), exported["mac"]):
        return ["The exported head is not signed with this installation's records key: it was altered or is not ours."]
    try:
        organization = Organization.objects.filter(public_id=str(body["organization"])).first()
    except ValidationError:  # not a UUID
        organization = None
    if organization is None:
        return [f"The exported head is of organization {body['organization']}, which is not in the database."]
    count = Seal.objects.filter(organization=organization).count()
    if not body["count"]:
        return []
    at_head = Seal.objects.filter(organization=organization, sequence=body["count"]).first()
    if at_head is None:
        return [
            f"The chain holds {count} seals, fewer than the {body['count']} of the head exported at {body['at']}: "
            "seals were removed."
        ]
    if at_head.content_hash != body["last_seal"]:
        return [
            f"The chain differs from the head exported at {body['at']}: seal {body['count']} is not the one exported."
        ]
    return []


def _legacy_hash(previous_hash: str, content: dict) -> str:
    """The plain SHA-256 seals had before they were keyed (per patient chains); for `rekey` only."""
    return hashlib.sha256(f"{previous_hash}\n{canonical(content)}".encode()).hexdigest()


def rekey() -> int:
    """Turn the per-patient chains of plain SHA-256 seals into keyed per-organization chains (records
    migration 0002); the number of seals that did not verify as they were.

    Each old seal is checked first, as the old `verify` did (its record against its hash, its link against
    the patient's seal before it). One that passes is sealed again over its record with the key; one that
    does not is sealed over a marker instead of its record, so `verify` keeps reporting it rather than
    vouching for whatever the record now holds. The new chains follow the order the seals were made in."""
    trusted: set[int] = set()
    previous: Seal | None = None
    remaining = Seal.objects.order_by("patient_id", "sequence").iterator(chunk_size=2000)
    while chunk := list(islice(remaining, VERIFY_CHUNK)):
        records = _records(chunk)
        for s in chunk:
            same = previous is not None and previous.patient_id == s.patient_id
            expected = (previous.content_hash, previous.sequence + 1) if previous and same else ("", 1)
            record = records.get((s.kind, s.record_id))
            if (
                (s.previous_hash, s.sequence) == expected
                and record is not None
                and _legacy_hash(s.previous_hash, _KINDS[s.kind].content(record)) == s.content_hash
            ):
                trusted.add(s.pk)
            previous = s
    untrusted, organization, last = 0, None, (0, "")
    # The order is read first: the rows are rewritten as the pass goes (SQLite isolates no read from them).
    order = iter(Seal.objects.order_by("organization_id", "sealed_at", "pk").values_list("pk", flat=True))
    while ids := list(islice(order, VERIFY_CHUNK)):
        by_id = Seal.objects.in_bulk(ids)
        chunk = [by_id[pk] for pk in ids]
        records = _records(chunk)
        for s in chunk:
            if s.organization_id != organization:
                organization, last = s.organization_id, (0, "")
            if s.pk in trusted:
                content = _KINDS[s.kind].content(records[(s.kind, s.record_id)])
            else:
                content, untrusted = {"unverified_legacy_seal": s.content_hash}, untrusted + 1
            link = next_link(*last, content)
            s.sequence, s.previous_hash, s.content_hash = link["sequence"], link["previous_hash"], link["content_hash"]
            last = (s.sequence, s.content_hash)
        Seal.objects.bulk_update(chunk, ["sequence", "previous_hash", "content_hash"])
    return untrusted
