from django.apps import AppConfig


class HavenConfig(AppConfig):
    name = "haven"
    verbose_name = "Haven"

    def ready(self) -> None:
        from haven import checks  # noqa: F401  (registers the system checks)
