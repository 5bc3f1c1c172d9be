"""The reports page reads in a constant number of queries: ten times the incidents, pupils,
staff, forms and actions, and not one query more."""

from __future__ import annotations

import datetime
import random

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in


def _add(count: int, *, seed: int, dsl) -> None:
    """`count` incidents over the last 11 months about `count // 4` pupils in `count // 10`
    forms, recorded by `count // 20` teachers, a third with a DSL's action and some with an open
    or overdue one. One transaction, as a submission is."""
    from safeguarding.concerns.models import Action, Category, Incident, IncidentCategory

    rng = random.Random(seed)
    forms = [GroupFactory(name=f"{seed}-{n}") for n in range(max(1, count // 10))]
    years = [GroupFactory(name=f"Year {seed}{n}", kind="year") for n in range(2)]
    pupils = [
        PupilFactory(form=rng.choice(forms), year_group=rng.choice(years))
        for _ in range(max(1, count // 4))
    ]
    staff = [StaffFactory() for _ in range(max(1, count // 20))]
    categories = list(Category.objects.filter(retired_at__isnull=True))
    now = timezone.now()
    incidents = Incident.objects.bulk_create(
        Incident(
            pupil=rng.choice(pupils), text="Synthetic.", recorded_by=rng.choice(staff),
            occurred_at=now - datetime.timedelta(hours=rng.randrange(1, 24 * 330)),
        )
        for _ in range(count)
    )  # fmt: skip
    IncidentCategory.objects.bulk_create(
        IncidentCategory(incident=incident, category=category)
        for incident in incidents
        for category in rng.sample(categories, rng.choice([1, 2]))
    )
    today = timezone.localdate()
    Action.objects.bulk_create(
        Action(
            incident=incident, kind="note", text="Followed up.",
            occurred_at=incident.occurred_at + datetime.timedelta(hours=rng.randrange(0, 200)),
            recorded_by=dsl if n % 2 else rng.choice(staff), assignee=rng.choice(staff),
            due_date=today + datetime.timedelta(days=rng.randrange(-20, 20)),
        )
        for n, incident in enumerate(incidents[::3])
    )  # fmt: skip


def _queries(client) -> int:
    client.get("/reports/")  # the policy's categories are read once, then kept
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/reports/")
    assert response.status_code == 200
    return len(captured)


def test_the_reports_page_reads_in_the_same_number_of_queries_at_ten_times_the_size(abbey):
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        _add(20, seed=1, dsl=dsl)
    client = signed_in(abbey, dsl)
    small = _queries(client)
    with abbey:
        _add(200, seed=2, dsl=dsl)
    large = _queries(client)
    page = client.get("/reports/").content.decode()
    assert "<strong>220 incidents</strong>" in page
    assert small == large, (small, large)
    assert large <= 20  # the session, the school, the ten reports' reads, the inbox count


def test_slt_read_in_the_same_number_of_queries_too(abbey):
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        slt = StaffFactory(role="SLT")
        _add(20, seed=3, dsl=dsl)
    client = signed_in(abbey, slt)
    small = _queries(client)
    with abbey:
        _add(200, seed=4, dsl=dsl)
    assert _queries(client) == small
