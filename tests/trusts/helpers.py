"""Trust leads on the platform host, and facts written straight into the fact tables."""

from __future__ import annotations

import datetime

from django_otp.plugins.otp_totp.models import TOTPDevice

from insights.models import DAY_BUCKETS, CategoryMonth, RollMonth
from tenants.models import Trust
from tests.factories import UserFactory
from tests.sessions import platform_client  # noqa: F401  (the trust tests' import)
from trusts.models import TrustLead

PLATFORM = "localhost"
# A period in the past that every test's facts fall in.
PERIOD = {"from": "2024-01", "to": "2024-12"}


def make_lead(trust: Trust, *, factor: bool = True, email: str | None = None) -> TrustLead:
    user = UserFactory(**({"email": email} if email else {}))
    if factor:
        TOTPDevice.objects.create(user=user, name="Lead's phone", confirmed=True)
    return TrustLead.objects.create(user=user, trust=trust)


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
