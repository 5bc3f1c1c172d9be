"""What operators did is kept as written: no UPDATE, DELETE or TRUNCATE of
console_operatoraction, whatever the application asks."""

from django.db import migrations

SQL = """
CREATE FUNCTION console_keep_operator_actions() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION 'Haven keeps what operators did: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$body$;

CREATE TRIGGER console_keep_operator_actions BEFORE UPDATE OR DELETE
    ON console_operatoraction
    FOR EACH ROW EXECUTE FUNCTION console_keep_operator_actions();
CREATE TRIGGER console_no_truncate BEFORE TRUNCATE ON console_operatoraction
    FOR EACH STATEMENT EXECUTE FUNCTION console_keep_operator_actions();
"""

REVERSE = """
DROP TRIGGER console_no_truncate ON console_operatoraction;
DROP TRIGGER console_keep_operator_actions ON console_operatoraction;
DROP FUNCTION console_keep_operator_actions();
"""


class Migration(migrations.Migration):
    dependencies = [("console", "0001_operator_records")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
