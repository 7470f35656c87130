from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.billing import cob, queries
from fascia.billing.claims import services
from fascia.billing.forms import (
    AuthorizationForm,
    ClearinghouseForm,
    CoverageForm,
    FeeForm,
    InjuryCaseForm,
    NcciPairForm,
    PayerForm,
    RemittanceForm,
    StatusForm,
)
from fascia.billing.models import (
    Authorization,
    Batch,
    Claim,
    ClaimLine,
    Clearinghouse,
    Coverage,
    Fee,
    InjuryCase,
    NcciPair,
    Payer,
)
from fascia.billing.paper import cms1500
from fascia.billing.paper.statement import render_statement
from fascia.billing.remittance import review
from fascia.billing.remittance.parse import RemittanceError
from fascia.billing.remittance.posting import import_835, summary
from fascia.billing.reports import DENIAL_PERIODS, aging, denials, standing
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.lib.urls import next_url
from fascia.patients.models import Patient, name_for_display
from fascia.patients.queries import get_patient_for_user

PART_PAGE_SIZE = 50
QUEUE_TITLES = {
    "failing": "Claims failing the scrubber",
    "clean_drafts": "Drafts that pass: mark them ready",
    "ready": "Ready to send",
    "resubmit": "Rejected or denied: fix and resubmit, appeal or close",
    "waiting": "Waiting for the payer",
}


# Claims one press of "Draft the claims" drafts, so it answers in seconds: a large clinic's whole backlog
# at once came close to gunicorn's default timeout of 30 s.
BUILD_CLAIMS = 100
# Claims one press of the export button writes into one 837P file, so it answers in seconds with pyx12's
# check; past edi837.MAX_CLAIMS none at all could go.
EXPORT_CLAIMS = 1000


def claim_table(claims: list[dict], *, show_problems: bool = False) -> dict:
    """A table of claims (rows of queries.QUEUE_COLUMNS) as the work queue lists them, for
    billing/_claim_table.html: number and link, patient, payer, charge and status, and with
    `show_problems` what the scrubber found."""
    rows = [
        {
            "url": reverse("billing:claim", args=[c["public_id"]]),
            "number": c["number"],
            "patient": name_for_display(
                c["patient__family_name"], c["patient__given_name"], c["patient__preferred_name"]
            ),
            "payer": c["payer__name"],
            "charge": c["charge"],
            "status": Claim.Status(c["status"]).label,
            "problems": c["problems"] if show_problems else [],
        }
        for c in claims
    ]
    return {"rows": rows, "show_problems": show_problems}


@staff_view(roles.VIEW_CLAIM)
@require_GET
def queue(request: ClinicRequest) -> HttpResponse:
    """The work queue; ?part=waiting (or another part) lists all of that part, a page at a time."""
    can_submit = request.user.has_perm(roles.SUBMIT_CLAIM)
    part = request.GET.get("part", "")
    if part in queries.QUEUE_PARTS:
        page = Paginator(queries.queue_claims(request.organization, part), PART_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context: dict[str, Any] = {
            "part": part,
            "title": QUEUE_TITLES[part],
            "page": page,
            "table": claim_table(list(page), show_problems=part == "failing"),
        }
        return render(request, "billing/queue_part.html", context)
    queue = queries.queue(request.organization)
    context = {
        **queue,
        "tables": {part: claim_table(queue[part], show_problems=part == "failing") for part in queries.QUEUE_PARTS},
        "titles": QUEUE_TITLES,
        "can_submit": can_submit,
        "build_claims": BUILD_CLAIMS,
    }
    return render(request, "billing/queue.html", context)


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def build(request: ClinicRequest) -> HttpResponse:
    """Draft claims, checked by the scrubber, for the patients with signed notes not yet billed, oldest
    visits first, up to BUILD_CLAIMS a press."""
    patients = [row["patient"] for row in queries.notes_to_bill(request.organization, every=True)[0] if row["coverage"]]
    claims = services.build_claims(
        actor=request.user, patients=patients, through=timezone.localdate(), limit=BUILD_CLAIMS
    )
    message = f"{len(claims)} claim(s) drafted and checked."
    if len(claims) == BUILD_CLAIMS and (left := queries.notes_to_bill(request.organization)[1]):
        message += f" {left} patient(s) still have visits to bill: draft the claims again for the next {BUILD_CLAIMS}."
    messages.success(request, message)
    return redirect("billing:queue")


@staff_view(roles.VIEW_CLAIM)
@require_GET
def claim_detail(request: ClinicRequest, claim_id: UUID) -> HttpResponse:
    claim = queries.get_claim(request.organization, claim_id)
    audit.record(actor=request.user, action=AuditAction.CLAIM_VIEWED, target=claim, patient=claim.patient)
    choices = [
        (s, Claim.Status(s).label) for s in sorted(services.TRANSITIONS[claim.status]) if s != Claim.Status.READY
    ]
    status_form = StatusForm(choices=choices)
    # The lines read once, for their table and for the claim's total and balance.
    prefetch_related_objects([claim], Prefetch("lines", ClaimLine.objects.select_related("rendering__user")))
    can_submit = request.user.has_perm(roles.SUBMIT_CLAIM)
    secondaries = list(claim.secondary_claims.select_related("payer"))
    context = {
        "claim": claim,
        "lines": list(claim.lines.all()),
        # Minutes documented but not billable (an NCCI pair on one region), with the reason: one query.
        "withheld": [
            {"date": visited_on, **w}
            for visited_on, withheld in claim.billed_notes.exclude(withheld=[]).values_list(
                "note__visited_on", "withheld"
            )
            for w in withheld
        ],
        "events": list(claim.events.select_related("actor")),
        "postings": list(claim.postings.select_related("remittance").prefetch_related("adjustments")),
        # The 837P file the claim last went in (not joined in get_claim: the file's text is large).
        "batch_number": Batch.objects.filter(pk=claim.batch_id).values_list("control_number", flat=True).first()
        if claim.batch_id
        else None,
        "can_submit": can_submit,
        "status_form": status_form if choices else None,
        "is_draft": claim.status == Claim.Status.DRAFT,
        "is_self_pay": claim.payer.kind == Payer.Kind.SELF_PAY,
        "replaces_a_claim": claim.frequency != Claim.Frequency.ORIGINAL,
        # Coordination of benefits: the primary claim of a secondary, the secondary claims of a primary, and
        # whether a secondary claim may be drafted here (a decided primary with a secondary coverage and no live
        # secondary claim: claims posted before posting drafted them).
        "primary_claim": claim.primary_claim,
        "secondary_claims": secondaries,
        # The secondary claim the patient's share goes to before the patient owes it (queries.passed_on).
        "carried_on": next((s for s in secondaries if s.status != Claim.Status.CLOSED), None),
        "can_draft_secondary": can_submit and _may_draft_secondary(claim, secondaries),
    }
    return render(request, "billing/claim_detail.html", context)


def _may_draft_secondary(claim: Claim, secondaries: list[Claim]) -> bool:
    if claim.primary_claim_id is not None or (claim.coverage is not None and claim.coverage.rank != 1):
        return False
    if any(not (c.status == Claim.Status.CLOSED and c.submitted_at is None) for c in secondaries):
        return False
    lines = list(claim.lines.all())
    if not lines or cob.decision(claim) is None:
        return False
    coverages = claim.patient.coverages.select_related("payer")
    return cob.other_coverage(coverages, rank=2, day=lines[0].service_date) is not None


def _claim_action(request: ClinicRequest, claim_id: UUID) -> tuple[Claim, str]:
    claim = queries.get_claim(request.organization, claim_id)
    return claim, reverse("billing:claim", args=[claim.public_id])


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def check(request: ClinicRequest, claim_id: UUID) -> HttpResponse:
    claim, back = _claim_action(request, claim_id)
    try:
        services.mark_ready(actor=request.user, claim=claim)
    except services.ScrubFailed as e:
        messages.error(request, f"{len(e.problems)} problem(s) to fix before the claim can be sent.")
    except services.BillingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"{claim} is ready to send.")
    return redirect(back)


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def draft_secondary(request: ClinicRequest, claim_id: UUID) -> HttpResponse:
    claim, back = _claim_action(request, claim_id)
    try:
        secondary = services.draft_secondary(actor=request.user, claim=claim)
    except services.BillingError as e:
        messages.error(request, str(e))
        return redirect(back)
    messages.success(request, f"{secondary} to {secondary.payer} is drafted from {claim}.")
    return redirect("billing:claim", secondary.public_id)


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def change_status(request: ClinicRequest, claim_id: UUID) -> HttpResponse:
    claim, back = _claim_action(request, claim_id)
    form = StatusForm(request.POST, choices=Claim.Status.choices)
    if form.is_valid():
        try:
            services.change_status(
                actor=request.user, claim=claim, to=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except services.BillingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"{claim} is now {claim.get_status_display().lower()}.")
    return redirect(back)


@staff_view(roles.VIEW_CLAIM)
@require_GET
def claim_pdf(request: ClinicRequest, claim_id: UUID) -> HttpResponse:
    """CMS-1500 drawn on plain paper, or the data alone for pre-printed forms (?form=data); a
    superbill for self-pay."""
    claim = queries.get_claim(request.organization, claim_id)
    kind = "superbill" if claim.payer.kind == Payer.Kind.SELF_PAY else request.GET.get("form", "drawn")
    audit.record(
        actor=request.user, action=AuditAction.CLAIM_VIEWED, target=claim, patient=claim.patient, detail={"pdf": kind}
    )
    pdf = cms1500.render_superbill(claim) if kind == "superbill" else cms1500.render(claim, drawn=kind != "data")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{claim.number}.pdf"'
    return response


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def export(request: ClinicRequest) -> HttpResponse:
    """The ready claims to electronic payers, up to EXPORT_CLAIMS by number, into one 837P file, marked
    submitted."""
    ready = queries.claims_of(request.organization).filter(
        status=Claim.Status.READY, payer__claim_method=Payer.ClaimMethod.ELECTRONIC
    )
    claims = list(ready.order_by("number")[:EXPORT_CLAIMS])
    if not claims:
        messages.error(request, "No ready electronic claims to send.")
        return redirect("billing:queue")
    try:
        batch = services.export_claims(actor=request.user, claims=claims)
    except services.BillingError as e:
        messages.error(request, str(e))
        return redirect("billing:queue")
    message = f"{len(claims)} claim(s) written to 837P file {batch.control_number:09d}."
    if len(claims) == EXPORT_CLAIMS and (left := ready.count()):
        message += f" {left} ready claim(s) wait for the next file: send again."
    messages.success(request, message)
    return redirect(reverse("billing:queue") + f"?batch={batch.control_number}")


@staff_view(roles.SUBMIT_CLAIM)
@require_GET
def batch_file(request: ClinicRequest, control_number: int) -> HttpResponse:
    """The 837P file as written. It holds every claim's patient (names, birth dates, member IDs, diagnoses): each
    download is audited, naming the file; the entry of its export (CLAIMS_EXPORTED) lists its claims."""
    batch = get_object_or_404(Batch, organization=request.organization, control_number=control_number)
    filename = f"fascia-837p-{batch.control_number:09d}.txt"
    audit.record(actor=request.user, action=AuditAction.BATCH_DOWNLOADED, target=batch, detail={"file": filename})
    response = HttpResponse(batch.content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_view(roles.SUBMIT_CLAIM)
@require_http_methods(["GET", "POST"])
def remittances(request: ClinicRequest) -> HttpResponse:
    """Upload an 835 and post it; the list of what earlier files posted, unmatched items first."""
    form = RemittanceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read().decode("ascii")
            posted = import_835(actor=request.user, organization=request.organization, text=text, filename=upload.name)
        except UnicodeDecodeError:
            form.add_error("file", "This is not an X12 text file.")
        except (RemittanceError, services.BillingError) as e:
            form.add_error("file", str(e))
        else:
            messages.success(request, summary(posted, upload.name))
            return redirect("billing:remittances")
    recent = queries.recent_remittances(request.organization)
    return render(request, "billing/remittances.html", {"form": form, "remittances": recent})


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def post_held(request: ClinicRequest, posting_id: int) -> HttpResponse:
    """Post a payment held for review, if its reason no longer holds."""
    try:
        posting = review.post_held(actor=request.user, organization=request.organization, posting_id=posting_id)
    except services.BillingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Posted the payment of {posting.paid} to claim {posting.claim_number}.")
    return redirect("billing:remittances")


@staff_view(roles.SUBMIT_CLAIM)
@require_POST
def dismiss_held(request: ClinicRequest, posting_id: int) -> HttpResponse:
    """Dismiss a payment held for review, with the note saying why."""
    try:
        posting = review.dismiss_held(
            actor=request.user,
            organization=request.organization,
            posting_id=posting_id,
            note=request.POST.get("note", ""),
        )
    except services.BillingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Dismissed the payment of {posting.paid} for claim {posting.claim_number}.")
    return redirect("billing:remittances")


@staff_view(roles.VIEW_CLAIM)
@require_GET
def reports(request: ClinicRequest) -> HttpResponse:
    today = timezone.localdate()
    asked = request.GET.get("days", "")
    days = int(asked) if asked.isdigit() and int(asked) in DENIAL_PERIODS else DENIAL_PERIODS[0]
    context = {
        "aging": aging(request.organization, today),
        "denials": denials(standing(request.organization, today - timedelta(days=days))),
        "days": days,
        "periods": DENIAL_PERIODS,
    }
    return render(request, "billing/reports.html", context)


@staff_view(roles.VIEW_CLAIM)
@require_GET
def statement(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    audit.record(actor=request.user, action=AuditAction.CLAIM_VIEWED, target=patient, detail={"pdf": "statement"})
    pdf = render_statement(patient, organization=request.organization)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{patient.mrn}.pdf"'
    return response


@staff_view(roles.VIEW_CLAIM)
@require_GET
def payer_list(request: ClinicRequest) -> HttpResponse:
    payers = (
        Payer.objects.filter(organization=request.organization).select_related("clearinghouse").prefetch_related("fees")
    )
    context = {
        "payers": payers,
        "clearinghouses": Clearinghouse.objects.filter(organization=request.organization),
        "ncci_pairs": NcciPair.objects.filter(organization=request.organization),
        "can_edit": request.user.has_perm(roles.CHANGE_PAYER),
    }
    return render(request, "billing/payer_list.html", context)


def _form_page(request: ClinicRequest, form: forms.BaseForm, title: str, back: str) -> HttpResponse:
    return render(request, "billing/form.html", {"form": form, "title": title, "back": back})


def _saved(
    request: ClinicRequest,
    form: forms.BaseModelForm[Any],
    back: str,
    *,
    patient: Patient | None = None,
    save: Callable[[], object] | None = None,
) -> HttpResponse | None:
    """Save a valid form through the service (`save`, else the shared save_record); None when it must be shown
    again."""
    try:
        if save is not None:
            save()
        else:
            services.save_record(actor=request.user, record=form.instance, patient=patient)
    except ValidationError as e:
        form.add_error(None, e)
        return None
    messages.success(request, f"{form.instance} saved.")
    return redirect(back)


@staff_view(roles.CHANGE_PAYER)
@require_http_methods(["GET", "POST"])
def payer_edit(request: ClinicRequest, payer_id: UUID | None = None) -> HttpResponse:
    payer = (
        get_object_or_404(Payer, public_id=payer_id, organization=request.organization)
        if payer_id
        else Payer(organization=request.organization)
    )
    form = PayerForm(request.POST or None, instance=payer)
    back = reverse("billing:payers")
    if request.method == "POST" and form.is_valid() and (done := _saved(request, form, back)):
        return done
    return _form_page(request, form, str(payer) if payer.pk else "New payer", back)


@staff_view(roles.CHANGE_PAYER)
@require_http_methods(["GET", "POST"])
def clearinghouse_edit(request: ClinicRequest, clearinghouse_id: UUID | None = None) -> HttpResponse:
    """The submitter and receiver IDs a clearinghouse assigned, which every 837P file it receives carries."""
    house = (
        get_object_or_404(Clearinghouse, public_id=clearinghouse_id, organization=request.organization)
        if clearinghouse_id
        else Clearinghouse(organization=request.organization)
    )
    form = ClearinghouseForm(request.POST or None, instance=house)
    back = reverse("billing:payers")
    save = partial(services.save_clearinghouse, actor=request.user, clearinghouse=form.instance)  # the default's lock
    if request.method == "POST" and form.is_valid() and (done := _saved(request, form, back, save=save)):
        return done
    return _form_page(request, form, str(house) if house.pk else "New clearinghouse", back)


@staff_view(roles.CHANGE_PAYER)
@require_http_methods(["GET", "POST"])
def fee_add(request: ClinicRequest, payer_id: UUID) -> HttpResponse:
    payer = get_object_or_404(Payer, public_id=payer_id, organization=request.organization)
    form = FeeForm(request.POST or None, instance=Fee(organization=request.organization, payer=payer))
    back = reverse("billing:payers")
    if request.method == "POST" and form.is_valid() and (done := _saved(request, form, back)):
        return done
    return _form_page(request, form, f"Fee for {payer}", back)


@staff_view(roles.CHANGE_PAYER)
@require_http_methods(["GET", "POST"])
def ncci_pair_edit(request: ClinicRequest, pair_id: UUID | None = None) -> HttpResponse:
    """Add or change one of the clinic's NCCI pairs (as CMS publishes a new quarter's table)."""
    pair = (
        get_object_or_404(NcciPair, public_id=pair_id, organization=request.organization)
        if pair_id
        else NcciPair(organization=request.organization)
    )
    form = NcciPairForm(request.POST or None, instance=pair)
    back = reverse("billing:payers")
    if request.method == "POST" and form.is_valid() and (done := _saved(request, form, back)):
        return done
    return _form_page(request, form, f"NCCI pair {pair}" if pair.pk else "New NCCI pair", back)


PATIENT_FORMS: dict[str, tuple[type[Coverage | InjuryCase | Authorization], type[forms.BaseModelForm[Any]]]] = {
    "coverage": (Coverage, CoverageForm),
    "injury-case": (InjuryCase, InjuryCaseForm),
    "authorization": (Authorization, AuthorizationForm),
}


@staff_view(roles.CHANGE_COVERAGE)
@require_http_methods(["GET", "POST"])
def patient_record(request: ClinicRequest, patient_id: UUID, kind: str, record_id: UUID | None = None) -> HttpResponse:
    """Add or change a patient's coverage, injury case or authorization."""
    patient = get_patient_for_user(request.user, patient_id)
    if kind not in PATIENT_FORMS:
        return HttpResponse(status=404)
    model, form_class = PATIENT_FORMS[kind]
    mine = (
        Authorization.objects.filter(coverage__patient=patient)
        if issubclass(model, Authorization)
        else model.objects.filter(patient=patient)
    )
    if record_id is not None:
        instance = get_object_or_404(mine, public_id=record_id)
    else:
        instance = model() if issubclass(model, Authorization) else model(patient=patient)
    form: forms.BaseModelForm[Any]
    if form_class is AuthorizationForm:  # which offers the patient's coverages
        form = AuthorizationForm(request.POST or None, instance=instance, patient=patient)
    else:
        form = form_class(request.POST or None, instance=instance)
    back = next_url(request, patient.get_chart_url())
    if request.method == "POST" and form.is_valid() and (done := _saved(request, form, back, patient=patient)):
        return done
    name = model._meta.verbose_name
    title = f"{'Change' if record_id else 'New'} {name} for {patient.display_name}"
    return render(request, "billing/form.html", {"form": form, "title": title, "back": back, "patient": patient})
