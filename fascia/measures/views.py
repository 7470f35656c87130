"""The parts of recording a measure that every page taking one shares (evaluations, visit notes), and the page
a patient answers a questionnaire on through the link they were sent."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fascia.core import tenancy
from fascia.core.ratelimit import rate_limited
from fascia.measures import services
from fascia.measures.instruments import Instrument
from fascia.measures.models import InstrumentWording, QuestionnaireLink
from fascia.measures.scoring import instrument
from fascia.patients import links


def item_context(inst: Instrument) -> dict[str, Any]:
    """An instrument's items with the clinic's licensed wording when loaded (Fascia's own short labels else)."""
    wording = InstrumentWording.objects.filter(instrument=inst.code).first()
    full_texts = wording.items if wording else [""] * inst.item_count
    return {
        "inst": inst,
        "items": list(zip(inst.items, full_texts, strict=True)),
        "licence": wording.licence if wording else "",
        "choices": range(inst.low, inst.high + 1),
    }


def items(request: HttpRequest, inst: Instrument) -> HttpResponse:
    """The item inputs of an instrument (htmx)."""
    return render(request, "measures/_items.html", item_context(inst))


def responses(request: HttpRequest, inst: Instrument) -> list[int | None]:
    """The posted responses in item order; PSFS keeps only the activities filled in."""
    given: list[int | None] = []
    for number in range(inst.item_count):
        value = request.POST.get(f"item-{number}", "").strip()
        given.append(int(value) if value.lstrip("-").isdigit() else None)
    if inst.min_items is not None:
        given = [r for r in given if r is not None]
    return given


def activities(request: HttpRequest, inst: Instrument) -> list[str]:
    named = (request.POST.get(f"activity-{n}", "").strip() for n in range(inst.item_count))
    return [a for a in named if a]


def take(request: HttpRequest, *, record: Callable[..., object], back: str, refused: type[Exception]) -> HttpResponse:
    """The measure endpoint of a record that takes measures (an evaluation, a visit note).
    GET: the item inputs of the chosen instrument (htmx). POST: `record` the responses, then go
    `back`; bad responses, or the record refusing (`refused`, e.g. it is signed), are messages."""
    try:
        inst = instrument(request.GET.get("instrument") or request.POST.get("instrument", ""))
    except ValueError as e:
        return HttpResponse(str(e), status=400)
    if request.method == "GET":
        return items(request, inst)
    try:
        record(instrument=inst.code, responses=responses(request, inst), activities=activities(request, inst))
    except ValidationError as e:
        messages.error(request, f"{inst.name} not recorded: {' '.join(e.messages)}")
    except refused as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"{inst.name} recorded.")
    return redirect(back)


@never_cache
@rate_limited()
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """A patient answers one instrument through the link they were emailed, with no account: the date of birth
    first (three wrong ones lock the link), then the items; the score lands in the chart. Public: the token is
    the key, so a token that opens nothing is a 404 like any unknown address; each try counts towards the
    address's rate limit, a wrong token too."""
    link = services.link_for_token(token)
    if link is None:
        raise Http404("No such questionnaire.")
    # Bound to the patient's clinic from here on, as a staff request is (PostgreSQL row-level security).
    with tenancy.acting_for(link.patient.organization_id):
        return _answer(request, link)


def _answer(request: HttpRequest, link: QuestionnaireLink) -> HttpResponse:
    inst = instrument(link.instrument)
    context: dict[str, Any] = {"inst": inst, "clinic": str(link.patient.organization)}

    def page(extra: dict[str, Any], status: int) -> HttpResponse:
        return render(request, "measures/answer.html", {**context, **extra}, status=status)

    def wrong(left: int) -> str:
        tries = "1 try" if left == 1 else f"{left} tries"
        return f"That is not the date of birth we have. {tries} left."

    gate = links.birth_date_gate(
        request,
        link,
        problem=services.link_problem,
        check=lambda link, born: services.check_birth_date(link=link, birth_date=born),
        refused=services.QuestionnaireError,
        wrong=wrong,
        page=page,
        locked_status=200,  # the page saying the link is locked, as the questionnaire always answered it
    )
    if gate is not None:
        return gate
    if request.method == "POST":
        try:
            services.answer_questionnaire(
                link=link, responses=responses(request, inst), activities=activities(request, inst)
            )
        except ValidationError as e:
            messages.error(request, f"Not sent yet: {' '.join(e.messages)}")
        except services.QuestionnaireError as e:
            return render(request, "measures/answer.html", {**context, "problem": str(e)}, status=410)
        else:
            del request.session[links.verified_key(link)]
            return render(request, "measures/answer.html", {**context, "answered": True})
    return render(request, "measures/answer.html", {**context, **item_context(inst)})
