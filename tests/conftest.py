"""Test setup: a real PostgreSQL and Redis, and two schools cloned once per session.

DATABASE_URL and REDIS_URL are used when set; otherwise embedded PostgreSQL and Redis are
started under var/test and stopped at the end of the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_services = ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("HAVEN_VAR_DIR", str(ROOT / "var" / "test"))
    os.environ.setdefault("HAVEN_BASE_DOMAIN", "localhost")
    os.environ.setdefault("HAVEN_DEMO", "false")
    os.environ.setdefault("HAVEN_PORT", "8000")  # the addresses tests expect in links
    os.environ.setdefault("HAVEN_EMAIL_TO_FILES", "true")
    # WhiteNoise expects collected static files; the tests serve none.
    (Path(os.environ["HAVEN_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        from haven.config import Config
        from haven.embedded import embedded_services

        env = _services.enter_context(embedded_services(Config.from_environ(), redis_too=True))
        os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    # Load the settings now, with the database known, so pytest-django sets Django up.
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018


def pytest_unconfigure(config: pytest.Config) -> None:
    from django.db import connections

    connections.close_all()
    _services.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[None]:
    """After pytest-django has migrated the public schema: the template schema, a trust
    and two schools, committed once and shared by every test."""
    from django.db import connection

    from tenants.schemas import migrate_template_schema
    from tenants.services import create_trust, onboard_school

    with django_db_blocker.unblock():
        # pytest-django creates the test database only when a collected test uses the
        # database; anything else here would write into a real one.
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to set up schools in database {name!r}"
        migrate_template_schema()
        create_trust(slug="demo", name="Demo Academy Trust")
        for slug, name, template in [
            ("abbey", "Abbey Community College", "secondary"),
            ("westleigh", "Westleigh Methodist Primary School", "primary"),
        ]:
            onboard_school(
                slug=slug, name=name, admin_email=f"dsl@{slug}.example", trust="demo",
                template=template,
            )  # fmt: skip
    yield


@pytest.fixture(autouse=True)
def _start_in_public_schema() -> Iterator[None]:
    """Requests and schema_context leave the connection wherever they were; every test
    starts from the platform's public schema."""
    from django.db import connection

    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on loopback, with the test bucket, for the whole run."""
    from moto.server import ThreadedMotoServer

    from haven.embedded import free_port
    from tests.s3 import BUCKET, client

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client(endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    yield endpoint
    server.stop()


@pytest.fixture
def abbey(db):
    from tenants.models import School

    return School.objects.get(slug="abbey")


@pytest.fixture
def westleigh(db):
    from tenants.models import School

    return School.objects.get(slug="westleigh")
