"""`haven up`: everything Haven needs, in one foreground command.

Starts embedded PostgreSQL and Redis when no URLs are configured, migrates, seeds the demo
on first start, then runs gunicorn, a Celery worker and Celery beat until Ctrl-C, and stops
them all (web first, services last) so nothing is left running.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

from haven.config import Config
from haven.embedded import embedded_services, port_is_free, wait_for_port

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
    port = options.port or config.port
    if not port_is_free(config.bind_host, port):
        print(
            f"haven: port {port} on {config.bind_host} is already in use (is Haven already "
            "running?). Stop that program, or choose another port with --port or HAVEN_PORT.",
            file=sys.stderr,
        )
        return 1
    stop_requested = threading.Event()

    def request_stop(signum, frame) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    with ExitStack() as stack:
        print("haven: starting" + (" embedded services" if _embedded(config) else ""), flush=True)
        env = stack.enter_context(embedded_services(config, redis_too=True))
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
        logins = _prepare(config)
        if stop_requested.is_set():
            return 0

        children = _start_children(config, port)
        stack.callback(_stop_children, children)
        if not wait_for_port(config.bind_host, port, timeout=60):
            print(f"haven: the web server did not start on port {port}.", file=sys.stderr)
            return 1
        _print_banner(config, port, logins)
        return _supervise(children, stop_requested)
    return 0


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
                preexec_fn=_die_with_parent,
            ),
        )
        for name, command in commands.items()
    ]


def _die_with_parent() -> None:
    """Ask Linux to stop the child if `haven up` itself is killed without cleaning up."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


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


def _print_banner(config: Config, port: int, logins) -> None:
    from tenants.selectors import list_schools

    suffix = "" if port == 80 else f":{port}"
    lines = ["", "Haven is running. Press Ctrl-C to stop.", ""]
    lines.append(f"  Platform  http://{config.base_domain}{suffix}/")
    for school in list_schools()[:20]:
        lines.append(f"  {school.name:<40} http://{school.slug}.{config.base_domain}{suffix}/")
    if logins:
        lines += ["", "Demo logins (kept in var/demo-logins.json):"]
        for login in logins:
            lines.append(f"  {login.where:<40} {login.email}  {login.password}")
    if not config.email_host:
        lines += ["", f"Emails are written to {config.var_dir / 'mail'}/ (no mail server set)."]
    print("\n".join(lines) + "\n", flush=True)
