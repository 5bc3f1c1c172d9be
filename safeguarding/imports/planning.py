"""What a checked import would change against the roll as it is now: the dry run.

A plan is computed twice: when the import is checked (its summary is what the DSL confirms)
and again when it is applied, inside the applying transaction. Its digest names every record
it touches and how, so an import whose roll changed in between is stopped, not half-right.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from safeguarding.access.defaults import TEACHERS
from safeguarding.access.models import Level, Role
from safeguarding.imports.columns import CONTACT_PREFIXES, MEMBERSHIPS, PUPILS, STAFF
from safeguarding.imports.reading import (
    GuardianRow,
    MembershipRow,
    PupilRow,
    ReadResult,
    RowError,
    StaffRow,
)
from safeguarding.people.models import Group, Pupil, PupilMembership, StaffMembership

# The pupil fields an import compares and sets, each with the file's field that carries it.
PUPIL_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "gender",
    "year_group",
    "form",
    "admission_date",
    "leaving_date",
    "sen",
    "eal",
    "fsm",
    "pupil_premium",
)
CONTACT_FIELDS = frozenset(
    f"contact{slot}_{part}"
    for slot in CONTACT_PREFIXES
    for part in ("name", "first_name", "last_name", "relationship", "phone",
                 "phone_alternative", "email", "parental_responsibility", "priority")
)  # fmt: skip
STAFF_FIELDS = ("full_name", "initials", "job_title")
# How many rows of each list a summary keeps for the dry-run page; the counts are exact.
SHOWN = 500


@dataclass
class PupilChange:
    row: PupilRow
    pupil: Pupil | None
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    guardians: bool = False
    rejoining: bool = False

    @property
    def key(self) -> str:
        return self.row.upn


@dataclass
class StaffChange:
    row: StaffRow
    user: User | None
    role: Role | None = None
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    needs_profile: bool = False

    @property
    def key(self) -> str:
        return self.row.email


@dataclass
class MembershipPlan:
    new_groups: dict[tuple[str, str], MembershipRow] = field(default_factory=dict)
    group_codes: dict[int, str] = field(default_factory=dict)
    pupils_added: set[tuple[tuple[str, str], int]] = field(default_factory=set)
    staff_added: set[tuple[tuple[str, str], int]] = field(default_factory=set)
    pupils_removed: list[PupilMembership] = field(default_factory=list)
    staff_removed: list[StaffMembership] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Plan:
    kind: str
    full: bool
    today: datetime.date
    errors: list[RowError]
    new: list[PupilChange | StaffChange] = field(default_factory=list)
    changed: list[PupilChange | StaffChange] = field(default_factory=list)
    unchanged: int = 0
    leaving: list[Pupil] = field(default_factory=list)
    not_in_file: int = 0
    memberships: MembershipPlan | None = None
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    on_roll: int = 0

    @property
    def writes(self) -> int:
        """How many records applying touches: the progress bar's whole."""
        if self.memberships is not None:
            m = self.memberships
            return (
                len(m.new_groups)
                + len(m.group_codes)
                + len(m.pupils_added)
                + len(m.staff_added)
                + len(m.pupils_removed)
                + len(m.staff_removed)
            )
        return len(self.new) + len(self.changed) + len(self.leaving)

    @property
    def has_changes(self) -> bool:
        return self.writes > 0

    def digest(self) -> str:
        """Every record the plan touches and how, hashed: equal digests, equal plans."""
        parts = [f"new {c.key}" for c in self.new]
        parts += [
            f"changed {c.key} {sorted(c.fields.items())} {c.guardians} {c.rejoining}"
            for c in self.changed
        ]
        parts += [f"leaving {p.pk}" for p in self.leaving]
        if self.memberships is not None:
            m = self.memberships
            parts += [f"group {key}" for key in m.new_groups]
            parts += [f"code {pk} {code}" for pk, code in m.group_codes.items()]
            parts += [f"pupil+ {key} {pk}" for key, pk in m.pupils_added]
            parts += [f"staff+ {key} {pk}" for key, pk in m.staff_added]
            parts += [f"pupil- {m.pk}" for m in m.pupils_removed]
            parts += [f"staff- {m.pk}" for m in m.staff_removed]
        text = "\n".join(sorted(parts))
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> dict[str, Any]:
        """Counts, and the first SHOWN rows of each list, for the dry-run page and the API."""
        out: dict[str, Any] = {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "leaving": len(self.leaving),
            "errors": len({e.line for e in self.errors}),
        }
        if self.kind == PUPILS:
            out["new_rows"] = [_pupil_line(c) for c in self.new[:SHOWN]]
            out["changed_rows"] = [_pupil_line(c) for c in self.changed[:SHOWN]]
            out["leaving_rows"] = [
                {"upn": p.upn, "name": f"{p.legal_first_name} {p.legal_last_name}"}
                for p in self.leaving[:SHOWN]
            ]
            out["on_roll"] = self.on_roll
        elif self.kind == STAFF:
            out["not_in_file"] = self.not_in_file
            out["new_rows"] = [_staff_line(c) for c in self.new[:SHOWN]]
            out["changed_rows"] = [_staff_line(c) for c in self.changed[:SHOWN]]
        elif self.memberships is not None:
            m = self.memberships
            out.update(
                new=len(m.new_groups),
                changed=len(m.group_codes),
                groups_new=len(m.new_groups),
                pupils_added=len(m.pupils_added),
                staff_added=len(m.staff_added),
                pupils_removed=len(m.pupils_removed),
                staff_removed=len(m.staff_removed),
                unchanged=m.unchanged,
                new_rows=[
                    {"line": row.line, "name": row.group, "kind": row.group_kind}
                    for row in list(m.new_groups.values())[:SHOWN]
                ],
            )
        return out


def make_plan(
    result: ReadResult, *, full: bool, trusted: bool, today: datetime.date | None = None
) -> Plan:
    """The plan for a read file. `full`: the file is the whole roll (pupils) or each group's
    whole list (memberships). `trusted`: someone with the school's administration rights
    asked for it (an upload or the command line), so new staff may get any role; a service
    token or the MIS sync may give only write-only roles."""
    today = today or datetime.date.today()
    plan = Plan(
        kind=result.kind, full=full, today=today, errors=list(result.errors), fields=result.fields
    )
    if result.kind == PUPILS:
        _plan_pupils(plan, result)
    elif result.kind == STAFF:
        _plan_staff(plan, result, trusted=trusted)
    elif result.kind == MEMBERSHIPS:
        _plan_memberships(plan, result)
    plan.errors.sort(key=lambda e: e.line)
    return plan


# Pupils -------------------------------------------------------------------------------------


def pupil_values(pupil: Pupil) -> dict[str, str]:
    """A pupil's compared fields as the plan shows them (names of groups, ISO dates)."""
    return {
        "legal_first_name": pupil.legal_first_name,
        "legal_last_name": pupil.legal_last_name,
        "preferred_first_name": pupil.preferred_first_name,
        "preferred_last_name": pupil.preferred_last_name,
        "date_of_birth": _day(pupil.date_of_birth),
        "gender": pupil.gender,
        "year_group": pupil.year_group.name if pupil.year_group_id else "",
        "form": pupil.form.name if pupil.form_id else "",
        "admission_date": _day(pupil.admission_date),
        "leaving_date": _day(pupil.leaving_date),
        "sen": pupil.sen,
        "eal": _yes(pupil.eal),
        "fsm": _yes(pupil.fsm),
        "pupil_premium": _yes(pupil.pupil_premium),
    }


def row_values(row: PupilRow) -> dict[str, str]:
    return {
        "legal_first_name": row.legal_first_name,
        "legal_last_name": row.legal_last_name,
        "preferred_first_name": row.preferred_first_name,
        "preferred_last_name": row.preferred_last_name,
        "date_of_birth": _day(row.date_of_birth),
        "gender": row.gender,
        "year_group": row.year_group,
        "form": row.form,
        "admission_date": _day(row.admission_date),
        "leaving_date": _day(row.leaving_date),
        "sen": row.sen,
        "eal": _yes(row.eal),
        "fsm": _yes(row.fsm),
        "pupil_premium": _yes(row.pupil_premium),
    }


def guardian_rows(pupil: Pupil) -> tuple[GuardianRow, ...]:
    return tuple(
        sorted(
            (
                GuardianRow(
                    name=g.name,
                    relationship=g.relationship,
                    phone=g.phone,
                    phone_alternative=g.phone_alternative,
                    email=g.email,
                    parental_responsibility=g.parental_responsibility,
                    priority=g.priority,
                )
                for g in pupil.guardians.all()
            ),
            key=_guardian_order,
        )
    )


def _guardian_order(g: GuardianRow) -> tuple[int, str]:
    return (g.priority, g.name.lower())


def _plan_pupils(plan: Plan, result: ReadResult) -> None:
    compared = [name for name in PUPIL_FIELDS if name in result.fields]
    with_contacts = bool(CONTACT_FIELDS & result.fields)
    existing = {
        p.upn: p
        for p in Pupil.objects.select_related("year_group", "form").prefetch_related("guardians")
    }
    plan.on_roll = sum(1 for p in existing.values() if not _left(p, plan.today))
    for row in result.rows:
        pupil = existing.get(row.upn)
        if pupil is None:
            plan.new.append(PupilChange(row=row, pupil=None))
            continue
        before, after = pupil_values(pupil), row_values(row)
        change = PupilChange(
            row=row,
            pupil=pupil,
            fields={f: (before[f], after[f]) for f in compared if before[f] != after[f]},
        )
        if _left(pupil, plan.today) and row.leaving_date is None:
            change.rejoining = True
            change.fields["leaving_date"] = (before["leaving_date"], "")
        if with_contacts:
            incoming = tuple(sorted(row.guardians, key=_guardian_order))
            change.guardians = incoming != guardian_rows(pupil)
        if change.fields or change.guardians:
            plan.changed.append(change)
        else:
            plan.unchanged += 1
    if plan.full:
        plan.leaving = [
            p
            for upn, p in existing.items()
            if upn not in result.keys_seen and not _left(p, plan.today)
        ]
        plan.leaving.sort(key=lambda p: (p.legal_last_name, p.legal_first_name, p.pk))


def _left(pupil: Pupil, today: datetime.date) -> bool:
    return pupil.leaving_date is not None and pupil.leaving_date <= today


def _pupil_line(change: PupilChange) -> dict[str, Any]:
    row = change.row
    line: dict[str, Any] = {
        "line": row.line,
        "upn": row.upn,
        "name": f"{row.legal_first_name} {row.legal_last_name}",
    }
    if change.pupil is not None:
        line["fields"] = sorted(change.fields) + (["contacts"] if change.guardians else [])
        line["rejoining"] = change.rejoining
    return line


# Staff --------------------------------------------------------------------------------------


def _plan_staff(plan: Plan, result: ReadResult, *, trusted: bool) -> None:
    users = {
        u.email.lower(): u
        for u in User.objects.select_related("staff_profile", "staff_profile__role")
    }
    roles = {r.name.lower(): r for r in Role.objects.all()}
    default_role = roles.get(TEACHERS.lower()) or next(
        (r for r in roles.values() if r.level == Level.WRITE_ONLY), None
    )
    for row in result.rows:
        user = users.get(row.email)
        wanted = {
            "full_name": f"{row.first_name} {row.last_name}",
            "initials": row.initials,
            "job_title": row.job_title,
        }
        profile = getattr(user, "staff_profile", None) if user else None
        if user is None or profile is None:
            role = roles.get(row.role.lower()) if row.role else default_role
            problem = _role_problem(row, role, trusted=trusted)
            if problem:
                plan.errors.append(RowError(row.line, "Haven role", problem))
                continue
            if user is None:
                plan.new.append(StaffChange(row=row, user=None, role=role))
            else:
                plan.changed.append(StaffChange(row=row, user=user, role=role, needs_profile=True))
            continue
        before = {
            "full_name": user.full_name,
            "initials": profile.initials,
            "job_title": profile.job_title,
        }
        present = {"full_name"} | {f for f in ("initials", "job_title") if f in result.fields}
        fields = {
            f: (before[f], wanted[f])
            for f in STAFF_FIELDS
            if f in present and before[f] != wanted[f]
        }
        if fields:
            plan.changed.append(StaffChange(row=row, user=user, fields=fields))
        else:
            plan.unchanged += 1
    plan.not_in_file = sum(
        1
        for email, user in users.items()
        if user.is_active and hasattr(user, "staff_profile") and email not in result.keys_seen
    )


def _role_problem(row: StaffRow, role: Role | None, *, trusted: bool) -> str:
    if role is None:
        names = ", ".join(sorted(Role.objects.values_list("name", flat=True)))
        return (
            f"No role has this name; the school's roles are: {names}."
            if row.role
            else "Name a role: the school has no write-only role to give by default."
        )
    if not trusted and role.level != Level.WRITE_ONLY:
        return (
            "An integration may add staff with write-only roles only; an administrator gives "
            "other roles on the staff page."
        )
    return ""


def _staff_line(change: StaffChange) -> dict[str, Any]:
    row = change.row
    line: dict[str, Any] = {
        "line": row.line,
        "email": row.email,
        "name": f"{row.first_name} {row.last_name}",
    }
    if change.role is not None:
        line["role"] = change.role.name
    if change.user is not None:
        line["fields"] = sorted(change.fields) + (["role"] if change.needs_profile else [])
    return line


# Groups and memberships ---------------------------------------------------------------------


def _plan_memberships(plan: Plan, result: ReadResult) -> None:
    m = plan.memberships = MembershipPlan()
    groups = {(g.kind, g.name.lower()): g for g in Group.objects.all()}
    pupils = dict(Pupil.objects.values_list("upn", "pk"))
    staff = {
        email.lower(): pk
        for email, pk in User.objects.filter(staff_profile__isnull=False).values_list("email", "pk")
    }
    wanted_pupils: set[tuple[tuple[str, str], int]] = set()
    wanted_staff: set[tuple[tuple[str, str], int]] = set()
    for row in result.rows:
        key = (row.group_kind, row.group.lower())
        group = groups.get(key)
        if group is None and key not in m.new_groups:
            m.new_groups[key] = row
        elif group is not None and row.mis_id and group.mis_id != row.mis_id:
            m.group_codes[group.pk] = row.mis_id
        if row.upn:
            if row.upn not in pupils:
                plan.errors.append(RowError(row.line, "Pupil UPN", "No pupil has this UPN."))
            else:
                wanted_pupils.add((key, pupils[row.upn]))
        if row.staff_email:
            if row.staff_email not in staff:
                plan.errors.append(
                    RowError(row.line, "Staff email", "No member of staff has this email.")
                )
            else:
                wanted_staff.add((key, staff[row.staff_email]))
    key_of = {g.pk: key for key, g in groups.items()}
    have_pupils = {(key_of[ms.group_id], ms.pupil_id): ms for ms in PupilMembership.objects.all()}
    have_staff = {(key_of[ms.group_id], ms.user_id): ms for ms in StaffMembership.objects.all()}
    m.pupils_added = wanted_pupils - have_pupils.keys()
    m.staff_added = wanted_staff - have_staff.keys()
    m.unchanged = len(wanted_pupils & have_pupils.keys()) + len(wanted_staff & have_staff.keys())
    if plan.full:
        in_file = {(row.group_kind, row.group.lower()) for row in result.rows}
        if "upn" in result.fields:
            m.pupils_removed = [
                ms
                for pair, ms in have_pupils.items()
                if pair[0] in in_file and pair not in wanted_pupils
            ]
        if "staff_email" in result.fields:
            m.staff_removed = [
                ms
                for pair, ms in have_staff.items()
                if pair[0] in in_file and pair not in wanted_staff
            ]
    plan.groups = groups


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""
