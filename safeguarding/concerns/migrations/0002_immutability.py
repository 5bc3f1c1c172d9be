"""Submitted records are immutable in the database itself, not only in Python.

An incident's pupil, text, event time, author and recorded time can never change, and no
incident can be deleted; every append-only table refuses UPDATE, DELETE and TRUNCATE. The
functions live in each school's schema (this is a school migration), so schools cloned
from the template carry them too.
"""

from django.db import migrations

APPEND_ONLY = [
    "concerns_incidentagency",
    "concerns_linkedpupil",
    "concerns_bodymapmark",
    "concerns_action",
    "concerns_actioncompletion",
    "concerns_incidentchange",
    "concerns_attachment",
    "access_incidentgrant",
]

FUNCTIONS = """
CREATE FUNCTION haven_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'Haven keeps % as recorded: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a correction as a new action or change instead.';
END
$body$;

CREATE FUNCTION haven_protect_incident() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'Haven keeps incidents as recorded: % is not allowed', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.pupil_id IS DISTINCT FROM OLD.pupil_id
       OR NEW.text IS DISTINCT FROM OLD.text
       OR NEW.occurred_at IS DISTINCT FROM OLD.occurred_at
       OR NEW.recorded_by_id IS DISTINCT FROM OLD.recorded_by_id
       OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at THEN
        RAISE EXCEPTION 'A submitted incident''s pupil, text, time and author cannot change'
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Record a correction as an action on the incident.';
    END IF;
    RETURN NEW;
END
$body$;

CREATE TRIGGER haven_protect_incident BEFORE UPDATE OR DELETE ON concerns_incident
    FOR EACH ROW EXECUTE FUNCTION haven_protect_incident();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON concerns_incident
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();
"""

APPEND_ONLY_TRIGGERS = "\n".join(
    f"""
CREATE TRIGGER haven_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION haven_refuse_change();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();"""
    for table in APPEND_ONLY
)

REVERSE = "\n".join(
    [
        *(f"DROP TRIGGER haven_append_only ON {table};" for table in APPEND_ONLY),
        *(f"DROP TRIGGER haven_no_truncate ON {table};" for table in APPEND_ONLY),
        "DROP TRIGGER haven_no_truncate ON concerns_incident;",
        "DROP TRIGGER haven_protect_incident ON concerns_incident;",
        "DROP FUNCTION haven_protect_incident();",
        "DROP FUNCTION haven_refuse_change();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0001_initial"),
        ("access", "0002_initial"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS + APPEND_ONLY_TRIGGERS, REVERSE)]
