from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "safeguarding.transfers"
    label = "transfers"
    verbose_name = "Record transfers"
