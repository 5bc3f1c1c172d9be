from __future__ import annotations

import stat
from urllib.parse import quote

import pytest

from haven.config import Config, ConfigError


def _config(tmp_path, **environ: str) -> Config:
    return Config.from_environ({"HAVEN_VAR_DIR": str(tmp_path), **environ})


def test_without_urls_both_services_are_embedded_under_the_var_directory(tmp_path):
    config = _config(tmp_path)
    assert config.embedded_postgres and config.embedded_redis
    socket_dir = quote(str(tmp_path / "pgdata"), safe="")
    assert config.database_url == f"postgresql://postgres@{socket_dir}/haven"
    assert config.redis_url == f"unix://{tmp_path}/redis/redis.sock"
    assert config.celery_broker_url == f"redis+socket://{tmp_path}/redis/redis.sock"


def test_configured_urls_are_used_and_nothing_is_embedded(tmp_path):
    config = _config(
        tmp_path, DATABASE_URL="postgresql://db.internal/haven", REDIS_URL="redis://cache:6379/0"
    )
    assert not config.embedded_postgres and not config.embedded_redis
    assert config.database_url == "postgresql://db.internal/haven"
    assert config.celery_broker_url == "redis://cache:6379/0"


def test_demo_data_is_on_only_for_a_local_install_unless_asked_for(tmp_path):
    assert _config(tmp_path).demo is True
    assert _config(tmp_path, DATABASE_URL="postgresql://db/haven").demo is False
    assert _config(tmp_path, DATABASE_URL="postgresql://db/haven", HAVEN_DEMO="yes").demo is True


def test_schools_are_served_on_subdomains_of_the_base_domain(tmp_path):
    config = _config(tmp_path, HAVEN_BASE_DOMAIN="Haven.Example.", HAVEN_PORT="8000")
    assert config.allowed_hosts == ["haven.example", ".haven.example"]
    assert config.school_url("abbey") == "http://abbey.haven.example:8000/"
    assert config.platform_url == "http://haven.example:8000/"


def test_secure_deployments_link_with_https_and_no_port(tmp_path):
    config = _config(tmp_path, HAVEN_SECURE_COOKIES="true", HAVEN_PORT="443")
    assert config.school_url("abbey") == "https://abbey.localhost/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HAVEN_DEBUG", "maybe"),
        ("HAVEN_PORT", "eighty"),
        ("HAVEN_BASE_DOMAIN", "http://x.org"),
        ("HAVEN_PROXY_COUNT", "-1"),
        ("HAVEN_PROXY_COUNT", "40"),
    ],
)
def test_unusable_values_are_refused_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        _config(tmp_path, **{name: value})


def test_a_local_secret_key_is_made_once_and_kept_private(tmp_path):
    first = _config(tmp_path).secret_key
    assert _config(tmp_path).secret_key == first
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert _config(tmp_path, HAVEN_SECRET_KEY="from-env").secret_key == "from-env"


def test_links_use_the_public_port_not_the_one_gunicorn_listens_on(tmp_path):
    behind_proxy = _config(tmp_path, HAVEN_SECURE_COOKIES="true", HAVEN_PORT="8000")
    assert behind_proxy.school_url("abbey") == "https://abbey.localhost/"
    odd_port = _config(tmp_path, HAVEN_SECURE_COOKIES="true", HAVEN_PUBLIC_PORT="8443")
    assert odd_port.platform_url == "https://localhost:8443/"
    local = _config(tmp_path, HAVEN_PORT="9000")
    assert local.school_url("abbey") == "http://abbey.localhost:9000/"


def test_emails_go_to_files_only_on_a_local_install_unless_asked(tmp_path):
    assert _config(tmp_path).email_to_files is True
    deployed = _config(tmp_path, DATABASE_URL="postgresql://db/haven")
    assert deployed.email_to_files is False
    assert _config(
        tmp_path, DATABASE_URL="postgresql://db/haven", HAVEN_EMAIL_TO_FILES="1"
    ).email_to_files


def test_processes_haven_starts_on_embedded_services_keep_local_install_defaults(tmp_path):
    config = _config(
        tmp_path, DATABASE_URL="postgresql://postgres@%2Fsock/haven", HAVEN_LOCAL_INSTALL="true"
    )
    assert config.demo and config.email_to_files
