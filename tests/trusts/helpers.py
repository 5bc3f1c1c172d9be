"""Trust leads on the platform host, and facts written straight into the fact tables."""

from __future__ import annotations

import datetime

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from insights.models import DAY_BUCKETS, CategoryMonth, RollMonth
from tenants.models import Trust
from tests.factories import UserFactory
from trusts.models import TrustLead

PLATFORM = "localhost"
# A period in the past that every test's facts fall in.
PERIOD = {"from": "2024-01", "to": "2024-12"}


def make_lead(trust: Trust, *, factor: bool = True, email: str | None = None) -> TrustLead:
    user = UserFactory(**({"email": email} if email else {}))
    if factor:
        TOTPDevice.objects.create(user=user, name="Lead's phone", confirmed=True)
    return TrustLead.objects.create(user=user, trust=trust)


def platform_client(user, *, verified: bool = True) -> Client:
    """A session on the platform host, as after signing in and (unless verified=False)
    verifying the person's authenticator app."""
    client = Client(HTTP_HOST=PLATFORM)
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def fact(school, month: str, standard: str, *, days: dict[int, int] | None = None, **counts):
    """One fact row, as the insights pipeline would write it."""
    histogram = [0] * DAY_BUCKETS
    for day, count in (days or {}).items():
        histogram[day] = count
    return CategoryMonth.objects.create(
        school=school,
        month=datetime.date.fromisoformat(f"{month}-01"),
        standard=standard,
        first_action_days=histogram,
        **counts,
    )


def roll(school, month: str, pupils: int) -> RollMonth:
    return RollMonth.objects.create(
        school=school, month=datetime.date.fromisoformat(f"{month}-01"), pupils=pupils
    )
