"""Reads for the trust layer: who leads which trust, which schools belonged to it in which
months, and the filters a dashboard or API call asks for. Public schema only: nothing here
reads a school's schema."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from tenants.models import School, Trust
from trusts.errors import BadFilter
from trusts.models import TrustLead, TrustMembership

PHASES = {"primary": "Primary", "secondary": "Secondary"}
EARLIEST_MONTH = datetime.date(2000, 1, 1)
LONGEST_PERIOD = 60  # months
DEFAULT_PERIOD = 12


def lead_of(user: User | None) -> TrustLead | None:
    """The trust lead behind a signed-in platform account, or None for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return TrustLead.objects.select_related("trust").filter(user=user).first()


def leads_of(trust: Trust) -> QuerySet[TrustLead]:
    return TrustLead.objects.filter(trust=trust).select_related("user").order_by("user__email")


def phase_of(school: School) -> str:
    """ "primary", "secondary" or "" (unknown), from the category template it started with."""
    return school.category_template if school.category_template in PHASES else ""


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class Filters:
    """A contiguous range of whole months, a phase ("" for all) and one school or all."""

    first: datetime.date
    last: datetime.date
    phase: str = ""
    school: School | None = None

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.first, self.last)

    def query(self) -> dict[str, str]:
        """The same filters as query-string parameters."""
        params = {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}
        if self.phase:
            params["phase"] = self.phase
        if self.school is not None:
            params["school"] = self.school.slug
        return params


def last_closed_month(today: datetime.date | None = None) -> datetime.date:
    """The last full month: the latest a trust may see. The current month's figures move
    as incidents are recorded (facts refresh within a minute), so showing them would tell
    anyone polling when an incident landed."""
    return add_months((today or timezone.localdate()).replace(day=1), -1)


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve full months."""
    last = last_closed_month(today)
    return add_months(last, 1 - DEFAULT_PERIOD), last


def parse_filters(
    trust: Trust, params: Mapping[str, str], *, today: datetime.date | None = None
) -> Filters:
    """The filters from a query string, or BadFilter saying what is wrong. Only closed
    months: a period reaching into the current month is refused. A school is named
    by its slug and must be one of the trust's: any other slug, whether or not a school has
    it, gets the same answer."""
    today = today or timezone.localdate()
    first, last = default_period(today)
    first = _month(params.get("from"), "from") or first
    last = _month(params.get("to"), "to") or last
    closed = last_closed_month(today)
    for month, field in ((first, "from"), (last, "to")):
        if month > closed:
            raise BadFilter(
                f"Figures are published for closed months only: the period must end by "
                f"{closed:%B %Y} ({closed:%Y-%m}); {add_months(closed, 1):%B %Y} is not over.",
                field=field,
            )
    if first < EARLIEST_MONTH:
        raise BadFilter(f"The period cannot start before {EARLIEST_MONTH:%B %Y}.", field="from")
    if first > last:
        raise BadFilter("The period's first month must not be after its last.", field="from")
    if len(months_between(first, last)) > LONGEST_PERIOD:
        raise BadFilter(f"Choose a period of at most {LONGEST_PERIOD} months.", field="from")
    phase = (params.get("phase") or "").strip()
    if phase and phase not in PHASES:
        raise BadFilter("Choose primary, secondary or all phases.", field="phase")
    slug = (params.get("school") or "").strip()
    school = None
    if slug:
        school = schools_of(trust).filter(slug=slug).first()
        if school is None:
            raise BadFilter("None of your trust's schools has that name.", field="school")
    return Filters(first=first, last=last, phase=phase, school=school)


def _month(text: str | None, field: str) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 7:
            return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        pass
    raise BadFilter("Give a month as YYYY-MM, such as 2025-09.", field=field)


def schools_of(trust: Trust) -> QuerySet[School]:
    """Every school that belongs or belonged to the trust, in any month."""
    return School.objects.filter(
        Exists(TrustMembership.objects.filter(trust=trust, school=OuterRef("pk")))
    ).order_by("name")


def covered(trust: Trust, *, school: str = "school", month: str = "month") -> Exists:
    """For a fact row: whether its school belonged to `trust` in its month."""
    return Exists(
        TrustMembership.objects.filter(
            trust=trust, school=OuterRef(school), starts__lte=OuterRef(month)
        ).filter(Q(ends__isnull=True) | Q(ends__gt=OuterRef(month)))
    )


def schools_in_view(trust: Trust, filters: Filters) -> list[School]:
    """The trust's schools that belonged to it in some month of the period, narrowed to the
    phase and school chosen."""
    overlapping = TrustMembership.objects.filter(
        trust=trust, school=OuterRef("pk"), starts__lte=filters.last
    ).filter(Q(ends__isnull=True) | Q(ends__gt=filters.first))
    schools = School.objects.filter(Exists(overlapping)).order_by("name")
    if filters.school is not None:
        schools = schools.filter(pk=filters.school.pk)
    if filters.phase:
        schools = schools.filter(category_template=filters.phase)
    return list(schools)


def memberships_of(trust: Trust) -> QuerySet[TrustMembership]:
    return TrustMembership.objects.filter(trust=trust).select_related("school")
