"""The Celery app. tenant-schemas-celery stamps every task with the schema it was sent from
and runs it there, so a task queued by one school can never run in another's schema."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

app = CeleryApp("haven")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
