"""A pupil with a short chronology at Abbey, for the export tests: synthetic names only."""

from __future__ import annotations

import datetime

import pytest

from tests.safeguarding.records.helpers import days_ago


@pytest.fixture
def case(abbey):
    """Amara Okafor's chronology: an incident about her that names Cara Ndlovu (linked as a
    witness) with an action and a status change; a child-protection incident; an old
    attendance one; and one about Cara in which Amara is the victim."""
    # Imported here: a conftest loads before Django is set up.
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import Link, add_action, record_incident, set_status
    from tests.factories import GroupFactory, PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    with abbey:
        year, form = GroupFactory(name="Year 9", kind="year"), GroupFactory(name="9R")
        dsl = StaffFactory(
            email="lead@abbey.example", full_name="Robin Lead", role="Safeguarding team"
        )
        amara = PupilFactory(
            legal_first_name="Amara", legal_last_name="Okafor", year_group=year, form=form,
            date_of_birth=datetime.date(2012, 3, 4),
        )  # fmt: skip
        cara = PupilFactory(legal_first_name="Cara", legal_last_name="Ndlovu")
        viewer = verified_viewer(dsl)

        def category(name: str) -> list[int]:
            return [Category.objects.get(name=name).pk]

        pushed = record_incident(
            viewer=viewer, pupil_id=amara.pk, category_ids=category("Bullying"),
            text="Amara Okafor said she was pushed. Cara Ndlovu saw it; Cara's coat was torn.",
            occurred_at=days_ago(10), links=[Link(pupil_id=cara.pk, role="witness")],
        )  # fmt: skip
        add_action(
            viewer=viewer, incident_id=pushed.pk, kind="phone_call",
            text="Phoned home. Spoke about Cara and Amara.", occurred_at=days_ago(9),
        )  # fmt: skip
        set_status(viewer=viewer, incident_id=pushed.pk, status="closed", reason="Resolved.")
        disclosure = record_incident(
            viewer=viewer, pupil_id=amara.pk, category_ids=category("Child Protection"),
            text="Disclosure at lunch.", occurred_at=days_ago(5),
        )  # fmt: skip
        absent = record_incident(
            viewer=viewer, pupil_id=amara.pk, category_ids=category("Attendance"),
            text="Absent all week.", occurred_at=days_ago(400),
        )  # fmt: skip
        about_cara = record_incident(
            viewer=viewer, pupil_id=cara.pk, category_ids=category("Behaviour"),
            text="Cara Ndlovu pushed Amara in the corridor.", occurred_at=days_ago(3),
            links=[Link(pupil_id=amara.pk, role="victim")],
        )  # fmt: skip
    return {
        "dsl": dsl,
        "amara": amara,
        "cara": cara,
        "pushed": pushed,
        "disclosure": disclosure,
        "absent": absent,
        "about_cara": about_cara,
    }
