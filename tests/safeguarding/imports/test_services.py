"""Applying an MIS import: upsert by UPN or email, leavers archived, changes recorded, and a
failure anywhere leaves the roll exactly as it was."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.db import connection

from safeguarding.access.models import Role
from safeguarding.errors import Invalid
from safeguarding.imports import services
from safeguarding.imports.models import ImportRun, RecordChange
from safeguarding.people.models import Group, Guardian, Pupil, PupilMembership, StaffMembership
from tests.factories import PupilFactory, StaffFactory

EXAMPLES = Path(__file__).parent / "examples"
TODAY = datetime.date(2026, 11, 23)
HEADER = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Contact 1 Name,Contact 1 Relationship\r\n"


def roll(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\r\n" for line in lines)).encode()


def check(data: bytes, kind: str = "pupils", *, full: bool = True, by=None, source="upload"):
    return services.check_file(
        data=data, kind=kind, file_name="roll.csv", full=full, by=by, source=source, today=TODAY
    )


def apply(data: bytes, kind: str = "pupils", **kwargs) -> ImportRun:
    run = check(data, kind, **kwargs)
    assert run.status == ImportRun.Status.CHECKED, (run.file_errors, run.errors)
    return services.confirm_and_apply(run, by=None, leavers_confirmed=True, today=TODAY)


def roll_state() -> list[tuple]:
    pupils = Pupil.objects.order_by("upn").values_list(
        "upn", "legal_first_name", "legal_last_name", "date_of_birth", "year_group__name",
        "form__name", "leaving_date",
    )  # fmt: skip
    guardians = Guardian.objects.order_by("pupil__upn", "priority").values_list(
        "pupil__upn", "name", "relationship"
    )
    return [*pupils, *guardians, *Group.objects.values_list("kind", "name")]


def test_a_first_import_adds_every_pupil_with_contacts_and_groups_and_says_so(abbey):
    with abbey:
        run = apply((EXAMPLES / "sims_pupils.csv").read_bytes())
        assert run.status == ImportRun.Status.APPLIED
        assert run.report["new"] == Pupil.objects.count() == 6
        pupil = Pupil.objects.get(upn="Z900000000000")
        assert (pupil.year_group.name, pupil.form.name) == ("Year 11", "11A")
        assert pupil.guardians.get().relationship == "Mother"
        assert RecordChange.objects.filter(run=run, change="added").count() == 6
        assert run.data == b""


def test_importing_the_same_file_twice_changes_nothing(abbey):
    with abbey:
        data = (EXAMPLES / "sims_pupils.csv").read_bytes()
        apply(data)
        before = roll_state()
        second = check(data)
        assert second.summary["new"] == second.summary["changed"] == 0
        assert second.summary["unchanged"] == 6
        services.confirm_and_apply(second, by=None, today=TODAY)
        assert roll_state() == before
        assert not RecordChange.objects.filter(run=second).exists()


def test_a_changed_field_is_updated_and_the_change_recorded(abbey):
    with abbey:
        apply(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,Pat Smith,Mother"))
        run = apply(roll("A123456789012,Smith,Ann,01/02/2015,5,5B,Pat Smith,Aunt"))
        pupil = Pupil.objects.get(upn="A123456789012")
        assert (pupil.year_group.name, pupil.form.name) == ("Year 5", "5B")
        assert pupil.guardians.get().relationship == "Aunt"
        recorded = {c.field: (c.before, c.after) for c in RecordChange.objects.filter(run=run)}
        assert recorded["year_group"] == ("Year 4", "Year 5")
        assert recorded["form"] == ("4B", "5B")
        assert recorded["contacts"] == ("Pat Smith (Mother)", "Pat Smith (Aunt)")


def test_a_pupil_missing_from_a_full_roll_is_archived_never_deleted(abbey):
    with abbey:
        apply(
            roll(
                "A123456789012,Smith,Ann,01/02/2015,4,4B,,",
                "B123456789012,Jones,Bo,01/03/2015,4,4B,,",
            )
        )
        run = apply(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,,"))
        gone = Pupil.objects.get(upn="B123456789012")
        assert gone.leaving_date == TODAY
        assert run.report["leaving"] == 1
        assert RecordChange.objects.get(run=run, pupil=gone).change == "left"
        back = apply(
            roll(
                "A123456789012,Smith,Ann,01/02/2015,4,4B,,",
                "B123456789012,Jones,Bo,01/03/2015,4,4B,,",
            )
        )
        gone.refresh_from_db()
        assert gone.leaving_date is None
        assert RecordChange.objects.get(run=back, pupil=gone).change == "rejoined"


def test_a_partial_file_archives_no_one(abbey):
    with abbey:
        apply(
            roll(
                "A123456789012,Smith,Ann,01/02/2015,4,4B,,",
                "B123456789012,Jones,Bo,01/03/2015,4,4B,,",
            )
        )
        run = apply(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,,"), full=False)
        assert run.report["leaving"] == 0
        assert Pupil.objects.filter(leaving_date__isnull=True).count() == 2


def test_a_pupil_whose_line_has_a_mistake_is_not_taken_for_a_leaver(abbey):
    with abbey:
        apply(
            roll(
                "A123456789012,Smith,Ann,01/02/2015,4,4B,,",
                "B123456789012,Jones,Bo,01/03/2015,4,4B,,",
            )
        )
        run = check(
            roll(
                "A123456789012,Smith,Ann,01/02/2015,4,4B,,",
                "B123456789012,Jones,Bo,31/02/2015,4,4B,,",
            )
        )
        assert run.summary["leaving"] == 0 and run.summary["errors"] == 1
        assert run.errors == [[3, "Date of birth", run.errors[0][2]]]


def test_a_refused_file_keeps_nothing_and_changes_nothing(abbey):
    with abbey:
        run = check(b"PK\x03\x04 a workbook")
        assert run.status == ImportRun.Status.REFUSED
        assert "workbook" in run.file_errors[0]
        assert run.data == b"" and not Pupil.objects.exists()
        with pytest.raises(Invalid):
            services.confirm(run, by=None)


def test_an_import_whose_roll_changed_since_the_check_applies_nothing(abbey):
    with abbey:
        run = check(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,,"))
        PupilFactory(upn="A123456789012")
        before = roll_state()
        done = services.confirm_and_apply(run, by=None, today=TODAY)
        assert done.status == ImportRun.Status.FAILED
        assert "changed after this import was checked" in done.failure
        assert roll_state() == before


def test_a_database_failure_halfway_leaves_the_roll_exactly_as_it_was(abbey):
    with abbey:
        apply(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,,"))
        before = roll_state()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_guardian() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION 'refused'; END $$;"
                " CREATE TRIGGER refuse_guardian BEFORE INSERT ON people_guardian"
                " FOR EACH ROW EXECUTE FUNCTION refuse_guardian();"
            )
        run = check(
            roll(
                "A123456789012,Smith,Annie,01/02/2015,5,5B,,",
                "C123456789012,New,Cy,01/01/2015,5,5B,Al New,Father",
            )
        )
        done = services.confirm_and_apply(run, by=None, today=TODAY)
        assert done.status == ImportRun.Status.FAILED
        assert "nothing was changed" in done.failure
        assert roll_state() == before
        assert not RecordChange.objects.filter(run=done).exists()


def test_many_leavers_must_be_confirmed_in_so_many_words(abbey):
    with abbey:
        PupilFactory.create_batch(10)
        run = check(roll("A123456789012,Smith,Ann,01/02/2015,4,4B,,"))
        assert services.needs_leaving_confirmation(run)
        with pytest.raises(Invalid) as refused:
            services.confirm(run, by=None)
        assert "leavers_confirmed" in refused.value.errors
        assert Pupil.objects.filter(leaving_date__isnull=True).count() == 10


def test_staff_are_matched_by_email_and_given_the_named_role(abbey):
    with abbey:
        run = apply((EXAMPLES / "staff.csv").read_bytes(), "staff")
        assert run.report["new"] == 5
        mary = Role.objects.get(name="Teachers").staff.get(user__email="mary.fraser@school.example")
        assert (mary.initials, mary.job_title) == ("MF", "Teaching Assistant")
        again = check((EXAMPLES / "staff.csv").read_bytes(), "staff")
        assert again.summary["unchanged"] == 5 and again.summary["new"] == 0


def test_an_integration_cannot_add_staff_with_more_than_write_only(abbey):
    with abbey:
        data = b"Email,First Name,Last Name,Role\r\nnew.lead@school.example,New,Lead,"
        data += b"Safeguarding team\r\n"
        assert check(data, "staff", by=None, source="upload").summary["errors"] == 0
        refused = check(data, "staff", source="api")
        assert refused.summary["new"] == 0
        assert "write-only" in refused.errors[0][2]


def test_memberships_add_pupils_and_staff_to_groups_and_a_full_list_takes_out_the_rest(abbey):
    with abbey:
        apply((EXAMPLES / "sims_pupils.csv").read_bytes())
        apply((EXAMPLES / "staff.csv").read_bytes(), "staff")
        run = apply((EXAMPLES / "memberships.csv").read_bytes(), "memberships")
        maths = Group.objects.get(name="7A/Ma1")
        assert maths.kind == "teaching"
        assert [m.pupil.upn for m in PupilMembership.objects.filter(group=maths)] == [
            "Z900000000000"
        ]
        assert StaffMembership.objects.get(group=maths).user.email == "mary.fraser@school.example"
        assert run.report["pupils_added"] == 2
        extra = StaffFactory(role="Teachers")
        StaffMembership.objects.create(group=maths, user=extra)
        again = apply((EXAMPLES / "memberships.csv").read_bytes(), "memberships")
        assert again.report["staff_removed"] == 1
        assert not StaffMembership.objects.filter(user=extra).exists()


def test_an_unknown_upn_in_a_memberships_file_is_a_row_error(abbey):
    with abbey:
        run = check(b"Class,UPN\r\n7A/Ma1,Z999999999999\r\n", "memberships")
        assert run.errors == [[2, "Pupil UPN", "No pupil has this UPN."]]


def test_flags_from_the_mis_are_set_and_left_alone_when_the_file_has_no_column_for_them(abbey):
    with abbey:
        flagged = b"UPN,Surname,Forename,DOB,SEN Status,FSM,Pupil Premium,EAL\r\n"
        apply(flagged + b"A123456789012,Smith,Ann,01/02/2015,E,Y,yes,N\r\n")
        pupil = Pupil.objects.get()
        assert (pupil.sen, pupil.fsm, pupil.pupil_premium, pupil.eal) == ("E", True, True, False)
        apply(b"UPN,Surname,Forename,DOB\r\nA123456789012,Smith,Ann,01/02/2015\r\n")
        pupil.refresh_from_db()
        assert (pupil.sen, pupil.fsm) == ("E", True)
        run = apply(flagged + b"A123456789012,Smith,Ann,01/02/2015,SEN Support,N,no,N\r\n")
        pupil.refresh_from_db()
        assert (pupil.sen, pupil.fsm, pupil.pupil_premium) == ("K", False, False)
        fields = set(RecordChange.objects.filter(run=run).values_list("field", flat=True))
        assert fields == {"sen", "fsm", "pupil_premium"}


def test_a_flag_the_reader_cannot_read_is_a_row_error(abbey):
    with abbey:
        run = check(b"UPN,Surname,Forename,DOB,FSM\r\nA123456789012,Smith,Ann,01/02/2015,maybe\r\n")
        assert run.errors == [[2, "Free school meals", "Is not Yes or No."]]
