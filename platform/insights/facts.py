"""The one place that reads a school's schema for the trust layer: GROUP BYs over its
incidents, actions and pupils, giving counts per month and standard category, written to
the public schema. What leaves the school's schema here is counts, and nothing else.

An incident in two standard categories counts in both of their rows; each month with any
row also has one row with the standard ALL_CATEGORIES ("all") in which each incident, pupil
and action counts once: the figures for all categories come from that row, never from
adding up the others.

Months are calendar months in Haven's time zone (settings.TIME_ZONE). A month's figures
that depend on a moment (open and overdue actions, the roll) are taken at the end of its
last day, and for the current month now.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from insights.models import DAY_BUCKETS, CategoryMonth, Change, Refresh, RollMonth
from tenants.models import School

# (month, standard category) -> that cell's counts
CategoryKey = tuple[datetime.date, str]
COUNTS = (
    "incidents",
    "pupils",
    "actions_opened",
    "actions_closed",
    "actions_open",
    "actions_overdue",
)

# The row of a month that counts every incident (and every action) once, whatever its
# standard categories: the "All categories" figures, which a sum over standards would
# inflate. Not a Standard value, so it never names a column of its own.
ALL_CATEGORIES = "all"

# Each incident once per standard category it has (two categories of one standard count
# once), and once more, as ALL_CATEGORIES, for the row that counts it once in all. Every
# incident has at least one category (concerns.services), so that row counts them all.
_STANDARDS = f"""
incident_standard AS (
    SELECT DISTINCT ic.incident_id, c.standard
    FROM concerns_incidentcategory ic
    JOIN concerns_category c ON c.id = ic.category_id
    UNION ALL
    SELECT DISTINCT ic.incident_id, '{ALL_CATEGORIES}'
    FROM concerns_incidentcategory ic
)"""  # noqa: S608 (fixed text: the school's own tables)

_INCIDENTS = f"""
WITH {_STANDARDS}
SELECT date_trunc('month', i.occurred_at AT TIME ZONE %(tz)s)::date, s.standard,
       count(*), count(DISTINCT i.pupil_id)
FROM concerns_incident i
JOIN incident_standard s ON s.incident_id = i.id
GROUP BY 1, 2
"""  # noqa: S608 (fixed text: the school's own tables)

_ACTIONS_OPENED = f"""
WITH {_STANDARDS}
SELECT date_trunc('month', a.recorded_at AT TIME ZONE %(tz)s)::date, s.standard, count(*)
FROM concerns_action a
JOIN incident_standard s ON s.incident_id = a.incident_id
GROUP BY 1, 2
"""  # noqa: S608

_ACTIONS_CLOSED = f"""
WITH {_STANDARDS}
SELECT date_trunc('month', d.completed_at AT TIME ZONE %(tz)s)::date, s.standard, count(*)
FROM concerns_actioncompletion d
JOIN concerns_action a ON a.id = d.action_id
JOIN incident_standard s ON s.incident_id = a.incident_id
GROUP BY 1, 2
"""  # noqa: S608

# An assigned action is open at a month's end if it was recorded before then and not
# completed by then; overdue if, on that last day, it was past its due date (as
# concerns.selectors.is_overdue says on the day). Each action is looked at only for the
# months from its recording to its completion (or now).
_ACTIONS_OPEN = f"""
WITH {_STANDARDS},
assigned AS (
    SELECT a.incident_id, a.due_date,
           a.recorded_at AT TIME ZONE %(tz)s AS opened,
           d.completed_at AT TIME ZONE %(tz)s AS closed
    FROM concerns_action a
    LEFT JOIN concerns_actioncompletion d ON d.action_id = a.id
    WHERE a.assignee_id IS NOT NULL
),
at_month_end AS (
    SELECT x.incident_id, x.due_date, x.opened, x.closed, m::date AS month,
           LEAST(m + interval '1 month', %(now)s) AS ends,
           LEAST((m + interval '1 month' - interval '1 day')::date, %(today)s) AS last_day
    FROM assigned x,
         LATERAL generate_series(
             date_trunc('month', x.opened),
             date_trunc('month', LEAST(COALESCE(x.closed, %(now)s), %(now)s)),
             interval '1 month'
         ) AS m
)
SELECT e.month, s.standard, count(*),
       count(*) FILTER (WHERE e.due_date < e.last_day)
FROM at_month_end e
JOIN incident_standard s ON s.incident_id = e.incident_id
WHERE e.opened < e.ends AND (e.closed IS NULL OR e.closed >= e.ends)
GROUP BY 1, 2
"""  # noqa: S608

# Whole days from recording an incident to the first action on it recorded by a member of
# a role at level full_admin (a DSL), by the incident's month; 31 or more share a bucket.
_FIRST_DSL_ACTION = f"""
WITH {_STANDARDS},
dsl AS (
    SELECT p.user_id
    FROM people_staffprofile p
    JOIN access_role r ON r.id = p.role_id
    WHERE r.level = 'full_admin'
),
first_action AS (
    SELECT a.incident_id, min(a.recorded_at) AS at
    FROM concerns_action a
    WHERE a.recorded_by_id IN (SELECT user_id FROM dsl)
    GROUP BY a.incident_id
)
SELECT date_trunc('month', i.occurred_at AT TIME ZONE %(tz)s)::date, s.standard,
       LEAST(GREATEST(floor(extract(epoch FROM f.at - i.recorded_at) / 86400), 0),
             %(last_bucket)s)::int,
       count(*)
FROM concerns_incident i
JOIN first_action f ON f.incident_id = i.id
JOIN incident_standard s ON s.incident_id = i.id
GROUP BY 1, 2, 3
"""  # noqa: S608

_FIRST_MONTH = """
SELECT date_trunc('month', min(occurred_at) AT TIME ZONE %(tz)s)::date FROM concerns_incident
"""

# On roll on a day: admitted by then (or no admission date) and not yet left (a pupil
# whose leaving date has come is archived: people.Pupil.is_archived).
_ROLL = """
WITH months AS (
    SELECT m::date AS month,
           LEAST((m + interval '1 month' - interval '1 day')::date, %(today)s) AS last_day
    FROM generate_series(%(first)s::timestamp, %(current)s::timestamp, interval '1 month') AS m
)
SELECT m.month, count(p.id)
FROM months m
JOIN people_pupil p
  ON (p.admission_date IS NULL OR p.admission_date <= m.last_day)
 AND (p.leaving_date IS NULL OR p.leaving_date > m.last_day)
GROUP BY 1
"""

# The roll is kept for at least this many months back, so rates for a year have their
# denominators even in months without a concern.
ROLL_MONTHS = 12


@dataclass
class SchoolFacts:
    """One school's facts as its records give them, before they are written."""

    categories: dict[CategoryKey, dict[str, object]] = field(default_factory=dict)
    roll: dict[datetime.date, int] = field(default_factory=dict)


def compute(*, now: datetime.datetime | None = None) -> SchoolFacts:
    """The facts of the school whose schema the connection is on, from its records."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    params = {
        "tz": settings.TIME_ZONE,
        "now": local_now.replace(tzinfo=None),
        "today": local_now.date(),
        "last_bucket": DAY_BUCKETS - 1,
    }
    cells: dict[CategoryKey, dict[str, object]] = defaultdict(_empty_cell)
    with connection.cursor() as cursor:
        cursor.execute(_INCIDENTS, params)
        for month, standard, incidents, pupils in cursor.fetchall():
            cells[month, standard].update(incidents=incidents, pupils=pupils)
        for sql, name in ((_ACTIONS_OPENED, "actions_opened"), (_ACTIONS_CLOSED, "actions_closed")):
            cursor.execute(sql, params)
            for month, standard, count in cursor.fetchall():
                cells[month, standard][name] = count
        cursor.execute(_ACTIONS_OPEN, params)
        for month, standard, open_, overdue in cursor.fetchall():
            cells[month, standard].update(actions_open=open_, actions_overdue=overdue)
        cursor.execute(_FIRST_DSL_ACTION, params)
        for month, standard, bucket, count in cursor.fetchall():
            cells[month, standard]["first_action_days"][bucket] = count  # type: ignore[index]

        current = local_now.date().replace(day=1)
        first = _months_back(current, ROLL_MONTHS - 1)
        cursor.execute(_FIRST_MONTH, params)
        earliest = cursor.fetchone()[0]
        if earliest is not None:
            first = min(first, earliest)
        cursor.execute(_ROLL, {**params, "first": first, "current": current})
        roll = {month: pupils for month, pupils in cursor.fetchall() if pupils}
    return SchoolFacts(categories=dict(cells), roll=roll)


def write(school: School, facts: SchoolFacts) -> None:
    """Make the school's rows in the public schema exactly `facts`: rows that changed are
    updated, new ones inserted, and the rest deleted, so an unchanged month is not
    rewritten on every refresh. Call inside the transaction that computed them."""
    existing = {
        (row.month, row.standard): row for row in CategoryMonth.objects.filter(school=school)
    }
    added, changed = [], []
    for key, counts in facts.categories.items():
        row = existing.pop(key, None)
        if row is None:
            added.append(CategoryMonth(school=school, month=key[0], standard=key[1], **counts))
        elif any(getattr(row, name) != value for name, value in counts.items()):
            for name, value in counts.items():
                setattr(row, name, value)
            changed.append(row)
    if existing:
        CategoryMonth.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    CategoryMonth.objects.bulk_create(added)
    CategoryMonth.objects.bulk_update(changed, [*COUNTS, "first_action_days"], batch_size=500)

    rolls = {row.month: row for row in RollMonth.objects.filter(school=school)}
    added_rolls, changed_rolls = [], []
    for month, pupils in facts.roll.items():
        row = rolls.pop(month, None)
        if row is None:
            added_rolls.append(RollMonth(school=school, month=month, pupils=pupils))
        elif row.pupils != pupils:
            row.pupils = pupils
            changed_rolls.append(row)
    if rolls:
        RollMonth.objects.filter(pk__in=[row.pk for row in rolls.values()]).delete()
    RollMonth.objects.bulk_create(added_rolls)
    RollMonth.objects.bulk_update(changed_rolls, ["pupils"], batch_size=500)


def refresh_school(school: School, *, only_if_changed: bool) -> bool:
    """Recompute the school's facts from its records and write them, in one transaction
    that also takes the school's pending changes: a change committed before it read them
    is in these facts, and one committed after stays pending for the next refresh.

    With `only_if_changed`, a school with no pending change is left as it is. Returns
    whether the facts were computed. A training copy (made-up pupils) has no facts."""
    with school, transaction.atomic():
        # One refresh of a school at a time: two would race on the same rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, school.pk])
            # These queries take milliseconds, but the planner's guess for generate_series
            # is large enough to JIT-compile them, which alone took ~300 ms a school.
            cursor.execute("SET LOCAL jit = off")
        taken, _ = Change.objects.filter(school=school).delete()
        if only_if_changed and not taken:
            Refresh.objects.filter(school=school).update(queued_at=None)
            return False
        facts = SchoolFacts() if school.is_training else compute()
        write(school, facts)
        Refresh.objects.update_or_create(
            school=school, defaults={"queued_at": None, "refreshed_at": timezone.now()}
        )
    return True


# The first key of the advisory lock a refresh takes (the second is the school's id).
_LOCK_SPACE = 0x1A5161


def _empty_cell() -> dict[str, object]:
    cell: dict[str, object] = dict.fromkeys(COUNTS, 0)
    cell["first_action_days"] = [0] * DAY_BUCKETS
    return cell


def _months_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def schools_with_facts() -> Iterable[School]:
    """Every school whose records count: real schools, not training copies, and not one
    removed after offboarding (its schema is gone; its facts stay)."""
    return (
        School.objects.filter(training_of__isnull=True)
        .exclude(status=School.Status.REMOVED)
        .order_by("pk")
    )
