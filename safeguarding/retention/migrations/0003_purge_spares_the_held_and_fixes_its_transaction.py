"""Two guards the first version lacked:

- A Purge row always carries the transaction that writes it (and the time): a row written
  with another transaction's id could otherwise authorise a later transaction's deletes,
  after the legal-hold check had run.
- A purge never deletes the link of a pupil under a legal hold from an incident: an incident
  that names a held pupil stays whole.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION haven_purging_row(schema_name text, table_name text, old_row jsonb)
RETURNS boolean LANGUAGE plpgsql AS $body$
DECLARE
    pupil bigint;
    held boolean;
BEGIN
    IF table_name LIKE 'retention\_%' THEN
        RETURN false;
    ELSIF table_name LIKE 'transfers\_%' THEN
        pupil := (old_row ->> 'pupil_id')::bigint;
    ELSIF old_row ? 'incident_id' THEN
        EXECUTE format('SELECT pupil_id FROM %I.concerns_incident WHERE id = $1', schema_name)
            INTO pupil USING (old_row ->> 'incident_id')::bigint;
        IF table_name = 'concerns_linkedpupil' THEN
            EXECUTE format(
                'SELECT EXISTS (SELECT 1 FROM %I.retention_legalhold WHERE pupil_id = $1'
                ' AND released_at IS NULL)', schema_name)
                INTO held USING (old_row ->> 'pupil_id')::bigint;
            IF held THEN
                RETURN false;
            END IF;
        END IF;
    ELSIF old_row ? 'action_id' THEN
        EXECUTE format(
            'SELECT i.pupil_id FROM %I.concerns_action a JOIN %I.concerns_incident i'
            ' ON i.id = a.incident_id WHERE a.id = $1', schema_name, schema_name)
            INTO pupil USING (old_row ->> 'action_id')::bigint;
    ELSIF old_row ? 'pupil_id' THEN
        pupil := (old_row ->> 'pupil_id')::bigint;
    END IF;
    RETURN pupil IS NOT NULL AND haven_purging(schema_name, pupil);
END
$body$;

CREATE OR REPLACE FUNCTION haven_purge_only_when_confirmed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    confirmed boolean;
    held boolean;
BEGIN
    NEW.recorded_xid := pg_current_xact_id()::text::bigint;
    NEW.purged_at := now();
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %I.retention_retentionreview WHERE id = $1'
        ' AND pupil_id = $2 AND decision = ''confirmed'' AND decided_by_id IS NOT NULL)',
        TG_TABLE_SCHEMA) INTO confirmed USING NEW.review_id, NEW.pupil_id;
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %I.retention_legalhold WHERE pupil_id = $1'
        ' AND released_at IS NULL)', TG_TABLE_SCHEMA) INTO held USING NEW.pupil_id;
    IF NOT confirmed THEN
        RAISE EXCEPTION 'A child''s records are purged only after a DSL confirmed the review'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF held THEN
        RAISE EXCEPTION 'A child''s records under a legal hold are never purged'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$body$;
"""


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_purge_past_the_triggers")]

    operations = [migrations.RunSQL(FORWARD)]
