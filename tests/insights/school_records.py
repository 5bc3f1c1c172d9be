"""Writing a school's records at chosen times, for the facts tests: incidents, actions and
completions inserted as they are stored (the services stamp them with now), with
synthetic names only. Call inside a school's schema."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from insights.models import CategoryMonth, RollMonth
from tenants.models import School

LONDON = ZoneInfo("Europe/London")
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Haven's time zone."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class Staff:
    dsl: object
    teacher: object


def staff() -> Staff:
    from tests.factories import StaffFactory

    return Staff(
        dsl=StaffFactory(role="Safeguarding team", full_name="Rowan Lead"),
        teacher=StaffFactory(role="Teachers", full_name="Alex Teacher"),
    )


def category(standard: str):
    """A new category of the school's that maps to `standard`."""
    from safeguarding.concerns.models import Category

    return Category.objects.create(
        name=f"Facts test {standard} {next(_numbers)}", standard=standard
    )


def incident(pupil, categories, *, occurred, by, recorded=None, text="Synthetic concern."):
    from safeguarding.concerns.models import Incident, IncidentCategory

    made = Incident.objects.create(
        pupil=pupil,
        text=text,
        occurred_at=occurred,
        recorded_at=recorded or occurred + datetime.timedelta(hours=1),
        recorded_by=by,
    )
    IncidentCategory.objects.bulk_create(
        IncidentCategory(incident=made, category=each) for each in categories
    )
    return made


def action(
    made_on,
    *,
    by,
    recorded,
    assignee=None,
    due=None,
    completed=None,
    text="Synthetic follow-up.",
):
    """An action on the incident `made_on`, completed at `completed` if given."""
    from safeguarding.concerns.models import Action, ActionCompletion

    made = Action.objects.create(
        incident=made_on,
        kind="note",
        text=text,
        occurred_at=recorded,
        recorded_at=recorded,
        recorded_by=by,
        assignee=assignee,
        due_date=due,
    )
    if completed is not None:
        ActionCompletion.objects.create(action=made, completed_by=by, completed_at=completed)
    return made


def category_rows(school: School) -> dict[tuple[datetime.date, str], dict[str, object]]:
    """The school's CategoryMonth rows, by (month, standard), without ids."""
    with _public():
        return {
            (row["month"], row["standard"]): {
                k: v for k, v in row.items() if k not in ("id", "school_id", "month", "standard")
            }
            for row in CategoryMonth.objects.filter(school=school).values()
        }


def roll_rows(school: School) -> dict[datetime.date, int]:
    with _public():
        return dict(RollMonth.objects.filter(school=school).values_list("month", "pupils"))


def histogram(**days: int) -> list[int]:
    """A first-DSL-action histogram: histogram(d3=1, d31=2)."""
    buckets = [0] * 32
    for name, count in days.items():
        buckets[int(name[1:])] = count
    return buckets


def _public():
    from django_tenants.utils import schema_context

    return schema_context("public")
