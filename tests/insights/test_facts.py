"""A school's facts are what its records give: per month and standard category, incidents,
distinct pupils, actions opened, closed, open and overdue at the month's end, and the days
to the first DSL action, and the same once more for all categories ("all"), each incident and
action counted once; per month, the roll."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from insights import services
from tests.insights.school_records import (
    action,
    at,
    category,
    category_rows,
    histogram,
    incident,
    roll_rows,
    staff,
)

MARCH, APRIL, MAY, JUNE, JULY = (datetime.date(2023, month, 1) for month in (3, 4, 5, 6, 7))


def cell(**counts) -> dict[str, object]:
    row = dict.fromkeys(
        [
            "incidents",
            "pupils",
            "actions_opened",
            "actions_closed",
            "actions_open",
            "actions_overdue",
        ],
        0,
    )
    row["first_action_days"] = histogram()
    row.update(counts)
    return row


@pytest.fixture
def spring_2023(abbey):
    """Three pupils' concerns at Abbey in 2023, with actions by a teacher and a DSL."""
    from tests.factories import PupilFactory

    with abbey:
        people = staff()
        dsl, teacher = people.dsl, people.teacher
        bullying, also_bullying = category("bullying"), category("bullying")
        neglect = category("neglect")
        amara = PupilFactory(legal_first_name="Amara", admission_date=datetime.date(2022, 9, 1))
        ben = PupilFactory(
            legal_first_name="Ben",
            admission_date=datetime.date(2023, 4, 15),
            leaving_date=datetime.date(2023, 5, 31),
        )
        cara = PupilFactory(legal_first_name="Cara")
        first = incident(
            amara, [bullying], occurred=at(2023, 3, 5), recorded=at(2023, 3, 5, 11), by=teacher
        )
        # Two categories of one standard count once there; the other standard counts too.
        second = incident(
            amara, [bullying, also_bullying, neglect], occurred=at(2023, 3, 10), by=teacher
        )
        third = incident(ben, [bullying], occurred=at(2023, 3, 20), by=teacher)
        # Half past midnight in July in London is still June in UTC: July counts it.
        fourth = incident(cara, [neglect], occurred=at(2023, 7, 1, 0, 30), by=teacher)

        action(first, by=teacher, recorded=at(2023, 3, 6))  # not a DSL's
        action(first, by=dsl, recorded=at(2023, 3, 8, 10))  # 2 days 23 hours
        action(
            second, by=dsl, recorded=at(2023, 4, 20), assignee=teacher,
            due=datetime.date(2023, 4, 25), completed=at(2023, 6, 10),
        )  # fmt: skip
        action(
            third, by=teacher, recorded=at(2023, 3, 21), assignee=teacher,
            due=datetime.date(2023, 3, 31), completed=at(2023, 4, 1, 9),
        )  # fmt: skip
        action(fourth, by=dsl, recorded=at(2023, 7, 1, 5))  # the same day
    return abbey


def test_each_count_of_a_month_and_standard_comes_from_the_records(spring_2023):
    services.rebuild(spring_2023)

    rows = {key: row for key, row in category_rows(spring_2023).items() if key[0].year == 2023}
    assert rows == {
        (MARCH, "bullying"): cell(
            incidents=3, pupils=2, actions_opened=3, actions_open=1,
            first_action_days=histogram(d2=1, d31=1),
        ),
        (MARCH, "neglect"): cell(incidents=1, pupils=1, first_action_days=histogram(d31=1)),
        (APRIL, "bullying"): cell(
            actions_opened=1, actions_closed=1, actions_open=1, actions_overdue=1
        ),
        (APRIL, "neglect"): cell(actions_opened=1, actions_open=1, actions_overdue=1),
        (MAY, "bullying"): cell(actions_open=1, actions_overdue=1),
        (MAY, "neglect"): cell(actions_open=1, actions_overdue=1),
        (JUNE, "bullying"): cell(actions_closed=1),
        (JUNE, "neglect"): cell(actions_closed=1),
        (JULY, "neglect"): cell(
            incidents=1, pupils=1, actions_opened=1, first_action_days=histogram(d0=1)
        ),
        # Each month once more, with each incident, pupil and action counted once: the
        # second incident (bullying and neglect) and its action count once here.
        (MARCH, "all"): cell(
            incidents=3, pupils=2, actions_opened=3, actions_open=1,
            first_action_days=histogram(d2=1, d31=1),
        ),
        (APRIL, "all"): cell(
            actions_opened=1, actions_closed=1, actions_open=1, actions_overdue=1
        ),
        (MAY, "all"): cell(actions_open=1, actions_overdue=1),
        (JUNE, "all"): cell(actions_closed=1),
        (JULY, "all"): cell(
            incidents=1, pupils=1, actions_opened=1, first_action_days=histogram(d0=1)
        ),
    }  # fmt: skip


def test_the_roll_counts_pupils_on_roll_on_each_months_last_day(spring_2023):
    from safeguarding.people.models import Pupil

    services.rebuild(spring_2023)

    roll = roll_rows(spring_2023)
    # Ben joins in April and his leaving date is May's last day: off the roll by then.
    assert roll[APRIL] == roll[MARCH] + 1
    assert roll[MAY] == roll[MARCH] == roll[JUNE]
    with spring_2023:
        today = timezone.localdate()
        on_roll_today = (
            Pupil.objects.exclude(admission_date__gt=today).exclude(leaving_date__lte=today).count()
        )
    assert roll[today.replace(day=1)] == on_roll_today


def test_the_current_months_open_and_overdue_actions_are_as_of_now(abbey):
    from tests.factories import PupilFactory

    today = timezone.localdate()
    this_month = today.replace(day=1)
    with abbey:
        people = staff()
        pupil = PupilFactory()
        concern = incident(
            pupil, [category("self_harm")], occurred=at(2022, 1, 10), by=people.teacher
        )
        action(
            concern, by=people.dsl, recorded=timezone.now() - datetime.timedelta(seconds=5),
            assignee=people.teacher, due=today - datetime.timedelta(days=1),
        )  # fmt: skip
        action(
            concern, by=people.dsl, recorded=timezone.now() - datetime.timedelta(seconds=5),
            assignee=people.teacher, due=today,
        )  # fmt: skip

    services.rebuild(abbey)

    rows = category_rows(abbey)
    for standard in ("self_harm", "all"):
        now_row = rows[this_month, standard]
        assert (now_row["actions_open"], now_row["actions_overdue"]) == (2, 1)


def test_a_month_with_nothing_has_no_row(spring_2023):
    services.rebuild(spring_2023)

    months = {month for month, _ in category_rows(spring_2023) if month.year == 2023}
    assert months == {MARCH, APRIL, MAY, JUNE, JULY}


def test_a_training_copy_has_no_facts(abbey):
    from insights.models import CategoryMonth, RollMonth
    from tenants.models import School

    # A training copy's pupils are made up: they must never reach a trust's figures.
    copy = School.objects.create(
        schema_name="facts_training", slug="facts-training", name="Training", training_of=abbey
    )
    CategoryMonth.objects.create(
        school=copy, month=MARCH, standard="bullying", incidents=3, first_action_days=histogram()
    )
    RollMonth.objects.create(school=copy, month=MARCH, pupils=30)

    services.rebuild(copy)

    assert category_rows(copy) == {} and roll_rows(copy) == {}
