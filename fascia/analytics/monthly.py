"""The owner's monthly report (issue 28 point 6): the month's headline figures beside the month before's, and the
visits and revenue trend charts over both, as a PDF (WeasyPrint, fascia.lib.pdf)."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.analytics import finances, practice
from fascia.analytics.dashboards import revenue_chart, visits_chart
from fascia.analytics.filters import Filters
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.models import Organization
from fascia.lib.numbers import decimal, percent
from fascia.lib.pdf import render_pdf

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str, today: date) -> date:
    """The first day of the month "YYYY-MM" names; blank: the last whole month. ValueError, in words, otherwise."""
    if not value:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    match = MONTH.match(value)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= today.year + 1:
        raise ValueError(f"{value!r} is not a month: write it as YYYY-MM, for example {today:%Y-%m}.")
    return date(int(match[1]), int(match[2]), 1)


def month_filters(organization: Organization, first: date) -> Filters:
    following = (first + timedelta(days=32)).replace(day=1)
    return Filters(organization, first, following - timedelta(days=1))


def headline(f: Filters) -> dict[str, Any]:
    """The month's headline figures: raw numbers, for the comparison."""
    visits = practice.weeks(f)
    attendance = practice.attendance(f)["total"]
    utilization = practice.utilization(f)["total"]
    payers = finances.by_payer(f)["total"]
    money = finances.collections(f)
    ar = finances.days_in_ar(f)
    unbilled = finances.unbilled(f)
    return {
        "visits": sum(w["notes"] for w in visits),
        "attended": sum(w["attended"] for w in visits),
        "new_patients": sum(w["new_patients"] for w in visits),
        "cancellation_rate": attendance["cancellation_rate"],
        "no_show_rate": attendance["no_show_rate"],
        "utilization": utilization["utilization"],
        "charged": payers["charged"],
        "paid": money["paid"],
        "collection_rate": money["collection_rate"],
        "days_in_ar": ar["days"],
        "unbilled_visits": unbilled["visits"],
        "unbilled_minutes": unbilled["unbilled_minutes"],
    }


# (label, key, how it is shown)
ROWS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("Visits (signed notes)", "visits", lambda v: str(v)),
    ("Attended appointments", "attended", lambda v: str(v)),
    ("New patients", "new_patients", lambda v: str(v)),
    ("Cancellation rate", "cancellation_rate", percent),
    ("No-show rate", "no_show_rate", percent),
    ("Utilization of open hours", "utilization", percent),
    ("Charged (claims sent, by date of service)", "charged", lambda v: f"${decimal(v, 2)}"),
    ("Paid by payers (by payment date)", "paid", lambda v: f"${decimal(v, 2)}"),
    ("Gross collection rate", "collection_rate", percent),
    ("Days in AR (today's AR)", "days_in_ar", lambda v: decimal(v, 1)),
    ("Signed visits on no claim", "unbilled_visits", lambda v: str(v)),
    ("Documented minutes not billed", "unbilled_minutes", lambda v: str(v)),
]


def report_context(organization: Organization, first: date) -> dict[str, Any]:
    this, before = (
        month_filters(organization, first),
        month_filters(organization, (first - timedelta(days=1)).replace(day=1)),
    )
    now, then = headline(this), headline(before)
    both = Filters(organization, before.start, this.end)
    return {
        "organization": organization,
        "month": this,
        "previous": before,
        "rows": [{"label": label, "now": show(now[key]), "then": show(then[key])} for label, key, show in ROWS],
        "visits_chart": visits_chart(practice.weeks(both)),
        "revenue_chart": revenue_chart(finances.revenue_weeks(both)),
        "generated": timezone.localtime(),
    }


@staff_view(roles.VIEW_PRACTICE, roles.VIEW_FINANCES)
@require_GET
def monthly_report(request: ClinicRequest) -> HttpResponse:
    try:
        first = parse_month(request.GET.get("month", ""), timezone.localdate())
    except ValueError as e:
        return render(request, "analytics/monthly_error.html", {"error": str(e)}, status=400)
    audit.record(
        actor=request.user,
        action=AuditAction.MONTHLY_REPORT_VIEWED,
        target=request.organization,
        detail={"month": f"{first:%Y-%m}"},
    )
    pdf = render_pdf("analytics/monthly_pdf.html", report_context(request.organization, first))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="monthly-report-{first:%Y-%m}.pdf"'
    return response
