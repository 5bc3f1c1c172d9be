"""Writes for alerts: who an incident or an action alerts, the notifications that say so,
the need-to-know grants they carry, and marking a notification read.

`notify_incident` and `notify_action` run inside the transaction that records the incident
or action, so an alert exists exactly when what it is about does; each notification's
email is handed to the outbox in that same transaction (tenants.outbox)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from safeguarding.access import policy
from safeguarding.access.models import CategoryLevel, IncidentGrant, Level, Role
from safeguarding.alerts.models import AlertRule, Notification
from safeguarding.concerns.models import Action, Category, Incident, IncidentCategory
from safeguarding.errors import NotFound
from safeguarding.people.models import Pupil, PupilMembership, StaffMembership, StaffProfile

# When one person is in the audience for several reasons, the notification names the
# strongest: being given the work beats being named, which beats a rule.
_PRIORITY = [
    Notification.Reason.FORWARDED,
    Notification.Reason.ASSIGNED,
    Notification.Reason.MANUAL,
    Notification.Reason.RULE,
]
_GRANT_REASON = {
    Notification.Reason.FORWARDED: IncidentGrant.Reason.FORWARDED,
    Notification.Reason.ASSIGNED: IncidentGrant.Reason.ASSIGNED,
    Notification.Reason.MANUAL: IncidentGrant.Reason.ALERTED,
    Notification.Reason.RULE: IncidentGrant.Reason.ALERTED,
}


def notify_incident(
    *, incident: Incident, actor: User, manual_user_ids: Sequence[int] = ()
) -> list[Notification]:
    """Alert everyone the school's rules name for this incident's categories, and the
    staff picked by name. Call inside the transaction that records the incident."""
    return _notify(incident=incident, action=None, actor=actor, picked={
        pk: Notification.Reason.MANUAL for pk in manual_user_ids
    })  # fmt: skip


def notify_action(
    *, action: Action, actor: User, manual_user_ids: Sequence[int] = ()
) -> list[Notification]:
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
    return _notify(incident=action.incident, action=action, actor=actor, picked=picked)


def _notify(
    *, incident: Incident, action: Action | None, actor: User, picked: dict[int, str]
) -> list[Notification]:
    reasons = {pk: Notification.Reason.RULE for pk in rule_audience(incident)}
    reasons.update(picked)
    reasons.pop(actor.pk, None)
    recipients = list(
        User.objects.filter(pk__in=reasons, is_active=True, staff_profile__isnull=False)
        .select_related("staff_profile__role")
        .order_by("pk")
    )
    # Asked before any grant is written: who could read it without this alert?
    could_read = _who_may_otherwise_read(recipients, incident)
    grants, notifications = [], []
    for user in recipients:
        reason = reasons[user.pk]
        named = reason != Notification.Reason.RULE
        # Someone picked by name, or given the work, keeps read even if their role later
        # changes (need to know); a rule grants only what the role does not already give.
        if named or user.pk not in could_read:
            grants.append(
                IncidentGrant(
                    incident=incident, user=user, reason=_GRANT_REASON[reason], granted_by=actor
                )
            )
        notifications.append(
            Notification(
                user=user,
                incident=incident,
                action=action,
                reason=reason,
                created_by=actor,
                granted_access=user.pk not in could_read,
            )
        )
    IncidentGrant.objects.bulk_create(grants)
    Notification.objects.bulk_create(notifications)
    _enqueue_emails(notifications)
    return notifications


def _enqueue_emails(notifications: Iterable[Notification]) -> None:
    from tenants import outbox  # the outbox is the platform's; imported when first needed

    outbox.enqueue_many(
        kind="notification_email", references=[notification.pk for notification in notifications]
    )


def rule_audience(incident: Incident) -> set[int]:
    """The ids of active staff the school's rules name for this incident's categories (a
    rule on a category covers its subcategories; one with no category covers all). Staff of
    the pupil's groups are those of their year group, form and teaching groups. "The DSL on
    duty" is, until the roster exists, everyone at full + admin level (dsl_on_duty_roles).

    When the incident has a restricted category, only the rules for its restricted
    categories apply: a rule that alerts class teachers to Behaviour must not take them
    into a child-protection incident that was also marked Behaviour.

    One plain query: every submission asks it, inside the submission's transaction, and
    building it through the ORM took longer than running it (bench/incidents.py)."""
    with connection.cursor() as cursor:
        cursor.execute(_audience_sql(), {"incident": incident.pk, "pupil": incident.pupil_id})
        return {user_id for (user_id,) in cursor.fetchall()}


@cache
def _audience_sql() -> str:
    tables = {
        "category": Category._meta.db_table,
        "incident_category": IncidentCategory._meta.db_table,
        "rule": AlertRule._meta.db_table,
        "rule_roles": AlertRule.roles.through._meta.db_table,
        "rule_staff": AlertRule.staff.through._meta.db_table,
        "profile": StaffProfile._meta.db_table,
        "role": Role._meta.db_table,
        "pupil": Pupil._meta.db_table,
        "pupil_membership": PupilMembership._meta.db_table,
        "staff_membership": StaffMembership._meta.db_table,
        "user": User._meta.db_table,
    }
    return """
    WITH categories AS (
        SELECT c.id, c.parent_id, c.restricted FROM {category} c
        JOIN {incident_category} ic ON ic.category_id = c.id WHERE ic.incident_id = %(incident)s
    ), restricted AS (
        SELECT coalesce(bool_or(restricted), false) AS found FROM categories
    ), chosen AS (
        SELECT id, parent_id FROM categories WHERE restricted OR NOT (SELECT found FROM restricted)
    ), rules AS (
        SELECT r.id, r.include_group_staff, r.include_dsl_on_duty FROM {rule} r
        WHERE r.category_id IN (SELECT id FROM chosen UNION SELECT parent_id FROM chosen)
           OR (r.category_id IS NULL AND NOT (SELECT found FROM restricted))
    ), pupil_groups AS (
        SELECT year_group_id AS id FROM {pupil} WHERE id = %(pupil)s
        UNION SELECT form_id FROM {pupil} WHERE id = %(pupil)s
        UNION SELECT group_id FROM {pupil_membership} WHERE pupil_id = %(pupil)s
    ), audience AS (
        SELECT p.user_id FROM {profile} p JOIN {rule_roles} rr ON rr.role_id = p.role_id
        WHERE rr.alertrule_id IN (SELECT id FROM rules)
        UNION SELECT rs.user_id FROM {rule_staff} rs WHERE rs.alertrule_id IN (SELECT id FROM rules)
        UNION SELECT p.user_id FROM {profile} p JOIN {role} ro ON ro.id = p.role_id
        WHERE ro.level = '{admin}' AND EXISTS (SELECT 1 FROM rules WHERE include_dsl_on_duty)
        UNION SELECT sm.user_id FROM {staff_membership} sm
        WHERE sm.group_id IN (SELECT id FROM pupil_groups)
          AND EXISTS (SELECT 1 FROM rules WHERE include_group_staff)
    )
    SELECT u.id FROM {user} u JOIN {profile} p ON p.user_id = u.id
    WHERE u.is_active AND u.id IN (SELECT user_id FROM audience)
    """.format(**tables, admin=Level.FULL_ADMIN.value)  # noqa: S608 (the models' own tables)


def dsl_on_duty_roles():
    """Until the DSL roster exists, "the DSL on duty" is everyone at full + admin level."""
    return Role.objects.filter(level=Level.FULL_ADMIN)


def role_viewer(user: User) -> policy.Viewer:
    """The policy's view of a member of staff with their role's full level, as they would be
    after verifying a second factor: what their role lets them read, alerted or not."""
    role = user.staff_profile.role
    return policy.Viewer(user=user, role=role, level=role.level)


def _who_may_otherwise_read(users: Sequence[User], incident: Incident) -> set[int]:
    """policy.visible_incidents' rule for each of them, asked once per role rather than once
    per person: an administrator reads everything; anyone reads what they recorded or were
    granted; above write-only, a role reads an incident whose categories it all reads."""
    category_ids = set(
        IncidentCategory.objects.filter(incident=incident).values_list("category_id", flat=True)
    )
    granted = set(
        IncidentGrant.objects.filter(incident=incident, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    by_role: dict[int, bool] = {}
    readable = set()
    for user in users:
        role = user.staff_profile.role
        if role.pk not in by_role:
            viewer = role_viewer(user)
            by_role[role.pk] = viewer.is_admin or (
                viewer.level != Level.WRITE_ONLY
                and category_ids <= viewer.ids_at_least(CategoryLevel.READ)
            )
        if by_role[role.pk] or user.pk == incident.recorded_by_id or user.pk in granted:
            readable.add(user.pk)
    return readable


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


def mark_read(*, user: User, notification_id: int) -> Notification:
    """Acknowledge a notification: the content was read. Its time is kept; a second mark
    changes nothing. The need-to-know grant stays."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
        )
        if notification is None:
            raise NotFound("No such notification.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification
