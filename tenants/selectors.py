"""Reads of the tenant registry, shaped for the CLI, the operator API and the host router."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.errors import SchoolNotFound
from tenants.models import Domain, School


def get_school(slug: str) -> School:
    try:
        return School.objects.select_related("trust").get(slug=slug)
    except School.DoesNotExist:
        raise SchoolNotFound(f"There is no school with the slug {slug!r}.") from None


def list_schools() -> QuerySet[School]:
    return School.objects.select_related("trust").order_by("name")


def schools_with_schemas() -> QuerySet[School]:
    """Every school whose schema still exists: not one removed after offboarding, whose
    row stays for its invoices and audit. What loops over schools in their schemas use."""
    return School.objects.exclude(status=School.Status.REMOVED)


def school_for_host(hostname: str) -> School | None:
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    return domain.tenant if domain else None
