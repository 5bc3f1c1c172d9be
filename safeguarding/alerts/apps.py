from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "safeguarding.alerts"
    label = "alerts"
    verbose_name = "Alerts"
