"""A pupil's file at Abbey, ready to move to Westleigh: synthetic names only."""

from __future__ import annotations

import datetime

import pytest


@pytest.fixture
def case(abbey, westleigh):
    """Amara Okafor's file at Abbey: an incident about her naming Cara Ndlovu (a witness),
    with a body-map mark, a file and an action with its own file; a child-protection
    incident; and one about Cara in which Amara is the victim. A DSL at each school."""
    # Imported here: a conftest loads before Django is set up.
    from io import BytesIO

    from safeguarding.concerns.models import Agency, Category
    from safeguarding.concerns.services import Link, Mark, Upload, add_action, record_incident
    from tests import samples
    from tests.factories import PupilFactory, StaffFactory
    from tests.safeguarding.records.helpers import days_ago
    from tests.sessions import verified_viewer

    with abbey:
        dsl = StaffFactory(
            email="lead@abbey.example", full_name="Robin Lead", role="Safeguarding team"
        )
        teacher = StaffFactory(email="teacher@abbey.example", full_name="Terry Teach")
        amara = PupilFactory(
            upn="A123456789012", legal_first_name="Amara", legal_last_name="Okafor",
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
            marks=[Mark(side="front", x=500, y=300, kind="bruise", note="Left forearm")],
            uploads=[Upload(file=BytesIO(samples.PDF), name="statement.pdf")],
        )  # fmt: skip
        call = add_action(
            viewer=viewer, incident_id=pushed.pk, kind="referral",
            text="Referred to children's services. Spoke about Cara and Amara.",
            occurred_at=days_ago(9), agency_id=Agency.objects.get(name="Police").pk,
            reference="CS-4411", uploads=[Upload(file=BytesIO(samples.TEXT), name="notes.txt")],
        )  # fmt: skip
        disclosure = record_incident(
            viewer=viewer, pupil_id=amara.pk, category_ids=category("Child Protection"),
            text="Disclosure at lunch.", occurred_at=days_ago(5),
        )  # fmt: skip
        about_cara = record_incident(
            viewer=viewer, pupil_id=cara.pk, category_ids=category("Behaviour"),
            text="Cara Ndlovu pushed Amara in the corridor.", occurred_at=days_ago(3),
            links=[Link(pupil_id=amara.pk, role="victim")],
        )  # fmt: skip
    with westleigh:
        receiver = StaffFactory(
            email="dsl2@westleigh.example", full_name="Wren Keeper", role="Safeguarding team"
        )
        westleigh_teacher = StaffFactory(email="teacher@westleigh.example")
    return {
        "dsl": dsl,
        "teacher": teacher,
        "amara": amara,
        "cara": cara,
        "pushed": pushed,
        "call": call,
        "disclosure": disclosure,
        "about_cara": about_cara,
        "receiver": receiver,
        "westleigh_teacher": westleigh_teacher,
    }
