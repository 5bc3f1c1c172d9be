"""For the reports' templates: {% if request.viewer|may_see_reports %} (the main menu's link),
{% report_chart report %} (a report's SVG chart), {{ cell|report_cell }} and
{{ cell|is_number }}."""

from __future__ import annotations

import datetime

from django import template
from django.utils.safestring import SafeString

from safeguarding.access import policy
from safeguarding.access.policy import Viewer
from safeguarding.records.charts import Series, bar_chart, line_chart
from safeguarding.records.reports import Report

register = template.Library()


@register.filter
def may_see_reports(viewer: Viewer | str) -> bool:
    """False for anything but a viewer (a page without one passes an empty string)."""
    return isinstance(viewer, Viewer) and policy.may_see_reports(viewer)


@register.filter
def report_cell(value) -> str:
    """A table cell as the page shows it: dates in words, numbers with thousands marked."""
    if isinstance(value, datetime.date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@register.filter
def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.simple_tag
def report_chart(report: Report) -> SafeString:
    """The report's chart: bars for its rows (the first `chart_rows`), or lines month by
    month for all incidents and the categories with most."""
    chart_id = f"chart-{report.slug}"
    if report.chart == "lines":
        months = report.headings[:-1]  # the last column is the total
        top = sorted(report.rows, key=lambda row: -row.values[-1])[: report.chart_rows]
        lines = ([report.totals] if report.totals else []) + top
        series = [Series(row.shown_label, tuple(row.values[:-1])) for row in lines]
        busiest = max(range(len(months)), key=lambda n: series[0].values[n]) if series else 0
        description = (
            f"Line chart, {months[0]} to {months[-1]}: "
            + ", ".join(one.name for one in series)
            + f". The busiest month was {months[busiest]}, with "
            f"{series[0].values[busiest]:,} incidents. The table with it holds every figure."
        )
        return line_chart(
            chart_id=chart_id, title=report.title, description=description, labels=months,
            series=series,
        )  # fmt: skip
    rows = report.rows[: report.chart_rows]
    series = [
        Series(report.headings[column], tuple(row.values[column] for row in rows))
        for column in report.chart_columns
    ]
    totals = [sum(one.values[n] for one in series) for n in range(len(rows))]
    most = max(range(len(rows)), key=lambda n: totals[n])
    shown = "" if len(rows) == len(report.rows) else f" The first {len(rows)} are drawn."
    description = (
        f"Bar chart of {len(report.rows)} row{'s' if len(report.rows) != 1 else ''}"
        + (f" ({', '.join(one.name for one in series)}, stacked)" if len(series) > 1 else "")
        + f". Most: {rows[most].shown_label}, {totals[most]:,}.{shown}"
        " The table with it holds every figure."
    )
    return bar_chart(
        chart_id=chart_id, title=report.title, description=description,
        labels=[row.shown_label for row in rows], series=series,
    )  # fmt: skip
