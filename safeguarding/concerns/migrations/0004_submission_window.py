"""What an incident or action was submitted with is closed when its transaction commits.

- Marks, linked pupils, agencies and files join an incident only in the transaction that
  recorded it (files of an action only in the action's); afterwards they are refused.
- An incident's categories change only beside a DSL's re-categorisation recorded in the
  same transaction; its status, risk and hidden names only beside their own IncidentChange.
- recorded_xid joins the columns no one may change.

Lookups name the trigger's own schema (TG_TABLE_SCHEMA), so they always consult the school
whose row is being written, whatever the session's search path.
"""

from django.db import migrations

WITH_ITS_INCIDENT = ["concerns_bodymapmark", "concerns_linkedpupil", "concerns_incidentagency"]

FORWARD = """
CREATE FUNCTION haven_recorded_now(schema_name text, table_name text, record_id bigint)
RETURNS boolean LANGUAGE plpgsql AS $body$
DECLARE
    recorded bigint;
BEGIN
    EXECUTE format('SELECT recorded_xid FROM %I.%I WHERE id = $1', schema_name, table_name)
        INTO recorded USING record_id;
    RETURN recorded = pg_current_xact_id()::text::bigint;
END
$body$;

CREATE FUNCTION haven_changed_now(schema_name text, incident_id bigint, change_kind text)
RETURNS boolean LANGUAGE plpgsql AS $body$
DECLARE
    found boolean;
BEGIN
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %I.concerns_incidentchange WHERE incident_id = $1'
        ' AND kind = $2 AND recorded_xid = pg_current_xact_id()::text::bigint)', schema_name)
        INTO found USING incident_id, change_kind;
    RETURN found;
END
$body$;

CREATE FUNCTION haven_only_with_its_incident() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF NOT haven_recorded_now(TG_TABLE_SCHEMA, 'concerns_incident', NEW.incident_id) THEN
        RAISE EXCEPTION 'Haven keeps a submitted incident as it was: % cannot join it later',
            TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation', HINT = 'Add an action to the incident.';
    END IF;
    RETURN NEW;
END
$body$;

CREATE FUNCTION haven_file_with_its_record() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF (NEW.action_id IS NULL
            AND NOT haven_recorded_now(TG_TABLE_SCHEMA, 'concerns_incident', NEW.incident_id))
       OR (NEW.action_id IS NOT NULL
            AND NOT haven_recorded_now(TG_TABLE_SCHEMA, 'concerns_action', NEW.action_id)) THEN
        RAISE EXCEPTION 'Haven keeps submitted records as they were: files join an incident or '
            'action only as it is recorded'
            USING ERRCODE = 'restrict_violation', HINT = 'Add an action with the file.';
    END IF;
    RETURN NEW;
END
$body$;

CREATE FUNCTION haven_categories_with_a_change() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    incident bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END;
BEGIN
    IF NOT haven_recorded_now(TG_TABLE_SCHEMA, 'concerns_incident', incident)
       AND NOT haven_changed_now(TG_TABLE_SCHEMA, incident, 'categories') THEN
        RAISE EXCEPTION 'An incident''s categories change only with a recorded re-categorisation'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$body$;

CREATE OR REPLACE FUNCTION haven_protect_incident() RETURNS trigger LANGUAGE plpgsql AS $body$
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
       OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
       OR NEW.recorded_xid IS DISTINCT FROM OLD.recorded_xid THEN
        RAISE EXCEPTION 'A submitted incident''s pupil, text, time and author cannot change'
            USING ERRCODE = 'restrict_violation',
                  HINT = 'Record a correction as an action on the incident.';
    END IF;
    IF (NEW.status IS DISTINCT FROM OLD.status
            AND NOT haven_changed_now(TG_TABLE_SCHEMA, NEW.id, 'status'))
       OR (NEW.risk IS DISTINCT FROM OLD.risk
            AND NOT haven_changed_now(TG_TABLE_SCHEMA, NEW.id, 'risk'))
       OR (NEW.names_hidden IS DISTINCT FROM OLD.names_hidden
            AND NOT haven_changed_now(TG_TABLE_SCHEMA, NEW.id, 'names')) THEN
        RAISE EXCEPTION 'An incident''s status, risk and hidden names change only with a '
            'recorded change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$body$;

CREATE TRIGGER haven_with_its_record BEFORE INSERT ON concerns_attachment
    FOR EACH ROW EXECUTE FUNCTION haven_file_with_its_record();
CREATE TRIGGER haven_with_a_change BEFORE INSERT OR DELETE ON concerns_incidentcategory
    FOR EACH ROW EXECUTE FUNCTION haven_categories_with_a_change();
CREATE TRIGGER haven_no_update BEFORE UPDATE ON concerns_incidentcategory
    FOR EACH ROW EXECUTE FUNCTION haven_refuse_change();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON concerns_incidentcategory
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();
""" + "\n".join(
    f"CREATE TRIGGER haven_with_its_record BEFORE INSERT ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION haven_only_with_its_incident();"
    for table in WITH_ITS_INCIDENT
)

REVERSE = "\n".join(
    [
        *(f"DROP TRIGGER haven_with_its_record ON {table};" for table in WITH_ITS_INCIDENT),
        "DROP TRIGGER haven_with_its_record ON concerns_attachment;",
        "DROP TRIGGER haven_with_a_change ON concerns_incidentcategory;",
        "DROP TRIGGER haven_no_update ON concerns_incidentcategory;",
        "DROP TRIGGER haven_no_truncate ON concerns_incidentcategory;",
        "DROP FUNCTION haven_only_with_its_incident();",
        "DROP FUNCTION haven_file_with_its_record();",
        "DROP FUNCTION haven_categories_with_a_change();",
        "DROP FUNCTION haven_changed_now(text, bigint, text);",
        "DROP FUNCTION haven_recorded_now(text, text, bigint);",
    ]
)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0003_recording_transaction")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
