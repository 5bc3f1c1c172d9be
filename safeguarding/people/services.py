"""Writes to a school's people: staff invited, given a role, deactivated and brought back.
(Rolls of pupils and groups will arrive by MIS import; for now onboarding, demo data and
tests make them.)"""

from __future__ import annotations

import re

from django.db import transaction

from accounts.models import User
from safeguarding.access.models import Level, Role
from safeguarding.audit.models import AuditAction
from safeguarding.audit.services import record
from safeguarding.errors import NotPermitted
from safeguarding.people.models import StaffProfile


def initials_for(user: User) -> str:
    """Seeds: "use staff initials only". From the name, else the email's local part."""
    words = re.findall(r"[A-Za-z]+", user.full_name) or re.findall(
        r"[A-Za-z]+", user.email.split("@")[0]
    )
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return (words[0][:2] if words else "??").upper()


def create_staff_profile(
    *, user: User, role: Role, initials: str = "", job_title: str = ""
) -> StaffProfile:
    return StaffProfile.objects.create(
        user=user, role=role, initials=(initials or initials_for(user))[:5], job_title=job_title
    )


def invite_staff(
    *, email: str, full_name: str, role: Role, site_name: str, site_url: str, request=None
) -> User:
    """A new member of staff with no password yet: the emailed one-time link sets it."""
    from accounts.services import create_user, send_invitation

    with transaction.atomic():
        user = create_user(email=email, full_name=full_name)
        create_staff_profile(user=user, role=role)
        send_invitation(user=user, site_name=site_name, site_url=site_url)
        _audit(AuditAction.STAFF_INVITED, user, request, role=role.pk)
    return user


def set_active(*, member: User, active: bool, actor: User, request=None) -> None:
    """Deactivate someone who left (they can no longer sign in, from their next request on,
    and everything they wrote stays, credited to them), or bring them back."""
    if not active and member.pk == actor.pk:
        raise NotPermitted("You cannot deactivate your own account.")
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if not active and _is_last_admin(member):
            raise NotPermitted(_LAST_ADMIN)
        member.is_active = active
        member.save(update_fields=["is_active"])
        action = AuditAction.STAFF_REACTIVATED if active else AuditAction.STAFF_DEACTIVATED
        _audit(action, member, request, actor=actor)


def change_role(*, member: User, role: Role, actor: User, request=None) -> None:
    with transaction.atomic():
        profile = StaffProfile.objects.select_for_update().get(user=member)
        if role.level != Level.FULL_ADMIN and _is_last_admin(member):
            raise NotPermitted(_LAST_ADMIN)
        before = profile.role_id
        profile.role = role
        profile.save(update_fields=["role"])
        _audit(
            AuditAction.ROLE_CHANGED,
            member,
            request,
            actor=actor,
            role_from=before,
            role_to=role.pk,
        )


_LAST_ADMIN = (
    "This is the school's only active administrator: give someone else an administrator "
    "role first, so that the school is never left without one."
)


def _is_last_admin(member: User) -> bool:
    """Locks the administrators' rows, so two DSLs demoting each other cannot both win."""
    admins = list(
        User.objects.select_for_update(of=("self",))
        .filter(is_active=True, staff_profile__role__level=Level.FULL_ADMIN)
        .values_list("pk", flat=True)
    )
    return admins == [member.pk]


def _audit(action: str, member: User, request, actor: User | None = None, **detail) -> None:
    record(
        action=action,
        actor=actor,
        object_type="staff",
        object_id=member.pk,
        request=request,
        detail=detail,
    )
