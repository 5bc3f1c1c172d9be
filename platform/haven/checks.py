"""System checks for configuration that would fail people quietly at run time."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.checks import Error, register


@register()
def mail_is_deliverable(app_configs, **kwargs) -> list[Error]:
    config = settings.CONFIG
    if config.email_host or config.email_to_files:
        return []
    return [
        Error(
            "No mail server is configured (EMAIL_HOST is unset).",
            hint="Invitations and password links would be written to files on the server "
            "instead of reaching people. Set EMAIL_HOST, or HAVEN_EMAIL_TO_FILES=true for a "
            "machine where writing them to var/mail is what you want.",
            id="haven.E001",
        )
    ]


@register(deploy=True)
def client_addresses_are_known(app_configs, **kwargs) -> list[checks.Warning]:
    """Behind HTTPS there is a proxy (Haven itself serves plain HTTP). Without
    HAVEN_PROXY_COUNT every visitor would have the proxy's address, and five wrong
    passwords from anywhere would lock a DSL out."""
    config = settings.CONFIG
    if not config.secure_cookies or config.proxy_count:
        return []
    return [
        checks.Warning(
            "HAVEN_SECURE_COOKIES is on but HAVEN_PROXY_COUNT is 0.",
            hint="Set HAVEN_PROXY_COUNT to the number of proxies that append to "
            "X-Forwarded-For, so sign-in lockouts and the audit log see each visitor's "
            "own address.",
            id="haven.W002",
        )
    ]
