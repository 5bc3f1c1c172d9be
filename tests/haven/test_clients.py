"""The client address lockouts and the audit log record."""

from __future__ import annotations

from django.test import RequestFactory, override_settings

from haven.clients import client_ip
from haven.config import Config


def _request(forwarded: str = "", remote: str = "10.0.0.5"):
    return RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)


def _behind(count: int, tmp_path):
    return override_settings(
        CONFIG=Config.from_environ(
            {"HAVEN_VAR_DIR": str(tmp_path), "HAVEN_PROXY_COUNT": str(count)}
        )
    )


def test_without_proxies_a_forwarded_header_is_the_clients_own_claim_and_ignored(tmp_path):
    with _behind(0, tmp_path):
        assert client_ip(_request("198.51.100.1")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_sent(tmp_path):
    with _behind(1, tmp_path):
        assert client_ip(_request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_a_header_that_is_not_an_address_gives_none(tmp_path):
    with _behind(1, tmp_path):
        assert client_ip(_request("not-an-address")) is None
