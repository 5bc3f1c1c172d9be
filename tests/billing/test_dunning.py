"""Dunning day by day, on a fixed clock: reminders at 7 and 21 days overdue, read-only access
at 45, full access back once paid; each step once, whatever the number of runs."""

from __future__ import annotations

import datetime
import smtplib
from decimal import Decimal

import pytest
from django.core import mail

from billing.dunning import lift_read_only, run_dunning
from billing.errors import NotReadOnly, ReasonRequired
from billing.models import BillingContact, DunningNotice, ReadOnlyHold
from billing.services import billing_run, issue_credit_note, record_payment
from console.models import OperatorAction
from tenants.models import School
from tests.billing.conftest import OPS

STEPS = {"reminder_days": (7, 21), "read_only_days": 45}


def _day(invoice, overdue: int) -> datetime.date:
    return invoice.due_on + datetime.timedelta(days=overdue)


def _read_only(*schools) -> list[bool]:
    return [
        School.objects.get(pk=school.pk).billing_read_only_since is not None for school in schools
    ]


@pytest.fixture
def contact(trust_invoice):
    return BillingContact.objects.create(trust=trust_invoice.trust, email="bursar@trust.example")


def test_an_unpaid_invoice_goes_from_reminders_to_read_only_and_back_once_paid(
    trust_invoice, contact, abbey, westleigh
):
    invoice = trust_invoice
    assert run_dunning(today=_day(invoice, 0), **STEPS).reminders == []  # due today: not late
    assert run_dunning(today=_day(invoice, 6), **STEPS).reminders == []

    first = run_dunning(today=_day(invoice, 7), **STEPS)
    again = run_dunning(today=_day(invoice, 8), **STEPS)
    second = run_dunning(today=_day(invoice, 21), **STEPS)

    assert first.reminders == [f"{invoice.number} (7 days)"] and first.emailed == 1
    assert again.reminders == [] and again.emailed == 0
    assert second.reminders == [f"{invoice.number} (21 days)"]
    assert _read_only(abbey, westleigh) == [False, False]
    assert run_dunning(today=_day(invoice, 44), **STEPS).made_read_only == []

    locked = run_dunning(today=_day(invoice, 45), **STEPS)

    assert sorted(locked.made_read_only) == ["abbey", "westleigh"]  # a trust invoice: both
    assert _read_only(abbey, westleigh) == [True, True]
    assert run_dunning(today=_day(invoice, 46), **STEPS).made_read_only == []
    assert list(invoice.dunning_notices.values_list("kind", "days_overdue")) == [
        ("reminder", 7),
        ("reminder", 21),
        ("read_only", 45),
    ]
    assert [m.to for m in mail.outbox] == [["bursar@trust.example"]] * 3

    record_payment(
        invoice_number=invoice.number, amount=Decimal("120.00"),
        received_on=datetime.date.today(), by=OPS,
    )  # fmt: skip

    assert _read_only(abbey, westleigh) == [False, False]
    assert not ReadOnlyHold.objects.filter(ended_at__isnull=True).exists()
    lifted = OperatorAction.objects.filter(act="read_only_lifted", outcome="done")
    assert sorted(lifted.values_list("school__slug", flat=True)) == ["abbey", "westleigh"]
    assert run_dunning(today=_day(invoice, 60), **STEPS).reminders == []  # paid: left alone


def test_reminders_say_the_number_amount_and_due_date_and_nothing_else(trust_invoice, contact):
    run_dunning(today=_day(trust_invoice, 7), **STEPS)
    run_dunning(today=_day(trust_invoice, 45), **STEPS)

    reminder, read_only = mail.outbox
    assert reminder.subject == f"Haven invoice {trust_invoice.number}: payment overdue"
    assert "£120.00 including VAT" in reminder.body
    assert f"was due on {trust_invoice.due_on:%-d %B %Y}" in reminder.body
    assert "7 days overdue" in reminder.body
    assert "record new concerns" in reminder.body
    assert read_only.subject.endswith("access is now read-only")
    assert "Abbey Community College, Westleigh Methodist Primary School" in read_only.body
    assert "Nothing has been or will be deleted" in read_only.body


def test_a_late_first_run_sends_only_the_latest_step(trust_invoice, contact):
    result = run_dunning(today=_day(trust_invoice, 30), **STEPS)

    assert result.reminders == [f"{trust_invoice.number} (21 days)"]
    assert len(mail.outbox) == 1


def test_a_school_without_a_contact_is_reminded_by_no_one_and_the_step_is_kept(
    abbey, westleigh, joined
):
    from billing.models import Plan, Subscription

    for school in (abbey, westleigh):
        joined(school, datetime.date(2020, 9, 1))
        Subscription.objects.create(
            school=school, plan=Plan.objects.get(is_default=True), payer="school"
        )
    billing_run(month=datetime.date(2027, 1, 1), by=OPS)
    invoice = abbey.invoices.get()

    result = run_dunning(today=_day(invoice, 7), **STEPS)

    assert result.not_emailed == 2 and mail.outbox == []
    notice = invoice.dunning_notices.get()
    assert (notice.sent_to, notice.sent_at) == ("", None)


def test_a_trust_without_a_contact_is_reminded_through_its_leads(trust_invoice):
    from tests.factories import UserFactory
    from trusts.models import TrustLead

    TrustLead.objects.create(
        user=UserFactory(email="lead@trust.example"), trust=trust_invoice.trust
    )

    run_dunning(today=_day(trust_invoice, 7), **STEPS)

    assert [m.to for m in mail.outbox] == [["lead@trust.example"]]


def test_an_email_the_mail_server_refuses_is_tried_again_next_time(
    trust_invoice, contact, monkeypatch
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refuse)
        failed = run_dunning(today=_day(trust_invoice, 7), **STEPS)

    retried = run_dunning(today=_day(trust_invoice, 8), **STEPS)

    assert (failed.failed, retried.emailed, retried.reminders) == (1, 1, [])
    assert DunningNotice.objects.get().sent_at is not None


def test_a_credit_note_that_settles_the_invoice_gives_access_back(trust_invoice, abbey):
    run_dunning(today=_day(trust_invoice, 45), **STEPS)
    issue_credit_note(
        invoice_number=trust_invoice.number, amount=Decimal("20.00"), reason="Goodwill", by=OPS
    )
    assert _read_only(abbey) == [True]  # £100.00 still owed

    issue_credit_note(
        invoice_number=trust_invoice.number, amount=Decimal("100.00"), reason="Waived", by=OPS
    )

    assert _read_only(abbey) == [False]


def test_a_school_held_by_another_overdue_invoice_stays_read_only(trust_invoice, abbey):
    later = billing_run(month=datetime.date(2027, 2, 1), by=OPS).invoices_issued
    run_dunning(today=_day(trust_invoice, 45), **STEPS)
    assert ReadOnlyHold.objects.filter(school=abbey).count() == 2  # both invoices, same day

    record_payment(
        invoice_number=trust_invoice.number, amount=Decimal("120.00"),
        received_on=datetime.date.today(), by=OPS,
    )  # fmt: skip

    assert _read_only(abbey) == [True]
    assert (
        list(
            ReadOnlyHold.objects.filter(ended_at__isnull=True, school=abbey).values_list(
                "invoice__number", flat=True
            )
        )
        == later
    )


def test_an_operator_lifts_read_only_and_dunning_does_not_impose_it_again(
    trust_invoice, abbey, westleigh
):
    run_dunning(today=_day(trust_invoice, 45), **STEPS)

    lift_read_only(school=abbey, reason="Payment promised by Friday", by=OPS)
    run_dunning(today=_day(trust_invoice, 50), **STEPS)

    assert _read_only(abbey, westleigh) == [False, True]
    entry = OperatorAction.objects.get(act="read_only_lifted")
    assert (entry.school, entry.reason) == (abbey, "Payment promised by Friday")


def test_lifting_needs_a_reason_and_a_read_only_school(trust_invoice, abbey):
    with pytest.raises(NotReadOnly):
        lift_read_only(school=abbey, reason="Why not", by=OPS)
    run_dunning(today=_day(trust_invoice, 45), **STEPS)
    with pytest.raises(ReasonRequired):
        lift_read_only(school=abbey, reason="  ", by=OPS)

    assert _read_only(abbey) == [True]
    assert OperatorAction.objects.filter(act="read_only_lifted", outcome="refused").count() == 2


def test_dunning_steps_are_audited_as_the_system(trust_invoice, contact):
    run_dunning(today=_day(trust_invoice, 7), **STEPS)
    run_dunning(today=_day(trust_invoice, 45), **STEPS)

    entries = OperatorAction.objects.filter(operator_email="haven").order_by("pk")
    assert [(e.act, e.school and e.school.slug) for e in entries] == [
        ("dunning_reminder_sent", None),
        ("read_only_imposed", "abbey"),
        ("read_only_imposed", "westleigh"),
    ]
    assert entries[0].trust == trust_invoice.trust


def test_the_daily_task_uses_the_configured_days(trust_invoice, contact, settings):
    import dataclasses

    from billing.tasks import run_dunning as task

    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, dunning_reminder_days=(3,), dunning_read_only_days=90
    )
    # The task runs on the real date: put the invoice's due date four days back.
    trust_invoice.due_on = datetime.date.today() - datetime.timedelta(days=4)
    trust_invoice.save(update_fields=["due_on"])

    assert task() == {
        "reminders": 1, "made_read_only": 0, "emailed": 1, "not_emailed": 0, "failed": 0,
    }  # fmt: skip
    assert DunningNotice.objects.get().days_overdue == 3
