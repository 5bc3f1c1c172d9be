"""`haven up`: everything Haven needs, in one foreground command.

Starts embedded PostgreSQL and Redis when no URLs are configured, migrates, seeds the demo
on first start, then runs gunicorn, a Celery worker and Celery beat until Ctrl-C, and stops
them all (web first, services last) so nothing is left running.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

from django.core.management.base import SystemCheckError

from haven.config import Config
from haven.embedded import die_with_parent, embedded_services, port_is_free, wait_for_port

STOP_TIMEOUT = 20


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_or_kill(self, deadline: float) -> None:
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"haven: {self.name} did not stop in time; killing it.", file=sys.stderr)
        # Kill whatever is left of its process group (gunicorn and Celery pool workers).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def up(config: Config, argv: list[str]) -> int:
    options = _parse(argv)
    if options.port:
        # Settings, links and the banner all read the port from the environment.
        os.environ["HAVEN_PORT"] = str(options.port)
        config = Config.from_environ()
    port = config.port
    lock = _lock_var_dir(config)
    if lock is None:
        print(
            f"haven: Haven is already running from {config.var_dir}. Stop it first, or give "
            "this one its own HAVEN_VAR_DIR.",
            file=sys.stderr,
        )
        return 1
    if not port_is_free(config.bind_host, port):
        lock.close()
        print(
            f"haven: port {port} on {config.bind_host} is already in use. Stop the program "
            "using it, or choose another port with --port or HAVEN_PORT.",
            file=sys.stderr,
        )
        return 1
    stop_requested = threading.Event()

    def request_stop(signum, frame) -> None:
        stop_requested.set()

    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, request_stop)

    with lock, ExitStack() as stack:
        print("haven: starting" + (" embedded services" if _embedded(config) else ""), flush=True)
        env = stack.enter_context(embedded_services(config, redis_too=True, owner=True))
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
        try:
            logins = _prepare(config)
        except SystemCheckError as problems:
            print(f"haven: not starting.\n{problems}", file=sys.stderr)
            return 1
        if stop_requested.is_set():
            return 0

        children = _start_children(config, port)
        stack.callback(_stop_children, children)
        if not _wait_until_serving(config, port, children, stop_requested):
            return 0 if stop_requested.is_set() else 1
        _print_banner(config, logins)
        return _supervise(children, stop_requested)
    return 0


def _lock_var_dir(config: Config):
    """An exclusive lock on the var directory for as long as this `haven up` runs, or None
    when another holds it. The kernel drops it if the process dies, however it dies."""
    config.var_dir.mkdir(parents=True, exist_ok=True)
    handle = open(config.var_dir / "haven.lock", "w")  # noqa: SIM115  (held until exit)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="haven up", description="Run Haven in the foreground.")
    parser.add_argument("--port", type=int, help="web port (default: HAVEN_PORT or 8000)")
    return parser.parse_args(argv)


def _embedded(config: Config) -> bool:
    return config.embedded_postgres or config.embedded_redis


def _prepare(config: Config):
    """Migrate, collect static files and seed the demo, in this process, before serving."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from haven.demo import ensure_demo
    from tenants.schemas import migrate_all_schemas

    call_command("check")  # configuration that would fail people later fails now
    print("haven: migrating the database", flush=True)
    migrate_all_schemas(verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    logins = ensure_demo(config) if config.demo else []
    connections.close_all()
    return logins


def _start_children(config: Config, port: int) -> list[Child]:
    python = sys.executable
    level = config.log_level.lower()
    commands = {
        "web": [
            python, "-m", "gunicorn", "haven.wsgi:application",
            "--bind", f"{config.bind_host}:{port}",
            "--workers", str(config.web_workers),
            "--log-level", level,
            "--graceful-timeout", "10",
            # Its default control socket lives in $HOME, shared by every gunicorn on the machine.
            "--no-control-socket",
        ],
        "worker": [
            python, "-m", "celery", "-A", "haven", "worker",
            "--loglevel", level,
            "--concurrency", str(config.worker_concurrency),
            "--without-gossip", "--without-mingle",
        ],
        "beat": [
            python, "-m", "celery", "-A", "haven", "beat",
            "--loglevel", level,
            "--schedule", str(config.var_dir / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    return [
        Child(
            name,
            subprocess.Popen(
                command,
                env=os.environ.copy(),
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            ),
        )
        for name, command in commands.items()
    ]


def _wait_until_serving(
    config: Config, port: int, children: list[Child], stop_requested: threading.Event
) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stop_requested.is_set():
        if wait_for_port(config.bind_host, port, timeout=0.5):
            return True
        for child in children:
            if child.process.poll() is not None:
                print(f"haven: the {child.name} process exited while starting.", file=sys.stderr)
                return False
    if not stop_requested.is_set():
        print(f"haven: the web server did not start on port {port}.", file=sys.stderr)
    return False


def _supervise(children: list[Child], stop_requested: threading.Event) -> int:
    while not stop_requested.wait(0.5):
        for child in children:
            code = child.process.poll()
            if code is not None:
                print(
                    f"haven: the {child.name} process exited ({code}); stopping.", file=sys.stderr
                )
                return 1
    print("\nhaven: stopping", flush=True)
    return 0


def _stop_children(children: list[Child]) -> None:
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        child.wait_or_kill(deadline)


def _print_banner(config: Config, logins) -> None:
    from django.db import connections

    from tenants.selectors import list_schools

    lines = ["", "Haven is running. Press Ctrl-C to stop.", ""]
    lines.append(f"  {'Platform':<40} {config.platform_url}")
    for school in list_schools()[:20]:
        lines.append(f"  {school.name:<40} {config.school_url(school.slug)}")
    connections.close_all()
    if logins:
        lines += ["", "Demo logins (kept in var/demo-logins.json):"]
        for login in logins:
            lines.append(f"  {login.where:<40} {login.email}  {login.password}")
    if not config.email_host:
        lines += ["", f"Emails are written to {config.var_dir / 'mail'}/ (no mail server set)."]
    print("\n".join(lines) + "\n", flush=True)
