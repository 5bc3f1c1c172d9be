"""Celery beat's scheduler: tenant-schemas-celery's, except that an entry with
`"tenant_schemas": ["public"]` runs once, in the public schema.

The stock scheduler sends an entry only to schemas that have a School row, and the public
schema has none, so such an entry would never run. The insights' refresh queue is one such
job: it reads one public table for every school at once, where an entry sent to every
school would be thousands of tasks a minute.
"""

from __future__ import annotations

import logging

from celery.beat import ScheduleEntry
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

logger = logging.getLogger(__name__)


class Scheduler(TenantAwarePersistentScheduler):
    @classmethod
    def get_queryset(cls):
        """Schools with a schema: a school removed after offboarding gets no beat job."""
        from tenants.selectors import schools_with_schemas

        return schools_with_schemas()

    def apply_entry(self, entry: ScheduleEntry, producer: object = None) -> None:
        headers = entry.options.get("headers") or {}
        public = get_public_schema_name()
        if headers.get("_all_tenants_only") or headers.get("_schema_name") != public:
            super().apply_entry(entry, producer=producer)
            return
        logger.info("Sending due task %s (%s) to the public schema", entry.name, entry.task)
        with schema_context(public):
            try:
                self.apply_async(entry, producer=producer, advance=False)
            except Exception:  # as the stock scheduler does: beat carries on, logged
                logger.exception("Sending %s to the public schema failed", entry.task)
