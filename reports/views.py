"""The manager's reports: each a chart and its table, a CSV, and the
encounters behind every row; read-only."""

import csv
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedRequest
from accounts.roles import Role, role_required
from reports import chairs, documentation, lag, revenue
from reports.forms import ReportFilter
from reports.report import Filters, Kind

KINDS = {
    kind.slug: kind
    for kind in (
        Kind(
            slug="documentation", build=documentation.build, behind=documentation.behind
        ),
        Kind(slug="lag", build=lag.build, behind=lag.behind),
        Kind(slug="waiting", build=lag.build_waiting, behind=lag.behind_waiting),
        Kind(slug="revenue", build=revenue.build, behind=revenue.behind),
        Kind(
            slug="denials", build=revenue.build_denials, behind=revenue.behind_denials
        ),
        Kind(slug="chairs", build=chairs.build, behind=chairs.behind),
    )
}
READERS = (Role.ADMIN, Role.MANAGER)


def filtered(request: AuthenticatedRequest) -> tuple[ReportFilter, Filters | None]:
    data = request.GET if "since" in request.GET else ReportFilter.defaults()
    form = ReportFilter(data, user=request.user)
    if not form.is_valid():
        return form, None
    return form, Filters(
        user=request.user,
        since=form.cleaned_data["since"],
        until=form.cleaned_data["until"],
        location=form.cleaned_data["location"],
    )


def kind_of(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such report.")
    return KINDS[slug]


@require_GET
@role_required(*READERS)
def reports(request: AuthenticatedRequest) -> HttpResponse:
    form, filters = filtered(request)
    context: dict[str, Any] = {"form": form, "query": request.GET.urlencode()}
    if filters is None:
        return render(request, "reports/reports.html", context, status=422)
    if not request.GET:
        context["query"] = f"since={filters.since}&until={filters.until}"
    context["reports"] = [kind.build(filters) for kind in KINDS.values()]
    return render(request, "reports/reports.html", context)


@require_GET
@role_required(*READERS)
def report_csv(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    kind = kind_of(slug)
    form, filters = filtered(request)
    if filters is None:
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=422, content_type="text/plain")
    report = kind.build(filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="chairside-{slug}-{filters.since}-{filters.until}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([row.label, *("" if c is None else c for c in row.cells)])
    return response


@require_GET
@role_required(*READERS)
def behind(request: AuthenticatedRequest, slug: str, key: str) -> HttpResponse:
    kind = kind_of(slug)
    form, filters = filtered(request)
    if filters is None:
        return render(request, "reports/behind.html", {"form": form}, status=422)
    report = kind.build(filters)
    row = next((r for r in report.rows if r.key == key), None)
    if row is None:
        raise Http404("No such row in this report.")
    encounters = (
        kind.behind(filters, key)
        .select_related("patient", "location", "payer")
        .order_by("-date", "-pk")[:500]
    )
    context = {
        "report": report,
        "row": row,
        "figures": list(zip(report.columns[1:], row.cells, strict=True)),
        "encounters": encounters,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/behind.html", context)
