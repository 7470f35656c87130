"""The parts of recording a measure that every page taking one shares (evaluations, visit notes)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fascia.measures.models import InstrumentWording
from fascia.measures.scoring import Instrument


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
