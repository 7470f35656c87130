"""The patient's intake form at /my/intake/: one section a step, each saved as a draft, then sent for review.

Phone-first: one short section a page, lists as a few rows with "Add more rows", the insurance card from the
phone's camera. Nothing here reaches the chart: submit_intake keeps it for staff to accept item by item.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.forms import StyledForm
from fascia.measures import views as measure_views
from fascia.measures.scoring import instrument
from fascia.measures.services import record_intake_questionnaire
from fascia.measures.suited import instrument_for_regions
from fascia.patients import intake
from fascia.patients.intake_forms import (
    DEMOGRAPHIC_FIELDS,
    LIST_FORMS,
    ComplaintForm,
    DemographicsForm,
    PregnancyForm,
)
from fascia.patients.models import IntakeSubmission, Patient
from fascia.portal.auth import PatientRequest, patient_view

# Each step: its slug, its title, and the sections of the intake it asks.
STEPS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("details", gettext_lazy("Your details"), ("demographics",)),
    ("medications", gettext_lazy("Medications"), ("medications",)),
    ("allergies", gettext_lazy("Allergies"), ("allergies",)),
    ("health", gettext_lazy("Health history"), ("conditions", "pregnancy")),
    ("surgeries", gettext_lazy("Surgeries and implants"), ("surgeries", "implants")),
    ("complaint", gettext_lazy("Why you are coming"), ("complaint",)),
    ("questionnaire", gettext_lazy("A short questionnaire"), ()),
    ("send", gettext_lazy("Insurance card and send"), ()),
]
STEP_SLUGS = [slug for slug, _title, _sections in STEPS]
SINGLE_FORMS = {"demographics": DemographicsForm, "pregnancy": PregnancyForm, "complaint": ComplaintForm}
LIST_TITLES = {
    "conditions": gettext_lazy("Conditions you have or had"),
    "medications": gettext_lazy("Medications, vitamins and supplements you take"),
    "allergies": gettext_lazy("Allergies, including to massage oils, lotions, nuts or latex"),
    "surgeries": gettext_lazy("Surgeries"),
    "implants": gettext_lazy("Implants and devices"),
}
BLANK_ROWS = 2


class CardForm(StyledForm):
    card_front = forms.FileField(label=gettext_lazy("Front of your insurance card"), required=False)
    card_back = forms.FileField(label=gettext_lazy("Back of your insurance card"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"accept": "image/jpeg,image/png,application/pdf", "capture": "environment"})
            field.help_text = gettext_lazy("A photo (JPEG or PNG) or a PDF, up to 8 MB.")


def _initial_details(patient: Patient) -> dict[str, Any]:
    return {name: getattr(patient, name) for name in DEMOGRAPHIC_FIELDS}


def _forms(section: str, answers: dict[str, Any], patient: Patient, data: Any = None, more: bool = False) -> Any:
    """The form (or, for a list, the formset) of one section: bound to `data` when posted, else filled with the
    draft's answers (the details, at first, with the chart's)."""
    if section in LIST_FORMS:
        rows = answers.get(section, [])
        formset_class = forms.formset_factory(
            LIST_FORMS[section], extra=BLANK_ROWS + (BLANK_ROWS if more else 0), can_delete=True
        )
        if data is not None:
            return formset_class(data, prefix=section)
        return formset_class(initial=rows, prefix=section)
    form_class = SINGLE_FORMS[section]
    if data is not None:
        return form_class(data, prefix=section)
    initial = answers.get(section)
    if section == "demographics" and not initial:
        initial = _initial_details(patient)
    elif section == "pregnancy" and initial:
        initial = {
            "pregnant": "yes" if initial.get("is_pregnant") else "no",
            "due_date": initial.get("pregnancy_due_date"),
        }
    return form_class(initial=initial, prefix=section)


def _answers(section: str, bound: Any) -> Any:
    """A valid bound form's (or formset's) answers, as the intake keeps them."""
    if section in LIST_FORMS:
        return [
            form.as_json()
            for form in bound.forms
            # An untouched blank row cleans to nothing; a row kept from the draft cleans to its answers.
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
    return bound.as_json()


def _blocks(step_sections: tuple[str, ...], bound: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"section": s, "title": LIST_TITLES.get(s, ""), "is_list": s in LIST_FORMS, "form": bound[s]}
        for s in step_sections
    ]


def _questionnaire_context(request: PatientRequest, answers: dict[str, Any]) -> dict[str, Any]:
    """The questionnaire step: the one instrument suited to the regions the complaint step named (suited.py), its
    items as the portal's questionnaire page shows them, or what was answered already."""
    answered = answers.get(intake.QUESTIONNAIRE)
    code = instrument_for_regions(answers.get("complaint", {}).get("pain_regions", []))
    if answered or code is None:
        return {"answered": answered, "inst": None}
    return {"answered": None, **measure_views.item_context(instrument(code))}


def _answer_questionnaire(request: PatientRequest, answers: dict[str, Any], next_url: str) -> HttpResponse | None:
    """Record the posted answers (record_intake_questionnaire): on to the next step, or None (the step again, with
    the error said) when they are refused."""
    code = instrument_for_regions(answers.get("complaint", {}).get("pain_regions", []))
    if code is None or answers.get(intake.QUESTIONNAIRE):
        return redirect(next_url)
    inst = instrument(code)
    try:
        record_intake_questionnaire(
            actor=request.user,
            patient=request.patient,
            instrument=inst.code,
            responses=measure_views.responses(request, inst),
            activities=measure_views.activities(request, inst),
        )
    except intake.IntakeError as e:
        messages.error(request, str(e))
        return redirect(reverse("portal:intake"))
    except ValidationError as e:
        messages.error(request, _("Not sent yet: %(problem)s") % {"problem": " ".join(e.messages)})
        return None
    messages.success(request, _("Thank you: your answers are with your therapist."))
    return redirect(next_url)


@patient_view
@require_http_methods(["GET", "POST"])
def intake_form(request: PatientRequest) -> HttpResponse:
    patient = request.patient
    slug = request.GET.get("step", STEP_SLUGS[0])
    if slug not in STEP_SLUGS:
        raise Http404("No such step.")
    number = STEP_SLUGS.index(slug)
    _slug, title, sections = STEPS[number]
    current = intake.open_intake(patient)
    if current is not None and current.status == IntakeSubmission.Status.SUBMITTED:
        return render(request, "portal/intake/sent.html", {"submission": current})
    answers = current.answers if current else {}
    url = reverse("portal:intake")
    more = "more" in request.POST
    card_form: CardForm | None = None
    bound: dict[str, Any] = {}
    if request.method == "POST" and slug == "questionnaire":
        done = _answer_questionnaire(request, answers, f"{url}?step={STEP_SLUGS[number + 1]}")
        if done is not None:
            return done
    elif request.method == "POST" and slug != "send":
        bound = {s: _forms(s, answers, patient, request.POST) for s in sections}
        if all(form.is_valid() for form in bound.values()):
            try:
                intake.save_intake_draft(
                    actor=request.user, patient=patient, data={s: _answers(s, bound[s]) for s in sections}
                )
            except intake.IntakeError as e:
                messages.error(request, str(e))
                return redirect(url)
            except ValidationError as e:
                messages.error(request, " ".join(e.messages))
            else:
                if more:  # the same step again, with more blank rows under what was kept
                    return redirect(f"{url}?step={slug}&more=1")
                messages.success(request, _("Saved. You can finish later; nothing is sent until the last step."))
                return redirect(f"{url}?step={STEP_SLUGS[number + 1]}")
    elif request.method == "POST":
        card_form = CardForm(request.POST, request.FILES)
        if card_form.is_valid():
            files = {side: card_form.cleaned_data[side] for side in ("card_front", "card_back")}
            try:
                intake.submit_intake(actor=request.user, patient=patient, data={}, files=files)
            except intake.IntakeError as e:
                messages.error(request, str(e))
                return redirect(url)
            except ValidationError as e:
                for key, problems in e.message_dict.items():
                    for problem in problems:
                        if key in card_form.fields:
                            card_form.add_error(key, problem)
                        else:  # a section saved before that no longer passes (rare): say which
                            card_form.add_error(None, problem if key == "__all__" else f"{key}: {problem}")
            else:
                messages.success(request, _("Thank you. Your intake was sent to the clinic."))
                return redirect(url)
    else:
        more = request.GET.get("more") == "1"
        bound = {s: _forms(s, answers, patient, more=more) for s in sections}
        card_form = CardForm() if slug == "send" else None
        audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "intake"})
    context = {
        "steps": [{"slug": s, "title": t, "current": s == slug} for s, t, _x in STEPS],
        "step": slug,
        "title": title,
        "number": number + 1,
        "count": len(STEPS),
        "blocks": _blocks(sections, bound) if sections else [],
        "card_form": card_form,
        "previous": STEP_SLUGS[number - 1] if number else None,
        "last": slug == "send",
        "has_card": bool(current and (current.card_front or current.card_back)),
        "next": STEP_SLUGS[number + 1] if slug != "send" else None,
    }
    if slug == "questionnaire":
        context |= _questionnaire_context(request, answers)
    return render(request, "portal/intake/form.html", context)
