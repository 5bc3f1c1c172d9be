from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tenants.services import onboard_school
from tests.factories import UserFactory


@pytest.fixture
def fernhill(db, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        school = onboard_school(
            slug="fernhill", name="Fern Hill", admin_email="dsl@fern.example"
        ).school
    mailoutbox.clear()
    return school


def test_an_unused_invitation_can_be_sent_again(
    fernhill, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("resend_invitation", slug="fernhill", email="DSL@fern.example")
    [email] = mailoutbox
    assert email.to == ["dsl@fern.example"]
    assert "http://fernhill.localhost:8000/accounts/set-password/" in email.body


def test_there_is_nothing_to_resend_once_a_password_is_chosen(fernhill, mailoutbox):
    with fernhill:
        UserFactory(email="teacher@fern.example")
    with pytest.raises(CommandError, match="already chosen a password"):
        call_command("resend_invitation", slug="fernhill", email="teacher@fern.example")
    assert mailoutbox == []


def test_resending_to_someone_without_an_account_says_so(fernhill):
    with pytest.raises(CommandError, match=r"Fern Hill has no account for nobody@fern\.example"):
        call_command("resend_invitation", slug="fernhill", email="nobody@fern.example")


def test_resending_for_an_unknown_school_says_so(db):
    with pytest.raises(CommandError, match="no school with the slug 'nowhere'"):
        call_command("resend_invitation", slug="nowhere", email="dsl@fern.example")
