"""The retention pages as a DSL uses them, and as anyone else finds them: not at all."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safeguarding.concerns.models import Incident
from safeguarding.retention import services
from safeguarding.retention.models import LegalHold, RetentionReview, RetentionSettings
from tests.sessions import signed_in


def test_the_overview_lists_what_is_due_with_an_empty_state_before(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    page = client.get("/retention/").content.decode()
    assert "No records are waiting for review." in page
    assert "Kept until the pupil&#x27;s 25th birthday" in page
    client.post("/retention/check/")
    page = client.get("/retention/").content.decode()
    assert "Lena Leaver" in page
    assert "Due for review (1)" in page


def test_staff_outside_the_safeguarding_team_find_no_retention_pages(abbey, leaver):
    client = signed_in(abbey, leaver["teacher"])
    with abbey:
        services.list_due()
        review = RetentionReview.objects.get()
    assert client.get("/retention/").status_code == 404
    assert client.get(f"/retention/reviews/{review.pk}/confirm/").status_code == 404
    assert (
        client.post(f"/retention/reviews/{review.pk}/confirm/", {"understood": "on"}).status_code
        == 404
    )
    assert client.get(f"/pupils/{leaver['lena'].pk}/legal-hold/").status_code == 404
    with abbey:
        assert RetentionReview.objects.get().decision == "pending"


def test_a_dsl_without_a_second_factor_is_told_why(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"], verified=False)
    response = client.get("/retention/")
    assert response.status_code == 403
    assert "second factor" in response.content.decode()


def test_confirming_asks_for_a_tick_and_shows_what_will_go(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    with abbey:
        services.list_due()
        review = RetentionReview.objects.get()
    page = client.get(f"/retention/reviews/{review.pk}/confirm/")
    text = page.content.decode()
    assert "1 incident about this pupil, with 1 action and 1 file" in text
    assert "1 subject access request" in text
    assert "named in 1 other pupil" in text
    assert "Lena" not in text.split("<title>")[1].split("</title>")[0]
    refused = client.post(f"/retention/reviews/{review.pk}/confirm/", {})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    with abbey:
        assert RetentionReview.objects.get().decision == "pending"
    done = client.post(f"/retention/reviews/{review.pk}/confirm/", {"understood": "on"})
    assert done.status_code == 302
    with abbey:
        assert RetentionReview.objects.get().decision == "confirmed"
        assert Incident.objects.filter(pupil=leaver["lena"]).exists()  # not until tonight


def test_keeping_longer_needs_a_future_date_and_a_reason(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    with abbey:
        services.list_due()
        review = RetentionReview.objects.get()
    past = client.post(
        f"/retention/reviews/{review.pk}/keep/", {"until": "2001-01-01", "reason": ""}
    )
    assert past.status_code == 400
    text = past.content.decode()
    assert "Choose a date after today." in text and "Say why" in text
    later = timezone.localdate() + datetime.timedelta(days=200)
    kept = client.post(
        f"/retention/reviews/{review.pk}/keep/", {"until": later.isoformat(), "reason": "Sibling"}
    )
    assert kept.status_code == 302
    with abbey:
        review.refresh_from_db()
        assert (review.decision, review.keep_until) == ("kept", later)


def test_a_legal_hold_is_placed_and_released_from_the_pupils_pages(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    pupil_page = client.get(f"/pupils/{leaver['lena'].pk}/").content.decode()
    assert f"/pupils/{leaver['lena'].pk}/legal-hold/" in pupil_page
    empty = client.post(f"/pupils/{leaver['lena'].pk}/legal-hold/", {"reason": "  "})
    assert empty.status_code == 400
    with abbey:
        assert not LegalHold.objects.exists()
    placed = client.post(f"/pupils/{leaver['lena'].pk}/legal-hold/", {"reason": "Police inquiry"})
    assert placed.status_code == 302
    again = client.post(f"/pupils/{leaver['lena'].pk}/legal-hold/", {"reason": "Twice"})
    assert "already under a legal hold" in again.content.decode()
    with abbey:
        hold = LegalHold.objects.get()
        assert services.list_due() == 0
    shown = client.get(f"/pupils/{leaver['lena'].pk}/legal-hold/").content.decode()
    assert "Police inquiry" in shown
    client.post(f"/retention/holds/{hold.pk}/release/", {"release_reason": "Closed"})
    with abbey:
        hold.refresh_from_db()
        assert hold.released_at is not None and hold.release_reason == "Closed"
        assert services.list_due() == 1


def test_the_rule_refuses_years_out_of_range_and_changes_nothing(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    refused = client.post("/retention/settings/", {"basis": "birthday", "years": "12"})
    assert refused.status_code == 400
    assert "from 18 to 100" in refused.content.decode()
    nonsense = client.post("/retention/settings/", {"basis": "forever", "years": "x"})
    assert nonsense.status_code == 400
    with abbey:
        assert not RetentionSettings.objects.exists()
    saved = client.post("/retention/settings/", {"basis": "after_leaving", "years": "6"})
    assert saved.status_code == 302
    with abbey:
        rule = RetentionSettings.current()
        assert (rule.basis, rule.years) == ("after_leaving", 6)


def test_every_decision_is_in_the_audit_log(abbey, leaver):
    from safeguarding.audit.models import AuditEvent

    client = signed_in(abbey, leaver["dsl"])
    client.post("/retention/check/")
    with abbey:
        review = RetentionReview.objects.get()
    client.post(f"/retention/reviews/{review.pk}/confirm/", {"understood": "on"})
    client.post(f"/retention/reviews/{review.pk}/cancel/")
    client.post(f"/pupils/{leaver['lena'].pk}/legal-hold/", {"reason": "Police"})
    client.post("/retention/settings/", {"basis": "birthday", "years": "30"})
    with abbey:
        actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    for code in ("retention_confirmed", "retention_cancelled", "legal_hold_placed",
                 "retention_settings_changed"):  # fmt: skip
        assert code in actions


def test_ids_that_are_no_review_or_hold_are_not_found(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    huge = "9" * 25
    assert client.get(f"/retention/reviews/{huge}/confirm/").status_code == 404
    assert client.post(f"/retention/reviews/{huge}/cancel/").status_code == 404
    assert client.post(
        "/retention/reviews/999/keep/", {"until": "2099-01-01", "reason": "x"}
    ).status_code in (400, 404)
    assert (
        client.post(f"/retention/holds/{huge}/release/", {"release_reason": "x"}).status_code == 404
    )
    assert (
        client.post(f"/retention/holds/{huge}/release/", {"release_reason": ""}).status_code == 404
    )
    assert client.get(f"/pupils/{huge}/legal-hold/").status_code == 404


def test_releasing_a_hold_without_a_reason_shows_the_form_again(abbey, leaver):
    client = signed_in(abbey, leaver["dsl"])
    client.post(f"/pupils/{leaver['lena'].pk}/legal-hold/", {"reason": "Police inquiry"})
    with abbey:
        hold = LegalHold.objects.get()
    response = client.post(f"/retention/holds/{hold.pk}/release/", {"release_reason": " "})
    assert response.status_code == 400
    assert "Say why the hold can end." in response.content.decode()
    with abbey:
        assert LegalHold.objects.get().released_at is None
