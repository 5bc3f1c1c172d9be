from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "safeguarding.imports"
    label = "imports"
    verbose_name = "MIS imports"
