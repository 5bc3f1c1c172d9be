"""A pupil's chronology: complete for who may see it, in time order, in constant queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguarding.concerns.models import (
    Action,
    Category,
    Incident,
    IncidentCategory,
    IncidentChange,
    LinkedPupil,
)
from safeguarding.concerns.selectors import pupil_chronology
from safeguarding.concerns.services import set_status
from tests.factories import PupilFactory, StaffFactory
from tests.sessions import verified_viewer


def _history(pupil, author, entries: int) -> None:
    """`entries` chronology lines for the pupil: incidents, each with one action."""
    category = Category.objects.get(name="Behaviour")
    start = timezone.now() - datetime.timedelta(days=400)
    incidents = Incident.objects.bulk_create(
        Incident(
            pupil=pupil,
            text=f"Entry {n}.",
            occurred_at=start + datetime.timedelta(hours=n),
            recorded_by=author,
        )
        for n in range(entries // 2)
    )
    IncidentCategory.objects.bulk_create(
        IncidentCategory(incident=incident, category=category) for incident in incidents
    )
    Action.objects.bulk_create(
        Action(
            incident=incident,
            kind="note",
            text="Followed up.",
            recorded_by=author,
            occurred_at=incident.occurred_at + datetime.timedelta(minutes=30),
        )
        for incident in incidents
    )


def _queries(viewer, pupil) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        entries = pupil_chronology(viewer, pupil)
        for entry in entries:  # what the page and the API read from each entry
            _ = (entry.labels, entry.author, entry.text, entry.reference)
    return len(entries), sum(
        not q["sql"].startswith("SET search_path") for q in queries.captured_queries
    )


@pytest.mark.parametrize("role", ["Safeguarding team", "SLT"])
def test_a_500_entry_chronology_takes_as_many_queries_as_a_10_entry_one(abbey, role):
    with abbey:
        author = StaffFactory()
        short, long = PupilFactory(), PupilFactory()
        _history(short, author, 10)
        _history(long, author, 500)
        viewer = verified_viewer(StaffFactory(role=role))
        viewer.category_levels  # noqa: B018  (the per-request cache, loaded once either way)
        short_entries, short_queries = _queries(viewer, short)
        long_entries, long_queries = _queries(viewer, long)
    assert (short_entries, long_entries) == (10, 500)
    assert long_queries == short_queries <= 6


def _hide_names(pupil, dsl) -> None:
    """What set_names_hidden does, for every incident at once: a change and the flag."""
    incidents = Incident.objects.filter(pupil=pupil)
    IncidentChange.objects.bulk_create(
        IncidentChange(incident=i, kind="names", before=False, after=True, changed_by=dsl)
        for i in incidents
    )
    incidents.update(names_hidden=True)


def test_hidden_names_keep_the_query_count_constant(abbey):
    with abbey:
        author, dsl = StaffFactory(), StaffFactory(role="Safeguarding team")
        short, long = PupilFactory(), PupilFactory()
        for pupil, entries in ((short, 10), (long, 500)):
            _history(pupil, author, entries)
            _hide_names(pupil, dsl)
        viewer = verified_viewer(dsl)
        viewer.category_levels  # noqa: B018
        short_entries, short_queries = _queries(viewer, short)
        long_entries, long_queries = _queries(viewer, long)
    assert (short_entries, long_entries) == (15, 750)  # each incident's change is a line too
    assert long_queries == short_queries <= 8


def test_entries_come_newest_first_with_actions_changes_and_linked_incidents(abbey):
    with abbey:
        dsl = verified_viewer(StaffFactory(role="Safeguarding team"))
        pupil, other = PupilFactory(), PupilFactory()
        earlier = Incident.objects.create(
            pupil=pupil,
            text="First.",
            recorded_by=dsl.user,
            occurred_at=timezone.now() - datetime.timedelta(days=3),
        )
        IncidentCategory.objects.create(incident=earlier, category=Category.objects.first())
        about_other = Incident.objects.create(
            pupil=other,
            text="Fight at lunch.",
            recorded_by=dsl.user,
            occurred_at=timezone.now() - datetime.timedelta(days=1),
        )
        IncidentCategory.objects.create(incident=about_other, category=Category.objects.first())
        LinkedPupil.objects.create(incident=about_other, pupil=pupil, role="victim")
        set_status(viewer=dsl, incident_id=earlier.pk, status="closed")
        entries = pupil_chronology(dsl, pupil)
    assert [(e.kind, e.incident_id, e.role) for e in entries] == [
        ("change", earlier.pk, ""),
        ("incident", about_other.pk, "Victim"),
        ("incident", earlier.pk, ""),
    ]


def test_the_chronology_leaves_out_what_the_viewer_may_not_see(abbey):
    with abbey:
        dsl = StaffFactory(role="Safeguarding team")
        pupil = PupilFactory()
        for name in ("Behaviour", "Child Protection"):
            incident = Incident.objects.create(
                pupil=pupil, text=name, occurred_at=timezone.now(), recorded_by=dsl
            )
            IncidentCategory.objects.create(
                incident=incident, category=Category.objects.get(name=name)
            )
        slt = [e.text for e in pupil_chronology(verified_viewer(StaffFactory(role="SLT")), pupil)]
        everything = [e.text for e in pupil_chronology(verified_viewer(dsl), pupil)]
    assert slt == ["Behaviour"]
    assert sorted(everything) == ["Behaviour", "Child Protection"]
