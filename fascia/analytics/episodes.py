"""Episodes of care, the summary rows outcome evidence is counted from (analytics.Episode and its measures and
techniques), rebuilt from the plans, signed notes and measures below them.

An episode is a plan and its revised versions (TreatmentPlan.previous), once one of them was activated: from its
initial evaluation to its end (completed or discontinued), or, while it runs, to its last signed visit or measure.
Its scores are the patient's results of each instrument from its start to its end (open: to now): the first is the
baseline, the last the latest, and the improvement (fascia.measures.scoring.change, the sign set by the
instrument's direction) says whether it reached the MCID.

`refresh()` rebuilds one patient's episodes (a measure belongs by its date to whichever episode was running, so
the patient's few episodes are rebuilt together) in one transaction; `rebuild()` does every patient, a chunk of
patients at a time, with a fixed number of queries per chunk (`fascia refresh_episodes`)."""

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fascia.analytics.groups import matches
from fascia.analytics.models import ConditionGroup, Episode, EpisodeMeasure, EpisodeTechnique
from fascia.billing.models import Coverage
from fascia.evaluations.models import Diagnosis
from fascia.measures import scoring
from fascia.measures.models import MeasureResult
from fascia.plans.models import TreatmentPlan
from fascia.records.models import SignedRecord
from fascia.visits.models import VisitNote, VisitTechnique

CHUNK = 500  # patients rebuilt per round of queries
ENDED = (TreatmentPlan.Status.COMPLETED, TreatmentPlan.Status.DISCONTINUED)


def refresh(plan_or_episode: TreatmentPlan | Episode) -> None:
    """Rebuild the episode of this plan (any version) or this episode, with the patient's other episodes, in one
    transaction."""
    refresh_patient(plan_or_episode.patient_id)


def refresh_patient(patient_id: int) -> None:
    _refreshed.started = getattr(_refreshed, "started", {})
    if len(_refreshed.started) > 5000:
        _refreshed.started.clear()
    _refreshed.started[patient_id] = time.monotonic()
    with transaction.atomic():
        _rebuild_chunk([patient_id])


# When this thread last began refreshing each patient: a refresh that began after a write, on the same connection,
# read it (committed, or the thread's own transaction), so the write's own refresh may be skipped. A demo load
# signs hundreds of notes in one transaction; each patient's episodes are rebuilt once at its commit, not per note.
_refreshed = threading.local()


def _refresh_since(patient_id: int, written: float) -> None:
    if getattr(_refreshed, "started", {}).get(patient_id, written - 1) > written:
        return
    refresh_patient(patient_id)


def rebuild(patient_ids: Iterable[int] | None = None) -> int:
    """Rebuild the episodes of these patients (all patients with a plan when None); the number of episodes."""
    if patient_ids is None:
        patient_ids = TreatmentPlan.objects.order_by("patient_id").values_list("patient_id", flat=True).distinct()
    ids = list(patient_ids)
    count = 0
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            count += _rebuild_chunk(chunk)
    return count


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


@dataclass
class _Facts:
    """What one round of queries read about a chunk of patients."""

    notes: dict[int, list[tuple[date, int, int | None]]] = field(default_factory=lambda: defaultdict(list))
    minutes: dict[int, list[tuple[int, str, int]]] = field(default_factory=lambda: defaultdict(list))
    diagnoses: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    results: dict[int, dict[str, list[tuple[date, float]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    coverages: dict[int, list[tuple[date, date | None, str]]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[int, list[tuple[int, list[str]]]] = field(default_factory=lambda: defaultdict(list))


def _chains(patient_ids: list[int]) -> list[list[dict[str, Any]]]:
    """Each plan chain (first version first) of which a version was ever activated."""
    plans = list(
        TreatmentPlan.objects.filter(patient_id__in=patient_ids)
        .order_by("id")
        .values(
            "id",
            "previous_id",
            "status",
            "patient_id",
            "practitioner_id",
            "evaluation_id",
            "evaluation__evaluated_on",
            "ended_at",
            "activated_at",
            "referral__provider__kind",
            "patient__organization_id",
            "patient__preferred_location_id",
        )
    )
    by_id = {plan["id"]: plan for plan in plans}
    next_of = {plan["previous_id"]: plan["id"] for plan in plans if plan["previous_id"] is not None}
    chains: list[list[dict[str, Any]]] = []
    for plan in plans:
        if plan["previous_id"] is not None:
            continue
        chain = [plan]
        while chain[-1]["id"] in next_of:
            chain.append(by_id[next_of[chain[-1]["id"]]])
        if any(version["activated_at"] is not None for version in chain):
            chains.append(chain)
    return chains


def _read(patient_ids: list[int], chains: list[list[dict[str, Any]]]) -> _Facts:
    facts = _Facts()
    plan_ids = [version["id"] for chain in chains for version in chain]
    evaluation_ids = {version["evaluation_id"] for chain in chains for version in chain}
    organization_ids = {chain[0]["patient__organization_id"] for chain in chains}
    notes = (
        VisitNote.objects.filter(plan_id__in=plan_ids, status=SignedRecord.Status.SIGNED)
        .order_by("visited_on", "id")
        .values_list("plan_id", "visited_on", "practitioner_id", "appointment__location_id")
    )
    for plan_id, visited_on, practitioner_id, location_id in notes:
        facts.notes[plan_id].append((visited_on, practitioner_id, location_id))
    minutes = (
        VisitTechnique.objects.filter(
            note__plan_id__in=plan_ids, note__status=SignedRecord.Status.SIGNED, minutes__isnull=False
        )
        .values("note__plan_id", "technique_id", "region")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    for row in minutes:
        facts.minutes[row["note__plan_id"]].append((row["technique_id"], row["region"], row["total"]))
    diagnoses = Diagnosis.objects.filter(evaluation_id__in=evaluation_ids).order_by("evaluation_id", "rank")
    for evaluation_id, code in diagnoses.values_list("evaluation_id", "code"):
        facts.diagnoses[evaluation_id].append(code)
    results = (
        MeasureResult.objects.filter(patient_id__in=patient_ids)
        .order_by("administered_on", "id")
        .values_list("patient_id", "instrument", "administered_on", "value")
    )
    for patient_id, instrument, administered_on, value in results:
        facts.results[patient_id][instrument].append((administered_on, value))
    coverages = (
        Coverage.objects.filter(patient_id__in=patient_ids, rank=1)
        .order_by("-starts_on", "-id")
        .values_list("patient_id", "starts_on", "ends_on", "payer__kind")
    )
    for patient_id, starts_on, ends_on, kind in coverages:
        facts.coverages[patient_id].append((starts_on, ends_on, kind))
    groups = ConditionGroup.objects.filter(organization_id__in=organization_ids).order_by("position", "id")
    for group_id, organization_id, codes in groups.values_list("id", "organization_id", "codes"):
        facts.groups[organization_id].append((group_id, codes))
    return facts


def _payer_kind(coverages: list[tuple[date, date | None, str]], start: date, end: date) -> str:
    """The kind of the primary coverage in force at the start, else of one overlapping the episode; self-pay."""
    for starts_on, ends_on, kind in coverages:
        if starts_on <= start and (ends_on is None or start <= ends_on):
            return kind
    for starts_on, ends_on, kind in coverages:
        if starts_on <= end and (ends_on is None or start <= ends_on):
            return kind
    return Episode.SELF_PAY


@dataclass
class _Built:
    episode: Episode
    measures: list[EpisodeMeasure]
    techniques: list[EpisodeTechnique]
    groups: list[int]


def _measure(code: str, scores: list[tuple[date, float]], start: date, visit_days: list[date]) -> EpisodeMeasure | None:
    """The instrument over the episode from its scores in date order; None when it has none or they are invalid."""
    if not scores:
        return None
    (baseline_on, baseline), (latest_on, latest) = scores[0], scores[-1]
    row = EpisodeMeasure(
        instrument=code,
        baseline=baseline,
        baseline_on=baseline_on,
        latest=latest,
        latest_on=latest_on,
        follow_ups=len(scores) - 1,
    )
    try:
        for day, value in scores[1:]:
            change = scoring.change(code, before=baseline, after=value)
            if change.clinically_important and row.days_to_mcid is None:
                row.days_to_mcid = (day - start).days
                row.visits_to_mcid = sum(1 for visit in visit_days if visit <= day)
        if len(scores) > 1:
            row.change = change.improvement
            row.reached_mcid = change.clinically_important
    except (KeyError, ValueError):  # an unknown instrument or a score outside its range: no evidence from it
        return None
    return row


def _build(chain: list[dict[str, Any]], facts: _Facts) -> _Built:
    first, versions = chain[0], chain
    current = next((v for v in reversed(versions) if v["status"] != TreatmentPlan.Status.DRAFT), versions[-1])
    patient_id, organization_id = first["patient_id"], first["patient__organization_id"]
    start = first["evaluation__evaluated_on"]
    closed = current["status"] in ENDED
    notes = sorted(note for version in versions for note in facts.notes.get(version["id"], []))
    visit_days = [note[0] for note in notes]
    results = facts.results.get(patient_id, {})
    if closed:
        end = max(start, timezone.localdate(current["ended_at"]) if current["ended_at"] else start)
    else:
        last_scores = [day for scores in results.values() for day, _ in scores if day >= start]
        end = max([start, *visit_days, *last_scores])
    measures = []
    for code, scores in sorted(results.items()):
        in_episode = [(day, value) for day, value in scores if start <= day and (not closed or day <= end)]
        row = _measure(code, in_episode, start, visit_days)
        if row is not None:
            measures.append(row)
    per_region: Counter[tuple[int, str]] = Counter()
    for version in versions:
        for technique_id, region, minutes in facts.minutes.get(version["id"], []):
            per_region[technique_id, region] += minutes
    per_technique: Counter[int] = Counter()
    for (technique_id, _), minutes in per_region.items():
        per_technique[technique_id] += minutes
    total = sum(per_technique.values())
    dominant = next((t for t, minutes in per_technique.items() if minutes * 2 > total), None)
    codes: list[str] = []
    for evaluation_id in dict.fromkeys(v["evaluation_id"] for v in versions):
        codes += [code for code in facts.diagnoses.get(evaluation_id, []) if code not in codes]
    practitioners = Counter(note[1] for note in notes)
    locations = Counter(note[2] for note in notes if note[2] is not None)
    referral_kind = next(
        (v["referral__provider__kind"] for v in reversed(versions) if v["referral__provider__kind"]), ""
    )
    episode = Episode(
        organization_id=organization_id,
        plan_id=first["id"],
        patient_id=patient_id,
        practitioner_id=practitioners.most_common(1)[0][0] if practitioners else current["practitioner_id"],
        location_id=locations.most_common(1)[0][0] if locations else first["patient__preferred_location_id"],
        start_date=start,
        end_date=end,
        status=Episode.Status.CLOSED if closed else Episode.Status.OPEN,
        visits=len(notes),
        days=(end - start).days,
        diagnoses=codes,
        payer_kind=_payer_kind(facts.coverages.get(patient_id, []), start, end),
        referral_source=referral_kind or Episode.SELF_REFERRED,
        total_minutes=total,
        dominant_technique_id=dominant,
    )
    techniques = [
        EpisodeTechnique(technique_id=technique_id, region=region, minutes=minutes)
        for (technique_id, region), minutes in sorted(per_region.items())
    ]
    groups = [
        group_id
        for group_id, prefixes in facts.groups.get(organization_id, [])
        if any(matches(code, prefixes) for code in codes)
    ]
    return _Built(episode, measures, techniques, groups)


def _rebuild_chunk(patient_ids: list[int]) -> int:
    """Replace the episodes of these patients; a fixed number of queries whatever their number."""
    chains = _chains(patient_ids)
    if not chains:  # no plan ever activated, so no episode ever made (a score at an evaluation before its plan)
        return 0
    facts = _read(patient_ids, chains)
    built = [_build(chain, facts) for chain in chains]
    EpisodeMeasure.objects.filter(episode__patient_id__in=patient_ids).delete()
    EpisodeTechnique.objects.filter(episode__patient_id__in=patient_ids).delete()
    Episode.groups.through.objects.filter(episode__patient_id__in=patient_ids).delete()
    Episode.objects.filter(patient_id__in=patient_ids).delete()
    Episode.objects.bulk_create([b.episode for b in built])
    measures: list[EpisodeMeasure] = []
    techniques: list[EpisodeTechnique] = []
    memberships: list[Any] = []
    for b in built:
        for measure in b.measures:
            measure.episode = b.episode
        for technique in b.techniques:
            technique.episode = b.episode
        measures += b.measures
        techniques += b.techniques
        memberships += [Episode.groups.through(episode=b.episode, conditiongroup_id=g) for g in b.groups]
    EpisodeMeasure.objects.bulk_create(measures)
    EpisodeTechnique.objects.bulk_create(techniques)
    Episode.groups.through.objects.bulk_create(memberships)
    return len(built)


def regroup(organization_id: int) -> None:
    """Recompute which condition groups the organization's episodes fall in (after its groups were edited):
    one read of the episodes' codes, one delete, one insert."""
    groups = list(ConditionGroup.objects.filter(organization_id=organization_id).values_list("id", "codes"))
    episodes = Episode.objects.filter(organization_id=organization_id).values_list("id", "diagnoses")
    memberships = [
        Episode.groups.through(episode_id=episode_id, conditiongroup_id=group_id)
        for episode_id, codes in episodes.iterator(chunk_size=5000)
        for group_id, prefixes in groups
        if any(matches(code, prefixes) for code in codes)
    ]
    Episode.groups.through.objects.filter(episode__organization_id=organization_id).delete()
    Episode.groups.through.objects.bulk_create(memberships, batch_size=5000)


# Receivers, connected in AnalyticsConfig.ready(): the lower apps know nothing of analytics.


def _after_commit(patient_id: int) -> None:
    transaction.on_commit(partial(_refresh_since, patient_id, time.monotonic()))


def note_saved(sender: type[VisitNote], instance: VisitNote, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a visit note: signing it adds a visit and its minutes to its episode."""
    update_fields = kwargs.get("update_fields")
    if raw or instance.status != SignedRecord.Status.SIGNED or instance.plan_id is None:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    _after_commit(instance.patient_id)


def measure_saved(sender: type[MeasureResult], instance: MeasureResult, raw: bool = False, **kwargs: Any) -> None:
    """post_save or post_delete of a measure result: a score of whichever episode was running on its day."""
    if not raw:
        _after_commit(instance.patient_id)


def plan_saved(sender: type[TreatmentPlan], instance: TreatmentPlan, raw: bool = False, **kwargs: Any) -> None:
    """post_save of a plan: activating, revising, completing or discontinuing it opens, keeps or closes an episode;
    a draft changes nothing."""
    if not raw and instance.status != TreatmentPlan.Status.DRAFT:
        _after_commit(instance.patient_id)
