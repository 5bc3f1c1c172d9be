"""Each school-month with facts has one more row, standard "all", in which each incident,
pupil and action counts once, however many standard categories its incident has: the figures
for all categories come from it, never from adding up the standards."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count as Rows

from insights import services
from insights.facts import ALL_CATEGORIES
from insights.models import CategoryMonth, RollMonth
from tests.insights.school_records import (
    action,
    at,
    category,
    category_rows,
    histogram,
    incident,
    staff,
)

FEB, MAR, APR = (datetime.date(2024, month, 1) for month in (2, 3, 4))


def _records(school):
    """Two pupils; one incident in two standards (and two categories of one), with an action
    that stays open and overdue; one more in one of them; one the next month."""
    from tests.factories import PupilFactory

    with school:
        people = staff()
        bullying, also_bullying, neglect = (
            category("bullying"),
            category("bullying"),
            category("neglect"),
        )
        dana, eli = PupilFactory(), PupilFactory()
        both = incident(
            dana, [bullying, also_bullying, neglect], occurred=at(2024, 2, 5), by=people.teacher
        )
        action(
            both, by=people.dsl, recorded=at(2024, 2, 7, 12), assignee=people.teacher,
            due=datetime.date(2024, 2, 20),
        )  # fmt: skip
        one = incident(dana, [neglect], occurred=at(2024, 2, 9), by=people.teacher)
        action(one, by=people.dsl, recorded=at(2024, 2, 9, 12))  # the same day
        later = incident(eli, [bullying], occurred=at(2024, 3, 2), by=people.teacher)
        action(later, by=people.teacher, recorded=at(2024, 3, 3), completed=at(2024, 4, 2))


def test_each_school_month_has_one_all_row_counting_each_incident_and_action_once(abbey):
    _records(abbey)

    services.rebuild(abbey)

    rows = {key: row for key, row in category_rows(abbey).items() if key[0].year == 2024}
    months = {month for month, _ in rows}
    per_month = dict(
        CategoryMonth.objects.filter(school=abbey, standard=ALL_CATEGORIES)
        .values_list("month")
        .annotate(n=Rows("id"))
    )
    assert {month: per_month[month] for month in months} == dict.fromkeys(months, 1)
    assert set(per_month) == {month for month, _ in category_rows(abbey)}

    feb = rows[FEB, ALL_CATEGORIES]
    # Two incidents (not three), one pupil; the action on the two-standard incident once.
    assert (feb["incidents"], feb["pupils"]) == (2, 1)
    assert (feb["actions_opened"], feb["actions_open"], feb["actions_overdue"]) == (2, 1, 1)
    assert feb["first_action_days"] == histogram(d0=1, d2=1)
    # The standards' rows count the two-standard incident in each.
    assert rows[FEB, "bullying"]["incidents"] + rows[FEB, "neglect"]["incidents"] == 3
    assert rows[FEB, "bullying"]["actions_open"] + rows[FEB, "neglect"]["actions_open"] == 2
    assert sum(
        sum(rows[FEB, s]["first_action_days"]) for s in ("bullying", "neglect")
    ) == 3  # fmt: skip

    mar, apr = rows[MAR, ALL_CATEGORIES], rows[APR, ALL_CATEGORIES]
    assert (mar["incidents"], mar["pupils"], mar["actions_opened"]) == (1, 1, 1)
    # February's action on the two-standard incident is still open, once, every month since.
    assert (mar["actions_open"], mar["actions_overdue"]) == (1, 1)
    assert (apr["actions_closed"], apr["actions_open"], apr["actions_overdue"]) == (1, 1, 1)
    assert rows[APR, "bullying"]["actions_open"] + rows[APR, "neglect"]["actions_open"] == 2
    for month in months:
        assert rows[month, ALL_CATEGORIES]["incidents"] <= sum(
            row["incidents"] for (m, s), row in rows.items() if m == month and s != "all"
        )


def test_the_all_rows_follow_a_recategorisation_and_a_rebuild_gives_the_same(abbey):
    from safeguarding.concerns.models import Incident
    from safeguarding.concerns.services import recategorise
    from tests.factories import PupilFactory, StaffFactory
    from tests.insights.test_refresh import as_a_new_transaction
    from tests.sessions import verified_viewer

    services.rebuild(abbey)
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        viewer = verified_viewer(dsl)
        bullying, neglect = category("bullying"), category("neglect")
        as_a_new_transaction()
        made = incident(PupilFactory(), [bullying], occurred=at(2024, 2, 3), by=dsl)
    assert services.refresh(abbey) is True
    assert category_rows(abbey)[FEB, ALL_CATEGORIES]["incidents"] == 1

    with abbey:
        as_a_new_transaction()
        recategorise(viewer=viewer, incident_id=made.pk, category_ids=[bullying.pk, neglect.pk])
        assert Incident.objects.get(pk=made.pk).categories.count() == 2
    assert services.refresh(abbey) is True
    refreshed = category_rows(abbey)
    assert refreshed[FEB, "neglect"]["incidents"] == refreshed[FEB, "bullying"]["incidents"] == 1
    assert refreshed[FEB, ALL_CATEGORIES]["incidents"] == 1

    CategoryMonth.objects.filter(school=abbey).delete()
    RollMonth.objects.filter(school=abbey).delete()
    services.rebuild(abbey)
    assert category_rows(abbey) == refreshed
    assert connection.schema_name == "public"
