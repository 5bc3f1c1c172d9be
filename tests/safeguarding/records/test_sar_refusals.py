"""Bad subject access requests: anyone outside the safeguarding team refused with the
reason and the attempt audited; another school's pupil or request not found (and the
attempt audited); bad dates or choices refused with the reason. Nothing is created."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.audit.models import AuditEvent
from safeguarding.people.models import Pupil
from safeguarding.records.models import SubjectAccessRequest
from tests.factories import StaffFactory
from tests.safeguarding.records.sar_case import build_sar_case, new_request, release
from tests.sessions import signed_in


@pytest.fixture
def sar_case(abbey):
    with abbey:
        return build_sar_case()


def _events(school, action: str) -> list[AuditEvent]:
    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _requests(school) -> int:
    with school:
        return SubjectAccessRequest.objects.count()


def _a_draft(abbey, case) -> SubjectAccessRequest:
    assert new_request(signed_in(abbey, case.dsl), case.amara.pk).status_code == 302
    with abbey:
        return SubjectAccessRequest.objects.get()


@pytest.mark.parametrize(
    ("role", "verified", "reason", "why"),
    [
        ("SLT", True, "Only the safeguarding team can handle subject access requests", "role"),
        ("Teachers", True, "Only the safeguarding team can handle subject access requests", "role"),
        ("Safeguarding team", False, "needs a second factor", "second_factor"),
    ],
)
def test_anyone_without_the_right_is_refused_everywhere_and_audited(
    abbey, sar_case, role, verified, reason, why
):
    sar = _a_draft(abbey, sar_case)
    with abbey:
        member = StaffFactory(role=role)
    client = signed_in(abbey, member, verified=verified)
    pupil = sar_case.amara.pk
    responses = [
        client.get("/subject-access-requests/"),
        client.get(f"/pupils/{pupil}/subject-access-request/"),
        new_request(client, pupil),
        client.get(f"/subject-access-requests/{sar.pk}/"),
        client.post(f"/subject-access-requests/{sar.pk}/release/", {"confirmed": "on"}),
        client.get(f"/subject-access-requests/{sar.pk}/download/"),
        client.post("/subject-access-requests/staff-names/", {"staff_names": "full"}),
    ]
    for response in responses:
        assert response.status_code == 403
        assert reason in response.content.decode()
    refused = _events(abbey, "sar_refused")
    assert [(e.actor_id, e.details["reason"]) for e in refused] == [(member.pk, why)] * 7
    assert [(e.object_type, e.object_id, e.pupil_id) for e in refused[1:3]] == [
        ("pupil", pupil, pupil)
    ] * 2
    assert {(e.object_type, e.object_id) for e in refused[3:6]} == {
        ("subject_access_request", sar.pk)
    }
    with abbey:
        assert SubjectAccessRequest.objects.get().status == "draft"
    assert _requests(abbey) == 1 and len(_events(abbey, "sar_created")) == 1
    assert not _events(abbey, "sar_reviewed") and not _events(abbey, "sar_released")
    assert not _events(abbey, "records_settings_changed")


def test_a_pupil_of_another_school_is_not_found_and_nothing_is_created(abbey, westleigh, sar_case):
    """Amara's id exists at Abbey; at Westleigh it is no one."""
    with westleigh:
        assert not Pupil.objects.filter(pk=sar_case.amara.pk).exists()
        dsl = StaffFactory(role="Safeguarding team")
    client = signed_in(westleigh, dsl)
    assert client.get(f"/pupils/{sar_case.amara.pk}/subject-access-request/").status_code == 404
    assert new_request(client, sar_case.amara.pk).status_code == 404
    assert _requests(westleigh) == 0 and _requests(abbey) == 0
    refused = _events(westleigh, "sar_refused")
    assert [(e.object_type, e.object_id, e.pupil_id, e.details) for e in refused] == [
        ("pupil", sar_case.amara.pk, None, {"reason": "not_found"})
    ] * 2
    assert not _events(westleigh, "sar_created") and not _events(abbey, "sar_refused")


def test_a_request_of_another_school_is_not_found(abbey, westleigh, sar_case):
    sar = _a_draft(abbey, sar_case)
    with westleigh:
        assert not SubjectAccessRequest.objects.filter(pk=sar.pk).exists()
        dsl = StaffFactory(role="Safeguarding team")
    client = signed_in(westleigh, dsl)
    assert client.get(f"/subject-access-requests/{sar.pk}/").status_code == 404
    assert release(client, sar.pk, reviewed="x").status_code == 404
    assert client.get(f"/subject-access-requests/{sar.pk}/download/").status_code == 404
    assert client.get(f"/subject-access-requests/{2**63 + 1}/").status_code == 404
    with abbey:
        assert SubjectAccessRequest.objects.get().status == "draft"
    refused = _events(westleigh, "sar_refused")
    assert [(e.object_id, e.details["reason"]) for e in refused] == [
        *[(sar.pk, "not_found")] * 3,
        (None, "not_found"),  # too large an id to log
    ]


def _today() -> datetime.date:
    return timezone.localdate()


def _days(n: int) -> str:
    return (_today() + datetime.timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to", "before the start"),
        ({"date_from": "1066-10-14"}, "date_from", "on or after 1 January 1990"),
        ({"date_to": "9999-12-31"}, "date_to", "no later than today"),
        ({"date_from": "2026-02-30"}, "date_from", "Enter the date like"),
        ({"received_on": None}, "received_on", "Enter the date the request was received"),
        ({"received_on": "yesterday"}, "received_on", "Enter the date like"),
        ({"received_on": "1990-01-01"}, "received_on", "within the last year"),
        ({"requested_by": None}, "requested_by", "Choose who asked"),
        ({"requested_by": "journalist"}, "requested_by", "Choose who asked"),
        ({"staff_names": None}, "staff_names", "Choose initials or full names"),
        ({"staff_names": "nicknames"}, "staff_names", "Choose initials or full names"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_created(abbey, sar_case, fields, field, message):
    response = new_request(signed_in(abbey, sar_case.dsl), sar_case.amara.pk, **fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and f'href="#field-{field}"' in page
    assert _requests(abbey) == 0 and not _events(abbey, "sar_created")


def test_a_request_received_tomorrow_is_refused(abbey, sar_case):
    response = new_request(signed_in(abbey, sar_case.dsl), sar_case.amara.pk, received_on=_days(1))
    assert response.status_code == 400
    assert "no later than today" in response.content.decode()
    assert _requests(abbey) == 0


def test_a_request_received_a_year_ago_today_is_taken(abbey, sar_case):
    response = new_request(
        signed_in(abbey, sar_case.dsl), sar_case.amara.pk, received_on=_days(-365)
    )
    assert response.status_code == 302 and _requests(abbey) == 1


def test_the_form_comes_back_with_what_was_typed(abbey, sar_case):
    response = new_request(
        signed_in(abbey, sar_case.dsl), sar_case.amara.pk, requested_by="pupil",
        date_from="2026-03-01", date_to="2026-02-01", staff_names="full",
    )  # fmt: skip
    page = response.content.decode()
    assert 'value="pupil" checked' in page and 'value="full" checked' in page
    assert 'value="2026-03-01"' in page and 'value="2026-02-01"' in page
    assert 'aria-invalid="true"' in page
