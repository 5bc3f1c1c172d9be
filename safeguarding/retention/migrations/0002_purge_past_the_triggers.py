"""A child's records may be deleted in one way only: in the transaction that records a Purge
of that child, for a review a DSL confirmed, while no legal hold is in place.

- `haven_purging(schema, pupil)`: a Purge of this pupil carries the current transaction's id.
- `haven_purging_row(schema, table, row)`: the row belongs to such a pupil's records: through
  its incident, its action, or (transferred copies, subject access requests, incidents
  themselves) its pupil; never a Purge row itself.
- Every trigger that refused DELETE now lets that one case through, and nothing else:
  UPDATE and TRUNCATE are refused as before, and audit rows are never deleted.
- A Purge row is refused unless its review is confirmed, is of the same pupil, and the pupil
  has no active legal hold; Purge rows themselves never change.

Lookups name the trigger's own schema, as concerns migration 0003 does.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION haven_purging(schema_name text, pupil bigint) RETURNS boolean
LANGUAGE plpgsql AS $body$
DECLARE
    found boolean;
BEGIN
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %I.retention_purge WHERE pupil_id = $1'
        ' AND recorded_xid = pg_current_xact_id()::text::bigint)', schema_name)
        INTO found USING pupil;
    RETURN found;
END
$body$;

CREATE FUNCTION haven_purging_row(schema_name text, table_name text, old_row jsonb)
RETURNS boolean LANGUAGE plpgsql AS $body$
DECLARE
    pupil bigint;
BEGIN
    IF table_name LIKE 'retention\_%' THEN
        RETURN false;
    ELSIF table_name LIKE 'transfers\_%' THEN
        pupil := (old_row ->> 'pupil_id')::bigint;
    ELSIF old_row ? 'incident_id' THEN
        EXECUTE format('SELECT pupil_id FROM %I.concerns_incident WHERE id = $1', schema_name)
            INTO pupil USING (old_row ->> 'incident_id')::bigint;
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

CREATE OR REPLACE FUNCTION haven_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE'
       AND haven_purging_row(TG_TABLE_SCHEMA, TG_TABLE_NAME, to_jsonb(OLD)) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Haven keeps % as recorded: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Record a correction as a new action or change instead.';
END
$body$;

CREATE OR REPLACE FUNCTION haven_protect_incident() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE' AND haven_purging(TG_TABLE_SCHEMA, OLD.pupil_id) THEN
        RETURN OLD;
    END IF;
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

CREATE OR REPLACE FUNCTION haven_categories_with_a_change() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    incident bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END;
BEGIN
    IF TG_OP = 'DELETE'
       AND haven_purging_row(TG_TABLE_SCHEMA, TG_TABLE_NAME, to_jsonb(OLD)) THEN
        RETURN OLD;
    END IF;
    IF NOT haven_recorded_now(TG_TABLE_SCHEMA, 'concerns_incident', incident)
       AND NOT haven_changed_now(TG_TABLE_SCHEMA, incident, 'categories') THEN
        RAISE EXCEPTION 'An incident''s categories change only with a recorded re-categorisation'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$body$;

CREATE OR REPLACE FUNCTION haven_protect_notification() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE'
       AND haven_purging_row(TG_TABLE_SCHEMA, TG_TABLE_NAME, to_jsonb(OLD)) THEN
        RETURN OLD;
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'Haven keeps notifications: % is not allowed', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.incident_id IS DISTINCT FROM OLD.incident_id
       OR NEW.action_id IS DISTINCT FROM OLD.action_id
       OR NEW.reason IS DISTINCT FROM OLD.reason
       OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
       OR NEW.created IS DISTINCT FROM OLD.created
       OR NEW.granted_access IS DISTINCT FROM OLD.granted_access
       OR (OLD.read_at IS NOT NULL AND NEW.read_at IS DISTINCT FROM OLD.read_at)
       OR (OLD.emailed_at IS NOT NULL AND NEW.emailed_at IS DISTINCT FROM OLD.emailed_at) THEN
        RAISE EXCEPTION 'A notification can only be marked read and emailed, once each'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$body$;

CREATE OR REPLACE FUNCTION haven_protect_subject_access_request() RETURNS trigger
LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE' AND haven_purging(TG_TABLE_SCHEMA, OLD.pupil_id) THEN
        RETURN OLD;
    END IF;
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'Haven keeps subject access requests: % is not allowed', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'draft' OR NEW.status <> 'released'
       OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.pupil_id IS DISTINCT FROM OLD.pupil_id
       OR NEW.requested_by IS DISTINCT FROM OLD.requested_by
       OR NEW.received_on IS DISTINCT FROM OLD.received_on
       OR NEW.date_from IS DISTINCT FROM OLD.date_from
       OR NEW.date_to IS DISTINCT FROM OLD.date_to
       OR NEW.staff_as_initials IS DISTINCT FROM OLD.staff_as_initials
       OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'A subject access request is released once, and then never changes'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$body$;

CREATE FUNCTION haven_purge_only_when_confirmed() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    confirmed boolean;
    held boolean;
BEGIN
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

CREATE TRIGGER haven_purge_only_when_confirmed BEFORE INSERT ON retention_purge
    FOR EACH ROW EXECUTE FUNCTION haven_purge_only_when_confirmed();
CREATE TRIGGER haven_append_only BEFORE UPDATE OR DELETE ON retention_purge
    FOR EACH ROW EXECUTE FUNCTION haven_refuse_change();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON retention_purge
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_retention"),
        ("concerns", "0004_submission_window"),
        ("alerts", "0005_digest"),
        ("records", "0002_release_once"),
        ("access", "0005_policy_version_in_own_schema"),
    ]

    # No way back: the earlier functions would have to be restated whole, and a schema
    # that has purged needs these to stay consistent with what it holds.
    operations = [migrations.RunSQL(FORWARD)]
