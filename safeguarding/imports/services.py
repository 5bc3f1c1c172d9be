"""Writes for MIS imports: keep a check (the dry run), confirm it, apply it, discard it.

Applying is one transaction: the roll either takes the whole import or stays exactly as it
was. It plans again inside that transaction and stops if the plan differs from the one that
was confirmed, since the DSL agreed to that one and no other.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import create_user, send_invitation
from safeguarding.audit.models import AuditAction
from safeguarding.audit.services import record
from safeguarding.errors import Invalid
from safeguarding.imports.columns import MEMBERSHIPS, PUPILS, STAFF
from safeguarding.imports.models import ImportRun, RecordChange, ServiceToken
from safeguarding.imports.planning import Plan, PupilChange, make_plan, row_values
from safeguarding.imports.reading import ReadResult, read_file, read_records
from safeguarding.people.models import Group, Guardian, Pupil, PupilMembership, StaffMembership
from safeguarding.people.services import create_staff_profile
from tenants import outbox

logger = logging.getLogger(__name__)

OUTBOX_KIND = "mis_import"
# Sources acting with an administrator's rights: they may give new staff any role.
TRUSTED_SOURCES = {ImportRun.Source.UPLOAD, ImportRun.Source.CLI}
# Kept errors per run; the summary counts them all.
MAX_KEPT_ERRORS = 1000
# A full roll that would archive more than this share of the pupils on roll (and more than
# LEAVING_FLOOR pupils) needs its confirmer to say so: it is more often the wrong file.
LEAVING_SHARE = 0.1
LEAVING_FLOOR = 5
BATCH = 500

Progress = Callable[[int, int], None]


def check_file(
    *,
    data: bytes,
    kind: str,
    file_name: str,
    full: bool,
    by: User | None,
    source: str = ImportRun.Source.UPLOAD,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> ImportRun:
    """Read and plan a CSV export, and keep the check. Writes nothing to the roll."""
    result = read_file(data, kind, today=today)
    run = ImportRun(
        kind=kind,
        source=source,
        file_name=_file_name(file_name),
        full=full,
        requested_by=by,
        data_format="csv",
        encoding=result.encoding,
    )
    return _keep_check(run, result, data, request=request, today=today)


def check_records(
    *,
    records: list[Any],
    kind: str,
    full: bool,
    source: str = ImportRun.Source.API,
    token: ServiceToken | None = None,
    by: User | None = None,
    today: datetime.date | None = None,
) -> ImportRun:
    """`check_file` for rows that arrive as JSON records (the API and the MIS sync)."""
    result = read_records(records, kind, today=today)
    run = ImportRun(
        kind=kind, source=source, full=full, requested_by=by, token=token, data_format="json"
    )
    data = json.dumps(records, separators=(",", ":"), default=str).encode()
    return _keep_check(run, result, data, request=None, today=today)


def read_run(run: ImportRun, *, today: datetime.date | None = None) -> ReadResult:
    data = bytes(run.data)
    if run.data_format == "json":
        return read_records(json.loads(data), run.kind, today=today)
    return read_file(data, run.kind, today=today)


def plan_run(run: ImportRun, *, today: datetime.date | None = None) -> Plan:
    return make_plan(
        read_run(run, today=today),
        full=run.full,
        trusted=run.source in TRUSTED_SOURCES,
        today=today,
    )


def needs_leaving_confirmation(run: ImportRun) -> bool:
    """Whether this many leavers must be confirmed in so many words."""
    leaving = run.summary.get("leaving", 0)
    on_roll = run.summary.get("on_roll", 0)
    return leaving > LEAVING_FLOOR and leaving > on_roll * LEAVING_SHARE


def confirm(
    run: ImportRun,
    *,
    by: User | None,
    invite_new_staff: bool = False,
    leavers_confirmed: bool = False,
    request: HttpRequest | None = None,
) -> ImportRun:
    """Queue a checked import to be applied by a worker (through the outbox, so a stopped
    Redis delays it and never loses it)."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _confirmable(run, leavers_confirmed=leavers_confirmed)
        run.status = ImportRun.Status.QUEUED
        run.confirmed_by = by
        run.confirmed_at = timezone.now()
        run.invite_new_staff = invite_new_staff and run.kind == STAFF
        run.save(update_fields=["status", "confirmed_by", "confirmed_at", "invite_new_staff"])
        outbox.enqueue(kind=OUTBOX_KIND, reference=run.pk)
    return run


def confirm_and_apply(
    run: ImportRun,
    *,
    by: User | None,
    invite_new_staff: bool = False,
    leavers_confirmed: bool = False,
    progress: Progress | None = None,
    today: datetime.date | None = None,
) -> ImportRun:
    """Confirm and apply in this process (the command line, the API, the nightly sync)."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        _confirmable(locked, leavers_confirmed=leavers_confirmed)
        locked.confirmed_by = by
        locked.confirmed_at = timezone.now()
        locked.invite_new_staff = invite_new_staff and locked.kind == STAFF
        locked.save(update_fields=["confirmed_by", "confirmed_at", "invite_new_staff"])
        return apply_run(locked.pk, progress=progress, today=today)


def discard(run: ImportRun, *, by: User | None, request: HttpRequest | None = None) -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportRun.Status.CHECKED:
            raise Invalid({"__all__": "This import is no longer waiting to be confirmed."})
        run.status = ImportRun.Status.DISCARDED
        run.data = b""
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "data", "finished_at"])
        _audit(AuditAction.IMPORT_DISCARDED, run, actor=by, request=request)
    return run


def apply_run(
    run_id: int, *, progress: Progress | None = None, today: datetime.date | None = None
) -> ImportRun:
    """Apply a confirmed import in one transaction, or record why nothing changed.

    Safe to call twice: an import already applied, failed or discarded is left as it is."""
    tick = progress or _no_progress
    with transaction.atomic():
        _one_import_at_a_time()
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (ImportRun.Status.CHECKED, ImportRun.Status.QUEUED):
            return run
        plan = plan_run(run, today=today)
        if plan.digest() != run.plan_digest:
            return _fail(
                run,
                "The roll changed after this import was checked, so nothing was applied. "
                "Check the file again and confirm what it would do now.",
            )
        try:
            with transaction.atomic():
                tick(0, plan.writes)
                report = _apply(plan, run, tick)
        except Exception as error:
            # The class only: a database error's text can quote a row's values.
            logger.error(
                "MIS import %s failed (%s); nothing was changed.", run.pk, type(error).__name__
            )
            return _fail(
                run,
                "Something went wrong while applying this import, so nothing was changed. "
                "Try again; if it happens again, contact Haven support.",
            )
        run.status = ImportRun.Status.APPLIED
        run.report = report
        run.data = b""
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "report", "data", "finished_at"])
        _audit(AuditAction.IMPORT_APPLIED, run, actor=run.confirmed_by, counts=report)
        tick(plan.writes, plan.writes)
    return run


# Checking -----------------------------------------------------------------------------------


def _keep_check(
    run: ImportRun,
    result: ReadResult,
    data: bytes,
    *,
    request: HttpRequest | None,
    today: datetime.date | None,
) -> ImportRun:
    if result.file_errors:
        run.status = ImportRun.Status.REFUSED
        run.file_errors = result.file_errors
        run.finished_at = timezone.now()
        run.summary = {"errors": 0}
    else:
        plan = make_plan(result, full=run.full, trusted=run.source in TRUSTED_SOURCES, today=today)
        run.status = ImportRun.Status.CHECKED
        run.data = data
        run.plan_digest = plan.digest()
        run.summary = plan.summary() | {
            "lines": result.lines_read,
            "ignored_columns": result.ignored_columns[:50],
        }
        run.errors = [[e.line, e.column, e.message] for e in plan.errors[:MAX_KEPT_ERRORS]]
    with transaction.atomic():
        run.save()
        _audit(
            AuditAction.IMPORT_CHECKED,
            run,
            actor=run.requested_by,
            request=request,
            counts={"refused": run.status == ImportRun.Status.REFUSED},
        )
    return run


def _confirmable(run: ImportRun, *, leavers_confirmed: bool) -> None:
    if run.status != ImportRun.Status.CHECKED:
        raise Invalid({"__all__": "This import is no longer waiting to be confirmed."})
    if needs_leaving_confirmation(run) and not leavers_confirmed:
        raise Invalid(
            {
                "leavers_confirmed": (
                    f"This would mark {run.summary['leaving']} pupils as left. Tick the box "
                    "to confirm that they have left, or check that this is the whole roll."
                )
            }
        )


def _file_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:200]


def _fail(run: ImportRun, reason: str) -> ImportRun:
    run.status = ImportRun.Status.FAILED
    run.failure = reason
    run.data = b""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "failure", "data", "finished_at"])
    _audit(AuditAction.IMPORT_FAILED, run, actor=run.confirmed_by)
    return run


def _audit(
    action: str,
    run: ImportRun,
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    counts: dict[str, Any] | None = None,
) -> None:
    detail: dict[str, Any] = {"kind": run.kind, "source": run.source}
    for name, value in (counts or {}).items():
        if isinstance(value, (int, bool)):
            detail[name] = value
    label = ""
    if actor is None:
        label = f"token:{run.token.prefix}" if run.token_id else f"haven:{run.source}"
    record(
        action=action,
        actor=actor,
        actor_label=label,
        object_type="import",
        object_id=run.pk,
        request=request,
        detail=detail,
    )


def _one_import_at_a_time() -> None:
    """A school's imports queue behind each other (an upload and the nightly sync, say)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':mis-import'))")


def _no_progress(done: int, total: int) -> None:
    return None


# Applying -----------------------------------------------------------------------------------


def _apply(plan: Plan, run: ImportRun, tick: Progress) -> dict[str, int]:
    counter = _Counter(plan.writes, tick)
    if plan.kind == PUPILS:
        _apply_pupils(plan, run, counter)
    elif plan.kind == STAFF:
        _apply_staff(plan, run, counter)
    elif plan.kind == MEMBERSHIPS:
        _apply_memberships(plan, run, counter)
    counter.flush()
    summary = plan.summary()
    return {name: value for name, value in summary.items() if isinstance(value, int)}


class _Counter:
    """Tells the progress callback every BATCH records, and keeps the change rows."""

    def __init__(self, total: int, tick: Progress):
        self.total, self.tick, self.done = total, tick, 0
        self.changes: list[RecordChange] = []

    def add(self, count: int = 1) -> None:
        before, self.done = self.done, self.done + count
        if before // BATCH != self.done // BATCH:
            self.tick(min(self.done, self.total), self.total)

    def change(self, **fields: Any) -> None:
        self.changes.append(RecordChange(**fields))
        if len(self.changes) >= 2000:
            self.flush()

    def flush(self) -> None:
        RecordChange.objects.bulk_create(self.changes, batch_size=1000)
        self.changes = []


def _apply_pupils(plan: Plan, run: ImportRun, counter: _Counter) -> None:
    groups = _year_and_form_groups(plan)
    today, now = plan.today, timezone.now()

    def group(kind: str, name: str) -> Group | None:
        return groups.get((kind, name.lower())) if name else None

    new = [
        Pupil(
            upn=c.row.upn,
            legal_first_name=c.row.legal_first_name,
            legal_last_name=c.row.legal_last_name,
            preferred_first_name=c.row.preferred_first_name,
            preferred_last_name=c.row.preferred_last_name,
            date_of_birth=c.row.date_of_birth,
            gender=c.row.gender,
            year_group=group(Group.Kind.YEAR, c.row.year_group),
            form=group(Group.Kind.FORM, c.row.form),
            admission_date=c.row.admission_date,
            leaving_date=c.row.leaving_date,
            sen=c.row.sen,
            eal=c.row.eal,
            fsm=c.row.fsm,
            pupil_premium=c.row.pupil_premium,
        )
        for c in plan.new
    ]
    for start in range(0, len(new), BATCH):
        batch = Pupil.objects.bulk_create(new[start : start + BATCH])
        for pupil in batch:
            counter.change(
                run=run, object_type="pupil", object_id=pupil.pk, pupil=pupil,
                change=RecordChange.Change.ADDED,
            )  # fmt: skip
        counter.add(len(batch))
    Guardian.objects.bulk_create(
        (
            _guardian(pupil, g)
            for pupil, c in zip(new, plan.new, strict=True)
            for g in c.row.guardians
        ),
        batch_size=1000,
    )

    changed_fields: set[str] = set()
    changed: list[Pupil] = []
    replaced: list[int] = []
    contacts: list[Guardian] = []
    for c in plan.changed:
        pupil = c.pupil
        assert pupil is not None
        for name, (before, after) in c.fields.items():
            _set_pupil_field(pupil, name, c, group)
            counter.change(
                run=run, object_type="pupil", object_id=pupil.pk, pupil=pupil,
                change=RecordChange.Change.REJOINED
                if c.rejoining and name == "leaving_date" else RecordChange.Change.CHANGED,
                field=name, before=before, after=after,
            )  # fmt: skip
            changed_fields.add(name)
        if c.guardians:
            before = _contacts(tuple(pupil.guardians.all()))
            replaced.append(pupil.pk)
            contacts.extend(_guardian(pupil, g) for g in c.row.guardians)
            counter.change(
                run=run, object_type="pupil", object_id=pupil.pk, pupil=pupil,
                change=RecordChange.Change.CHANGED, field="contacts",
                before=before, after=_contacts(c.row.guardians),
            )  # fmt: skip
        pupil.updated = now
        changed.append(pupil)
        counter.add()
    if changed:
        Pupil.objects.bulk_update(changed, [*sorted(changed_fields), "updated"], batch_size=BATCH)
    # A changed pupil's contacts are replaced as a whole: the MIS is their source.
    Guardian.objects.filter(pupil_id__in=replaced).delete()
    Guardian.objects.bulk_create(contacts, batch_size=1000)

    if plan.leaving:
        Pupil.objects.filter(pk__in=[p.pk for p in plan.leaving]).update(
            leaving_date=today, updated=now
        )
        for pupil in plan.leaving:
            counter.change(
                run=run, object_type="pupil", object_id=pupil.pk, pupil=pupil,
                change=RecordChange.Change.LEFT, field="leaving_date",
                before=pupil.leaving_date.isoformat() if pupil.leaving_date else "",
                after=today.isoformat(),
            )  # fmt: skip
        counter.add(len(plan.leaving))


def _set_pupil_field(
    pupil: Pupil, name: str, change: PupilChange, group: Callable[[str, str], Group | None]
) -> None:
    row = change.row
    if name == "year_group":
        pupil.year_group = group(Group.Kind.YEAR, row.year_group)
    elif name == "form":
        pupil.form = group(Group.Kind.FORM, row.form)
    else:
        setattr(pupil, name, getattr(row, name))


def _year_and_form_groups(plan: Plan) -> dict[tuple[str, str], Group]:
    """The year groups and forms the file names, made where they are new."""
    groups = {(g.kind, g.name.lower()): g for g in Group.objects.all()}
    wanted: dict[tuple[str, str], str] = {}
    for c in [*plan.new, *plan.changed]:
        values = row_values(c.row)
        for kind, name in (
            (Group.Kind.YEAR, values["year_group"]),
            (Group.Kind.FORM, values["form"]),
        ):
            if name and (kind, name.lower()) not in groups:
                wanted[(kind, name.lower())] = name
    made = Group.objects.bulk_create(
        Group(kind=kind, name=name) for (kind, _), name in wanted.items()
    )
    groups.update({(g.kind, g.name.lower()): g for g in made})
    return groups


def _guardian(pupil: Pupil, g: Any) -> Guardian:
    return Guardian(
        pupil=pupil,
        name=g.name,
        relationship=g.relationship,
        phone=g.phone,
        phone_alternative=g.phone_alternative,
        email=g.email,
        parental_responsibility=g.parental_responsibility,
        priority=g.priority,
    )


def _contacts(guardians: tuple[Any, ...]) -> str:
    return "; ".join(
        f"{g.name} ({g.relationship})" if g.relationship else g.name for g in guardians
    )


def _apply_staff(plan: Plan, run: ImportRun, counter: _Counter) -> None:
    school = connection.tenant
    for c in plan.new:
        row = c.row
        user = create_user(email=row.email, full_name=f"{row.first_name} {row.last_name}")
        create_staff_profile(user=user, role=c.role, initials=row.initials, job_title=row.job_title)
        counter.change(
            run=run, object_type="staff", object_id=user.pk, change=RecordChange.Change.ADDED,
            after=c.role.name if c.role else "",
        )  # fmt: skip
        if run.invite_new_staff:
            send_invitation(
                user=user,
                site_name=school.name,
                site_url=settings.CONFIG.school_url(school.slug),
            )
        counter.add()
    for c in plan.changed:
        user = c.user
        assert user is not None
        if c.needs_profile:
            create_staff_profile(
                user=user, role=c.role, initials=c.row.initials, job_title=c.row.job_title
            )
            counter.change(
                run=run, object_type="staff", object_id=user.pk, change=RecordChange.Change.ADDED,
                field="role", after=c.role.name if c.role else "",
            )  # fmt: skip
        if "full_name" in c.fields:
            user.full_name = c.fields["full_name"][1]
            user.save(update_fields=["full_name"])
        profile_fields = [f for f in ("initials", "job_title") if f in c.fields]
        if profile_fields:
            profile = user.staff_profile
            for name in profile_fields:
                setattr(profile, name, c.fields[name][1])
            profile.save(update_fields=profile_fields)
        for name, (before, after) in c.fields.items():
            counter.change(
                run=run, object_type="staff", object_id=user.pk,
                change=RecordChange.Change.CHANGED, field=name, before=before, after=after,
            )  # fmt: skip
        counter.add()


def _apply_memberships(plan: Plan, run: ImportRun, counter: _Counter) -> None:
    m = plan.memberships
    assert m is not None
    groups = dict(plan.groups)
    made = Group.objects.bulk_create(
        Group(name=row.group, kind=row.group_kind, mis_id=row.mis_id)
        for row in m.new_groups.values()
    )
    for key, group in zip(m.new_groups, made, strict=True):
        groups[key] = group
        counter.change(
            run=run, object_type="group", object_id=group.pk, change=RecordChange.Change.ADDED
        )
    counter.add(len(made))
    for pk, code in m.group_codes.items():
        Group.objects.filter(pk=pk).update(mis_id=code)
        counter.change(
            run=run, object_type="group", object_id=pk, change=RecordChange.Change.CHANGED,
            field="mis_id", after=code,
        )  # fmt: skip
    counter.add(len(m.group_codes))
    upns = dict(
        Pupil.objects.filter(pk__in={pk for _, pk in m.pupils_added}).values_list("pk", "upn")
    )
    emails = dict(
        User.objects.filter(pk__in={pk for _, pk in m.staff_added}).values_list("pk", "email")
    )
    PupilMembership.objects.bulk_create(
        (PupilMembership(group=groups[key], pupil_id=pk) for key, pk in m.pupils_added),
        batch_size=1000,
    )
    StaffMembership.objects.bulk_create(
        (StaffMembership(group=groups[key], user_id=pk) for key, pk in m.staff_added),
        batch_size=1000,
    )
    for key, pk in sorted(m.pupils_added):
        counter.change(
            run=run, object_type="group", object_id=groups[key].pk, pupil_id=pk,
            change=RecordChange.Change.ADDED, field="pupil", after=upns.get(pk, ""),
        )  # fmt: skip
    for key, pk in sorted(m.staff_added):
        counter.change(
            run=run, object_type="group", object_id=groups[key].pk,
            change=RecordChange.Change.ADDED, field="staff", after=emails.get(pk, ""),
        )  # fmt: skip
    counter.add(len(m.pupils_added) + len(m.staff_added))
    if m.pupils_removed:
        removed = {ms.pk: ms for ms in m.pupils_removed}
        gone_upns = dict(
            Pupil.objects.filter(pk__in={ms.pupil_id for ms in m.pupils_removed}).values_list(
                "pk", "upn"
            )
        )
        PupilMembership.objects.filter(pk__in=removed).delete()
        for ms in m.pupils_removed:
            counter.change(
                run=run, object_type="group", object_id=ms.group_id, pupil_id=ms.pupil_id,
                change=RecordChange.Change.REMOVED, field="pupil",
                before=gone_upns.get(ms.pupil_id, ""),
            )  # fmt: skip
    if m.staff_removed:
        gone_emails = dict(
            User.objects.filter(pk__in={ms.user_id for ms in m.staff_removed}).values_list(
                "pk", "email"
            )
        )
        StaffMembership.objects.filter(pk__in=[ms.pk for ms in m.staff_removed]).delete()
        for ms in m.staff_removed:
            counter.change(
                run=run, object_type="group", object_id=ms.group_id,
                change=RecordChange.Change.REMOVED, field="staff",
                before=gone_emails.get(ms.user_id, ""),
            )  # fmt: skip
    counter.add(len(m.pupils_removed) + len(m.staff_removed))
