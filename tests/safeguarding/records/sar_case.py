"""A pupil's file for the subject access request tests, at Abbey: synthetic names only, and
each kind of name a request redacts or keeps written into the text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tests.safeguarding.records.helpers import days_ago


@dataclass
class SarCase:
    dsl: object
    teacher: object
    amara: object  # the pupil the request is about
    cara: object  # linked to an incident as a witness
    oliver: object  # another pupil, named in the text only
    pushed: object
    disclosure: object
    absent: object


# The names written into the file, and what the released file must say instead.
OWN = ["Amara Okafor", "Grace Okafor", "Daniel Mensah", "Mr Mensah", "Mrs Okafor"]
OTHER_PUPILS = ["Cara", "Ndlovu", "Oliver", "Pemberton"]
OTHER_PARENTS = ["Thandiwe", "Harriet", "Clarke"]
STAFF = ["Robin Lead", "Morgan", "Fairweather"]


def build_sar_case() -> SarCase:
    """Inside `with abbey:`. Amara Okafor (mother Grace Okafor, stepfather Daniel Mensah):

    - #pushed, recorded by her teacher Morgan Fairweather, with Cara Ndlovu linked as a
      witness; its text names Cara, Cara's mother Thandiwe Ndlovu, Oliver Pemberton (not
      linked) and the DSL Robin Lead. An action by the DSL, assigned to the teacher, names
      Amara's parents, Oliver's mother Harriet Pemberton-Clarke and the teacher; the status
      change names Mrs Okafor, Daniel Mensah and Mr Fairweather.
    - #disclosure (Child Protection), five days ago; #absent, 400 days ago.
    """
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import Link, add_action, record_incident, set_status
    from safeguarding.people.models import Guardian
    from tests.factories import GroupFactory, PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    year, form = GroupFactory(name="Year 8", kind="year"), GroupFactory(name="8K")
    dsl = StaffFactory(email="lead@abbey.example", full_name="Robin Lead", role="Safeguarding team")
    teacher = StaffFactory(full_name="Morgan Fairweather", groups=[form])
    amara = PupilFactory(
        legal_first_name="Amara", legal_last_name="Okafor", year_group=year, form=form,
        date_of_birth=datetime.date(2013, 5, 6),
    )  # fmt: skip
    cara = PupilFactory(legal_first_name="Cara", legal_last_name="Ndlovu", form=form)
    oliver = PupilFactory(legal_first_name="Oliver", legal_last_name="Pemberton")
    Guardian.objects.create(
        pupil=amara, name="Grace Okafor", relationship="Mother", phone="01632 960001",
        address="1 Synthetic Road",
    )  # fmt: skip
    Guardian.objects.create(pupil=amara, name="Daniel Mensah", relationship="Stepfather")
    Guardian.objects.create(pupil=cara, name="Thandiwe Ndlovu", relationship="Mother")
    Guardian.objects.create(pupil=oliver, name="Harriet Pemberton-Clarke", relationship="Mother")

    def category(name: str) -> list[int]:
        return [Category.objects.get(name=name).pk]

    lead, member = verified_viewer(dsl), verified_viewer(teacher)
    pushed = record_incident(
        viewer=member, pupil_id=amara.pk, category_ids=category("Bullying"),
        text="Amara Okafor said Cara Ndlovu pushed her by the lockers. Thandiwe Ndlovu came "
        "in at three. Oliver Pemberton saw it. Told Robin Lead at break.",
        occurred_at=days_ago(20), links=[Link(pupil_id=cara.pk, role="witness")],
    )  # fmt: skip
    add_action(
        viewer=lead, incident_id=pushed.pk, kind="phone_call",
        text="Phoned Grace Okafor and Mr Mensah. Harriet Pemberton-Clarke rang too; "
        "Mrs Pemberton-Clarke is worried. Morgan Fairweather to follow up.",
        occurred_at=days_ago(19), assignee_id=teacher.pk,
        due_date=timezone.localdate() + datetime.timedelta(days=7),
    )  # fmt: skip
    set_status(
        viewer=lead, incident_id=pushed.pk, status="closed",
        reason="Resolved with Mrs Okafor and Daniel Mensah; Mr Fairweather agrees.",
    )  # fmt: skip
    disclosure = record_incident(
        viewer=lead, pupil_id=amara.pk, category_ids=category("Child Protection"),
        text="Disclosure at lunch.", occurred_at=days_ago(5),
    )  # fmt: skip
    absent = record_incident(
        viewer=lead, pupil_id=amara.pk, category_ids=category("Attendance"),
        text="Absent all week.", occurred_at=days_ago(400),
    )  # fmt: skip
    return SarCase(
        dsl=dsl, teacher=teacher, amara=amara, cara=cara, oliver=oliver, pushed=pushed,
        disclosure=disclosure, absent=absent,
    )  # fmt: skip


def new_request(client, pupil_id: int, **fields):
    """POST the new request form: a parent's request received today, the whole file, staff
    as initials, unless told otherwise (None leaves a field out)."""
    data = {
        "requested_by": "parent_carer",
        "received_on": timezone.localdate().isoformat(),
        "date_from": "",
        "date_to": "",
        "staff_names": "initials",
        **fields,
    }
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(f"/pupils/{pupil_id}/subject-access-request/", data)


def reviewed_digest(client, sar_id: int) -> str:
    """The digest the review page puts in its release form."""
    page = client.get(f"/subject-access-requests/{sar_id}/").content.decode()
    marker = 'name="reviewed" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def release(client, sar_id: int, *, confirmed: bool = True, reviewed: str | None = None):
    """Release as the review page does: the reviewed file's digest, the box ticked."""
    data = {"reviewed": reviewed if reviewed is not None else reviewed_digest(client, sar_id)}
    if confirmed:
        data["confirmed"] = "on"
    return client.post(f"/subject-access-requests/{sar_id}/release/", data)
