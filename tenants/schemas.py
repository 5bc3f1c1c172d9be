"""How school schemas come to exist and stay current: one migrated template schema,
cloned for every new school, so onboarding costs the same for the 1st school and the 1,000th."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import quote_schema_name, schema_exists

from tenants import cloning


class TemplateSchemaMissing(RuntimeError):
    """Schools cannot be onboarded before `haven migrate` has built the template schema."""


def template_schema_name() -> str:
    return settings.HAVEN_TEMPLATE_SCHEMA


def migrate_template_schema(*, verbosity: int = 0) -> None:
    """Create the template schema if needed and apply every school migration to it."""
    name = template_schema_name()
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quote_schema_name(name)}")
    call_command(
        "migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity
    )


def migrate_all_schemas(*, verbosity: int = 1, executor: str = "standard") -> None:
    """Bring the public schema, the template and every school up to date, in that order.

    Onboarding waits meanwhile (cloning.TEMPLATE_LOCK): a school cloned mid-way would have
    a half-migrated template's tables, or be missing from the list of schools to migrate."""
    with _template_lock():
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        migrate_template_schema(verbosity=verbosity)
        call_command(
            _MigrateSchools(), tenant=True, interactive=False, verbosity=verbosity,
            executor=executor,
        )  # fmt: skip


class _MigrateSchools(MigrateSchemasCommand):
    """django-tenants' migrate_schemas over the schools that still have a schema: a school
    removed after offboarding keeps its row but not its schema."""

    def handle(self, *args, **options) -> None:
        SyncCommon.handle(self, *args, **options)
        from tenants.selectors import schools_with_schemas

        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        names = list(schools_with_schemas().order_by("pk").values_list("schema_name", flat=True))
        executor.run_migrations(tenants=names)


@contextmanager
def _template_lock() -> Iterator[None]:
    """Hold the exclusive template lock on a connection of its own: django-tenants closes
    the main connection after migrating each schema, which would drop a lock held there."""
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.autocommit = True
        holder.execute("SELECT pg_advisory_lock(%s, %s)", cloning.TEMPLATE_LOCK)
        yield
    finally:
        holder.close()


def clone_template_schema(schema_name: str) -> None:
    """Create `schema_name` as a copy of the template: its tables, triggers and the rows
    that record which migrations it has, so the new school needs no migrations at all."""
    template = template_schema_name()
    if not schema_exists(template):
        raise TemplateSchemaMissing(
            f"The template schema {template!r} does not exist yet: run `haven migrate` first."
        )
    cloning.clone_schema(template, schema_name)


def create_schema_by_migrations(schema_name: str) -> None:
    """The slow path a clone replaces: every migration run against an empty schema.
    Kept for the onboarding benchmark, which measures one against the other."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema_name)}")
    call_command(
        "migrate_schemas", tenant=True, schema_name=schema_name, interactive=False, verbosity=0
    )


def drop_schema(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(schema_name)} CASCADE")
