from django.apps import AppConfig


class HavenConfig(AppConfig):
    name = "haven"
    verbose_name = "Haven"
