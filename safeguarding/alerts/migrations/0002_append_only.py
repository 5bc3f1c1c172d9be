"""Notifications are kept as written: no DELETE or TRUNCATE, and an UPDATE may only set
read_at (the acknowledgement, once) and emailed_at (delivery, once)."""

from django.db import migrations

SQL = """
CREATE FUNCTION haven_protect_notification() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
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

CREATE TRIGGER haven_protect_notification BEFORE UPDATE OR DELETE ON alerts_notification
    FOR EACH ROW EXECUTE FUNCTION haven_protect_notification();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON alerts_notification
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();
"""

REVERSE = """
DROP TRIGGER haven_no_truncate ON alerts_notification;
DROP TRIGGER haven_protect_notification ON alerts_notification;
DROP FUNCTION haven_protect_notification();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("concerns", "0002_immutability"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
