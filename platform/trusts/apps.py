from django.apps import AppConfig


class TrustsConfig(AppConfig):
    name = "trusts"
    verbose_name = "Trust leads"

    def ready(self) -> None:
        from trusts import signals

        signals.connect()
