from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "safeguarding.access"
    label = "access"
    verbose_name = "Access"
