"""The date-of-birth gate every link emailed to a patient opens through (a portal invitation, a questionnaire
link): the link must still open, then the patient gives their date of birth (MAX_CHECKS wrong ones lock the
link), then this session remembers it was proved and the link's own page shows."""

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from fascia.patients.forms import BirthDateForm
from fascia.patients.models import PatientLink

L = TypeVar("L", bound=PatientLink)


class Page(Protocol):
    """Renders the link's page with these keys added to its context: `problem` (why it opens nothing), or
    `birth_date_form` (the gate's form)."""

    def __call__(self, extra: dict[str, Any], status: int) -> HttpResponse: ...


def verified_key(link: PatientLink) -> str:
    """The session key that says this session gave the right date of birth for `link`."""
    return f"link-verified-{link.public_id}"


def birth_date_gate(
    request: HttpRequest,
    link: L,
    *,
    problem: Callable[[L], str],
    check: Callable[[L, date], bool],
    refused: type[Exception],
    wrong: Callable[[int], str],
    page: Page,
    locked_status: int = 410,
) -> HttpResponse | None:
    """None once this session has proved the patient's date of birth for `link`: the caller shows the link's
    page. Else the answer to give: the link's `problem` (410), or the date-of-birth form, its error saying
    `wrong(tries_left)`, or after a correct date a redirect to the same address.

    `check(link, birth_date)` asks the link's service: it counts a wrong date (audited) and raises `refused`,
    with the reason, when the link no longer opens. The page of a link locked by this very try answers
    `locked_status`."""
    found = problem(link)
    if found:
        return page({"problem": found}, 410)
    if request.session.get(verified_key(link)):
        return None
    form = BirthDateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        birth_date: date = form.cleaned_data["birth_date"]
        try:
            right = check(link, birth_date)
        except refused as e:
            return page({"problem": str(e)}, 410)
        if right:
            request.session[verified_key(link)] = True
            return redirect(request.path)
        link.refresh_from_db(fields=["failed_checks"])
        if link.is_locked:
            return page({"problem": problem(link)}, locked_status)
        form.add_error("birth_date", wrong(link.MAX_CHECKS - link.failed_checks))
    return page({"birth_date_form": form}, 200)
