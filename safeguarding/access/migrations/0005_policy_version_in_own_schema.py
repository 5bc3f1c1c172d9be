"""The policy version a trigger advances is the one in the changed table's own schema,
whatever the session's search path says."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION haven_bump_policy_version() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    EXECUTE format(
        'UPDATE %I.access_policyversion SET version = nextval(%L) WHERE id = 1',
        TG_TABLE_SCHEMA, quote_ident(TG_TABLE_SCHEMA) || '.haven_policy_version_seq');
    RETURN NULL;
END
$body$;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION haven_bump_policy_version() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE access_policyversion SET version = nextval('haven_policy_version_seq') WHERE id = 1;
    RETURN NULL;
END
$body$;
"""


class Migration(migrations.Migration):
    dependencies = [("access", "0004_policy_version_triggers")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
