"""System checks for configuration that would fail people quietly at run time."""

from __future__ import annotations

from django.conf import settings
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
