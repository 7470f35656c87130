from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from fascia.core.models import User
from fascia.evaluations.models import Diagnosis, Evaluation
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.records.chain import fields_of


def evaluations_for_user(user: User) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(patient__organization_id=user.organization_id)


def get_evaluation_for_user(user: User, public_id: UUID) -> Evaluation:
    try:
        return (
            evaluations_for_user(user)
            .select_related("patient", "practitioner__user", "signed_by", "patient__preferred_location")
            .get(public_id=public_id)
        )
    except Evaluation.DoesNotExist as e:
        raise Http404("No such evaluation.") from e


def evaluations_of(patient: Patient) -> list[Evaluation]:
    """The patient's evaluations for the chart, newest first, with diagnoses and scores: three queries.

    Only the columns the chart shows are read; the full rows took longer to build than to fetch.
    """
    return list(
        patient.evaluations.select_related("practitioner__user")
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
        .prefetch_related(
            Prefetch("diagnoses", queryset=Diagnosis.objects.only("evaluation", "code")),
            Prefetch(
                "measures",
                queryset=MeasureResult.objects.only("evaluation", "instrument", "value").order_by("instrument"),
            ),
        )
    )


def score_table(evaluations: list[Evaluation]) -> tuple[list[str], list[tuple[Evaluation, list[float | None]]]]:
    """Outcome scores side by side: the instruments used, and each evaluation's scores in that order."""
    scores = [(e, {m.instrument: m.value for m in e.measures.all()}) for e in reversed(evaluations)]
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


def evaluation_content(evaluation: Evaluation) -> dict:
    """What a signature on an evaluation vouches for: its fields, diagnoses and measures.

    Sorted here rather than by the database, so rows prefetched for many evaluations serve too.
    """
    return {
        **fields_of(evaluation),
        "diagnoses": [
            fields_of(d, exclude=("evaluation",)) for d in sorted(evaluation.diagnoses.all(), key=lambda d: d.rank)
        ],
        "measures": [fields_of(m) for m in sorted(evaluation.measures.all(), key=lambda m: m.pk)],
    }
