"""The safeguarding team's audit pages: the search and "who viewed this child's file".
Anyone else gets a 404, and no page names the child in its title."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from safeguarding.audit.models import AuditAction, AuditEvent
from safeguarding.audit.services import record
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in


@pytest.fixture
def people(abbey):
    with abbey:
        form = GroupFactory(name="8T", kind="form")
        yield {
            "teacher": StaffFactory(email="teacher@abbey.example", groups=[form]),
            "slt": StaffFactory(email="deputy@abbey.example", role="SLT"),
            "head": StaffFactory(email="head@abbey.example", role="Heads of School"),
            "dsl": StaffFactory(email="lead@abbey.example", role="Safeguarding team"),
            "pupil": PupilFactory(legal_first_name="Zainab", legal_last_name="Quill", form=form),
            "other": PupilFactory(legal_first_name="Olu", legal_last_name="Marsh", form=form),
        }


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_teachers_slt_and_heads_do_not_find_the_audit_pages(abbey, people):
    for who in ("teacher", "slt", "head"):
        client = signed_in(abbey, people[who])
        assert client.get("/settings/audit/").status_code == 404
        assert client.get(f"/settings/audit/pupils/{people['pupil'].pk}/").status_code == 404
        page = client.get(f"/pupils/{people['pupil'].pk}/").content.decode()
        assert "Who viewed this file" not in page


def test_who_viewed_a_childs_file_lists_each_view_newest_first(abbey, people):
    pupil = people["pupil"]
    assert signed_in(abbey, people["head"]).get(f"/pupils/{pupil.pk}/").status_code == 200
    signed_in(abbey, people["slt"]).get(f"/pupils/{pupil.pk}/")
    signed_in(abbey, people["slt"]).get(f"/pupils/{people['other'].pk}/")
    dsl = signed_in(abbey, people["dsl"])
    assert (
        f'href="/settings/audit/pupils/{pupil.pk}/"'
        in dsl.get(f"/pupils/{pupil.pk}/").content.decode()
    )

    response = dsl.get(f"/settings/audit/pupils/{pupil.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _title(html).startswith("Who viewed this file")
    assert "Zainab" not in html and "Quill" not in html
    assert '<th scope="col">When</th>' in html and "<caption>" in html
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", html, re.S)
    who = [re.search(r'data-label="Who">([^<]+)', row).group(1) for row in rows]
    assert who == ["lead@abbey.example", "deputy@abbey.example", "head@abbey.example"]
    assert "127.0.0.1" in html
    assert f'href="/pupils/{pupil.pk}/"' in html


def test_who_viewed_an_unknown_pupil_is_not_found(abbey, people):
    dsl = signed_in(abbey, people["dsl"])
    assert dsl.get("/settings/audit/pupils/999999999/").status_code == 404
    assert dsl.get(f"/settings/audit/pupils/{2**63}/").status_code == 404


def test_the_audit_log_searches_by_email_and_dates(abbey, people):
    with abbey:
        record(action=AuditAction.LOGIN_FAILED, actor_label="Intruder@Example.org")
        record(action=AuditAction.LOGIN, actor=people["teacher"])
        record(
            action=AuditAction.INCIDENT_VIEWED,
            actor=people["slt"],
            object_type="incident",
            object_id=41,
            pupil_id=people["pupil"].pk,
        )
    dsl = signed_in(abbey, people["dsl"])
    everything = dsl.get("/settings/audit/").content.decode()
    for expected in ("intruder@example.org", "teacher@abbey.example", "deputy@abbey.example"):
        assert expected in everything
    assert 'href="/incidents/41/"' in everything
    assert _title(everything).startswith("Audit log")

    teacher_only = dsl.get("/settings/audit/", {"email": "Teacher@Abbey.example"}).content.decode()
    assert "teacher@abbey.example" in teacher_only
    assert "deputy@abbey.example" not in teacher_only

    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert (
        "deputy@abbey.example"
        in dsl.get(
            "/settings/audit/", {"since": today.isoformat(), "until": today.isoformat()}
        ).content.decode()
    )
    later = dsl.get("/settings/audit/", {"since": tomorrow}).content.decode()
    assert "deputy@abbey.example" not in later and "No entries match." in later


def test_bad_dates_are_refused_with_a_reason(abbey, people):
    dsl = signed_in(abbey, people["dsl"])
    response = dsl.get("/settings/audit/", {"since": "yesterday"})
    assert response.status_code == 400
    assert "Enter the date like" in response.content.decode()
    backwards = dsl.get("/settings/audit/", {"since": "2026-03-02", "until": "2026-03-01"})
    assert backwards.status_code == 400
    assert "before the start date" in backwards.content.decode()


def test_the_audit_log_is_paginated_newest_first(abbey, people):
    with abbey:
        for n in range(55):
            record(action=AuditAction.EXPORT, actor_label="lead@abbey.example", object_id=n,
                   object_type="report")  # fmt: skip
        newest = AuditEvent.objects.order_by("-seq").first().seq
    dsl = signed_in(abbey, people["dsl"])
    first = dsl.get("/settings/audit/").content.decode()
    assert f"Entry {newest}<" in first and f"Entry {newest - 50}<" not in first
    assert 'rel="next"' in first and "page=2" in first
    second = dsl.get("/settings/audit/", {"page": 2}).content.decode()
    assert f"Entry {newest - 50}<" in second
