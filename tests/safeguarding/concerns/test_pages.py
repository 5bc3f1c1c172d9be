"""The school pages as staff use them, over the test client on the school's host."""

from __future__ import annotations

import datetime
import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from safeguarding.access.models import Role
from safeguarding.access.services import set_category_level
from safeguarding.concerns.models import Attachment, Category, Incident
from safeguarding.concerns.services import Upload, add_action, record_incident
from tests import samples
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.sessions import signed_in, verified_viewer


def _category(name: str) -> int:
    return Category.objects.get(name=name).pk


def _now_text() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def people(abbey):
    with abbey:
        form = GroupFactory(name="9R", kind="form")
        yield {
            "teacher": StaffFactory(
                email="teacher@abbey.example", full_name="Tess Teacher", groups=[form]
            ),
            "dsl": StaffFactory(email="lead@abbey.example", role="Safeguarding team"),
            "slt": StaffFactory(email="deputy@abbey.example", role="SLT"),
            "pupil": PupilFactory(legal_first_name="Amara", legal_last_name="Okafor", form=form),
            "classmate": PupilFactory(legal_first_name="Cara", legal_last_name="Ndlovu", form=form),
            "other": PupilFactory(legal_first_name="Ben", legal_last_name="Hollis"),
        }


def _protected_incident(people) -> Incident:
    return record_incident(
        viewer=verified_viewer(people["dsl"]),
        pupil_id=people["pupil"].pk,
        text="Amara disclosed something at break.",
        category_ids=[_category("Child Protection")],
        occurred_at=timezone.now(),
        uploads=[Upload(file=BytesIO(samples.PDF), name="statement.pdf")],
    )


# Add Incident --------------------------------------------------------------------------------


def test_a_teacher_is_offered_only_the_categories_they_may_use(abbey, people):
    with abbey:
        Category.objects.filter(name="Bullying").update(retired_at=timezone.now())
        set_category_level(role=Role.objects.get(name="Teachers"),
                           category=Category.objects.get(name="SEND"), level="none")  # fmt: skip
    page = signed_in(abbey, people["teacher"]).get("/incidents/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "You cannot edit an incident once it is submitted." in html
    with abbey:
        # Anyone may report a safeguarding concern; not in a retired category, nor where
        # the school has said "none" for the role.
        assert f'name="categories" value="{_category("Behaviour")}"' in html
        assert f'name="categories" value="{_category("Child Protection")}"' in html
        assert f'name="categories" value="{_category("Safeguarding Concern")}"' in html
        assert f'name="categories" value="{_category("Bullying")}"' not in html
        assert f'name="categories" value="{_category("SEND")}"' not in html


def test_a_teacher_records_an_incident_through_the_form(abbey, people):
    client = signed_in(abbey, people["teacher"])
    with abbey:
        form = {
            "pupil": people["pupil"].pk,
            "text": "Amara said she is scared to go home.",
            "categories": [_category("Cause for Concern")],
            "occurred_at": _now_text(),
            "status": "active",
            "link_pupil": [people["classmate"].pk],
            "link_role": ["witness"],
            "mark_side": ["back"],
            "mark_x": ["480"],
            "mark_y": ["300"],
            "mark_kind": ["bruise"],
            "mark_note": ["Between shoulder blades"],
            "alert": [people["dsl"].pk],
            "submit": "1",
            "files": SimpleUploadedFile("note.txt", samples.TEXT, content_type="text/plain"),
        }
    response = client.post("/incidents/new/", form)
    assert response.status_code == 302
    with abbey:
        incident = Incident.objects.get()
        assert response.headers["Location"] == f"/incidents/{incident.pk}/"
        assert incident.marks.get().side == "back"
        assert incident.links.get().role == "witness"
        assert incident.attachments.get().name == "note.txt"
    page = client.get(response.headers["Location"]).content.decode()
    assert f"Incident {incident.reference} is recorded" in page
    assert "Amara said she is scared to go home." in page


def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(abbey, people):
    client = signed_in(abbey, people["teacher"])
    response = client.post(
        "/incidents/new/",
        {
            "pupil": people["pupil"].pk,
            "text": "Half written <script>",
            "occurred_at": _now_text(),
            "submit": "1",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Choose at least one category." in html
    assert "cannot contain HTML" in html
    assert "Half written &lt;script&gt;" in html  # kept, and escaped
    assert f'name="pupil" value="{people["pupil"].pk}"' in html
    with abbey:
        assert not Incident.objects.exists()


def test_without_javascript_the_pupil_is_found_and_chosen_by_buttons(abbey, people):
    client = signed_in(abbey, people["teacher"])
    found = client.post(
        "/incidents/new/", {"find_pupil": "1", "pupil_q": "okaf", "text": "Draft kept"}
    )
    html = found.content.decode()
    assert found.status_code == 200
    assert f'name="choose_pupil" value="{people["pupil"].pk}"' in html
    assert "Draft kept" in html
    chosen = client.post("/incidents/new/", {"choose_pupil": people["pupil"].pk})
    assert f'name="pupil" value="{people["pupil"].pk}"' in chosen.content.decode()
    linked = client.post(
        "/incidents/new/", {"pupil": people["pupil"].pk, "add_link": people["classmate"].pk}
    )
    assert f'name="link_pupil" value="{people["classmate"].pk}"' in linked.content.decode()
    marked = client.post("/incidents/new/", {"add_mark": "1"})
    assert 'name="mark_kind"' in marked.content.decode()
    with abbey:
        assert not Incident.objects.exists()


def test_the_type_ahead_finds_pupils_on_roll_by_name_only(abbey, people):
    client = signed_in(abbey, people["teacher"])
    with abbey:
        PupilFactory(
            legal_first_name="Amy",
            legal_last_name="Left",
            form=people["pupil"].form,
            leaving_date=timezone.localdate() - datetime.timedelta(days=3),
        )
    html = client.post("/pick/pupils/?for=subject", {"pupil_q": "am"}).content.decode()
    assert "Amara Okafor" in html
    assert "Amy Left" not in html
    assert people["pupil"].upn not in html
    linked = client.get("/pick/link/", {"id": people["classmate"].pk}).content.decode()
    assert 'name="link_role"' in linked and "Cara Ndlovu" in linked
    outside = client.get("/pick/link/", {"id": people["other"].pk})
    assert outside.status_code == 404 and "Ben Hollis" not in outside.content.decode()


def test_pages_need_a_signed_in_member_of_staff_with_a_role(abbey, people):
    anonymous = Client(HTTP_HOST="abbey.localhost")
    assert anonymous.post("/pick/pupils/", {"pupil_q": "am"}).status_code == 302
    from tests.factories import UserFactory

    with abbey:
        roleless = UserFactory(email="visitor@abbey.example")
    page = signed_in(abbey, roleless).get("/incidents/new/")
    assert page.status_code == 403
    assert "no role" in page.content.decode()


# Reading -------------------------------------------------------------------------------------


def test_a_restricted_incident_is_not_found_for_those_without_access(abbey, westleigh, people):
    with abbey:
        incident = _protected_incident(people)
        file_id = incident.attachments.get().pk
    for who in ("teacher", "slt"):
        client = signed_in(abbey, people[who])
        assert client.get(f"/incidents/{incident.pk}/").status_code == 404
        assert client.get(f"/incidents/{incident.pk}/actions/new/").status_code == 404
        assert client.get(f"/files/{file_id}/").status_code == 404
    assert signed_in(abbey, people["dsl"]).get(f"/incidents/{incident.pk}/").status_code == 200
    with westleigh:
        elsewhere = StaffFactory(role="Safeguarding team", email="lead@westleigh.example")
    assert signed_in(westleigh, elsewhere).get(f"/incidents/{incident.pk}/").status_code == 404


def test_files_download_as_attachments_never_shown_inline(abbey, people):
    with abbey:
        file_id = _protected_incident(people).attachments.get().pk
    response = signed_in(abbey, people["dsl"]).get(f"/files/{file_id}/")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="statement.pdf"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == samples.PDF


def test_the_pupil_page_shows_open_titles_but_not_restricted_incidents_to_slt(abbey, people):
    with abbey:
        _protected_incident(people)
        record_incident(
            viewer=verified_viewer(people["teacher"]),
            pupil_id=people["pupil"].pk,
            text="Forgot PE kit again.",
            category_ids=[_category("Behaviour")],
            occurred_at=timezone.now(),
        )
    html = signed_in(abbey, people["slt"]).get(f"/pupils/{people['pupil'].pk}/").content.decode()
    assert "Open categories" in html and "Child Protection" in html
    assert "Forgot PE kit again." in html
    assert "disclosed something" not in html
    assert "<title>Pupil · Haven</title>" in html  # no child's name in the title


def test_teachers_pick_only_the_pupils_of_their_groups_and_open_no_pupil_page(abbey, people):
    client = signed_in(abbey, people["teacher"])
    assert client.get(f"/pupils/{people['pupil'].pk}/").status_code == 404
    assert client.get(f"/pupils/{people['other'].pk}/").status_code == 404
    assert "Amara Okafor" not in client.post("/pupils/", {"q": "o"}).content.decode()
    picked = client.post("/pick/pupils/?for=subject", {"pupil_q": "o"}).content.decode()
    assert "Amara Okafor" in picked and "Ben Hollis" not in picked
    assert 'href="/pupils/"' not in client.get("/").content.decode()


def test_names_typed_into_a_search_never_travel_in_a_url(abbey, people):
    client = signed_in(abbey, people["teacher"])
    assert client.get("/pick/pupils/?for=subject&pupil_q=amara").status_code == 405
    ignored = client.get("/pupils/", {"q": "amara"}).content.decode()
    assert "Amara Okafor" not in ignored
    for page in ("/pupils/", "/incidents/new/"):
        html = client.get(page).content.decode()
        assert 'method="get"' not in html and 'hx-get="/pick/pupils' not in html
    form = client.get("/incidents/new/").content.decode()
    assert 'hx-post="/pick/pupils/?for=subject" hx-params="pupil_q"' in form
    assert 'hx-post="/pick/pupils/?for=link" hx-params="link_q"' in form


def test_the_dashboard_lists_my_incidents_alerts_and_overdue_actions(abbey, people):
    with abbey:
        mine = record_incident(
            viewer=verified_viewer(people["teacher"]),
            pupil_id=people["pupil"].pk,
            text="Late again.",
            category_ids=[_category("Attendance")],
            occurred_at=timezone.now(),
            alert_user_ids=[people["slt"].pk],
        )
        add_action(
            viewer=verified_viewer(people["dsl"]),
            incident_id=mine.pk,
            kind="meeting",
            text="Meet parents.",
            assignee_id=people["slt"].pk,
            due_date=timezone.localdate(),
        )
        # Set a week ago, as if the week had passed: due dates in the past are refused now.
        mine.actions.create(
            kind="phone_call",
            text="Ring the GP.",
            occurred_at=timezone.now(),
            recorded_by=people["dsl"],
            assignee=people["slt"],
            due_date=timezone.localdate() - datetime.timedelta(days=7),
        )
    teacher = signed_in(abbey, people["teacher"]).get("/").content.decode()
    assert mine.reference in teacher.split("Incidents you recorded")[1]
    slt = signed_in(abbey, people["slt"]).get("/").content.decode()
    assert mine.reference in slt.split("Incidents you were alerted to")[1]
    assert "Meeting</strong> on " + mine.reference in slt
    assert "1 overdue" in slt
    assert re.search(
        rf'card-item overdue">\s*<a [^>]+><strong>Phone call</strong> on {mine.reference}', slt
    )


def test_names_can_be_hidden_on_an_incident(abbey, people):
    with abbey:
        incident = record_incident(
            viewer=verified_viewer(people["dsl"]),
            pupil_id=people["pupil"].pk,
            text="Amara Okafor told Ben she was frightened. Okafor cried.",
            category_ids=[_category("Cause for Concern")],
            occurred_at=timezone.now(),
        )
    client = signed_in(abbey, people["dsl"])
    client.post(f"/incidents/{incident.pk}/change/", {"change": "names", "hidden": "1"})
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Amara Okafor" not in html
    assert re.search(r"AO told Ben she was frightened\. AO cried\.", html)


# Changes, actions and settings ---------------------------------------------------------------


def test_a_dsl_changes_status_and_the_history_shows_it(abbey, people):
    with abbey:
        incident = _protected_incident(people)
    client = signed_in(abbey, people["dsl"])
    response = client.post(
        f"/incidents/{incident.pk}/change/",
        {"change": "status", "status": "closed", "reason": "Resolved"},
    )
    assert response.status_code == 302
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Status changed: “Resolved”" in html
    with abbey:
        own = record_incident(
            viewer=verified_viewer(people["teacher"]),
            pupil_id=people["pupil"].pk,
            text="Tired.",
            category_ids=[_category("Behaviour")],
            occurred_at=timezone.now(),
        )
    refused = signed_in(abbey, people["teacher"]).post(
        f"/incidents/{own.pk}/change/", {"change": "status", "status": "closed"}
    )
    assert refused.status_code == 403
    with abbey:
        assert Incident.objects.get(pk=own.pk).status == "active"


def test_adding_an_action_with_a_file_and_completing_it(abbey, people):
    with abbey:
        incident = _protected_incident(people)
    client = signed_in(abbey, people["dsl"])
    response = client.post(
        f"/incidents/{incident.pk}/actions/new/",
        {
            "kind": "meeting",
            "text": "Met the family.",
            "occurred_at": _now_text(),
            "assignee": people["dsl"].pk,
            "due_date": timezone.localdate().isoformat(),
            "files": SimpleUploadedFile("minutes.txt", samples.TEXT),
        },
    )
    assert response.status_code == 302
    with abbey:
        action = incident.actions.get()
        assert Attachment.objects.filter(action=action).exists()
    client.post(f"/actions/{action.pk}/complete/", {"note": "Done"})
    with abbey:
        assert incident.actions.get().completion.note == "Done"


def test_a_bad_action_is_shown_back_with_reasons(abbey, people):
    with abbey:
        incident = _protected_incident(people)
    response = signed_in(abbey, people["dsl"]).post(
        f"/incidents/{incident.pk}/actions/new/",
        {"kind": "referral", "text": "", "occurred_at": "yesterday", "due_date": "soon"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date and time like" in html and "Enter the date like" in html
    with abbey:
        assert not incident.actions.exists()


def test_only_dsls_reach_the_category_settings(abbey, people):
    assert signed_in(abbey, people["teacher"]).get("/settings/categories/").status_code == 404
    assert signed_in(abbey, people["slt"]).get("/settings/categories/").status_code == 404
    client = signed_in(abbey, people["dsl"])
    assert client.get("/settings/categories/").status_code == 200
    client.post(
        "/settings/categories/", {"command": "add", "name": "Gangs", "standard": "exploitation"}
    )
    with abbey:
        added = Category.objects.get(name="Gangs")
    confirm = client.get(f"/settings/categories/{added.pk}/delete/").content.decode()
    assert "Delete Gangs?" in confirm
    unconfirmed = client.post("/settings/categories/", {"command": "delete", "category": added.pk})
    assert unconfirmed.status_code == 400
    client.post(
        "/settings/categories/", {"command": "delete", "category": added.pk, "confirm": "yes"}
    )
    with abbey:
        assert not Category.objects.filter(name="Gangs").exists()


@pytest.mark.parametrize("junk", ["²", "abc", "-1", "99999999999999999999999", ""])
def test_a_junk_pupil_id_in_the_form_is_ignored_not_an_error(abbey, people, junk):
    client = signed_in(abbey, people["teacher"])
    opened = client.get("/incidents/new/", {"pupil": junk})
    assert opened.status_code == 200 and 'name="pupil" value=' not in opened.content.decode()
    for step in ("choose_pupil", "add_link", "remove_link"):
        response = client.post("/incidents/new/", {step: junk, "text": "Kept"})
        assert response.status_code == 200, step
        assert "Kept" in response.content.decode()
    mark = {"side": "front", "x": "10", "y": "20", "kind": "bruise", "note": ""}
    two_marks = {f"mark_{field}": [value, value] for field, value in mark.items()}
    kept = client.post("/incidents/new/", {"remove_mark": junk, **two_marks}).content.decode()
    assert kept.count('name="mark_kind"') == 3  # the two marks and the row template
    with abbey:
        assert not Incident.objects.exists()


def test_a_hidden_incident_answers_exactly_as_a_missing_one_does(abbey, people):
    with abbey:
        hidden = record_incident(
            viewer=verified_viewer(people["dsl"]),
            pupil_id=people["pupil"].pk,
            text="Disclosure.",
            category_ids=[_category("Child Protection")],
            occurred_at=timezone.now(),
            uploads=[Upload(file=BytesIO(samples.TEXT), name="note.txt")],
        )
        file_id = hidden.attachments.get().pk
    client = signed_in(abbey, people["teacher"])
    missing = 10**9
    for path in (
        "/incidents/{}/",
        "/incidents/{}/actions/new/",
        "/files/{}/",
        "/api/v1/incidents/{}/",
        "/api/v1/incidents/{}/actions/",
        "/api/v1/files/{}/",
    ):
        real = file_id if "files" in path else hidden.pk
        there, absent = client.get(path.format(real)), client.get(path.format(missing))
        assert there.status_code == absent.status_code == 404, path
        assert _unmasked(there) == _unmasked(absent), path
    assert _unmasked(client.get(f"/pupils/{people['other'].pk}/")) == _unmasked(
        client.get(f"/pupils/{missing}/")
    )


def _unmasked(response) -> str:
    """The body without its CSRF token, which Django masks afresh on every page."""
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def test_someone_alerted_to_a_restricted_incident_may_add_to_it_but_not_pass_it_on(abbey, people):
    with abbey:
        incident = record_incident(
            viewer=verified_viewer(people["dsl"]),
            pupil_id=people["other"].pk,
            text="Disclosure.",
            category_ids=[_category("Child Protection")],
            occurred_at=timezone.now(),
            alert_user_ids=[people["teacher"].pk],
        )
    teacher = signed_in(abbey, people["teacher"])
    page = teacher.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Ben Hollis" in page and f'href="/pupils/{people["other"].pk}/"' not in page
    form = teacher.get(f"/incidents/{incident.pk}/actions/new/").content.decode()
    assert 'name="assignee"' not in form and 'value="forwarded"' not in form
    assert "ask the safeguarding team" in form
    dsl_form = signed_in(abbey, people["dsl"]).get(f"/incidents/{incident.pk}/actions/new/")
    assert 'name="assignee"' in dsl_form.content.decode()
    assert 'value="forwarded"' in dsl_form.content.decode()


def test_the_type_ahead_is_accepted_with_the_pages_csrf_header_and_refused_without(abbey, people):
    client = Client(HTTP_HOST="abbey.localhost", enforce_csrf_checks=True)
    with abbey:
        client.force_login(people["teacher"])
    page = client.get("/incidents/new/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    search = {"pupil_q": "amara"}
    refused = client.post("/pick/pupils/?for=subject", search)
    assert refused.status_code == 403 and "Amara" not in refused.content.decode()
    found = client.post("/pick/pupils/?for=subject", search, HTTP_X_CSRFTOKEN=token)
    assert found.status_code == 200 and "Amara Okafor" in found.content.decode()
