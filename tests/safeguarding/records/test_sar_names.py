"""How a subject access request finds third parties' names in what staff wrote: whole names
in any case and spacing, titles and surnames, the pupil's own family kept even where
another pupil's parent shares a name, and staff only when they are to be initials."""

from __future__ import annotations

import pytest

from safeguarding.people.models import Guardian
from safeguarding.records.sar_selectors import third_party_names
from tests.factories import PupilFactory, StaffFactory


@pytest.fixture
def school(abbey):
    """Amara Okafor (mother Grace Okafor); her brother Kofi Okafor (same mother); Bea
    O'Brien-Hale (father Sean O'Brien); a teacher, Jo Marsh."""
    with abbey:
        amara = PupilFactory(legal_first_name="Amara", legal_last_name="Okafor")
        kofi = PupilFactory(legal_first_name="Kofi", legal_last_name="Okafor")
        bea = PupilFactory(
            legal_first_name="Beatrice", legal_last_name="O'Brien-Hale", preferred_first_name="Bea"
        )
        Guardian.objects.create(pupil=amara, name="Grace Okafor", relationship="Mother")
        Guardian.objects.create(pupil=kofi, name="Grace Okafor", relationship="Mother")
        Guardian.objects.create(pupil=bea, name="Mr Sean O'Brien", relationship="Father")
        StaffFactory(full_name="Jo Marsh")
        yield amara


def _hide(abbey, pupil, text: str, staff: bool = True) -> str:
    with abbey:
        return third_party_names(pupil, [text], staff=staff)(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Bea O'Brien-Hale cried.", "[another pupil] cried."),
        ("BEA O\u2019BRIEN HALE cried.", "[another pupil] cried."),  # any case, curly apostrophe
        ("beatrice o'brien-hale cried.", "[another pupil] cried."),  # the legal name
        ("Sean O'Brien phoned.", "[a parent of another pupil] phoned."),
        ("Mr O\u2019Brien phoned.", "[a parent of another pupil] phoned."),
        ("mr. sean obrien phoned.", "[a parent of another pupil] phoned."),
        ("Emailed jo.marsh@abbey.example.", "Emailed JM@abbey.example."),
        ("Told Miss Marsh.", "Told JM."),
        ("Told Jo Marsh.", "Told JM."),
    ],
)
def test_third_parties_are_found_however_they_are_written(abbey, school, text, shown):
    assert _hide(abbey, school, text) == shown


def test_the_pupils_own_family_is_kept_where_a_sibling_shares_a_parent(abbey, school):
    text = "Grace Okafor and Mrs Okafor came in; Kofi Okafor waited."
    assert (
        _hide(abbey, school, text) == "Grace Okafor and Mrs Okafor came in; [another pupil] waited."
    )


def test_the_pupils_own_name_is_kept(abbey, school):
    assert (
        _hide(abbey, school, "Amara Okafor and AMARA OKAFOR.") == "Amara Okafor and AMARA OKAFOR."
    )


def test_a_name_inside_a_longer_word_is_left_alone(abbey, school):
    assert _hide(abbey, school, "The marshland trip; Jo Marshall came.") == (
        "The marshland trip; Jo Marshall came."
    )


def test_staff_are_left_alone_when_named_in_full(abbey, school):
    assert _hide(abbey, school, "Told Jo Marsh.", staff=False) == "Told Jo Marsh."


def test_names_the_text_does_not_hold_are_not_looked_for(abbey, school):
    with abbey:
        redactor = third_party_names(school, ["Nothing of note."], staff=True)
    assert redactor._patterns == {}  # the point: no pattern made of the school's names


def _file_queries(abbey, entries: int) -> tuple[int, int]:
    """A request's file over `entries` incidents (each with an action) naming another
    pupil's parent and a teacher: (incidents in the file, queries to build it)."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from safeguarding.concerns.models import Action, Category, Incident, IncidentCategory
    from safeguarding.records.models import SubjectAccessRequest
    from safeguarding.records.sar_selectors import sar_file
    from tests.sessions import verified_viewer

    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        pupil = PupilFactory()
        start = timezone.now() - datetime.timedelta(days=300)
        incidents = Incident.objects.bulk_create(
            Incident(pupil=pupil, recorded_by=dsl, occurred_at=start + datetime.timedelta(hours=n),
                     text=f"Entry {n}: Sean O'Brien rang Jo Marsh.")
            for n in range(entries)
        )  # fmt: skip
        behaviour = Category.objects.get(name="Behaviour")
        IncidentCategory.objects.bulk_create(
            IncidentCategory(incident=incident, category=behaviour) for incident in incidents
        )
        Action.objects.bulk_create(
            Action(incident=incident, kind="note", text="Told Mr O'Brien.", recorded_by=dsl,
                   occurred_at=incident.occurred_at)
            for incident in incidents
        )  # fmt: skip
        sar = SubjectAccessRequest.objects.create(
            pupil=pupil, requested_by="pupil", received_on=timezone.localdate(), created_by=dsl
        )
        viewer = verified_viewer(dsl)
        viewer.category_levels  # noqa: B018  (the per-request cache, loaded once either way)
        with CaptureQueriesContext(connection) as queries:
            file = sar_file(viewer, sar, school_name="Abbey")
    assert "Sean" not in file.export.incidents[-1].text
    assert file.export.incidents[-1].followups[0].text == "Told [a parent of another pupil]."
    captured = queries.captured_queries
    return len(file.export.incidents), sum(
        not q["sql"].startswith("SET search_path") for q in captured
    )


def test_a_long_file_takes_as_many_queries_as_a_short_one(abbey, school):
    short_entries, short_queries = _file_queries(abbey, 5)
    long_entries, long_queries = _file_queries(abbey, 300)
    assert (short_entries, long_entries) == (5, 300)
    assert long_queries == short_queries <= 10
