"""The audit log is append-only and hash-chained, in the database itself.

- UPDATE, DELETE and TRUNCATE are refused, even from raw SQL by the application.
- Before each INSERT, under a lock of this school's own, the row is numbered one past the last
  (`seq`), linked to the last row's hash (`prev_hash`, 64 zeros for the first) and sealed with
  the SHA-256 of its canonical text (`hash`). Whatever the caller sent for those is replaced.
  `seq` is taken here, not from the id sequence: ids are handed out before transactions
  commit, so they do not follow the order in which rows join the chain.

The canonical text (version 1), which safeguarding/audit/verify.py recomputes independently:
"v1", then each field below as ";" followed by "~" for NULL or "<length>:<text>" (length in
characters), so no value can imitate a separator. Fields, in order: seq, prev_hash,
occurred_at in UTC as 2026-11-23T09:30:00.123456Z, actor_id, actor_label, action,
object_type, object_id, pupil_id, ip (PostgreSQL's own text for it, e.g. 192.0.2.1),
user_agent, request_id, detail.

The functions live in each school's schema and name the trigger's own table
(TG_TABLE_SCHEMA, TG_RELID), never the session's search path, so schools cloned from the
template (tenants.cloning copies functions and triggers) chain their own rows.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION haven_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$body$;

CREATE FUNCTION haven_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    last_seq bigint;
    last_hash text;
    canonical text := 'v1';
    field text;
BEGIN
    -- One writer at a time for this school's log (keyed by this table, so schools never
    -- wait for each other), held until the transaction ends: the next writer then reads
    -- this row as the last one.
    PERFORM pg_advisory_xact_lock(1096107092, TG_RELID::integer);
    EXECUTE format('SELECT seq, hash FROM %I.%I ORDER BY seq DESC LIMIT 1',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO last_seq, last_hash;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.occurred_at := coalesce(NEW.occurred_at, now());
    NEW.detail := coalesce(NEW.detail, '{}');
    FOREACH field IN ARRAY ARRAY[
        NEW.seq::text,
        NEW.prev_hash,
        to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        NEW.actor_id::text,
        NEW.actor_label,
        NEW.action,
        NEW.object_type,
        NEW.object_id::text,
        NEW.pupil_id::text,
        -- format() prints an address as PostgreSQL shows it (no /32); ::text would not.
        CASE WHEN NEW.ip IS NULL THEN NULL ELSE format('%s', NEW.ip) END,
        NEW.user_agent,
        NEW.request_id,
        NEW.detail
    ] LOOP
        canonical := canonical || ';'
            || CASE WHEN field IS NULL THEN '~' ELSE char_length(field)::text || ':' || field END;
    END LOOP;
    NEW.hash := encode(sha256(convert_to(canonical, 'UTF8')), 'hex');
    RETURN NEW;
END
$body$;

CREATE TRIGGER haven_audit_chain BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION haven_audit_chain();
CREATE TRIGGER haven_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION haven_audit_refuse_change();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION haven_audit_refuse_change();
"""

REVERSE = """
DROP TRIGGER haven_no_truncate ON audit_auditevent;
DROP TRIGGER haven_append_only ON audit_auditevent;
DROP TRIGGER haven_audit_chain ON audit_auditevent;
DROP FUNCTION haven_audit_chain();
DROP FUNCTION haven_audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
