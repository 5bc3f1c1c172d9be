"""Recording an incident: everything on the Add Incident form, and every way it can be wrong."""

from __future__ import annotations

import datetime
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from safeguarding.access import policy
from safeguarding.access.models import IncidentGrant, Role
from safeguarding.access.services import set_category_level
from safeguarding.concerns.models import Agency, Attachment, Category, Incident
from safeguarding.concerns.services import Link, Mark, Upload, add_action, record_incident
from safeguarding.errors import Invalid
from tests import samples
from tests.factories import GroupFactory, PupilFactory, StaffFactory
from tests.faults import fail_once_a_file_is_stored
from tests.sessions import verified_viewer


@pytest.fixture
def at_abbey(abbey):
    with abbey:
        form = GroupFactory(kind="form")
        yield {
            "teacher": verified_viewer(StaffFactory(email="ta@abbey.example", groups=[form])),
            "form": form,
            "pupil": PupilFactory(form=form),
            "concern": Category.objects.get(name="Cause for Concern"),
            "bullying": Category.objects.get(name="Bullying"),
        }


def _record(at, **changes) -> Incident:
    arguments = {
        "viewer": at["teacher"],
        "pupil_id": at["pupil"].pk,
        "text": "Said she was hungry and had not had breakfast all week.",
        "category_ids": [at["concern"].pk],
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
        **changes,
    }
    return record_incident(**arguments)


def _files_on_disk() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / connection.schema_name
    return set(root.rglob("*")) if root.exists() else set()


def test_a_teacher_records_an_incident_with_everything_the_form_offers(at_abbey):
    dsl = StaffFactory(role="Safeguarding team")
    witness = PupilFactory(form=at_abbey["form"])
    incident = _record(
        at_abbey,
        text="  Bruise on left forearm; said her brother did it.  ",
        category_ids=[at_abbey["concern"].pk, at_abbey["bullying"].pk],
        links=[Link(pupil_id=witness.pk, role="witness")],
        marks=[Mark(side="front", x=320, y=410, kind="bruise", note="About 3 cm")],
        agency_ids=[Agency.objects.get(name="School nurse").pk],
        alert_user_ids=[dsl.pk],
        uploads=[Upload(file=BytesIO(samples.PDF), name="first aid form.pdf")],
    )
    assert incident.text == "Bruise on left forearm; said her brother did it."
    assert incident.recorded_by == at_abbey["teacher"].user
    assert incident.status == "active"
    assert set(incident.categories.values_list("name", flat=True)) == {
        "Cause for Concern", "Bullying"
    }  # fmt: skip
    assert list(incident.links.values_list("pupil_id", "role")) == [(witness.pk, "witness")]
    assert list(incident.marks.values_list("side", "x", "y", "kind", "note")) == [
        ("front", 320, 410, "bruise", "About 3 cm")
    ]
    assert list(incident.agencies.values_list("name", flat=True)) == ["School nurse"]
    assert list(IncidentGrant.objects.filter(incident=incident).values_list("user", "reason")) == [
        (dsl.pk, "alerted")
    ]
    [attachment] = incident.attachments.all()
    assert (attachment.name, attachment.content_type) == ("first aid form.pdf", "application/pdf")
    assert attachment.file.read() == samples.PDF
    assert "first aid" not in attachment.file.name  # stored under a random key


def test_files_are_stored_in_the_schools_own_folder(at_abbey):
    incident = _record(at_abbey, uploads=[Upload(file=BytesIO(samples.TEXT), name="n.txt")])
    path = Path(incident.attachments.get().file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "abbey")


def test_a_pupil_who_has_left_cannot_have_new_incidents(at_abbey):
    at_abbey["pupil"].leaving_date = timezone.localdate()
    at_abbey["pupil"].save()
    with pytest.raises(Invalid) as refused:
        _record(at_abbey)
    assert "pupil" in refused.value.errors


BAD_INPUT = {
    "no pupil": ({"pupil_id": None}, "pupil", "Choose the pupil"),
    "unknown pupil": ({"pupil_id": 10**9}, "pupil", "Choose the pupil"),
    "pupil id that is not a number": ({"pupil_id": "1 OR 1=1"}, "pupil", "Choose the pupil"),
    "no category": ({"category_ids": []}, "categories", "at least one category"),
    "unknown category": ({"category_ids": [10**9]}, "categories", "from the list"),
    "empty text": ({"text": "   "}, "text", "Enter the incident"),
    "text over the limit": ({"text": "x" * 20_001}, "text", "the limit is 20,000"),
    "script in the text": ({"text": "<script>alert(1)</script>"}, "text", "HTML"),
    "markup in the text": ({"text": "She said <b>no</b>"}, "text", "HTML"),
    "no time": ({"occurred_at": None}, "occurred_at", "Enter the date and time"),
    "time in the future": (
        {"occurred_at": timezone.now() + datetime.timedelta(hours=2)}, "occurred_at", "future"
    ),
    "status closed on submission": ({"status": "closed"}, "status", "Active or No further"),
    "mark off the map": (
        {"marks": [Mark(side="front", x=1200, y=10, kind="bruise")]}, "marks", "not on the outline"
    ),
    "mark on no side": ({"marks": [Mark(side="top", x=1, y=1, kind="cut")]}, "marks", "outline"),
    "mark of no kind": ({"marks": [Mark(side="back", x=1, y=1, kind="tattoo")]}, "marks", "what"),
    "script in a mark": (
        {"marks": [Mark(side="back", x=1, y=1, kind="cut", note="<img src=x>")]}, "marks", "HTML"
    ),
    "unknown agency": ({"agency_ids": [10**9]}, "agencies", "from the list"),
    "unknown staff to alert": ({"alert_user_ids": [10**9]}, "alert", "staff from the list"),
    "disallowed file": (
        {"uploads": [Upload(file=BytesIO(samples.EXE), name="photo.jpg")]}, "files", "not a type"
    ),
    "empty file": ({"uploads": [Upload(file=BytesIO(b""), name="n.txt")]}, "files", "is empty"),
    "too many files": (
        {"uploads": [Upload(file=BytesIO(samples.TEXT), name=f"{i}.txt") for i in range(11)]},
        "files", "at most 10",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(at_abbey, case):
    changes, field, message = BAD_INPUT[case]
    files_before = _files_on_disk()
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, **changes)
    assert field in refused.value.errors, refused.value.errors
    assert message in " ".join(refused.value.errors[field])
    assert not Incident.objects.exists()
    assert not IncidentGrant.objects.exists()
    assert not Attachment.objects.exists()
    assert _files_on_disk() == files_before


def test_every_problem_is_reported_at_once(at_abbey):
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, pupil_id=None, text="", category_ids=[], occurred_at=None)
    assert set(refused.value.errors) == {"pupil", "text", "categories", "occurred_at"}


def test_a_category_the_teacher_may_not_choose_is_refused(at_abbey):
    protection = Category.objects.get(name="Child Protection")
    set_category_level(role=Role.objects.get(name="Teachers"), category=protection, level="none")
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, category_ids=[at_abbey["concern"].pk, protection.pk])
    assert "categories" in refused.value.errors
    assert not Incident.objects.exists()


def test_a_teacher_reports_a_child_protection_concern_and_reads_only_their_own(at_abbey):
    protection = Category.objects.get(name="Child Protection")
    incident = _record(at_abbey, category_ids=[protection.pk])
    assert list(incident.categories.all()) == [protection]
    dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
    others = _record(at_abbey, viewer=dsl, category_ids=[protection.pk])
    readable = set(policy.visible_incidents(at_abbey["teacher"]))
    assert incident in readable and others not in readable


def test_linking_the_same_pupil_twice_or_the_subject_is_refused(at_abbey):
    other = PupilFactory(form=at_abbey["form"])
    for links in (
        [Link(pupil_id=at_abbey["pupil"].pk)],
        [Link(pupil_id=other.pk), Link(pupil_id=other.pk)],
        [Link(pupil_id=other.pk, role="bystander")],
    ):
        with pytest.raises(Invalid) as refused:
            _record(at_abbey, links=links)
        assert "links" in refused.value.errors
    assert not Incident.objects.exists()


def test_ids_from_another_school_are_unknown_here(at_abbey, westleigh):
    with westleigh:
        # Ids past anything Abbey has, so they cannot name an Abbey row by coincidence.
        pupil = PupilFactory(id=10**6)
        staff = StaffFactory(id=10**6, email="x@westleigh.example")
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, pupil_id=pupil.pk, alert_user_ids=[staff.pk])
    assert {"pupil", "alert"} <= set(refused.value.errors)


def test_a_failure_after_files_were_stored_removes_them(at_abbey, monkeypatch):
    files_before = _files_on_disk()
    stored = fail_once_a_file_is_stored(monkeypatch)
    with pytest.raises(RuntimeError):
        _record(at_abbey, uploads=[Upload(file=BytesIO(samples.PDF), name="a.pdf")])
    assert len(stored) == 1
    assert not Incident.objects.exists()
    assert _files_on_disk() == files_before


def test_a_failed_action_removes_the_files_it_stored(at_abbey, monkeypatch):
    incident = _record(at_abbey)
    files_before = _files_on_disk()
    stored = fail_once_a_file_is_stored(monkeypatch)
    with pytest.raises(RuntimeError):
        add_action(
            viewer=at_abbey["teacher"],
            incident_id=incident.pk,
            kind="note",
            text="Photo of the note she wrote.",
            uploads=[Upload(file=BytesIO(samples.PDF), name="note.pdf")],
        )
    assert len(stored) == 1
    assert not incident.actions.exists()
    assert _files_on_disk() == files_before


def test_a_teacher_cannot_record_about_a_pupil_outside_their_groups(at_abbey):
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, pupil_id=PupilFactory().pk)
    assert "pupil" in refused.value.errors
    with pytest.raises(Invalid) as refused:
        _record(at_abbey, links=[Link(pupil_id=PupilFactory().pk)])
    assert "links" in refused.value.errors
    assert not Incident.objects.exists()
