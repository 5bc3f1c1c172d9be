from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "safeguarding.records"
    label = "records"
    verbose_name = "Records and exports"
