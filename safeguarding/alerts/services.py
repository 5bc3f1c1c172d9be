"""Writes for alerts: who an incident or an action alerts, the notifications that say so,
the need-to-know grants they carry, and marking a notification read.

`notify_incident` and `notify_action` run inside the transaction that records the incident
or action, so an alert exists exactly when what it is about does; each notification's
email is handed to the outbox in that same transaction (tenants.outbox)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import IncidentGrant, Level
from safeguarding.access.policy import Viewer
from safeguarding.alerts import rota
from safeguarding.alerts.models import (
    AlertPreference,
    AlertRule,
    Digest,
    Escalation,
    Notification,
)
from safeguarding.audit import services as audit
from safeguarding.audit.models import AuditAction
from safeguarding.concerns.models import Action, Incident, IncidentCategory
from safeguarding.errors import NotFound
from safeguarding.people.models import Pupil, PupilMembership, StaffMembership, StaffProfile


def notify_incident(
    *,
    incident: Incident,
    viewer: Viewer,
    category_ids: Iterable[int],
    manual_user_ids: Sequence[int] = (),
) -> list[int]:
    """Alert everyone the school's rules name for this incident's categories, and the
    staff picked by name. Call inside the transaction that records the incident."""
    picked = {pk: Notification.Reason.MANUAL for pk in manual_user_ids}
    return _notify(incident=incident, action=None, viewer=viewer, category_ids=set(category_ids),
                   picked=picked)  # fmt: skip


def notify_action(
    *, action: Action, viewer: Viewer, manual_user_ids: Sequence[int] = ()
) -> list[int]:
    """Alert the rules' audience of the incident to a new action, the staff picked by name
    and the action's assignee (forwarded to, or given the work). Call inside the
    transaction that records the action."""
    picked = {pk: Notification.Reason.MANUAL for pk in manual_user_ids}
    if action.assignee_id:
        picked[action.assignee_id] = (
            Notification.Reason.FORWARDED
            if action.kind == Action.Kind.FORWARDED
            else Notification.Reason.ASSIGNED
        )
    category_ids = set(
        IncidentCategory.objects.filter(incident=action.incident_id).values_list(
            "category_id", flat=True
        )
    )
    return _notify(incident=action.incident, action=action, viewer=viewer,
                   category_ids=category_ids, picked=picked)  # fmt: skip


def _notify(
    *,
    incident: Incident,
    action: Action | None,
    viewer: Viewer,
    category_ids: set[int],
    picked: dict[int, str],
) -> list[int]:
    """Write the notifications, the need-to-know grants they carry, their emails' outbox
    rows and, for a new incident in school hours, its escalation, in one statement
    (_alert_sql): every submission does this inside its transaction. The rules, the rota
    and who may already read the incident are read in Python from what the policy keeps
    per version, so they cost no query. Returns the notifications' ids."""
    from tenants import outbox  # the outbox is the platform's; imported when first needed

    audience = rule_audience(viewer, category_ids)
    duty = rota.Duty(in_hours=False, chain=())
    school_rota = rota.school_rota(viewer)
    if audience.dsl_on_duty:
        duty = rota.duty_at(school_rota, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _alert_sql(),
            {
                "incident": incident.pk,
                "pupil": incident.pupil_id,
                "action": action.pk if action else None,
                "actor": viewer.user.pk,
                "recorded_by": incident.recorded_by_id,
                "roles": sorted(audience.role_ids),
                "staff": sorted(audience.staff_ids),
                "group_staff": audience.group_staff,
                "dsl": audience.dsl_on_duty,
                "dsl_roles": dsl_role_ids(viewer),
                "chain": list(duty.chain),
                # A DSL who records it needs no one to acknowledge it.
                "escalate": action is None and duty.in_hours and not policy.is_dsl(viewer),
                "escalate_after": school_rota.escalate_after,
                "picked_ids": list(picked),
                "picked_reasons": list(picked.values()),
                "readers": sorted(policy.roles_reading(viewer, category_ids)),
                "school": outbox.current_school().pk,
                "kind": EMAIL_KIND,
            },
        )
        made = cursor.fetchall()
    outbox.queue_after_commit([message_id for _, message_id in made])
    return [notification_id for notification_id, _ in made]


EMAIL_KIND = "notification_email"


@dataclass(frozen=True)
class _Rule:
    category_id: int | None
    role_ids: frozenset[int]
    staff_ids: frozenset[int]
    group_staff: bool
    dsl_on_duty: bool


@dataclass(frozen=True)
class Audience:
    """Who the rules name for an incident, before anyone is looked up."""

    role_ids: set[int]
    staff_ids: set[int]
    group_staff: bool
    dsl_on_duty: bool


def rule_audience(viewer: Viewer, category_ids: set[int]) -> Audience:
    """What the school's rules name for an incident of these categories. A rule on a
    category covers its subcategories; one with no category covers all. When the incident
    has a restricted category, only the rules for its restricted categories apply: a rule
    that alerts class teachers to Behaviour must not take them into a child-protection
    incident that was also marked Behaviour."""
    categories = [viewer.categories[pk] for pk in category_ids if pk in viewer.categories]
    restricted = [category for category in categories if category.restricted]
    chosen = restricted or categories
    keys = {c.pk for c in chosen} | {c.parent_id for c in chosen if c.parent_id}
    applying = [
        rule
        for rule in policy.kept_for(viewer, "alert_rules", _load_rules)
        if rule.category_id in keys or (rule.category_id is None and not restricted)
    ]
    return Audience(
        role_ids={pk for rule in applying for pk in rule.role_ids},
        staff_ids={pk for rule in applying for pk in rule.staff_ids},
        group_staff=any(rule.group_staff for rule in applying),
        dsl_on_duty=any(rule.dsl_on_duty for rule in applying),
    )


def _load_rules() -> list[_Rule]:
    roles, staff = defaultdict(set), defaultdict(set)
    for rule_id, role_id in AlertRule.roles.through.objects.values_list("alertrule_id", "role_id"):
        roles[rule_id].add(role_id)
    for rule_id, user_id in AlertRule.staff.through.objects.values_list("alertrule_id", "user_id"):
        staff[rule_id].add(user_id)
    return [
        _Rule(
            category_id=rule.category_id,
            role_ids=frozenset(roles[rule.pk]),
            staff_ids=frozenset(staff[rule.pk]),
            group_staff=rule.include_group_staff,
            dsl_on_duty=rule.include_dsl_on_duty,
        )
        for rule in AlertRule.objects.all()
    ]


def dsl_role_ids(viewer: Viewer) -> list[int]:
    """The roles at full + admin level: the school's DSLs (the safeguarding team)."""
    return sorted(role.pk for role in policy.school_roles(viewer) if role.level == Level.FULL_ADMIN)


@cache
def _alert_sql() -> str:
    """Staff of the pupil's groups are those of their year group, form and teaching
    groups. The DSL on duty is the first active DSL of %(chain)s; with none (no rota, out
    of hours, or everyone on it away), every active DSL.

    To the audience add those picked by name (with their reason); take away the person who
    wrote it and anyone inactive. Each of them gets a notification and its email's outbox
    row. A grant is written for those picked by name or given the work, who keep read even
    if their role later changes (need to know), and for the audience of a rule whose role
    would not otherwise read it. "Otherwise" is visible_incidents' rule: their role reads
    it (%(readers)s), or they recorded it or already hold a grant."""
    grant_reason = {
        Notification.Reason.FORWARDED: IncidentGrant.Reason.FORWARDED,
        Notification.Reason.ASSIGNED: IncidentGrant.Reason.ASSIGNED,
    }
    return """
    WITH pupil_groups AS (
        SELECT unnest(ARRAY[year_group_id, form_id]) AS id FROM {pupil}
        WHERE id = %(pupil)s AND %(group_staff)s
        UNION ALL SELECT group_id FROM {pupil_membership}
        WHERE pupil_id = %(pupil)s AND %(group_staff)s
    ), dsls AS (
        SELECT p.user_id FROM {profile} p JOIN {user} u ON u.id = p.user_id
        WHERE %(dsl)s AND u.is_active AND p.role_id = ANY(%(dsl_roles)s::bigint[])
    ), on_duty AS (
        SELECT d.user_id FROM unnest(%(chain)s::bigint[]) WITH ORDINALITY AS c(user_id, n)
        JOIN dsls d ON d.user_id = c.user_id ORDER BY c.n LIMIT 1
    ), audience AS (
        SELECT user_id FROM {profile} WHERE role_id = ANY(%(roles)s::bigint[])
        UNION SELECT unnest(%(staff)s::bigint[])
        UNION SELECT user_id FROM on_duty
        UNION SELECT user_id FROM dsls WHERE NOT EXISTS (SELECT 1 FROM on_duty)
        UNION SELECT user_id FROM {staff_membership}
        WHERE group_id IN (SELECT id FROM pupil_groups)
    ), picked AS (
        SELECT * FROM unnest(%(picked_ids)s::bigint[], %(picked_reasons)s::text[])
            AS t(user_id, reason)
    ), wanted AS (
        SELECT user_id, reason FROM picked
        UNION ALL SELECT user_id, '{by_rule}' FROM audience
        WHERE user_id NOT IN (SELECT user_id FROM picked)
    ), recipients AS (
        SELECT w.user_id, w.reason, (
            p.role_id = ANY(%(readers)s::bigint[]) OR w.user_id = %(recorded_by)s
            OR EXISTS (SELECT 1 FROM {grant} g
                       WHERE g.incident_id = %(incident)s AND g.user_id = w.user_id)
        ) AS could_read
        FROM wanted w JOIN {user} u ON u.id = w.user_id JOIN {profile} p ON p.user_id = u.id
        WHERE u.is_active AND u.id <> %(actor)s
    ), grants AS (
        INSERT INTO {grant} (incident_id, user_id, reason, granted_by_id, created)
        SELECT %(incident)s, user_id, CASE reason {grant_reasons} ELSE '{alerted}' END,
               %(actor)s, now()
        FROM recipients WHERE reason <> '{by_rule}' OR NOT could_read
    ), escalation AS (
        INSERT INTO {escalation} (incident_id, chain, stage, due_at, created)
        SELECT %(incident)s, %(chain)s::bigint[], 0, now() + %(escalate_after)s, now()
        WHERE %(escalate)s AND EXISTS (SELECT 1 FROM on_duty)
    ), made AS (
        INSERT INTO {notification}
            (user_id, incident_id, action_id, reason, created_by_id, created, granted_access)
        SELECT user_id, %(incident)s, %(action)s, reason, %(actor)s, now(), NOT could_read
        FROM recipients ORDER BY user_id
        RETURNING id
    ), emails AS (
        INSERT INTO {outbox} (school_id, kind, reference, created, attempts, last_error)
        SELECT %(school)s, %(kind)s, id, now(), 0, '' FROM made
        RETURNING id, reference
    )
    SELECT reference, id FROM emails ORDER BY reference
    """.format(  # noqa: S608 (the models' own tables)
        **_tables(),
        by_rule=Notification.Reason.RULE.value,
        alerted=IncidentGrant.Reason.ALERTED.value,
        grant_reasons=" ".join(
            f"WHEN '{note.value}' THEN '{grant.value}'" for note, grant in grant_reason.items()
        ),
    )


def _tables() -> dict[str, str]:
    from tenants.models import OutboxMessage  # the public schema's, on the search path

    return {
        "profile": StaffProfile._meta.db_table,
        "escalation": Escalation._meta.db_table,
        "pupil": Pupil._meta.db_table,
        "pupil_membership": PupilMembership._meta.db_table,
        "staff_membership": StaffMembership._meta.db_table,
        "user": User._meta.db_table,
        "grant": IncidentGrant._meta.db_table,
        "notification": Notification._meta.db_table,
        "outbox": OutboxMessage._meta.db_table,
    }


def role_viewer(user: User) -> policy.Viewer:
    """The policy's view of a member of staff with their role's full level, as they would be
    after verifying a second factor: what their role lets them read, alerted or not."""
    role = user.staff_profile.role
    return policy.Viewer(user=user, role=role, level=role.level)


def cannot_otherwise_see(user: User, category_ids: Sequence[int]) -> bool:
    """The alert picker's warning: the person's role does not read every one of these
    categories, so alerting them is what lets them read the incident. No categories chosen
    yet, no warning."""
    if not category_ids:
        return False
    viewer = role_viewer(user)
    return not viewer.is_admin and not all(
        policy.may_read_category(viewer, pk) for pk in category_ids
    )


def mark_read(*, viewer: Viewer, notification_id: int, request=None) -> Notification:
    """Acknowledge a notification: the content was read. Its time is kept and audited; a
    second mark changes nothing. The need-to-know grant stays. A DSL who marks an alert
    read acknowledges the incident's escalation: no one else is pulled in."""
    user = viewer.user
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
        )
        if notification is None:
            raise NotFound("No such notification.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            acknowledge(incident_id=notification.incident_id, viewer=viewer)
            audit.record(
                action=AuditAction.NOTIFICATION_READ,
                actor=user,
                object_type="notification",
                object_id=notification.pk,
                request=request,
                detail={"incident_id": notification.incident_id},
            )
    return notification


def acknowledge(*, incident_id: int, viewer: Viewer) -> bool:
    """A DSL has seen the incident (marked its alert read, or acted on it): its escalation,
    if it has one still moving, stops. Anyone else's reading changes nothing."""
    if not policy.is_dsl(viewer):
        return False
    return bool(
        Escalation.objects.filter(incident_id=incident_id, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=viewer.user, due_at=None
        )
    )


def escalate_due(*, now: datetime.datetime | None = None) -> int:
    """Move on every escalation of this school whose wait is over and that no DSL has
    acknowledged: from the DSL on duty to the next DSL of the chain, then to every DSL.
    Each is moved in its own transaction, locked and checked again there, so two beats
    running at once, or one running twice at the same instant, move it once. Returns how
    many were moved."""
    now = now or timezone.now()
    due = Escalation.objects.filter(acknowledged_at__isnull=True, due_at__lte=now)
    ids = list(due.order_by("due_at").values_list("pk", flat=True)[:ESCALATION_BATCH])
    if not ids:
        return 0
    dsls, wait = _active_dsl_ids(), rota.escalate_after()
    moved = 0
    for pk in ids:
        with transaction.atomic():
            escalation = (
                due.select_for_update(skip_locked=True)
                .select_related("incident")
                .filter(pk=pk)
                .first()
            )
            if escalation is not None:
                _move_on(escalation, now, dsls=dsls, wait=wait)
                moved += 1
    return moved


ESCALATION_BATCH = 500


def _move_on(
    escalation: Escalation, now: datetime.datetime, *, dsls: set[int], wait: datetime.timedelta
) -> None:
    from tenants import outbox

    incident = escalation.incident
    alerted = set(Notification.objects.filter(incident=incident).values_list("user_id", flat=True))
    chain = [pk for pk in escalation.chain if pk in dsls]
    following = [pk for pk in chain[1:] if pk not in alerted]
    if escalation.stage == 0 and following:
        recipients = following[:1]
        escalation.stage = 1
        escalation.due_at = now + wait
    else:
        recipients = sorted(dsls - alerted - {incident.recorded_by_id})
        escalation.stage = 2
        escalation.due_at = None
    escalation.save(update_fields=["stage", "due_at"])
    made = Notification.objects.bulk_create(
        Notification(
            user_id=pk,
            incident=incident,
            reason=Notification.Reason.ESCALATED,
            created_by_id=incident.recorded_by_id,
        )
        for pk in recipients
    )
    outbox.enqueue_many(kind=EMAIL_KIND, references=[notification.pk for notification in made])


# Reminders and digests (beat tasks, in each school's schema) --------------------------------

REMIND_DSLS_AFTER = datetime.timedelta(days=1)


def remind_overdue(*, now: datetime.datetime | None = None) -> int:
    """Each action past its due date and not complete reminds its assignee once; still
    overdue a day after that, it reminds every DSL once. An assignee who has left is
    passed over for the DSLs. Returns how many reminders were written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = Action.objects.filter(
        due_date__lt=today, completion__isnull=True, assignee__isnull=False
    ).select_related("assignee", "incident")
    written = 0
    dsls = cache(_active_dsl_ids)  # asked once, and only if some action needs the DSLs
    for action in overdue.order_by("due_date", "pk")[:ESCALATION_BATCH]:
        with transaction.atomic():
            # One beat at a time per action: the lock makes "reminded yet?" a safe question.
            Action.objects.select_for_update().filter(pk=action.pk).first()
            written += _remind(action, now, dsls)
    return written


def _remind(action: Action, now: datetime.datetime, dsls: Callable[[], set[int]]) -> int:
    from tenants import outbox

    reminders = Notification.objects.filter(action=action, reason=Notification.Reason.REMINDER)
    to_assignee = reminders.filter(user=action.assignee_id).order_by("created").first()
    dsls_reminded = reminders.exclude(user=action.assignee_id).exists()
    waiting_on_assignee = to_assignee is not None and to_assignee.created > now - REMIND_DSLS_AFTER
    if action.assignee.is_active and to_assignee is None:
        recipients = [action.assignee_id]
    elif dsls_reminded or waiting_on_assignee:
        return 0
    else:
        recipients = sorted(dsls() - {action.assignee_id})
    made = Notification.objects.bulk_create(
        Notification(
            user_id=pk,
            incident_id=action.incident_id,
            action=action,
            reason=Notification.Reason.REMINDER,
            created_by_id=action.recorded_by_id,
        )
        for pk in recipients
    )
    outbox.enqueue_many(kind=EMAIL_KIND, references=[notification.pk for notification in made])
    return len(made)


def _active_dsl_ids() -> set[int]:
    return set(
        StaffProfile.objects.filter(user__is_active=True, role__level=Level.FULL_ADMIN).values_list(
            "user_id", flat=True
        )
    )


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """Today's digest for everyone who asked for one and has something unread or overdue:
    counts only, one a day (a second run the same day writes nothing). Returns how many."""
    from tenants import outbox

    today = timezone.localdate(now or timezone.now())
    wanted = AlertPreference.objects.filter(daily_digest=True, user__is_active=True)
    written = 0
    for user_id in wanted.values_list("user_id", flat=True):
        unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
        overdue = Action.objects.filter(
            assignee_id=user_id, due_date__lt=today, completion__isnull=True
        ).count()
        if not unread and not overdue:
            continue
        with transaction.atomic():
            digest, created = Digest.objects.get_or_create(
                user_id=user_id, day=today, defaults={"unread": unread, "overdue": overdue}
            )
            if created:
                outbox.enqueue(kind=DIGEST_KIND, reference=digest.pk)
                written += 1
    return written


DIGEST_KIND = "alert_digest"


def set_daily_digest(*, user: User, wanted: bool) -> AlertPreference:
    preference, _ = AlertPreference.objects.update_or_create(
        user=user, defaults={"daily_digest": wanted}
    )
    return preference
