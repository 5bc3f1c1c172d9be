"""Writes for the trust layer: inviting trust leads, the months a school belongs to a trust,
a trust's suppression threshold, and a lead's API tokens."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from knox.models import AuthToken

from accounts import services as accounts
from accounts.models import User
from tenants.models import School, Trust
from trusts.errors import NotPermitted, ThresholdRefused
from trusts.models import ThresholdChange, TrustLead, TrustMembership

# A school that comes to Haven as part of a trust brings all of its history to that trust,
# incidents dated before it was onboarded included: its membership starts here.
FROM_THE_START = datetime.date(2000, 1, 1)
MINIMUM_THRESHOLD = 3
HIGHEST_THRESHOLD = 50


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def may_invite(user: User, trust: Trust) -> bool:
    """Platform operators, and the trust's own leads."""
    return bool(
        user.is_active
        and (user.is_operator or TrustLead.objects.filter(user=user, trust=trust).exists())
    )


def invite_trust_lead(
    *, trust: Trust, email: str, invited_by: User, full_name: str = ""
) -> TrustLead:
    """A platform account for a new lead of `trust`, who chooses a password from the emailed
    link and must then set up a second factor before seeing any figure."""
    _in_public_schema()
    if not may_invite(invited_by, trust):
        raise NotPermitted("Only a platform operator or a lead of this trust can invite its leads.")
    with transaction.atomic():
        user = accounts.create_user(email=email, full_name=full_name)
        lead = TrustLead.objects.create(user=user, trust=trust, invited_by=invited_by)
        accounts.send_invitation(
            user=user, site_name=trust.name, site_url=settings.CONFIG.platform_url
        )
    return lead


def join_on_onboarding(*, school: School) -> TrustMembership | None:
    """A school onboarded into a trust belongs to it from the start of its history. A
    training copy belongs to no trust's figures: its pupils are made up."""
    if school.trust_id is None or school.training_of_id is not None:
        return None
    return TrustMembership.objects.create(
        trust_id=school.trust_id, school=school, starts=FROM_THE_START
    )


def move_school(
    school: School, trust: Trust | None, *, today: datetime.date | None = None
) -> TrustMembership | None:
    """Move a school to another trust (or out of any): the old trust keeps the months
    before this one, the new trust has this month onwards. Returns the new membership."""
    month = first_of_month(today or timezone.localdate())
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        current = TrustMembership.objects.filter(school=school, ends__isnull=True).first()
        if current is not None and trust is not None and current.trust_id == trust.pk:
            return current
        if current is not None:
            if current.starts >= month:
                current.delete()  # it never held a whole month before this one
            else:
                current.ends = month
                current.save(update_fields=["ends"])
        school.trust = trust
        school.save(update_fields=["trust"])
        if trust is None:
            return None
        return TrustMembership.objects.create(trust=trust, school=school, starts=month)


def set_threshold(*, trust: Trust, threshold: object, by: User) -> Trust:
    """Counts below the threshold are published as "<N". Never below 3: a count of one or
    two can name a child to anyone who knows the school. A lead of the trust may raise it
    (or keep it); only a platform operator may lower it. Every change is recorded
    (ThresholdChange: to what, from what, by whom, when)."""
    operator = bool(by.is_active and by.is_operator)
    if not operator and not TrustLead.objects.filter(user=by, trust=trust).exists():
        raise NotPermitted("Only a lead of this trust can change its threshold.")
    try:
        value = int(str(threshold).strip())
    except ValueError:
        raise ThresholdRefused("Enter the threshold as a whole number, such as 5.") from None
    with transaction.atomic():
        # Locked, so two changes at once are each checked against the other's result.
        current = (
            Trust.objects.select_for_update()
            .values_list("suppression_threshold", flat=True)
            .get(pk=trust.pk)
        )
        if value < MINIMUM_THRESHOLD:
            raise ThresholdRefused(
                f"The threshold cannot be below {MINIMUM_THRESHOLD}: smaller counts could "
                f"identify a child. It is still {current}."
            )
        if value > HIGHEST_THRESHOLD:
            raise ThresholdRefused(
                f"The threshold can be at most {HIGHEST_THRESHOLD}. It is still {current}."
            )
        if value < current and not operator:
            raise ThresholdRefused(
                f"A trust lead can raise the threshold but not lower it: it is still "
                f"{current}. To lower it, ask a platform operator."
            )
        if value != current:
            Trust.objects.filter(pk=trust.pk).update(suppression_threshold=value)
            ThresholdChange.objects.create(
                trust=trust, threshold=value, previous=current, changed_by=by
            )
    trust.suppression_threshold = value
    return trust


def create_api_token(*, user: User) -> tuple[AuthToken, str]:
    """A token for the trust API, shown once and stored hashed (knox). It ends when its
    lead's password changes or a second factor of theirs is added or removed."""
    if not TrustLead.objects.filter(user=user).exists():
        raise NotPermitted("Only trust leads have trust API tokens.")
    return AuthToken.objects.create(user=user)


def revoke_api_token(*, user: User, token_key: str) -> bool:
    """Revoke one of the person's own tokens; False when there was no such token."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return bool(deleted)


def end_api_tokens(*, user_id: int, factors_changed: bool = False) -> int:
    """Delete every API token of a trust lead whose credentials changed (their password,
    or a second factor added or removed: trusts.signals); with `factors_changed`, note
    when, so a token made before then is refused even if one escaped. Returns how many
    tokens were deleted. Anyone who is not a trust lead is left alone."""
    lead = TrustLead.objects.filter(user_id=user_id)
    if not lead.exists():
        return 0
    if factors_changed:
        lead.update(factors_changed_at=timezone.now())
    deleted, _ = AuthToken.objects.filter(user_id=user_id).delete()
    return deleted


def _in_public_schema() -> None:
    if connection.schema_name != get_public_schema_name():
        raise RuntimeError("Trust leads are platform accounts: public schema only.")
