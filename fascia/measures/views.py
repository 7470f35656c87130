"""The parts of recording a measure that every page taking one shares (evaluations, visit notes)."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fascia.measures.instruments import Instrument
from fascia.measures.models import InstrumentWording
from fascia.measures.scoring import instrument


def items(request: HttpRequest, inst: Instrument) -> HttpResponse:
    """The item inputs of an instrument (htmx), with the clinic's licensed wording when loaded."""
    wording = InstrumentWording.objects.filter(instrument=inst.code).first()
    full_texts = wording.items if wording else [""] * inst.item_count
    context = {
        "inst": inst,
        "items": list(zip(inst.items, full_texts, strict=True)),
        "licence": wording.licence if wording else "",
        "choices": range(inst.low, inst.high + 1),
    }
    return render(request, "measures/_items.html", context)


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
