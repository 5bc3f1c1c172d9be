from __future__ import annotations

import dataclasses

from haven.checks import mail_is_deliverable


def test_a_deployment_without_a_mail_server_is_refused(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, email_host="", email_to_files=False)
    [error] = mail_is_deliverable(None)
    assert error.id == "haven.E001"
    assert "EMAIL_HOST" in error.msg


def test_a_mail_server_or_an_explicit_choice_of_files_passes(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, email_host="smtp.example.org")
    assert mail_is_deliverable(None) == []
    settings.CONFIG = dataclasses.replace(settings.CONFIG, email_host="", email_to_files=True)
    assert mail_is_deliverable(None) == []
