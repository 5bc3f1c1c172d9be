"""What the benchmarks share: a throwaway database on the configured or embedded server."""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    """Point DATABASE_URL at a new database for this run (on DATABASE_URL's server, or on
    embedded PostgreSQL under var/bench) and drop it afterwards. Yields where it runs."""
    sys.path.insert(0, str(ROOT / "platform"))
    with ExitStack() as stack:
        server_url, where = _server_url(stack)
        database = f"{name}_{os.getpid()}"
        _admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        stack.callback(
            _admin,
            server_url,
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)),
        )
        os.environ["DATABASE_URL"] = with_database(server_url, database)
        if not os.environ.get("REDIS_URL"):
            from haven.embedded import start_redis

            redis_server = start_redis(ROOT / "var" / "bench" / "redis")
            stack.callback(redis_server.stop)
            os.environ["REDIS_URL"] = redis_server.url
        os.environ.setdefault("HAVEN_VAR_DIR", str(ROOT / "var" / "bench"))
        os.environ.setdefault("HAVEN_EMAIL_TO_FILES", "true")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
        stack.callback(_close_connections)
        yield where


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _server_url(stack: ExitStack) -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, "DATABASE_URL"
    from haven.embedded import start_postgres

    postgres = start_postgres(ROOT / "var" / "bench" / "pgdata", database="postgres")
    stack.callback(postgres.stop)
    return postgres.url("postgres"), "embedded"


def _admin(url: str, statement: sql.Composable) -> None:
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()
