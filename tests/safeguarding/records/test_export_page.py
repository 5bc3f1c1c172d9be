"""The export page: offered to the safeguarding team, refused (and audited) for everyone
else, a 404 for a pupil who is not there, and bad choices refused before anything is made."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from safeguarding.audit.models import AuditEvent
from tests.factories import StaffFactory
from tests.safeguarding.records.helpers import export
from tests.sessions import signed_in


def _events(school, action: str) -> list[AuditEvent]:
    with school:
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_the_pupil_page_offers_the_export_to_the_safeguarding_team_only(abbey, case):
    with abbey:
        slt = StaffFactory(role="SLT")
    path = f"/pupils/{case['amara'].pk}/"
    link = f'href="/pupils/{case["amara"].pk}/export/"'
    assert link in signed_in(abbey, case["dsl"]).get(path).content.decode()
    assert link not in signed_in(abbey, slt).get(path).content.decode()


def test_the_form_offers_dates_categories_the_redaction_and_the_format(abbey, case):
    response = signed_in(abbey, case["dsl"]).get(f"/pupils/{case['amara'].pk}/export/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Export a chronology · Haven</title>" in page
    assert 'name="date_from"' in page and 'name="date_to"' in page
    assert 'name="hide_other_pupils" checked' in page
    assert 'value="pdf" checked' in page and 'value="csv"' in page
    assert "> Child Protection</label>" in page and "> Anxiety</label>" in page
    assert not _events(abbey, "export")


def test_a_pupil_who_is_not_there_is_not_found(abbey, case):
    client = signed_in(abbey, case["dsl"])
    assert client.get("/pupils/987654321/export/").status_code == 404
    assert export(client, 987654321).status_code == 404
    assert not _events(abbey, "export")


@pytest.mark.parametrize(
    ("role", "verified", "reason", "why"),
    [
        ("SLT", True, "Only the safeguarding team can export", "role"),
        ("Heads of School", True, "Only the safeguarding team can export", "role"),
        ("Teachers", True, "Only the safeguarding team can export", "role"),
        ("Safeguarding team", False, "needs a second factor", "second_factor"),
    ],
)
def test_a_role_without_the_right_is_refused_and_the_attempt_audited(
    abbey, case, role, verified, reason, why
):
    with abbey:
        member = StaffFactory(role=role)
    client = signed_in(abbey, member, verified=verified)
    form = client.get(f"/pupils/{case['amara'].pk}/export/")
    download = export(client, case["amara"].pk, format="csv")
    for response in (form, download):
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")
        assert reason in response.content.decode()
    refused = _events(abbey, "export_refused")
    assert [(e.actor_id, e.pupil_id, e.details) for e in refused] == [
        (member.pk, case["amara"].pk, {"format": None, "reason": why}),
        (member.pk, case["amara"].pk, {"format": "csv", "reason": why}),
    ]
    assert not _events(abbey, "export")


def test_a_refusal_is_the_same_for_a_pupil_who_is_not_there(abbey, case):
    with abbey:
        teacher = StaffFactory()
    response = export(signed_in(abbey, teacher), 2**63 + 5)
    assert response.status_code == 403
    assert [e.pupil_id for e in _events(abbey, "export_refused")] == [None]


def _today() -> datetime.date:
    return timezone.localdate()


@pytest.mark.parametrize(
    ("choices", "field", "message"),
    [
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to", "before the start"),
        ({"date_from": "1989-12-31"}, "date_from", "on or after 1 January 1990"),
        ({"date_to": "1066-10-14"}, "date_to", "on or after 1 January 1990"),
        ({"date_from": "9999-12-31"}, "date_from", "no later than today"),
        ({"date_to": "tomorrow"}, "date_to", "Enter the date like"),
        ({"date_from": "2026-02-30"}, "date_from", "Enter the date like"),
        ({"categories": ["987654"]}, "categories", "Choose the categories from the list"),
        ({"categories": ["one"]}, "categories", "Choose the categories from the list"),
        ({"format": "docx"}, "format", "Choose PDF or CSV"),
        ({"format": None}, "format", "Choose PDF or CSV"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_made(abbey, case, choices, field, message):
    response = export(signed_in(abbey, case["dsl"]), case["amara"].pk, **choices)
    page = response.content.decode()
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in page and f'href="#field-{field}"' in page
    assert not _events(abbey, "export") and not _events(abbey, "export_refused")


def test_a_date_after_today_is_refused(abbey, case):
    tomorrow = (_today() + datetime.timedelta(days=1)).isoformat()
    response = export(signed_in(abbey, case["dsl"]), case["amara"].pk, date_to=tomorrow)
    assert response.status_code == 400
    assert "no later than today" in response.content.decode()


def test_the_form_comes_back_with_what_was_chosen(abbey, case):
    response = export(
        signed_in(abbey, case["dsl"]), case["amara"].pk, format="csv", date_from="1980-01-01",
        hide_other_pupils=None,
    )  # fmt: skip
    page = response.content.decode()
    assert 'value="1980-01-01"' in page and 'value="csv" checked' in page
    assert 'name="hide_other_pupils" checked' not in page


def test_a_date_range_of_one_day_holds_that_days_incidents(abbey, case):
    day = case["pushed"].occurred_at.astimezone(timezone.get_current_timezone()).date()
    response = export(
        signed_in(abbey, case["dsl"]), case["amara"].pk, format="csv",
        date_from=day.isoformat(), date_to=day.isoformat(),
    )  # fmt: skip
    assert response.status_code == 200
    assert f"{case['pushed'].reference}," in response.content.decode("utf-8-sig")
    assert "Absent all week." not in response.content.decode("utf-8-sig")
