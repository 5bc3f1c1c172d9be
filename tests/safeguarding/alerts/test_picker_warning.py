"""The alert picker warns when the person picked could not otherwise read the category."""

from __future__ import annotations

from tests.safeguarding.alerts.helpers import category
from tests.sessions import signed_in

WARNING = "cannot otherwise see this category; alerting them lets them read this incident"


def _chip(westleigh, school, member, label):
    with westleigh:
        ids = [category(label).pk] if label else []
    client = signed_in(westleigh, school["dsl"])
    return client.get("/pick/alert/", {"id": school[member].pk, "categories": ids})


def test_picking_slt_for_a_restricted_category_warns(westleigh, school):
    page = _chip(westleigh, school, "slt", "Safeguarding: CP plan").content.decode()
    assert f"Sam Senior {WARNING}" in page


def test_picking_slt_for_an_ordinary_category_does_not_warn(westleigh, school):
    page = _chip(westleigh, school, "slt", "Behaviour").content.decode()
    assert 'name="alert"' in page
    assert WARNING not in page


def test_picking_a_dsl_never_warns(westleigh, school):
    page = _chip(westleigh, school, "dsl", "Safeguarding: CP plan").content.decode()
    assert WARNING not in page


def test_no_warning_before_a_category_is_chosen(westleigh, school):
    page = _chip(westleigh, school, "other_teacher", None).content.decode()
    assert WARNING not in page


def test_the_form_without_javascript_warns_on_the_chosen_staff(westleigh, school):
    with westleigh:
        cp = category("Safeguarding: CP plan").pk
    client = signed_in(westleigh, school["dsl"])
    page = client.post(
        "/incidents/new/", {"categories": [cp], "add_alert": school["pastoral"].pk}
    ).content.decode()
    assert f"Pat Pastoral {WARNING}" in page


def test_add_action_offers_staff_to_alert_and_warns_on_those_who_cannot_see(westleigh, school):
    import datetime

    from django.utils import timezone

    from safeguarding.alerts.models import Notification
    from safeguarding.concerns.services import record_incident
    from tests.sessions import verified_viewer

    with westleigh:
        incident = record_incident(
            viewer=verified_viewer(school["dsl"]),
            pupil_id=school["pupil"].pk,
            text="Disclosure.",
            category_ids=[category("Safeguarding: CP plan").pk],
            occurred_at=timezone.now() - datetime.timedelta(minutes=5),
        )
    client = signed_in(westleigh, school["dsl"])
    page = client.get(f"/incidents/{incident.pk}/actions/new/").content.decode()
    assert (
        f"Olive Other ({school['other_teacher'].staff_profile.initials}): cannot otherwise" in page
    )
    assert "Dee Lead (" in page
    response = client.post(
        f"/incidents/{incident.pk}/actions/new/",
        {
            "kind": "note",
            "text": "Called the social worker.",
            "alert": [school["other_teacher"].pk],
        },
    )
    assert response.status_code == 302
    with westleigh:
        notification = Notification.objects.get(user=school["other_teacher"])
    assert (notification.reason, notification.granted_access) == ("manual", True)
