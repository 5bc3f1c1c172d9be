from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "safeguarding.concerns"
    label = "concerns"
    verbose_name = "Concerns"
