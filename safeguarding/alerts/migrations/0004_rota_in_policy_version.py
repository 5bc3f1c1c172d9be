"""Alert rules, the duty rota and the alert settings advance the policy version too, so
what the alerts read about them is kept while it stands (access.policy.kept_for)."""

from django.db import migrations

WATCHED = [
    "alerts_alertrule",
    "alerts_alertrule_roles",
    "alerts_alertrule_staff",
    "alerts_alertsettings",
    "alerts_dutyslot",
    "alerts_dutycover",
    "alerts_closure",
]

FORWARD = "\n".join(
    f"CREATE TRIGGER haven_policy_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION haven_bump_policy_version();"
    for table in WATCHED
)
REVERSE = "\n".join(f"DROP TRIGGER haven_policy_version ON {table};" for table in WATCHED)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_rota_and_escalation"),
        ("access", "0005_policy_version_in_own_schema"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
