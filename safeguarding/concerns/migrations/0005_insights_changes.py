"""A change that can move the trust insights' facts notes, in its own transaction, that the
school needs refreshing: a row in the public schema's insights_change holding the school's
id and the time, nothing else. A worker refreshes the school's facts from it
(insights.services), so the facts follow a commit within a minute and a rollback leaves
nothing to follow.

- Incidents recorded or purged, their categories changed, a category's standard changed;
  actions recorded or purged, completions; pupils added, leaving or admitted, purged; a
  member of staff's role or a role's level changed (who counts as a DSL). DELETE counts
  too: a retention purge moves the facts (retention migration 0002).
- At most one row per transaction and school: the first trigger that fires notes the
  schema in a transaction-local setting, and the rest see it. A rolled-back savepoint takes
  the setting back with its row.
- The template schema has no school, so it notes nothing. The school is found by the
  trigger's own schema (TG_TABLE_SCHEMA), whatever the session's search path.
"""

from django.db import migrations

FUNCTION = r"""
CREATE FUNCTION haven_insights_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    noted text := coalesce(current_setting('haven.insights_changed', true), '');
    school bigint;
BEGIN
    IF position('/' || TG_TABLE_SCHEMA || '/' IN noted) > 0 THEN
        RETURN NULL;
    END IF;
    SELECT id INTO school FROM public.tenants_school WHERE schema_name = TG_TABLE_SCHEMA;
    IF school IS NOT NULL THEN
        INSERT INTO public.insights_change (school_id, changed_at) VALUES (school, now());
    END IF;
    PERFORM set_config('haven.insights_changed', noted || '/' || TG_TABLE_SCHEMA || '/', true);
    RETURN NULL;
END
$body$;
"""

# (table, events for one trigger per statement, row trigger on UPDATE when these change)
WATCHED = [
    ("concerns_incident", "INSERT OR DELETE", None),
    ("concerns_incidentcategory", "INSERT OR UPDATE OR DELETE", None),
    ("concerns_category", "INSERT OR DELETE", ["standard"]),
    ("concerns_action", "INSERT OR DELETE", None),
    ("concerns_actioncompletion", "INSERT OR UPDATE OR DELETE", None),
    ("people_pupil", "INSERT OR DELETE", ["admission_date", "leaving_date"]),
    ("people_staffprofile", "INSERT OR DELETE", ["role_id", "user_id"]),
    ("access_role", "INSERT OR DELETE", ["level"]),
]


def _triggers(table: str, events: str, columns: list[str] | None) -> str:
    sql = f"""
CREATE TRIGGER haven_insights_changed AFTER {events} ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION haven_insights_changed();"""
    if columns:
        moved = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        sql += f"""
CREATE TRIGGER haven_insights_changed_row AFTER UPDATE ON {table}
    FOR EACH ROW WHEN ({moved}) EXECUTE FUNCTION haven_insights_changed();"""
    return sql


FORWARD = FUNCTION + "\n".join(_triggers(*watched) for watched in WATCHED)

REVERSE = "\n".join(
    [
        *(
            f"DROP TRIGGER haven_insights_changed_row ON {table};"
            for table, _, columns in WATCHED
            if columns
        ),
        *(f"DROP TRIGGER haven_insights_changed ON {table};" for table, _, _ in WATCHED),
        "DROP FUNCTION haven_insights_changed();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0004_submission_window"),
        ("people", "0001_initial"),
        ("access", "0005_policy_version_in_own_schema"),
        ("insights", "0001_facts"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
