from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet, Subquery, TextField
from django.db.models.functions import Cast
from django.http import Http404

from fascia.core.models import User
from fascia.evaluations.models import Diagnosis, Evaluation, EvaluationMeasure, RedFlagClearance
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.records.chain import values_of, vouched
from fascia.techniques.queries import RED_FLAG_CLEARED, RED_FLAGS_RAISED, history_rows


def evaluations_for_user(user: User) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(patient__organization_id=user.member_organization_id)


def get_evaluation_for_user(user: User, public_id: UUID) -> Evaluation:
    try:
        return (
            evaluations_for_user(user)
            .select_related("patient", "practitioner__user", "signed_by", "patient__preferred_location")
            .get(public_id=public_id)
        )
    except Evaluation.DoesNotExist as e:
        raise Http404("No such evaluation.") from e


def clearances_done() -> Prefetch:
    """An evaluation's referrals and clearances with who recorded them, prefetched (one query for many)."""
    return Prefetch("clearances", queryset=RedFlagClearance.objects.select_related("created_by"))


def evaluations_of(patient: Patient) -> list[Evaluation]:
    """The patient's evaluations for the chart, newest first, each with `codes` (its diagnoses' codes, in
    rank order) and `scores` (instrument code to value): three queries, each reading only the columns the
    chart shows (the full rows took longer to build than to fetch)."""
    evaluations = list(
        Evaluation.objects.filter(patient=patient)
        .select_related("practitioner__user")
        .only(
            "patient",
            "public_id",
            "kind",
            "status",
            "evaluated_on",
            "practitioner__credential_suffix",
            "practitioner__user__first_name",
            "practitioner__user__last_name",
            "practitioner__user__username",
        )
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for diagnosis in Diagnosis.objects.filter(evaluation__patient=patient).only("evaluation", "code"):
        codes[diagnosis.evaluation_id].append(diagnosis.code)
    scores: dict[int, dict[str, float]] = defaultdict(dict)
    links = EvaluationMeasure.objects.filter(evaluation__patient=patient)
    results = links.values_list("evaluation", "result__instrument", "result__value").order_by("result_id")
    for evaluation_id, instrument, value in results:  # the latest of an instrument wins
        scores[evaluation_id][instrument] = value
    for evaluation in evaluations:
        evaluation.codes, evaluation.scores = codes[evaluation.pk], scores[evaluation.pk]
    return evaluations


def score_table(evaluations: list[Evaluation]) -> tuple[list[str], list[tuple[Evaluation, list[float | None]]]]:
    """Outcome scores side by side: the instruments used, and each evaluation's scores in that order."""
    scores = [(e, e.scores) for e in reversed(evaluations)]
    instruments = sorted({code for _, by_code in scores for code in by_code})
    return instruments, [(e, [by_code.get(code) for code in instruments]) for e, by_code in scores]


def chart_context(patient: Patient, user: User) -> dict:
    evaluations = evaluations_of(patient)
    instruments, rows = score_table(evaluations)
    return {
        "evaluations": evaluations,
        "instruments": instruments,
        "score_rows": rows,
        "can_start": user.has_perm("evaluations.add_evaluation") and hasattr(user, "practitioner"),
        "kinds": Evaluation.Kind.choices,
    }


def evaluation_content(
    evaluation: Evaluation,
    *,
    diagnoses: Iterable[Diagnosis] | None = None,
    measures: Iterable[MeasureResult] | None = None,
) -> dict[str, Any]:
    """What a signature on an evaluation vouches for: its fields, diagnoses and measures (read through the
    evaluation unless given).

    Sorted here rather than by the database, so rows prefetched for many evaluations serve too.
    """
    diagnoses = evaluation.diagnoses.all() if diagnoses is None else diagnoses
    measures = evaluation.measures.all() if measures is None else measures
    return evaluation_content_from(values_of(evaluation), map(values_of, diagnoses), map(values_of, measures))


def evaluation_content_from(
    evaluation: Mapping[str, Any], diagnoses: Iterable[Mapping[str, Any]], measures: Iterable[Mapping[str, Any]]
) -> dict:
    """`evaluation_content` from the values by column of the evaluation, its diagnoses and its measures (as
    `fascia seed` holds the rows it writes)."""
    return {
        **vouched(evaluation),
        "diagnoses": [vouched(d, exclude=("evaluation_id",)) for d in sorted(diagnoses, key=lambda d: d["rank"])],
        # A measure's row once held its evaluation and note as columns; seals taken then hashed them, so the content
        # keeps both names.
        "measures": [
            {**vouched(m), "evaluation_id": evaluation["id"], "visit_note_id": None}
            for m in sorted(measures, key=lambda m: m["id"])
        ],
    }


def red_flag_rows(patient: Patient, since: QuerySet[Evaluation] | None = None) -> list[QuerySet]:
    """What screening reads of the patient's signed evaluations, as rows techniques' facts_for adds to its one
    query (`also`): the red flags each raised, and those a referral or clearance is recorded for (facts_for
    reads which flags are still waiting: techniques.queries.cleared_flags).

    `since` is the evaluation a plan was written from (a queryset of that one row): it and every evaluation
    dated the same day or later are read, whichever is the latest, so a newer evaluation that does not raise
    a flag again does not drop it. None reads every signed evaluation of the patient (a note on no plan).
    """
    signed = Evaluation.objects.filter(patient=patient, status=Evaluation.Status.SIGNED)
    if since is not None:
        signed = signed.filter(evaluated_on__gte=Subquery(since.values("evaluated_on")[:1]))
    return [
        history_rows(signed, RED_FLAGS_RAISED, text=Cast("red_flags", TextField()), day="evaluated_on", ref="pk"),
        history_rows(
            RedFlagClearance.objects.filter(evaluation__in=signed.values("pk")),
            RED_FLAG_CLEARED,
            text="flag",
            day="evaluation__evaluated_on",
            ref="evaluation_id",
        ),
    ]
