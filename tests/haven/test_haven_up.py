"""`haven up` on a bare machine: embedded services, real HTTP, Ctrl-C stops everything,
and a second start finds the data the first one left."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from haven.embedded import free_port
from tests.databases import server_url
from tests.http import Browser, csrf_token

HAVEN = Path(sys.executable).parent / "haven"
START_TIMEOUT = 180


class Running:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if any("Haven is running" in line for line in self.output):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail("haven up did not start:\n" + "".join(self.output[-60:]))

    def descendants(self) -> set[int]:
        """Every process started under `haven up`, found through /proc."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found: set[int] = set()
        frontier = {self.process.pid}
        while frontier:
            frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
            found |= frontier
        return found


def _processes_mentioning(text: str) -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Whatever the test session decided; haven up runs with a bare machine's defaults.
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith("HAVEN_")
    }
    env.update(
        HAVEN_VAR_DIR=str(tmp_path / "var"),
        HAVEN_PORT=str(free_port()),
        HAVEN_WEB_WORKERS="1",
        HAVEN_WORKER_CONCURRENCY="1",
        HAVEN_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def haven_up(environment: dict[str, str], tmp_path: Path, *args: str) -> Iterator[Running]:
    process = subprocess.Popen(
        [HAVEN, "up", *args], env=environment, cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    running = Running(process)
    try:
        running.wait_until_serving()
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                raise


def _sign_in(browser: Browser, email: str, password: str) -> int:
    status, _, page = browser.get("/accounts/login/")
    assert status == 200
    status, _, _ = browser.post_form(
        "/accounts/login/",
        {"csrfmiddlewaretoken": csrf_token(page), "username": email, "password": password},
    )
    return status


def test_haven_up_serves_schools_on_localhost_subdomains_and_stops_cleanly(environment, tmp_path):
    port = int(environment.pop("HAVEN_PORT"))
    with haven_up(environment, tmp_path, "--port", str(port)) as running:
        abbey = Browser(port, "abbey.localhost")
        status, headers, _ = abbey.get("/")
        assert (status, headers["Location"]) == (302, "/accounts/login/?next=/")
        status, _, page = abbey.get("/accounts/login/")
        assert status == 200
        assert "Sign in to Abbey Community College" in page

        status, _, page = Browser(port, "localhost").get("/accounts/login/")
        assert (status, "Sign in to the Haven platform" in page) == (200, True)
        assert Browser(port, "nope.localhost").get("/")[0] == 404
        assert Browser(port, "abbey.localhost").get("/static/haven/haven.css")[0] == 200

        logins = json.loads((tmp_path / "var" / "demo-logins.json").read_text())
        dsl = next(login for login in logins if login["email"] == "dsl@abbey.example")
        assert dsl["url"] == f"http://abbey.localhost:{port}/"
        assert f"dsl@abbey.example  {dsl['password']}" in "".join(running.output)
        assert _sign_in(abbey, dsl["email"], dsl["password"]) == 302
        status, _, home = abbey.get("/")
        assert (status, "dsl@abbey.example" in home) == (200, True)

        second = subprocess.run(
            [HAVEN, "up", "--port", str(free_port())], env=environment, cwd=tmp_path,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 1
        assert "Haven is already running from" in second.stderr

        children = running.descendants() | _processes_mentioning(str(tmp_path))
        commands = " ".join(_command_line(pid) for pid in children)
        for started in ("gunicorn", "celery -A haven worker", "celery -A haven beat"):
            assert started in commands
        assert "redis-server" in commands and "postgres" in commands
        running.process.send_signal(signal.SIGINT)
        assert running.process.wait(timeout=60) == 0

    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []
    assert _processes_mentioning(str(tmp_path)) == set()

    # A second start reuses the data: same logins, and the session made above still holds.
    with haven_up(environment, tmp_path, "--port", str(port)) as running:
        assert "migrating" in "".join(running.output)
        assert json.loads((tmp_path / "var" / "demo-logins.json").read_text()) == logins
        status, _, home = abbey.get("/")
        assert (status, "dsl@abbey.example" in home) == (200, True)


def test_haven_up_refuses_a_port_that_is_in_use_before_starting_anything(environment, tmp_path):
    port = int(environment["HAVEN_PORT"])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = subprocess.run(
            [HAVEN, "up"], env=environment, cwd=tmp_path, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert not (tmp_path / "var" / "pgdata").exists()


def test_haven_up_uses_configured_services_and_starts_none(environment, tmp_path):
    """Pointed at a real PostgreSQL and Redis, nothing embedded is started or created."""
    database = f"haven_up_{os.getpid()}"
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        environment.update(
            DATABASE_URL=server_url(database),
            REDIS_URL=settings.CONFIG.redis_url,
            HAVEN_DEMO="true",
            HAVEN_EMAIL_TO_FILES="true",
        )
        with haven_up(environment, tmp_path) as running:
            page = Browser(int(environment["HAVEN_PORT"]), "westleigh.localhost").get(
                "/accounts/login/"
            )[2]
            assert "Sign in to Westleigh Methodist Primary School" in page
            assert "starting embedded services" not in "".join(running.output)
            assert not (tmp_path / "var" / "pgdata").exists()
            assert not (tmp_path / "var" / "redis").exists()
    finally:
        with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_haven_up_will_not_run_a_deployment_whose_emails_would_go_nowhere(environment, tmp_path):
    environment.update(
        # A database that does not exist: the check must stop Haven before any connection.
        DATABASE_URL=server_url("haven_never_created"),
        REDIS_URL=settings.CONFIG.redis_url,
        HAVEN_EMAIL_TO_FILES="false",
    )
    result = subprocess.run(
        [HAVEN, "up"], env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "haven.E001" in result.stderr
    assert "Set EMAIL_HOST" in result.stderr
