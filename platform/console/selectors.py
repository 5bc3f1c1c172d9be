"""What the console reads: schools and trusts with their plan and health counts, and the
operators' audit. Public-schema tables only: nothing here enters a school's schema."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from console.models import OperatorAction
from tenants.models import School, Trust

STATUSES = [(value, label) for value, label in School.Status.choices]


@dataclass(frozen=True)
class SchoolFilters:
    status: str = ""
    trust: str = ""
    search: str = ""

    @classmethod
    def from_query(cls, query) -> SchoolFilters:
        status = query.get("status", "")
        return cls(
            status=status if status in School.Status.values else "",
            trust=query.get("trust", "").strip()[:63],
            search=" ".join(query.get("q", "").split())[:100],
        )


def schools(filters: SchoolFilters | None = None) -> QuerySet[School]:
    """Every school with its trust, plan and health, for the console's list."""
    filters = filters or SchoolFilters()
    found = School.objects.select_related(
        "trust", "health", "subscription__plan", "training_of"
    ).order_by("name")
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.trust:
        found = found.filter(trust__slug=filters.trust)
    if filters.search:
        found = found.filter(Q(name__icontains=filters.search) | Q(slug__icontains=filters.search))
    return found


def trusts() -> QuerySet[Trust]:
    return Trust.objects.annotate(
        school_count=Count("schools", filter=~Q(schools__status=School.Status.REMOVED))
    ).order_by("name")


def school_by_slug(slug: str) -> School | None:
    return (
        School.objects.select_related("trust", "health", "subscription__plan")
        .filter(slug=slug)
        .first()
    )


def actions(*, school: School | None = None, limit: int = 200) -> QuerySet[OperatorAction]:
    found = OperatorAction.objects.select_related("school", "trust")
    if school is not None:
        found = found.filter(school=school)
    return found[:limit]
