"""School reports for the safeguarding team and SLT: incidents by category month by month, by
standard category, year group, form and the member of staff who recorded them; open and
overdue actions; the time from an incident to the first DSL action; and the pupils with a
pattern of concerns. Each is counted from `policy.visible_incidents` in one or two aggregate
queries, however many incidents the school has, into a table that its chart, the page and
its CSV all read."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import Level
from safeguarding.access.policy import Viewer
from safeguarding.concerns.forms import parse_date
from safeguarding.concerns.models import Action, Incident, IncidentCategory
from safeguarding.concerns.taxonomy import Standard
from safeguarding.display import hiding_names
from safeguarding.errors import Problems
from safeguarding.people.models import Group, Pupil, StaffProfile
from safeguarding.records.selectors import start_of
from safeguarding.records.services import check_period

# Before this, a date is a slip of the keyboard (as for a chronology's export).
# The charts go month by month: longer than this is not a report anyone reads.
LONGEST_YEARS = 10
MIN_CONCERNS = (2, 50)  # "N or more concerns", N from 2 to 50
DAYS = (1, 366)  # "in D days", D from 1 to 366
DEFAULT_MIN_CONCERNS, DEFAULT_DAYS = 3, 30
PUPILS_SHOWN = 50  # the page lists this many pupils with a pattern; the CSV, all of them

# Time from an incident to the first DSL action: (label, up to), in order.
WAITS = (
    ("Within an hour", datetime.timedelta(hours=1)),
    ("1 to 24 hours", datetime.timedelta(days=1)),
    ("1 to 3 days", datetime.timedelta(days=3)),
    ("3 to 7 days", datetime.timedelta(days=7)),
    ("More than 7 days", None),
)
NO_DSL_ACTION = "No DSL action yet"


# What was asked for ---------------------------------------------------------------------


@dataclass
class ReportChoice:
    """The report page's filters as typed, to show them again."""

    date_from: str = ""
    date_to: str = ""
    min_concerns: str = ""
    days: str = ""


def parse_choice(data: QueryDict) -> ReportChoice:
    return ReportChoice(
        **{name: str(data.get(name, "")).strip()[:40] for name in ReportChoice.__annotations__}
    )


@dataclass(frozen=True)
class ReportFilters:
    """A period of whole days (`date_to` included), and the rule for a pattern of concerns:
    `min_concerns` or more within `days` days."""

    date_from: datetime.date
    date_to: datetime.date
    min_concerns: int = DEFAULT_MIN_CONCERNS
    days: int = DEFAULT_DAYS

    @property
    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches, in order."""
        months, month = [], self.date_from.replace(day=1)
        while month <= self.date_to:
            months.append(month)
            month = _next_month(month)
        return months

    def as_query(self) -> dict[str, str]:
        """The filters as the page's address carries them (no names, only dates and numbers)."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "min_concerns": str(self.min_concerns),
            "days": str(self.days),
        }


def default_filters(today: datetime.date | None = None) -> ReportFilters:
    """The last 12 months: this month so far and the eleven before it, whole."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return ReportFilters(date_from=start, date_to=today)


def checked_filters(choice: ReportChoice) -> ReportFilters:
    """The choice as filters, or Invalid naming every problem at once: a date that is not
    one, before 1990 or after today; a start after the end; a period longer than 10 years;
    a pattern rule that is not a whole number in range. Empty fields take the defaults."""
    problems = Problems()
    today = timezone.localdate()
    days: dict[str, datetime.date | None] = {}
    for name in ("date_from", "date_to"):
        with problems.check(name):
            days[name] = parse_date(getattr(choice, name))
    check_period(problems, days.get("date_from"), days.get("date_to"))
    numbers = {}
    for name, (low, high), fallback, what in (
        ("min_concerns", MIN_CONCERNS, DEFAULT_MIN_CONCERNS, "number of concerns"),
        ("days", DAYS, DEFAULT_DAYS, "number of days"),
    ):
        text = getattr(choice, name)
        number = int(text) if re.fullmatch(r"\d{1,4}", text) else (fallback if not text else -1)
        if not low <= number <= high:
            problems.add(name, f"Choose a {what} from {low} to {high}.")
        numbers[name] = number
    if not problems.errors:
        end = days["date_to"] or today
        start = days["date_from"] or default_filters(end).date_from
        if start < _years_before(end, LONGEST_YEARS):
            problems.add(
                "date_from",
                f"Choose a period of at most {LONGEST_YEARS} years: "
                "the reports show it month by month.",
            )
    problems.raise_if_any()
    return ReportFilters(date_from=start, date_to=end, **numbers)


# What a report holds ---------------------------------------------------------------------

Cell = int | str | datetime.date


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Cell, ...]
    pupil_id: int | None = None  # a row about a pupil links to their page
    initials: str = ""  # and shows only these while the viewer hides names on screen

    @property
    def shown_label(self) -> str:
        return self.initials if self.initials and hiding_names() else self.label


@dataclass(frozen=True)
class Report:
    """One section of the page, its CSV and its chart: a table whose first column names
    each row. A bar chart stacks `chart_columns` for the first `chart_rows` rows; a line
    chart draws the totals row and the first `chart_rows` rows, month by month."""

    slug: str
    title: str
    about: str  # what it counts, in a sentence
    label_heading: str
    headings: tuple[str, ...]
    rows: tuple[Row, ...]
    totals: Row | None = None
    facts: tuple[tuple[str, str], ...] = ()  # figures said in words beside the table
    empty: str = "Nothing to count in this period."
    chart: str = "bars"  # "bars" or "lines"
    chart_columns: tuple[int, ...] = (0,)
    chart_rows: int = 20
    more: int = 0  # rows left off the page (the CSV holds them)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def wide(self) -> bool:
        """Too many columns to stand beside its chart: the page puts the chart above."""
        return len(self.headings) > 2


@dataclass(frozen=True)
class Dashboard:
    filters: ReportFilters
    incidents: int  # in the period, that the viewer may read
    reports: tuple[Report, ...]
    complete: bool  # the viewer reads every incident (the safeguarding team)

    def report(self, slug: str) -> Report:
        return next(report for report in self.reports if report.slug == slug)


# The reports ------------------------------------------------------------------------------

SLUGS = ("months", "standard", "year-groups", "forms", "staff", "actions", "first-action",
         "patterns")  # fmt: skip


def school_dashboard(viewer: Viewer, filters: ReportFilters) -> Dashboard:
    """Every report for the period: nine queries (and the policy's own), whatever the number
    of incidents."""
    months, total = incidents_by_month(viewer, filters)
    return Dashboard(
        filters=filters,
        incidents=total,
        reports=(
            months,
            by_standard_category(viewer, filters, total),
            by_year_group(viewer, filters, total),
            by_form(viewer, filters, total),
            by_recorder(viewer, filters, total),
            open_actions(viewer),
            time_to_first_dsl_action(viewer, filters),
            pupils_with_patterns(viewer, filters, limit=PUPILS_SHOWN),
        ),
        complete=viewer.is_admin,
    )


def report_for_download(viewer: Viewer, filters: ReportFilters, slug: str) -> Report:
    """One report, whole (every pupil with a pattern, not the page's first 50). KeyError for
    a slug that is not a report."""
    if slug == "months":
        return incidents_by_month(viewer, filters)[0]
    if slug == "actions":
        return open_actions(viewer)
    if slug == "first-action":
        return time_to_first_dsl_action(viewer, filters)
    if slug == "patterns":
        return pupils_with_patterns(viewer, filters, limit=None)
    total = period_incidents(viewer, filters).count()
    counted = {
        "standard": by_standard_category,
        "year-groups": by_year_group,
        "forms": by_form,
        "staff": by_recorder,
    }[slug]
    return counted(viewer, filters, total)


def period_incidents(viewer: Viewer, filters: ReportFilters) -> QuerySet[Incident]:
    """The incidents the viewer may read that happened in the period (school's local days)."""
    return (
        policy.visible_incidents(viewer)
        .filter(
            occurred_at__gte=start_of(filters.date_from),
            occurred_at__lt=start_of(filters.date_to + datetime.timedelta(days=1)),
        )
        .order_by()
    )


def incidents_by_month(viewer: Viewer, filters: ReportFilters) -> tuple[Report, int]:
    """Each category's incidents month by month, and every incident once per month (an
    incident in two categories counts in both rows). Two queries. With the period's total."""
    incidents = period_incidents(viewer, filters)
    months = filters.months
    column = {month: n for n, month in enumerate(months)}
    month = TruncMonth("occurred_at", output_field=DateField())
    per_month = [0] * len(months)
    monthly = incidents.annotate(month=month).values("month").annotate(n=Count("pk"))
    for day, count in monthly.values_list("month", "n"):
        per_month[column[day]] = count
    counts: dict[int, list[int]] = {}
    pairs = (
        _categorised(viewer, incidents)
        .annotate(month=TruncMonth("incident__occurred_at", output_field=DateField()))
        .values("category_id", "month")
        .annotate(n=Count("incident_id"))
        .values_list("category_id", "month", "n")
    )
    for category_id, day, count in pairs:
        counts.setdefault(category_id, [0] * len(months))[column[day]] = count
    rows = [
        Row(label=_category_label(viewer, pk), values=(*counts[pk], sum(counts[pk])))
        for pk in _school_order(viewer)
        if pk in counts
    ]
    total = sum(per_month)
    return (
        Report(
            slug="months",
            title="Incidents by category, month by month",
            about="Incidents by the month they happened in. An incident in two categories "
            "counts in each, so the categories add up to more than the incidents.",
            label_heading="Category",
            headings=(*(f"{m:%b %Y}" for m in months), "Total"),
            rows=tuple(rows),
            totals=Row(label="All incidents", values=(*per_month, total)),
            empty="No incident you may read happened in this period.",
            chart="lines",
            chart_rows=4,
        ),
        total,
    )


def by_standard_category(viewer: Viewer, filters: ReportFilters, total: int) -> Report:
    """Incidents by the platform's standard categories (each school's categories map to
    one), each incident once per standard category. One query."""
    found = (
        _categorised(viewer, period_incidents(viewer, filters))
        .values("category__standard")
        .annotate(n=Count("incident_id", distinct=True))
        .values_list("category__standard", "n")
    )
    labels = dict(Standard.choices)
    rows = sorted(
        (Row(label=labels.get(code, code), values=(n,)) for code, n in found),
        key=lambda row: (-row.values[0], row.label),
    )
    return Report(
        slug="standard",
        title="Incidents by standard category",
        about="Haven's standard categories, which every school's own categories map to, so "
        f"that schools compare like with like. An incident counts once in each; {total} "
        f"incident{'' if total == 1 else 's'} in all.",
        label_heading="Standard category",
        headings=("Incidents",),
        rows=tuple(rows),
        empty="No incident you may read happened in this period.",
    )


def by_year_group(viewer: Viewer, filters: ReportFilters, total: int) -> Report:
    """Incidents by the pupil's year group now. One query."""
    return _by_group(
        viewer, filters, total, "pupil__year_group", slug="year-groups",
        title="Incidents by year group", heading="Year group",
        about="Incidents by the year group the pupil is in now.",
        none="No year group",
    )  # fmt: skip


def by_form(viewer: Viewer, filters: ReportFilters, total: int) -> Report:
    """Incidents by the pupil's form (or class) now. One query."""
    return _by_group(
        viewer, filters, total, "pupil__form", slug="forms", title="Incidents by form",
        heading="Form or class", about="Incidents by the form or class the pupil is in now.",
        none="No form",
    )  # fmt: skip


def by_recorder(viewer: Viewer, filters: ReportFilters, total: int) -> Report:
    """Incidents by the member of staff who recorded them, most first. One query."""
    found = (
        period_incidents(viewer, filters)
        .values("recorded_by_id", "recorded_by__full_name", "recorded_by__email")
        .annotate(n=Count("pk"))
        .values_list("recorded_by__full_name", "recorded_by__email", "n")
    )
    rows = sorted(
        (Row(label=name or email, values=(n,)) for name, email, n in found),
        key=lambda row: (-row.values[0], row.label.lower()),
    )
    return Report(
        slug="staff",
        title="Incidents by who recorded them",
        about="Incidents by the member of staff who recorded them, most first. The chart "
        "shows the 20 with most; the table lists everyone.",
        label_heading="Recorded by",
        headings=("Incidents",),
        rows=tuple(rows),
        totals=Row(label="All incidents", values=(total,)) if rows else None,
        empty="No incident you may read happened in this period.",
    )


def open_actions(viewer: Viewer, today: datetime.date | None = None) -> Report:
    """Actions waiting to be done today, whatever the period: assigned to someone or given a
    due date, and not completed; overdue once past their due date. By assignee. One query."""
    today = today or timezone.localdate()
    overdue = Q(due_date__lt=today)
    found = (
        policy.visible_actions(viewer)
        .filter(Q(assignee__isnull=False) | Q(due_date__isnull=False), completion__isnull=True)
        .order_by()
        .values("assignee_id", "assignee__full_name", "assignee__email")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        .values_list("assignee__full_name", "assignee__email", "open", "overdue")
    )
    rows = sorted(
        (
            Row(label=name or email or "Not assigned", values=(late, n - late, n))
            for name, email, n, late in found
        ),
        key=lambda row: (-row.values[0], -row.values[2], row.label.lower()),
    )
    sums = tuple(sum(row.values[i] for row in rows) for i in range(3))
    return Report(
        slug="actions",
        title="Open and overdue actions",
        about="Actions assigned to someone or given a due date and not yet completed, on "
        "incidents of any date, as they stand today. An action is overdue once its due date "
        "has passed.",
        label_heading="Assigned to",
        headings=("Overdue", "Open, not overdue", "Open in all"),
        rows=tuple(rows),
        totals=Row(label="All open actions", values=sums) if rows else None,
        empty="No action is waiting to be done.",
        chart_columns=(0, 1),
    )


def time_to_first_dsl_action(viewer: Viewer, filters: ReportFilters) -> Report:
    """For the period's incidents, the time from when each happened to when the first action
    recorded by a member of the safeguarding team (full + admin) happened: how many within
    each band, how many with none yet, and the median and 90th percentile. One query."""
    seen, seen_params = (
        period_incidents(viewer, filters).values("id", "occurred_at").query.sql_with_params()
    )
    team, team_params = (
        StaffProfile.objects.filter(role__level=Level.FULL_ADMIN)
        .values("user_id")
        .query.sql_with_params()
    )
    # An action dated before its incident (a slip when recording) is in the first band.
    bands, params, below = [], [], None
    for _label, upto in WAITS:
        condition = "wait IS NOT NULL"
        if below is not None:
            condition += " AND wait >= %s"
            params.append(below)
        if upto is not None:
            condition += " AND wait < %s"
            params.append(upto)
        bands.append(f"COUNT(*) FILTER (WHERE {condition})")
        below = upto
    # The first DSL action of every incident at once, grouped, then joined: as a subquery
    # per incident, PostgreSQL would run it again for every figure taken from it.
    sql = f"""
        WITH seen AS ({seen}),
        firsts AS (
            SELECT a.incident_id, MIN(a.occurred_at) AS first
            FROM {Action._meta.db_table} a
            WHERE a.incident_id IN (SELECT id FROM seen) AND a.recorded_by_id IN ({team})
            GROUP BY a.incident_id
        ),
        waits AS (
            SELECT firsts.first - seen.occurred_at AS wait
            FROM seen LEFT JOIN firsts ON firsts.incident_id = seen.id
        )
        SELECT {", ".join(bands)}, COUNT(*) FILTER (WHERE wait IS NULL),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY wait)
        FROM waits
    """  # noqa: S608 (the models' own tables; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*seen_params, *team_params, *params])
        *counts, none, median, p90 = cursor.fetchone()
    rows = [Row(label=label, values=(n,)) for (label, _), n in zip(WAITS, counts, strict=True)]
    rows.append(Row(label=NO_DSL_ACTION, values=(none,)))
    acted = sum(counts)
    facts = (
        (
            ("Median time to the first DSL action", duration_words(median)),
            ("Nine in ten had one within", duration_words(p90)),
        )
        if acted
        else ()
    )
    return Report(
        slug="first-action",
        title="Time from incident to first DSL action",
        about="From when each incident in the period happened to when the first action a "
        "member of the safeguarding team recorded on it happened (whoever is in that team "
        "now).",
        label_heading="First DSL action",
        headings=("Incidents",),
        rows=tuple(rows) if acted or none else (),
        facts=facts,
        empty="No incident you may read happened in this period.",
    )


@dataclass(frozen=True)
class _Pattern:
    pupil_id: int
    name: str
    initials: str
    year_group: str
    form: str
    most: int
    total: int
    latest: datetime.datetime


def pupils_with_patterns(
    viewer: Viewer, filters: ReportFilters, *, limit: int | None = PUPILS_SHOWN
) -> Report:
    """The pupils with `min_concerns` or more incidents within any `days` days of the
    period ("patterns of low-level concern"), most in such a window first, then most in the
    period. Only incidents the viewer may read count. One query, whatever `limit` is."""
    found, matching = _patterns(viewer, filters, limit)
    rows = tuple(
        Row(
            label=p.name,
            initials=p.initials,
            pupil_id=p.pupil_id,
            values=(p.year_group, p.form, p.most, p.total, timezone.localdate(p.latest)),
        )
        for p in found
    )
    rule = f"{filters.min_concerns} or more concerns in {filters.days} day" + (
        "" if filters.days == 1 else "s"
    )
    return Report(
        slug="patterns",
        title=f"Pupils with {rule}",
        about=f"Pupils with {rule} at any point in the period (patterns of low-level "
        "concern), most in such a spell first. Incidents about the pupil count, not those "
        "they are only linked to.",
        label_heading="Pupil",
        headings=(
            "Year group",
            "Form",
            f"Most in {filters.days} days",
            "In the period",
            "Latest concern",
        ),
        rows=rows,
        facts=((f"Pupils with {rule}", str(matching)),),
        empty=f"No pupil had {rule} in this period.",
        chart_columns=(2,),
        chart_rows=15,
        more=max(0, matching - len(rows)),
    )


def pattern_count(viewer: Viewer, filters: ReportFilters) -> int:
    """How many pupils have a pattern of concerns in the period (the governors' figure)."""
    return _patterns(viewer, filters, 1)[1]


def _patterns(
    viewer: Viewer, filters: ReportFilters, limit: int | None
) -> tuple[list[_Pattern], int]:
    # Each incident with how many of the pupil's incidents fall in the `days` days up to it:
    # a window function, so that 20,000 incidents are one pass, not one query each.
    seen, params = (
        period_incidents(viewer, filters).values("pupil_id", "occurred_at").query.sql_with_params()
    )
    pupils, groups = Pupil._meta.db_table, Group._meta.db_table
    sql = f"""
        WITH seen AS ({seen}),
        windows AS (
            SELECT pupil_id, occurred_at, COUNT(*) OVER (
                PARTITION BY pupil_id ORDER BY occurred_at
                RANGE BETWEEN %s::interval PRECEDING AND CURRENT ROW
            ) AS in_window
            FROM seen
        ),
        found AS (
            SELECT pupil_id, MAX(in_window) AS most, COUNT(*) AS total,
                   MAX(occurred_at) AS latest
            FROM windows GROUP BY pupil_id HAVING MAX(in_window) >= %s
        )
        SELECT p.id, p.legal_first_name, p.legal_last_name, p.preferred_first_name,
               p.preferred_last_name, y.name, f.name, found.most, found.total, found.latest,
               COUNT(*) OVER () AS matching
        FROM found
        JOIN {pupils} p ON p.id = found.pupil_id
        LEFT JOIN {groups} y ON y.id = p.year_group_id
        LEFT JOIN {groups} f ON f.id = p.form_id
        ORDER BY found.most DESC, found.total DESC, found.latest DESC, p.id
        LIMIT %s
    """  # noqa: S608 (the models' own tables; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [*params, datetime.timedelta(days=filters.days), filters.min_concerns, limit]
        )
        rows = cursor.fetchall()
    found = []
    for pk, first, last, chosen_first, chosen_last, year, form, most, total, latest, _ in rows:
        pupil = Pupil(
            legal_first_name=first, legal_last_name=last,
            preferred_first_name=chosen_first, preferred_last_name=chosen_last,
        )  # fmt: skip
        found.append(
            _Pattern(
                pupil_id=pk, name=pupil.full_name, initials=pupil.initials,
                year_group=year or "", form=form or "", most=most, total=total, latest=latest,
            )
        )  # fmt: skip
    return found, rows[0][-1] if rows else 0


# Helpers --------------------------------------------------------------------------------


def _by_group(viewer, filters, total, field, *, slug, title, heading, about, none) -> Report:
    found = (
        period_incidents(viewer, filters)
        .values(f"{field}_id", f"{field}__name")
        .annotate(n=Count("pk"))
        .values_list(f"{field}__name", "n")
    )
    rows = sorted(
        (Row(label=name or none, values=(n,)) for name, n in found),
        key=lambda row: (row.label == none, _natural(row.label)),
    )
    return Report(
        slug=slug,
        title=title,
        about=about,
        label_heading=heading,
        headings=("Incidents",),
        rows=tuple(rows),
        totals=Row(label="All incidents", values=(total,)) if rows else None,
        empty="No incident you may read happened in this period.",
        chart_rows=40,
    )


def _categorised(viewer: Viewer, incidents: QuerySet[Incident]) -> QuerySet[IncidentCategory]:
    """The incidents' categories whose titles the viewer may see: a category they may not
    even see the title of stays out of every count."""
    titled = [pk for pk in viewer.categories if policy.may_see_category_title(viewer, pk)]
    return IncidentCategory.objects.filter(
        incident__in=incidents.values("pk"), category_id__in=titled or [0]
    ).order_by()


def _school_order(viewer: Viewer) -> list[int]:
    """Category ids as the school orders them: each top-level category, then its own."""
    categories = viewer.categories.values()
    order = []
    for top in categories:
        if top.parent_id is None:
            order.append(top.pk)
            order += [c.pk for c in categories if c.parent_id == top.pk]
    return order + [c.pk for c in categories if c.pk not in set(order)]


def _category_label(viewer: Viewer, pk: int) -> str:
    category = viewer.categories[pk]
    return f"{category.label} (retired)" if category.is_retired else category.label


def _natural(label: str) -> tuple:
    """ "Year 7" before "Year 10"."""
    return tuple(
        int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", label)
    )


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` years before (28 February for a 29th with no match)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def duration_words(duration: datetime.timedelta | None) -> str:
    """A wait as people say it: "45 minutes", "5 hours 10 minutes", "3 days 4 hours"."""
    if duration is None:
        return "\u2013"
    minutes = max(0, int(duration.total_seconds() // 60))
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        parts = [(minutes, "minute")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words) or "under a minute"
