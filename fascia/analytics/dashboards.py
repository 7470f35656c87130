"""The practice and financial dashboards (issue 28 point 3) and their CSV and XLSX exports: parse the filter, ask
practice.py or finances.py for the figures, render or export them; one audit entry per view or export."""

from collections.abc import Callable, Sequence
from typing import Any

import tablib
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.analytics import snapshots, tables
from fascia.analytics.filters import DashboardFilterForm, Filters
from fascia.analytics.finances import finances
from fascia.analytics.practice import practice
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.models import Organization
from fascia.lib.charts import data_uri, trend_chart

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def weekly_chart(weeks: Sequence[dict[str, Any]], series: dict[str, str], *, title: str, y_title: str) -> str:
    """Week-by-week figures as a data URI of an SVG line chart, a line per `series` (its label → the weeks' key);
    the table beside it holds the same numbers."""
    lines = {label: [(w["week"], float(w[key])) for w in weeks] for label, key in series.items()}
    return data_uri(trend_chart(lines, title=title, y_title=y_title))


def visits_chart(weeks: Sequence[dict[str, Any]]) -> str:
    series = {"Attended appointments": "attended", "Signed notes": "notes"}
    return weekly_chart(weeks, series, title="Visits per week", y_title="Visits")


def revenue_chart(weeks: Sequence[dict[str, Any]]) -> str:
    return weekly_chart(weeks, {"Charged": "charged", "Paid": "paid"}, title="Revenue per week", y_title="US dollars")


def export(filters: Filters, sheets: list[tables.Table], *, name: str, fmt: str) -> HttpResponse:
    """The dashboard's tables as a file: XLSX, a sheet per table; CSV, one long table (table, row, column, value),
    since a CSV holds one table."""
    if fmt == "xlsx":
        book = tablib.Databook()
        for sheet in sheets:
            data = tablib.Dataset(*sheet.rows, headers=sheet.headers, title=sheet.title[:31])
            book.add_sheet(data)
        content: bytes | str = book.export("xlsx")
    else:
        data = tablib.Dataset(headers=["Table", "Row", "Column", "Value"])
        for sheet in sheets:
            for row in sheet.rows:
                for header, value in zip(sheet.headers[1:], row[1:], strict=True):
                    data.append([sheet.title, row[0], header, value])
        content = data.export("csv")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.{fmt}"'
    return response


def _figures(
    template: str,
    figures: Callable[[Filters], dict[str, Any]],
    charts: Callable[[dict[str, Any]], dict[str, str]],
) -> Callable[[Organization, QueryDict], str]:
    """A dashboard's snapshot builder: its figures and charts under a filter, rendered by its template."""

    def build(organization: Organization, params: QueryDict) -> str:
        form = DashboardFilterForm(params, organization=organization)
        if not form.is_valid():  # checked when the page asked; a location removed since shows nothing
            return ""
        filters = form.filters()
        data = figures(filters)
        return render_to_string(template, {"filters": filters, **data, **charts(data)})

    return build


build_practice = _figures(
    "analytics/_practice_figures.html", practice, lambda data: {"visits_chart": visits_chart(data["weeks"])}
)
build_finances = _figures(
    "analytics/_finances_figures.html", finances, lambda data: {"revenue_chart": revenue_chart(data["weeks"])}
)


def _dashboard(
    request: ClinicRequest,
    *,
    name: str,
    template: str,
    viewed: str,
    figures: Callable[[Filters], dict[str, Any]],
    sheets: Callable[[dict[str, Any]], list[tables.Table]],
) -> HttpResponse:
    form = DashboardFilterForm(request.GET, organization=request.organization)
    fmt = request.GET.get("format", "")
    context: dict[str, Any] = {"form": form, "formats": list(FORMATS)}
    if fmt and fmt not in FORMATS:
        form.add_error(None, f"Unknown export format {fmt!r}: choose CSV or XLSX.")
    if not form.is_valid():
        audit.record(actor=request.user, action=viewed, target=request.organization, detail={"invalid": True})
        return render(request, template, context, status=400)
    filters = form.filters()
    if fmt:  # an export counts now: a file carries the figures of the moment it was asked for
        audit.record(
            actor=request.user,
            action=AuditAction.DASHBOARD_EXPORTED,
            target=request.organization,
            detail={"dashboard": name, "format": fmt, **filters.as_detail()},
        )
        return export(filters, sheets(figures(filters)), name=name, fmt=fmt)
    audit.record(actor=request.user, action=viewed, target=request.organization, detail=filters.as_detail())
    query = request.GET.copy()
    query.pop("format", None)
    params = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "location": str(filters.location.public_id) if filters.location else "",
        "practitioner": str(filters.practitioner.public_id) if filters.practitioner else "",
    }
    context |= {
        "filters": filters,
        "query": query.urlencode(),
        "snapshot": snapshots.ready(request.organization, name, params),
        "max_minutes": snapshots.MAX_MINUTES,
    }
    return render(request, template, context)


@staff_view(roles.VIEW_PRACTICE)
@require_GET
def practice_dashboard(request: ClinicRequest) -> HttpResponse:
    return _dashboard(
        request,
        name="practice",
        template="analytics/practice.html",
        viewed=AuditAction.PRACTICE_VIEWED,
        figures=practice,
        sheets=tables.practice_tables,
    )


@staff_view(roles.VIEW_FINANCES)
@require_GET
def finances_dashboard(request: ClinicRequest) -> HttpResponse:
    return _dashboard(
        request,
        name="finances",
        template="analytics/finances.html",
        viewed=AuditAction.FINANCES_VIEWED,
        figures=finances,
        sheets=tables.finance_tables,
    )
