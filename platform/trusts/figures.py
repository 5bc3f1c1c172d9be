"""A trust's figures for a period: each a table published through insights.disclosure from
the fact tables alone (insights.models), ready for a page, a CSV or the API.

Every number shown anywhere comes from here as a Cell, whose value is set only when its
figure is shown: a small or withheld count has its display ("<5", "*") and nothing else.

Counts by standard category come from the facts of each standard, where an incident in two
of them counts in both. Every figure for all categories (the "All categories" totals, the
rates per 100 pupils, open and overdue actions, the time to the first DSL action) comes from
the facts' "all" rows (insights.facts.ALL_CATEGORIES), where each incident and each action
counts once, published as a column of its own: never from adding up the standards.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from insights.disclosure import (
    SMALL,
    WITHHELD,
    Count,
    Figure,
    Table,
    publish,
    publishable_median,
    rate_per_100,
)
from insights.facts import ALL_CATEGORIES
from insights.models import DAY_BUCKETS, CategoryMonth, RollMonth
from insights.selectors import median_days
from safeguarding.concerns.taxonomy import Standard
from tenants.models import School, Trust
from trusts.models import TrustMembership
from trusts.selectors import Filters, add_months, covered, schools_in_view

SHOWN = "shown"
STANDARD_ORDER = {value: n for n, value in enumerate(Standard.values)}


@dataclass(frozen=True)
class Cell:
    display: str
    # Only for a figure that is shown: a small or withheld one has its display and no value.
    value: int | float | None
    state: str

    @classmethod
    def of(cls, figure: Figure) -> Cell:
        return cls(figure.display(), figure.value if figure.state == SHOWN else None, figure.state)

    @classmethod
    def rate(cls, rate: str | None) -> Cell:
        if rate is None:
            return cls("\u2014", None, "withheld")
        return cls(rate, float(rate), SHOWN)  # "3.5", from insights.disclosure

    @classmethod
    def days(cls, days: int | None) -> Cell:
        if days is None:
            return cls("\u2014", None, "withheld")
        return cls(f"{days} day{'' if days == 1 else 's'}", days, SHOWN)


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Panel:
    slug: str
    title: str
    about: str
    row_heading: str
    keys: tuple[str, ...]
    headings: tuple[str, ...]
    lines: tuple[Line, ...]
    totals: Line | None
    empty: str

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True)
class Figures:
    trust: Trust
    filters: Filters
    threshold: int
    schools: list[School]
    has_data: bool
    panels: dict[str, Panel] = field(default_factory=dict)

    @property
    def empty_message(self) -> str:
        if not self.schools:
            return "None of your trust's schools (in this phase) belonged to it in this period."
        return "Nothing was recorded at your trust's schools in this period."


PANELS = ("trend", "schools", "actions", "first-action")


def standard_label(value: str) -> str:
    try:
        return Standard(value).label
    except ValueError:
        return value


def month_label(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def trust_figures(trust: Trust, filters: Filters) -> Figures:
    """The four tables of the dashboard, from facts of the months each school belonged to
    the trust, suppressed at the trust's threshold."""
    threshold = trust.suppression_threshold
    schools = schools_in_view(trust, filters)
    ids = [school.pk for school in schools]
    facts = list(
        CategoryMonth.objects.filter(
            school__in=ids, month__gte=filters.first, month__lte=filters.last
        )
        .filter(covered(trust))
        .values_list(
            "school_id", "month", "standard", "incidents", "actions_open", "actions_overdue",
            "first_action_days",
        )
    )  # fmt: skip
    rolls = _rolls(trust, filters, ids)
    snapshot = _snapshot_months(trust, filters, ids)
    # Each standard's rows, and the rows that count each incident and action once.
    by_standard = [row for row in facts if row[2] != ALL_CATEGORIES]
    once = [row for row in facts if row[2] == ALL_CATEGORIES]
    standards = sorted(
        {row[2] for row in by_standard if row[3]}, key=lambda s: (STANDARD_ORDER.get(s, 99), s)
    )
    panels = {
        "trend": _trend(by_standard, once, filters, standards, threshold),
        "schools": _schools(by_standard, once, schools, standards, rolls, threshold),
        "actions": _actions(once, schools, snapshot, threshold),
        "first-action": _first_action(once, schools, threshold),
    }
    return Figures(
        trust=trust,
        filters=filters,
        threshold=threshold,
        schools=schools,
        has_data=any(row[3] or row[4] or row[5] for row in facts),
        panels=panels,
    )


def _trend(by_standard, once, filters: Filters, standards: list[str], threshold: int) -> Panel:
    months = filters.months
    table = publish(
        (
            Count(row=month, column=standard, school=school, month=month, value=incidents)
            for school, month, standard, incidents, *_ in by_standard
            if incidents
        ),
        rows=months,
        columns=standards,
        threshold=threshold,
    )
    everything = _incidents_once(once, lambda school, month: month, months, threshold)
    lines = tuple(
        Line(
            f"{month:%Y-%m}",
            month_label(month),
            (
                *(Cell.of(table.cells[(month, s)]) for s in standards),
                Cell.of(
                    _all_categories(
                        table.row_totals[month], everything.cells[month, ALL_CATEGORIES]
                    )
                ),
            ),
        )
        for month in months
    )
    totals = Line(
        "total",
        "All months",
        (
            *(Cell.of(table.column_totals[s]) for s in standards),
            Cell.of(_all_categories(table.total, everything.total)),
        ),
    )
    return Panel(
        slug="trend",
        title="Incidents by standard category, month by month",
        about="Incidents across the trust's schools in each month, by standard category. An "
        "incident in two standard categories counts in each, and once in All categories.",
        row_heading="Month",
        keys=(*standards, "total"),
        headings=(*(standard_label(s) for s in standards), "All categories"),
        lines=lines if standards else (),
        totals=totals if standards else None,
        empty="No incidents in this period.",
    )


def _schools(by_standard, once, schools, standards, rolls: dict[int, int], threshold: int) -> Panel:
    ids = [school.pk for school in schools]
    table = publish(
        (
            Count(row=school, column=standard, school=school, month=month, value=incidents)
            for school, month, standard, incidents, *_ in by_standard
            if incidents
        ),
        rows=ids,
        columns=standards,
        threshold=threshold,
    )
    everything = _incidents_once(once, lambda school, month: school, ids, threshold)
    each = {
        pk: _all_categories(table.row_totals[pk], everything.cells[pk, ALL_CATEGORIES])
        for pk in ids
    }
    total = _all_categories(table.total, everything.total)
    lines = tuple(
        Line(
            school.slug,
            school.name,
            (
                *(Cell.of(table.cells[(school.pk, s)]) for s in standards),
                Cell.of(each[school.pk]),
                Cell.rate(rate_per_100(each[school.pk], rolls.get(school.pk))),
            ),
        )
        for school in schools
    )
    trust_roll = sum(rolls.values()) if rolls and len(rolls) == len(ids) else None
    totals = Line(
        "total",
        "All schools",
        (
            *(Cell.of(table.column_totals[s]) for s in standards),
            Cell.of(total),
            Cell.rate(rate_per_100(total, trust_roll)),
        ),
    )
    return Panel(
        slug="schools",
        title="Incidents by school",
        about="Each school's incidents by standard category over the period, and all of them "
        "per 100 pupils on its roll (the average roll over the months counted). An incident "
        "in two standard categories counts in each, and once in All categories and its rate. "
        "A rate is given only where its count is shown.",
        row_heading="School",
        keys=(*standards, "total", "per_100_pupils"),
        headings=(*(standard_label(s) for s in standards), "All categories", "Per 100 pupils"),
        lines=lines if schools else (),
        totals=totals if schools else None,
        empty="No school to compare in this period.",
    )


def _actions(once, schools, snapshot: dict[int, datetime.date], threshold: int) -> Panel:
    ids = [school.pk for school in schools]
    counts = []
    for school, month, _standard, _incidents, open_, overdue, _days in once:
        if snapshot.get(school) != month:
            continue
        if open_:
            counts.append(Count(row=school, column="open", school=school, month=month, value=open_))
        if overdue:
            counts.append(
                Count(row=school, column="overdue", school=school, month=month, value=overdue)
            )
    columns = ["open", "overdue"]
    table = publish(counts, rows=ids, columns=columns, threshold=threshold)
    lines = tuple(
        Line(school.slug, school.name, tuple(Cell.of(table.cells[(school.pk, c)]) for c in columns))
        for school in schools
    )
    totals = Line("total", "All schools", tuple(Cell.of(table.column_totals[c]) for c in columns))
    return Panel(
        slug="actions",
        title="Open and overdue actions by school",
        about="Actions assigned and not yet completed at the end of the period (or of the "
        "last month the school was in the trust), and those of them past their due date. "
        "Each action counts once, whatever the standard categories of its incident.",
        row_heading="School",
        keys=tuple(columns),
        headings=("Open", "Overdue"),
        lines=lines if schools else (),
        totals=totals if schools else None,
        empty="No school to show in this period.",
    )


def _first_action(once, schools, threshold: int) -> Panel:
    ids = [school.pk for school in schools]
    histograms: dict[int, list[int]] = defaultdict(lambda: [0] * DAY_BUCKETS)
    everywhere = [0] * DAY_BUCKETS
    answered = []  # each school and month's incidents with a DSL action, counted once
    for school, month, _standard, _incidents, _open, _overdue, days in once:
        for n, count in enumerate(days or ()):
            histograms[school][n] += count
            everywhere[n] += count
        if sum(days or ()):
            answered.append(
                Count(row=school, column="answered", school=school, month=month, value=sum(days))
            )
    # A median is given only where the number of incidents behind it would be published.
    table = publish(answered, rows=ids, columns=["answered"], threshold=threshold)

    def median(histogram: list[int], incidents: Figure) -> Cell:
        if not incidents.is_shown:
            return Cell.days(None)
        return Cell.days(publishable_median(median_days(histogram), incidents.value, threshold))

    lines = tuple(
        Line(
            school.slug,
            school.name,
            (median(histograms[school.pk], table.cells[school.pk, "answered"]),),
        )
        for school in schools
    )
    return Panel(
        slug="first-action",
        title="Time to the first DSL action by school",
        about="The median number of whole days from recording an incident to the first action "
        "a DSL recorded on it, for the period's incidents, each counted once; not given where "
        "the number of incidents with such an action could not be shown, or is too few. Days "
        "beyond 30 count as 31.",
        row_heading="School",
        keys=("median_days",),
        headings=("Median days",),
        lines=lines if schools else (),
        totals=Line("total", "All schools", (median(everywhere, table.total),))
        if schools
        else None,
        empty="No school to show in this period.",
    )


def _incidents_once(once, row_of, rows: list, threshold: int) -> Table:
    """The incidents of the "all" rows, each counted once, published in one column of
    `rows`: row_of(school, month) gives the row of a school's month."""
    return publish(
        (
            Count(
                row=row_of(school, month), column=ALL_CATEGORIES, school=school, month=month,
                value=incidents,
            )
            for school, month, _standard, incidents, *_ in once
            if incidents
        ),
        rows=rows,
        columns=[ALL_CATEGORIES],
        threshold=threshold,
    )  # fmt: skip


def _all_categories(by_standard: Figure, once: Figure) -> Figure:
    """The figure for all categories: the incidents counted once (`once`), shown only where
    the same months' counts by standard (`by_standard`, their sum) would be shown too.

    Beside the standards' cells, a once-counted total shown over a small standard count
    would give it away by subtraction (12 neglect shown, 15 in all: 3 only in the other
    standard). So whether it is shown, "<5" or "*" is decided by the standards' counts, as
    the sum of them always was, and a shown one has the once-counted value; the once-counted
    count is never small where those are not (it is at least the largest of them)."""
    if by_standard.is_shown and once.is_shown:
        return once
    if by_standard.state == SMALL and once.state == SMALL:
        return once
    return Figure(value=None, state=WITHHELD, threshold=once.threshold)


def _rolls(trust: Trust, filters: Filters, ids: list[int]) -> dict[int, int]:
    """Each school's average roll over the months of the period it was in the trust."""
    sums: dict[int, list[int]] = defaultdict(list)
    for school, pupils in (
        RollMonth.objects.filter(school__in=ids, month__gte=filters.first, month__lte=filters.last)
        .filter(covered(trust))
        .values_list("school_id", "pupils")
    ):
        sums[school].append(pupils)
    return {school: round(sum(p) / len(p)) for school, p in sums.items() if p}


def _snapshot_months(trust: Trust, filters: Filters, ids: list[int]) -> dict[int, datetime.date]:
    """For each school, the last month of the period in which it was in the trust: its
    open actions are counted at that month's end."""
    last: dict[int, datetime.date] = {}
    for school, starts, ends in TrustMembership.objects.filter(
        trust=trust, school__in=ids
    ).values_list("school_id", "starts", "ends"):
        final = filters.last if ends is None else min(filters.last, add_months(ends, -1))
        if final >= max(starts, filters.first) and final > last.get(school, datetime.date.min):
            last[school] = final
    return last
