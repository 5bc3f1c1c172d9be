"""A school removed after offboarding keeps its row (for invoices and the audit) but has no
schema: nothing that works school by school may try to enter it."""

from __future__ import annotations

from insights.facts import schools_with_facts
from insights.scheduler import Scheduler
from tenants.models import School
from tenants.selectors import schools_with_schemas


def test_a_removed_school_is_in_no_loop_over_schools(abbey, westleigh):
    School.objects.filter(pk=abbey.pk).update(status=School.Status.REMOVED)
    for schools in (schools_with_schemas(), Scheduler.get_queryset(), schools_with_facts()):
        slugs = set(schools.values_list("slug", flat=True))
        assert "westleigh" in slugs
        assert "abbey" not in slugs


def test_migrating_every_school_skips_a_removed_one(abbey, westleigh, monkeypatch):
    from tenants import schemas

    migrated: list[str] = []

    class Executor:
        def __init__(self, args, options) -> None:
            pass

        def run_migrations(self, tenants) -> None:
            migrated.extend(tenants)

    monkeypatch.setattr(schemas, "GET_EXECUTOR_FUNCTION", lambda codename: Executor)
    School.objects.filter(pk=abbey.pk).update(status=School.Status.REMOVED)
    from django.core.management import call_command

    call_command(schemas._MigrateSchools(), tenant=True, interactive=False, verbosity=0)
    assert westleigh.schema_name in migrated
    assert abbey.schema_name not in migrated
