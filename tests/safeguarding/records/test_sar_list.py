"""The school's subject access requests: each with its status and its statutory deadline
(one calendar month from receipt), drafts due soonest first; and the school's setting for
how new requests name staff."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.audit.models import AuditEvent
from safeguarding.records.models import RecordsSettings, SubjectAccessRequest, statutory_deadline
from safeguarding.records.sar_selectors import Clock
from tests.safeguarding.records.sar_case import build_sar_case, new_request, release
from tests.sessions import signed_in


@pytest.fixture
def sar_case(abbey):
    with abbey:
        return build_sar_case()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime.date(2026, 12, 15), datetime.date(2027, 1, 15)),  # the same date next month
        (datetime.date(2025, 1, 31), datetime.date(2025, 2, 28)),  # no 31 February: the last day
        (datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)),  # a leap year
        (datetime.date(2026, 3, 31), datetime.date(2026, 4, 30)),
        (datetime.date(2026, 9, 3), datetime.date(2026, 10, 5)),  # 3 October is a Saturday
    ],
)
def test_the_deadline_is_one_calendar_month_from_receipt(received, due):
    assert statutory_deadline(received) == due


@pytest.mark.parametrize(
    ("deadline", "released", "label", "overdue"),
    [
        (datetime.date(2026, 5, 20), None, "10 days left", False),
        (datetime.date(2026, 5, 11), None, "1 day left", False),
        (datetime.date(2026, 5, 10), None, "Due today", False),
        (datetime.date(2026, 5, 9), None, "1 day overdue", True),
        (datetime.date(2026, 5, 1), None, "9 days overdue", True),
        (datetime.date(2026, 5, 1), datetime.date(2026, 4, 30), "Released on time", False),
        (datetime.date(2026, 5, 1), datetime.date(2026, 5, 1), "Released on time", False),
        (datetime.date(2026, 5, 1), datetime.date(2026, 5, 4), "Released 3 days late", False),
    ],
)
def test_the_clock_says_how_long_is_left(deadline, released, label, overdue):
    clock = Clock(deadline=deadline, today=datetime.date(2026, 5, 10), released_on=released)
    assert (clock.label, clock.overdue) == (label, overdue)


def test_the_list_shows_each_request_with_its_deadline_and_status(abbey, sar_case):
    client = signed_in(abbey, sar_case.dsl)
    today = timezone.localdate()
    late = today - datetime.timedelta(days=40)
    new_request(client, sar_case.amara.pk, received_on=late.isoformat())
    new_request(client, sar_case.amara.pk)
    new_request(client, sar_case.cara.pk)
    with abbey:
        overdue, fresh, done = SubjectAccessRequest.objects.order_by("pk")
    release(client, done.pk)
    response = client.get("/subject-access-requests/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Subject access requests · Haven</title>" in page
    overdue_days = (today - statutory_deadline(late)).days
    assert f'<span class="danger">{overdue_days} days overdue</span>' in page
    fresh_days = (statutory_deadline(today) - today).days
    assert f"{fresh_days} days left" in page
    assert "Released on time" in page and f"Released {today:%-d %b %Y}" in page
    # Drafts due soonest first, then what was released.
    positions = [
        page.index(f'href="/subject-access-requests/{s.pk}/"') for s in (overdue, fresh, done)
    ]
    assert positions == sorted(positions)
    assert page.count("<td>Draft</td>") == 2


def test_the_list_is_empty_until_a_request_is_recorded(abbey, sar_case):
    page = signed_in(abbey, sar_case.dsl).get("/subject-access-requests/").content.decode()
    assert "No subject access request has been recorded." in page


def test_the_schools_setting_names_staff_in_new_requests(abbey, sar_case):
    client = signed_in(abbey, sar_case.dsl)
    response = client.post("/subject-access-requests/staff-names/", {"staff_names": "full"})
    assert response.status_code == 302
    with abbey:
        assert RecordsSettings.current().sar_staff_as_initials is False
        [changed] = AuditEvent.objects.filter(action="records_settings_changed")
    assert changed.details == {"sar_staff_initials": False}
    form = client.get(f"/pupils/{sar_case.amara.pk}/subject-access-request/").content.decode()
    assert 'value="full" checked' in form and 'value="initials" checked' not in form
    listed = client.get("/subject-access-requests/").content.decode()
    assert 'value="full" checked' in listed


def test_a_request_made_keeps_its_own_staff_naming_when_the_setting_changes(abbey, sar_case):
    client = signed_in(abbey, sar_case.dsl)
    new_request(client, sar_case.amara.pk, staff_names="initials")
    client.post("/subject-access-requests/staff-names/", {"staff_names": "full"})
    with abbey:
        assert SubjectAccessRequest.objects.get().staff_as_initials is True


def test_the_setting_needs_a_choice(abbey, sar_case):
    client = signed_in(abbey, sar_case.dsl)
    response = client.post("/subject-access-requests/staff-names/", {})
    assert response.status_code == 400
    assert "Choose initials or full names." in response.content.decode()
    with abbey:
        assert not RecordsSettings.objects.exists()
        assert not AuditEvent.objects.filter(action="records_settings_changed").exists()
