"""What the real-browser tests share: a school committed to the test database, gunicorn
serving it over real HTTP, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.management import call_command
from playwright.sync_api import Browser, sync_playwright

from haven.embedded import free_port, wait_for_port
from tenants.models import School
from tenants.schemas import drop_schema
from tenants.services import onboard_school
from tests.databases import url_of_test_database


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise RuntimeError("Chromium is not installed: run `make test`, which installs it.")


@contextmanager
def committed_school(
    django_db_blocker, *, slug: str, name: str, fill: Callable[[School], object]
) -> Iterator[tuple[School, object]]:
    """A school committed to the test database, so a separate server process can see it;
    `fill` runs inside its schema and what it returns comes back with the school."""
    with django_db_blocker.unblock():
        made = onboard_school(
            slug=slug, name=name, admin_email=f"admin@{slug}.example", template="secondary"
        ).school
        with made:
            filled = fill(made)
        call_command("collectstatic", interactive=False, verbosity=0)
        try:
            yield made, filled
        finally:
            # Schemas drop whole; the append-only triggers guard rows, not the schema.
            drop_schema(made.schema_name)
            School.objects.filter(pk=made.pk).delete()


@contextmanager
def served(slug: str) -> Iterator[str]:
    """gunicorn on a free port, serving the test database; yields the school's address."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url_of_test_database(), "HAVEN_PORT": str(port)}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "haven.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket",
            "--log-level", "warning",
        ],
        env=env,
    )  # fmt: skip
    try:
        assert wait_for_port("127.0.0.1", port, timeout=30), "gunicorn did not start"
        yield f"http://{slug}.localhost:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def chromium_browser() -> Iterator[Browser]:
    """Opened inside the test: Playwright runs an event loop on this thread while it is open,
    and Django refuses database work on a thread with a running loop."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium(),
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--host-resolver-rules=MAP *.localhost 127.0.0.1",
            ],
        )  # fmt: skip
        try:
            yield launched
        finally:
            launched.close()
