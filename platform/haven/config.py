"""Haven's configuration, read once from environment variables into one typed object.

Settings, the `haven` command and the tests all read this object, so the question
"embedded services or real ones?" has one answer everywhere.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

EMBEDDED_DB_NAME = "haven"
LOCAL_INSTALL = "HAVEN_LOCAL_INSTALL"


class ConfigError(ValueError):
    """An environment variable holds a value Haven cannot use."""


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _proxy_count(environ: Mapping[str, str]) -> int:
    count = _int(environ, "HAVEN_PROXY_COUNT", 0)
    if not 0 <= count <= 5:
        raise ConfigError(f"HAVEN_PROXY_COUNT must be between 0 and 5, not {count}")
    return count


def _days(environ: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of whole days, such as `7,21`."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        days = tuple(sorted(int(part) for part in raw.split(",") if part.strip()))
    except ValueError:
        raise ConfigError(f"{name} must be whole days separated by commas, not {raw!r}") from None
    if any(day < 1 for day in days):
        raise ConfigError(f"{name} must list days of 1 or more, not {raw!r}")
    return days


def _str(environ: Mapping[str, str], name: str, default: str = "") -> str:
    return environ.get(name, "").strip() or default


def _list(environ: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in environ.get(name, "").split(",") if item.strip()]


@dataclass(frozen=True)
class Config:
    var_dir: Path
    base_domain: str
    debug: bool
    secret_key: str
    database_url: str
    redis_url: str
    embedded_postgres: bool
    embedded_redis: bool
    allowed_hosts: list[str]
    secure_cookies: bool
    bind_host: str
    port: int
    public_port: int
    web_workers: int
    worker_concurrency: int
    demo: bool
    email_to_files: bool
    log_level: str
    email_host: str
    email_port: int
    email_user: str
    email_password: str
    email_use_tls: bool
    from_email: str
    max_upload_mb: int
    s3_bucket: str
    s3_endpoint_url: str
    s3_region: str
    proxy_count: int
    offboard_grace_days: int
    dunning_reminder_days: tuple[int, ...]
    dunning_read_only_days: int
    supplier_name: str
    supplier_address: str
    supplier_vat_number: str

    @property
    def pgdata(self) -> Path:
        return _pgdata(self.var_dir)

    @property
    def redis_dir(self) -> Path:
        return _redis_dir(self.var_dir)

    @property
    def celery_broker_url(self) -> str:
        # kombu spells a Redis unix socket differently from redis-py.
        if self.redis_url.startswith("unix://"):
            return "redis+socket://" + self.redis_url.removeprefix("unix://")
        return self.redis_url

    def school_url(self, slug: str) -> str:
        """The address people use, which behind a proxy is not where gunicorn listens."""
        return f"{self.scheme}://{slug}.{self.base_domain}{self._port_suffix}/"

    @property
    def platform_url(self) -> str:
        return f"{self.scheme}://{self.base_domain}{self._port_suffix}/"

    @property
    def scheme(self) -> str:
        return "https" if self.secure_cookies else "http"

    @property
    def _port_suffix(self) -> str:
        default = 443 if self.secure_cookies else 80
        return "" if self.public_port == default else f":{self.public_port}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        var_dir = Path(_str(environ, "HAVEN_VAR_DIR", "var")).expanduser().resolve()
        base_domain = _str(environ, "HAVEN_BASE_DOMAIN", "localhost").lower().rstrip(".")
        if not base_domain or "/" in base_domain or ":" in base_domain:
            raise ConfigError(
                f"HAVEN_BASE_DOMAIN must be a bare host name such as haven.example, "
                f"not {base_domain!r}"
            )
        database_url = _str(environ, "DATABASE_URL")
        redis_url = _str(environ, "REDIS_URL")
        # `haven` fills DATABASE_URL with the embedded server's address for the processes it
        # runs, and says so here, so they keep the defaults of a local install.
        local_install = not database_url or _bool(environ, LOCAL_INSTALL, False)
        secure = _bool(environ, "HAVEN_SECURE_COOKIES", False)
        port = _int(environ, "HAVEN_PORT", 8000)
        return cls(
            var_dir=var_dir,
            base_domain=base_domain,
            debug=_bool(environ, "HAVEN_DEBUG", False),
            secret_key=_str(environ, "HAVEN_SECRET_KEY") or _local_secret_key(var_dir),
            database_url=database_url
            or f"postgresql://postgres@{quote(str(_pgdata(var_dir)), safe='')}/{EMBEDDED_DB_NAME}",
            redis_url=redis_url or f"unix://{_redis_dir(var_dir) / 'redis.sock'}",
            embedded_postgres=not database_url,
            embedded_redis=not redis_url,
            allowed_hosts=_list(environ, "HAVEN_ALLOWED_HOSTS") or [base_domain, f".{base_domain}"],
            secure_cookies=secure,
            bind_host=_str(environ, "HAVEN_BIND", "127.0.0.1"),
            port=port,
            public_port=_int(environ, "HAVEN_PUBLIC_PORT", 443 if secure else port),
            web_workers=_int(environ, "HAVEN_WEB_WORKERS", 2),
            worker_concurrency=_int(environ, "HAVEN_WORKER_CONCURRENCY", 2),
            # Demo schools are seeded only on a local install unless asked for explicitly.
            demo=_bool(environ, "HAVEN_DEMO", local_install),
            # Writing emails to var/mail suits a laptop; a deployment must name a mail server.
            email_to_files=_bool(environ, "HAVEN_EMAIL_TO_FILES", local_install),
            log_level=_str(environ, "HAVEN_LOG_LEVEL", "INFO").upper(),
            email_host=_str(environ, "EMAIL_HOST"),
            email_port=_int(environ, "EMAIL_PORT", 587),
            email_user=_str(environ, "EMAIL_HOST_USER"),
            email_password=_str(environ, "EMAIL_HOST_PASSWORD"),
            email_use_tls=_bool(environ, "EMAIL_USE_TLS", True),
            from_email=_str(environ, "HAVEN_FROM_EMAIL", f"Haven <no-reply@{base_domain}>"),
            max_upload_mb=_int(environ, "HAVEN_MAX_UPLOAD_MB", 20),
            s3_bucket=_str(environ, "HAVEN_S3_BUCKET"),
            s3_endpoint_url=_str(environ, "HAVEN_S3_ENDPOINT_URL"),
            s3_region=_str(environ, "HAVEN_S3_REGION", "eu-west-2"),
            proxy_count=_proxy_count(environ),
            offboard_grace_days=_int(environ, "HAVEN_OFFBOARD_GRACE_DAYS", 30),
            dunning_reminder_days=_days(environ, "HAVEN_DUNNING_REMINDER_DAYS", (7, 21)),
            dunning_read_only_days=_int(environ, "HAVEN_DUNNING_READ_ONLY_DAYS", 45),
            supplier_name=_str(environ, "HAVEN_SUPPLIER_NAME", "Haven Safeguarding Ltd"),
            supplier_address=_str(
                environ, "HAVEN_SUPPLIER_ADDRESS", "1 Example Street, London, EC1A 1AA"
            ),
            supplier_vat_number=_str(environ, "HAVEN_SUPPLIER_VAT_NUMBER", "GB 000 0000 00"),
        )


def _pgdata(var_dir: Path) -> Path:
    return var_dir / "pgdata"


def _redis_dir(var_dir: Path) -> Path:
    return var_dir / "redis"


def _local_secret_key(var_dir: Path) -> str:
    """A key kept under var/ so that a local install needs no setup and keeps its sessions
    across restarts; deployments set HAVEN_SECRET_KEY instead."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Written exclusively so that two processes starting together agree on one key.
    try:
        with open(path, "x") as handle:
            handle.write(key)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return key
