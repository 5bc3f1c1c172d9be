"""A person's "Hide names" toggle shows every pupil as initials on every page they open,
until they press it again; what is stored and what the API returns are unchanged."""

from __future__ import annotations

from django.utils import timezone

from safeguarding.concerns.models import Category
from safeguarding.concerns.services import record_incident
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer


def test_hide_names_shows_initials_everywhere_until_pressed_again(abbey):
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
        pupil = PupilFactory(legal_first_name="Orla", legal_last_name="Penhale")
        incident = record_incident(
            viewer=verified_viewer(dsl),
            pupil_id=pupil.pk,
            text="Orla Penhale said she was frightened on the way home.",
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
            occurred_at=timezone.now(),
        )
    client = signed_in(abbey, dsl)
    pages = ("/", f"/pupils/{pupil.pk}/", f"/incidents/{incident.pk}/")
    assert all("Penhale" in client.get(page).content.decode() for page in pages)

    back = f"http://abbey.localhost/pupils/{pupil.pk}/"
    toggled = client.post("/names/", HTTP_REFERER=back)
    assert toggled.headers["Location"] == back
    for page in pages:
        html = client.get(page).content.decode()
        assert "Penhale" not in html and "Orla" not in html, page
    pupil_page = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "<h1>OP</h1>" in pupil_page
    assert "Hidden while you hide names." in pupil_page
    assert 'aria-pressed="true"' in client.get("/").content.decode()
    assert client.get(f"/api/v1/pupils/{pupil.pk}/").json()["name"] == "Orla Penhale"

    elsewhere = client.post("/names/", HTTP_REFERER="https://evil.example/")
    assert elsewhere.headers["Location"] == "/"
    assert "Penhale" in client.get(f"/pupils/{pupil.pk}/").content.decode()


def test_the_toggle_is_a_post_with_the_pages_token(abbey):
    with abbey:
        dsl = StaffFactory(email="lead@abbey.example", role="Safeguarding team")
    assert signed_in(abbey, dsl).get("/names/").status_code == 405
    forged = signed_in(abbey, dsl, enforce_csrf_checks=True).post("/names/")
    assert forged.status_code == 403
