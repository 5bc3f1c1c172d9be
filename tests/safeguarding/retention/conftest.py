"""A school leaver at Abbey whose records have passed the default rule: synthetic names."""

from __future__ import annotations

import datetime

import pytest

from tests.safeguarding.records.helpers import days_ago


@pytest.fixture
def leaver(abbey):
    """Lena Leaver, 26 and gone from Abbey: an incident about her alone (with an action and
    a file), one naming Nico Named (still on roll), and a subject access request; Nico's own
    incident; and Oscar Other's, which names Lena as a witness."""
    from io import BytesIO

    from django.utils import timezone

    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import Link, Upload, add_action, record_incident
    from safeguarding.records.models import SubjectAccessRequest
    from tests.factories import PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    today = timezone.localdate()
    with abbey:
        dsl = StaffFactory(
            email="keeper@abbey.example", full_name="Kit Keeper", role="Safeguarding team"
        )
        teacher = StaffFactory(email="teacher@abbey.example", full_name="Tia Teacher")
        lena = PupilFactory(
            legal_first_name="Lena", legal_last_name="Leaver",
            date_of_birth=today.replace(year=today.year - 26, day=1),
        )  # fmt: skip
        nico = PupilFactory(legal_first_name="Nico", legal_last_name="Named")
        oscar = PupilFactory(legal_first_name="Oscar", legal_last_name="Other")
        viewer = verified_viewer(dsl)
        bullying = [Category.objects.get(name="Bullying").pk]
        alone = record_incident(
            viewer=viewer, pupil_id=lena.pk, category_ids=bullying,
            text="Lena Leaver was upset at lunch.", occurred_at=days_ago(50),
            uploads=[Upload(file=BytesIO(b"Statement taken at the time.\n"), name="lena.txt")],
        )  # fmt: skip
        add_action(
            viewer=viewer, incident_id=alone.pk, kind="phone_call",
            text="Phoned Lena's mother.", occurred_at=days_ago(49),
        )  # fmt: skip
        about_lena = record_incident(
            viewer=viewer, pupil_id=lena.pk, category_ids=bullying,
            text="Lena Leaver had a row with Nico Named.", occurred_at=days_ago(40),
            links=[Link(pupil_id=nico.pk, role="involved")],
        )  # fmt: skip
        about_nico = record_incident(
            viewer=viewer, pupil_id=nico.pk, category_ids=bullying,
            text="Nico Named was pushed.", occurred_at=days_ago(20),
        )  # fmt: skip
        about_oscar = record_incident(
            viewer=viewer, pupil_id=oscar.pk, category_ids=bullying,
            text="Oscar Other was teased; Lena Leaver saw it.", occurred_at=days_ago(10),
            links=[Link(pupil_id=lena.pk, role="witness")],
        )  # fmt: skip
        SubjectAccessRequest.objects.create(
            pupil=lena, requested_by="parent_carer", created_by=dsl,
            received_on=today - datetime.timedelta(days=35),
        )  # fmt: skip
        type(lena).objects.filter(pk=lena.pk).update(
            leaving_date=today - datetime.timedelta(days=30)
        )
        lena.refresh_from_db()
    return {
        "dsl": dsl,
        "teacher": teacher,
        "lena": lena,
        "nico": nico,
        "oscar": oscar,
        "alone": alone,
        "about_lena": about_lena,
        "about_nico": about_nico,
        "about_oscar": about_oscar,
    }
