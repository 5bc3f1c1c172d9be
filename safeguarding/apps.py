from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    """Holds the templates shared by the school's apps."""

    name = "safeguarding"
    verbose_name = "Safeguarding"
