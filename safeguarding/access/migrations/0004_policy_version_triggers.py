"""The policy version advances, in the same transaction, with every change to categories,
roles or category levels: however the change is made, cached answers cannot outlive it.

Versions come from a sequence, which never hands out a number twice even when the
transaction that took it rolls back; so a version seen once always means the same data."""

from django.db import migrations

WATCHED = ["concerns_category", "access_categorypermission", "access_role"]

FORWARD = """
INSERT INTO access_policyversion (id, version) VALUES (1, 0);
CREATE SEQUENCE haven_policy_version_seq;

CREATE FUNCTION haven_bump_policy_version() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE access_policyversion SET version = nextval('haven_policy_version_seq') WHERE id = 1;
    RETURN NULL;
END
$body$;
""" + "\n".join(
    f"CREATE TRIGGER haven_policy_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION haven_bump_policy_version();"
    for table in WATCHED
)

REVERSE = "\n".join(
    [*(f"DROP TRIGGER haven_policy_version ON {table};" for table in WATCHED),
     "DROP FUNCTION haven_bump_policy_version();",
     "DROP SEQUENCE haven_policy_version_seq;",
     "DELETE FROM access_policyversion;"]
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_policy_version"),
        ("concerns", "0002_immutability"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
