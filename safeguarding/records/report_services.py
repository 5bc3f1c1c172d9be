"""The school reports leaving Haven: a report's table as CSV and the governors' report as PDF,
each refused (and audited) for anyone the policy does not let see reports, built through the
policy, and audited."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.errors import NotFound, NotPermitted
from safeguarding.records import reports
from safeguarding.records.reports import Report, ReportFilters
from safeguarding.records.services import Download
from safeguarding.records.spreadsheet import rows_csv

FORMATS = ("csv", "pdf")


def refuse_unless_may_see_reports(
    *, viewer: Viewer, request: HttpRequest | None = None, report: str = "", file_format: str = ""
) -> None:
    """NotPermitted, with the reason in words, for anyone the policy does not let see the
    school's reports; the attempt goes in the audit log first."""
    if policy.may_see_reports(viewer):
        return
    audit.record(
        action=AuditAction.EXPORT_REFUSED,
        actor=viewer.user,
        object_type="report",
        request=request,
        detail={
            "report": report if report in (*reports.SLUGS, "dashboard", "governors") else None,
            "format": file_format if file_format in FORMATS else None,
            "reason": "second_factor" if viewer.held else "role",
        },
    )
    if viewer.held:
        raise NotPermitted(
            "The school's reports need a second factor in this session: "
            "elevate your access, then try again."
        )
    raise NotPermitted("Only the safeguarding team and SLT can see the school's reports.")


def export_report(
    *, viewer: Viewer, slug: str, filters: ReportFilters, request: HttpRequest | None = None
) -> Download:
    """One report's table as CSV, whole (every pupil with a pattern, not the page's first
    50): NotPermitted (audited) without the right, NotFound for a report that is not one."""
    refuse_unless_may_see_reports(viewer=viewer, request=request, report=slug, file_format="csv")
    if slug not in reports.SLUGS:
        raise NotFound(slug)
    report = reports.report_for_download(viewer, filters, slug)
    content = rows_csv(_table(report))
    detail = {
        "kind": "report",
        "report": slug,
        "format": "csv",
        "from": filters.date_from.isoformat(),
        "to": filters.date_to.isoformat(),
        "rows": len(report.rows),
    }
    if slug == "patterns":
        detail |= {"min_concerns": filters.min_concerns, "days": filters.days}
    audit.record(
        action=AuditAction.EXPORT, actor=viewer.user, object_type="report", request=request,
        detail=detail,
    )  # fmt: skip
    return Download(
        content=content,
        content_type="text/csv; charset=utf-8",
        filename=f"report-{slug}-{_span(filters)}.csv",
    )


@dataclass(frozen=True)
class GovernorsReport:
    """Counts only: no pupil's and no member of staff's name."""

    school_name: str
    filters: ReportFilters
    incidents: int
    months: Report
    standard: Report
    year_groups: Report
    open_actions: int
    overdue_actions: int
    first_action: Report
    patterns: int
    complete: bool  # counted from every incident (the safeguarding team's view)
    generated_at: datetime.datetime

    @property
    def month_chart(self) -> Report:
        """The months' chart with one line: every incident."""
        return replace(self.months, chart_rows=0)

    @property
    def month_totals(self) -> list[tuple[str, int]]:
        totals = self.months.totals.values if self.months.totals else ()
        return list(zip(self.months.headings[:-1], totals, strict=False))

    @property
    def tables(self) -> tuple[Report, ...]:
        return (self.standard, self.year_groups, self.first_action)


def governors_report(
    *,
    viewer: Viewer,
    filters: ReportFilters,
    school_name: str,
    request: HttpRequest | None = None,
) -> Download:
    """The governors' report as PDF: the period's incidents month by month, by standard
    category and by year group, open and overdue actions, time to the first DSL action, and
    how many pupils had a pattern of concerns. Counts only, never a name."""
    refuse_unless_may_see_reports(
        viewer=viewer, request=request, report="governors", file_format="pdf"
    )
    months, total = reports.incidents_by_month(viewer, filters)
    actions = reports.open_actions(viewer)
    overdue, _, open_total = actions.totals.values if actions.totals else (0, 0, 0)
    report = GovernorsReport(
        school_name=school_name,
        filters=filters,
        incidents=total,
        months=months,
        standard=reports.by_standard_category(viewer, filters, total),
        year_groups=reports.by_year_group(viewer, filters, total),
        open_actions=open_total,
        overdue_actions=overdue,
        first_action=reports.time_to_first_dsl_action(viewer, filters),
        patterns=reports.pattern_count(viewer, filters),
        complete=viewer.is_admin,
        generated_at=timezone.now(),
    )
    # Imported when first needed: WeasyPrint is slow to import and no page needs it.
    from safeguarding.records.pdf import write_pdf

    content = write_pdf(render_to_string("records/pdf/governors.html", {"report": report}))
    audit.record(
        action=AuditAction.EXPORT,
        actor=viewer.user,
        object_type="report",
        request=request,
        detail={
            "kind": "governors_report",
            "format": "pdf",
            "from": filters.date_from.isoformat(),
            "to": filters.date_to.isoformat(),
            "incidents": total,
        },
    )
    return Download(
        content=content,
        content_type="application/pdf",
        filename=f"governors-report-{_span(filters)}.pdf",
    )


def _table(report: Report) -> list[tuple]:
    """The report as the CSV holds it: a header, its rows, its totals, then any figures
    said in words, after an empty row."""
    rows: list[tuple] = [(report.label_heading, *report.headings)]
    rows += [(row.label, *row.values) for row in report.rows]
    if report.totals:
        rows.append((report.totals.label, *report.totals.values))
    if report.facts:
        rows += [(), *report.facts]
    return rows


def _span(filters: ReportFilters) -> str:
    return f"{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}"
