"""A small school year at Abbey for the report tests: synthetic names only.

Within the last 12 months, seven incidents:

- Amara Okafor (Year 9, 9R), recorded by the teacher Tess Marlow: Bullying 40 days ago;
  Behaviour and Bullying 35 days ago; Behaviour 30 days ago (three in ten days: a pattern);
  and Child Protection 20 days ago, recorded by the DSL Robin Lead (restricted: SLT may not
  read it).
- Cara Ndlovu (Year 10, 10B), by Tess: Attendance 100 and 60 days ago, Behaviour 10 days
  ago (three, but never two within 30 days).

And one too old to count: Dev Achebe (no year or form), Online Safety 400 days ago,
recorded by Robin.

The DSL's first actions: 2 hours after the first incident, 3 days and an hour after the
second (Tess noted something 10 minutes after it: she is not a DSL), 30 minutes after the
child-protection one; none on the others. Open actions (recorded by Tess): Tess has one due
tomorrow and one 5 days overdue; Robin had one overdue, now completed.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.safeguarding.records.helpers import days_ago


def make_case(school) -> dict:
    from safeguarding.concerns.models import Action, ActionCompletion, Category
    from safeguarding.concerns.services import add_action, record_incident
    from tests.factories import GroupFactory, PupilFactory, StaffFactory
    from tests.sessions import verified_viewer

    with school:
        year9, year10 = (GroupFactory(name=f"Year {n}", kind="year") for n in (9, 10))
        form9, form10 = GroupFactory(name="9R"), GroupFactory(name="10B")
        dsl = StaffFactory(
            email="lead@abbey.example", full_name="Robin Lead", role="Safeguarding team"
        )
        teacher = StaffFactory(
            email="tess@abbey.example", full_name="Tess Marlow", groups=[form9, form10]
        )
        slt = StaffFactory(email="senior@abbey.example", full_name="Sam Senior", role="SLT")
        amara = PupilFactory(
            legal_first_name="Amara", legal_last_name="Okafor", year_group=year9, form=form9
        )
        cara = PupilFactory(
            legal_first_name="Cara", legal_last_name="Ndlovu", year_group=year10, form=form10
        )
        dev = PupilFactory(legal_first_name="Dev", legal_last_name="Achebe")
        as_dsl, as_teacher = verified_viewer(dsl), verified_viewer(teacher)

        def ids(*names: str) -> list[int]:
            return [Category.objects.get(name=name, parent=None).pk for name in names]

        def incident(viewer, pupil, names, when, text="Seen in the corridor."):
            return record_incident(
                viewer=viewer, pupil_id=pupil.pk, category_ids=ids(*names), text=text,
                occurred_at=when,
            )  # fmt: skip

        pushed = incident(as_teacher, amara, ["Bullying"], days_ago(40))
        shoved = incident(as_teacher, amara, ["Behaviour", "Bullying"], days_ago(35))
        shouted = incident(as_teacher, amara, ["Behaviour"], days_ago(30))
        disclosure = incident(as_dsl, amara, ["Child Protection"], days_ago(20))
        absent = incident(as_teacher, cara, ["Attendance"], days_ago(100))
        late = incident(as_teacher, cara, ["Attendance"], days_ago(60))
        rude = incident(as_teacher, cara, ["Behaviour"], days_ago(10))
        old = incident(as_dsl, dev, ["Online Safety"], days_ago(400))

        def act(viewer, on, after: datetime.timedelta, kind="phone_call", **more):
            return add_action(
                viewer=viewer, incident_id=on.pk, kind=kind, text="Followed up.",
                occurred_at=on.occurred_at + after, **more,
            )  # fmt: skip

        act(as_dsl, pushed, datetime.timedelta(hours=2))
        act(as_teacher, shoved, datetime.timedelta(minutes=10), kind="note")
        act(as_dsl, shoved, datetime.timedelta(days=3, hours=1), kind="meeting")
        act(as_dsl, disclosure, datetime.timedelta(minutes=30))
        today = timezone.localdate()
        # Tess's own follow-ups; past due dates (the service refuses them) as if set earlier.
        due = Action.objects.create(
            incident=rude, kind="note", text="Check in.", occurred_at=days_ago(9),
            recorded_by=teacher, assignee=teacher, due_date=today + datetime.timedelta(days=1),
        )  # fmt: skip
        overdue = Action.objects.create(
            incident=late, kind="note", text="Call home.", occurred_at=days_ago(12),
            recorded_by=teacher, assignee=teacher, due_date=today - datetime.timedelta(days=5),
        )  # fmt: skip
        done = Action.objects.create(
            incident=absent, kind="note", text="Write to home.", occurred_at=days_ago(90),
            recorded_by=teacher, assignee=dsl, due_date=today - datetime.timedelta(days=3),
        )  # fmt: skip
        ActionCompletion.objects.create(action=done, completed_by=dsl)
    return {
        "dsl": dsl, "teacher": teacher, "slt": slt, "amara": amara, "cara": cara, "dev": dev,
        "pushed": pushed, "shoved": shoved, "shouted": shouted, "disclosure": disclosure,
        "absent": absent, "late": late, "rude": rude, "old": old, "due": due, "overdue": overdue,
    }  # fmt: skip


NAMES = ("Amara", "Okafor", "Cara", "Ndlovu", "Dev", "Achebe", "Robin", "Lead", "Tess",
         "Marlow", "Sam Senior", "lead@abbey", "tess@abbey")  # fmt: skip
