"""Addresses of the PostgreSQL server the tests run on, for processes started by a test."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings


def server_url(database: str) -> str:
    """A DATABASE_URL for `database` on the test server (a unix socket or a TCP host)."""
    server = settings.DATABASES["default"]
    host = server["HOST"]
    if host.startswith("/"):
        host = quote(host, safe="")
    return f"postgresql://{server['USER']}@{host}:{server['PORT'] or 5432}/{database}"


def url_of_test_database() -> str:
    return server_url(settings.DATABASES["default"]["NAME"])
