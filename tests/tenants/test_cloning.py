"""A cloned school schema must be indistinguishable from one built by migrations."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_tenants.utils import schema_context

from tenants import cloning
from tenants.schemas import clone_template_schema, create_schema_by_migrations


def _signature(schema: str) -> dict[str, list]:
    """Everything about a schema's structure that migrations and queries depend on."""
    queries = {
        "columns": """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY 1, 2""",
        "constraints": """
            SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND con.contype <> 'n' ORDER BY 1, 2""",
        "indexes": """
            SELECT tablename, indexname,
                   regexp_replace(indexdef, ' ON [^ ]+\\.', ' ON ') FROM pg_indexes
            WHERE schemaname = %s ORDER BY 1, 2""",
        "triggers": """
            SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY 1, 2""",
        "sequences": """
            SELECT sequencename, data_type, increment_by FROM pg_sequences
            WHERE schemaname = %s ORDER BY 1""",
    }
    with schema_context(schema), connection.cursor() as cursor:
        # Print other schemas' names qualified and this one's bare, as for the template.
        cursor.execute("SELECT set_config('search_path', %s, true)", [schema])
        signature = {}
        for name, query in queries.items():
            cursor.execute(query, [schema])
            signature[name] = cursor.fetchall()
    return signature


def test_a_cloned_schema_matches_one_built_by_migrations(db):
    clone_template_schema("sig_clone")
    create_schema_by_migrations("sig_migrated")
    cloned, migrated = _signature("sig_clone"), _signature("sig_migrated")
    assert cloned["columns"], "the signature saw no tables"
    for part in ("columns", "constraints", "indexes", "triggers", "sequences"):
        assert cloned[part] == migrated[part], part


def test_a_clone_carries_the_templates_rows_and_continues_its_identity_sequences(db):
    clone_template_schema("rows_clone")
    with schema_context("_template"):
        template_types = list(ContentType.objects.order_by("pk").values_list("pk", "model"))
        template_migrations = (
            connection.cursor().execute("SELECT count(*) FROM django_migrations").fetchone()
        )
    with schema_context("rows_clone"):
        assert list(ContentType.objects.order_by("pk").values_list("pk", "model")) == template_types
        assert (
            connection.cursor().execute("SELECT count(*) FROM django_migrations").fetchone()
            == template_migrations
        )
        created = ContentType.objects.create(app_label="probe", model="probe")
    assert created.pk > max(pk for pk, _ in template_types)


def test_a_template_holding_something_the_cloner_cannot_copy_is_refused(db):
    create_schema_by_migrations("tpl_with_view")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIEW tpl_with_view.staff AS SELECT email FROM tpl_with_view.accounts_user"
        )
    with pytest.raises(cloning.UnsupportedTemplateObject, match=r"staff \(v\)"):
        cloning.clone_schema("tpl_with_view", "never_made")
    assert (
        not connection.cursor()
        .execute("SELECT 1 FROM pg_namespace WHERE nspname = 'never_made'")
        .fetchone()
    )


def test_functions_and_triggers_in_the_template_are_cloned_to_act_on_the_new_schema(db):
    create_schema_by_migrations("tpl_trigger")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION tpl_trigger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'records are immutable'; END $$;
            CREATE TRIGGER refuse_delete BEFORE DELETE ON tpl_trigger.django_migrations
            FOR EACH ROW EXECUTE FUNCTION tpl_trigger.refuse_change();
            """
        )
    cloning.clone_schema("tpl_trigger", "trigger_clone")
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.pronamespace::regnamespace::text FROM pg_trigger t
               JOIN pg_proc p ON p.oid = t.tgfoid
               WHERE t.tgrelid = 'trigger_clone.django_migrations'::regclass"""
        )
        assert cursor.fetchone() == ("trigger_clone",)
        with pytest.raises(Exception, match="records are immutable"):
            cursor.execute("DELETE FROM trigger_clone.django_migrations")


def test_the_blueprint_is_rebuilt_when_the_template_is_migrated(db):
    create_schema_by_migrations("tpl_changing")
    cloning.clone_schema("tpl_changing", "before_change")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE tpl_changing.extra"
            " (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);"
            "INSERT INTO tpl_changing.django_migrations (app, name, applied)"
            " VALUES ('probe', '0001_extra', now())"
        )
    cloning.clone_schema("tpl_changing", "after_change")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'extra'"
            " ORDER BY 1"
        )
        assert cursor.fetchall() == [("after_change",), ("tpl_changing",)]
