"""What an import changed is kept as written: no UPDATE or TRUNCATE of imports_recordchange.
(DELETE stays possible only for the retention rule's purge of a pupil, through its cascade.)"""

from django.db import migrations

SQL = """
CREATE FUNCTION imports_keep_changes() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'Haven keeps what imports changed: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$body$;

CREATE TRIGGER imports_keep_changes BEFORE UPDATE ON imports_recordchange
    FOR EACH ROW EXECUTE FUNCTION imports_keep_changes();
CREATE TRIGGER imports_changes_no_truncate BEFORE TRUNCATE ON imports_recordchange
    FOR EACH STATEMENT EXECUTE FUNCTION imports_keep_changes();
"""

REVERSE = """
DROP TRIGGER imports_changes_no_truncate ON imports_recordchange;
DROP TRIGGER imports_keep_changes ON imports_recordchange;
DROP FUNCTION imports_keep_changes();
"""


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_import_runs")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
