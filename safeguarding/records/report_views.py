"""The school's reports page, a report's CSV and the governors' PDF, all read with GET: the
address holds only dates and numbers, never a name."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safeguarding.errors import Invalid
from safeguarding.records import report_services, reports
from safeguarding.records.reports import ReportChoice, ReportFilters
from safeguarding.records.services import EARLIEST
from safeguarding.web import attachment, school_view


@school_view
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    """The period's reports, each a chart with its table and a CSV link; bad filters show
    the form again with the problems, and no report."""
    viewer = request.viewer
    report_services.refuse_unless_may_see_reports(
        viewer=viewer, request=request, report="dashboard"
    )
    choice = reports.parse_choice(request.GET)
    try:
        filters = reports.checked_filters(choice)
    except Invalid as invalid:
        return _form_again(request, choice, invalid)
    return render(
        request,
        "records/reports/dashboard.html",
        {
            "choice": _shown(filters),
            "dashboard": reports.school_dashboard(viewer, filters),
            "query": urlencode(filters.as_query()),
            "limits": _limits(),
        },
    )


@school_view
@require_GET
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.viewer
    report_services.refuse_unless_may_see_reports(
        viewer=viewer, request=request, report=slug, file_format="csv"
    )
    choice = reports.parse_choice(request.GET)
    try:
        filters = reports.checked_filters(choice)
    except Invalid as invalid:
        return _form_again(request, choice, invalid)
    download = report_services.export_report(
        viewer=viewer, slug=slug, filters=filters, request=request
    )
    return attachment(download)


@school_view
@require_GET
def governors_pdf(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    report_services.refuse_unless_may_see_reports(
        viewer=viewer, request=request, report="governors", file_format="pdf"
    )
    choice = reports.parse_choice(request.GET)
    try:
        filters = reports.checked_filters(choice)
    except Invalid as invalid:
        return _form_again(request, choice, invalid)
    download = report_services.governors_report(
        viewer=viewer, filters=filters, school_name=request.school.name, request=request
    )
    return attachment(download)


def _form_again(request: HttpRequest, choice: ReportChoice, invalid: Invalid) -> HttpResponse:
    return render(
        request,
        "records/reports/dashboard.html",
        {"choice": choice, "errors": invalid.errors, "dashboard": None, "limits": _limits()},
        status=400,
    )


def _shown(filters: ReportFilters) -> ReportChoice:
    return ReportChoice(**filters.as_query())


def _limits() -> dict[str, object]:
    return {
        "earliest": EARLIEST.isoformat(),
        "min_concerns": reports.MIN_CONCERNS,
        "days": reports.DAYS,
    }
