"""The Django project: settings, URL confs for the platform and school hosts, the Celery
app, and the `haven` command that runs it all."""

from haven.celery import app as celery_app

__all__ = ["celery_app"]
