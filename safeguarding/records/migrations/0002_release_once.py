"""Subject access requests are kept as recorded: no DELETE or TRUNCATE, and the only UPDATE
is the release, once: a draft becomes released, with who released it, when and the file,
and nothing else about the request changes, then or ever after."""

from django.db import migrations

SQL = """
CREATE FUNCTION haven_protect_subject_access_request() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
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

CREATE TRIGGER haven_protect_subject_access_request
    BEFORE UPDATE OR DELETE ON records_subjectaccessrequest
    FOR EACH ROW EXECUTE FUNCTION haven_protect_subject_access_request();
CREATE TRIGGER haven_no_truncate BEFORE TRUNCATE ON records_subjectaccessrequest
    FOR EACH STATEMENT EXECUTE FUNCTION haven_refuse_change();
"""

REVERSE = """
DROP TRIGGER haven_no_truncate ON records_subjectaccessrequest;
DROP TRIGGER haven_protect_subject_access_request ON records_subjectaccessrequest;
DROP FUNCTION haven_protect_subject_access_request();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_subject_access_requests"),
        ("concerns", "0002_immutability"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
