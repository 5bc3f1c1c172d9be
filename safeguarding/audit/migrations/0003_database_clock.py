"""An entry's time is the database's clock at the moment it joins the chain, whatever the
caller sent: nobody can backdate an entry. Otherwise the function of 0002, unchanged."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION haven_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $body$
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
    NEW.occurred_at := now();  -- the database's clock, never the caller's
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
"""

REVERSE = r"""
CREATE OR REPLACE FUNCTION haven_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $body$
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
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_chain")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
