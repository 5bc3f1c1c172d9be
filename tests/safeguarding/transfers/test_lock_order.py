"""Two DSLs at once, each on a connection of its own: the sender sends the file again while
the receiving DSL accepts it. Both paths lock the receiving school's row first (LOCK ORDER
in services.py), so one waits for the other; neither deadlocks."""

from __future__ import annotations

import contextlib
import datetime
import threading

import pytest
from django.db import connections
from django.utils import timezone

from safeguarding.errors import Invalid
from safeguarding.transfers import services
from safeguarding.transfers.forms import ON_PLATFORM, TransferChoice
from safeguarding.transfers.models import IncomingTransfer, OutgoingTransfer, TransferredIncident
from tenants.models import School
from tests.browser import committed_school
from tests.sessions import verified_viewer

# Says it uses the database so that pytest-django makes the test database when run alone.
pytestmark = pytest.mark.django_db

# Long enough for PostgreSQL to find a deadlock (deadlock_timeout is 1 second by default).
PAUSE_SECONDS = 3


@pytest.fixture(scope="module")
def two_schools(django_db_setup, django_db_blocker):
    """Committed, so that two connections see them: a DSL and a pupil with an incident at
    the sending school, a DSL at the receiving one."""
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import record_incident
    from tests.factories import PupilFactory, StaffFactory

    def fill_sender(school):
        dsl = StaffFactory(role="Safeguarding team")
        pupil = PupilFactory()
        category = Category.objects.filter(parent__isnull=True).first()
        record_incident(
            viewer=verified_viewer(dsl), pupil_id=pupil.pk, text="Disclosure at lunch.",
            occurred_at=timezone.now() - datetime.timedelta(days=1), category_ids=[category.pk],
        )  # fmt: skip
        return dsl, pupil

    def fill_receiver(school):
        return StaffFactory(role="Safeguarding team")

    with (
        committed_school(django_db_blocker, slug="lockfrom", name="Lockfrom Academy",
                         fill=fill_sender) as (sender, (dsl, pupil)),
        committed_school(django_db_blocker, slug="lockto", name="Lockto Primary",
                         fill=fill_receiver) as (receiver, receiving_dsl),
    ):  # fmt: skip
        yield sender, dsl, pupil, receiver, receiving_dsl


class _StackPerThread(threading.local):
    """django-tenants keeps the schemas `with school:` returns to in one list on the class,
    shared by every thread; two threads switching schools at once would pop each other's.
    Each thread here gets its own."""

    def __init__(self) -> None:
        self.stack: list = []

    def append(self, tenant) -> None:
        self.stack.append(tenant)

    def pop(self):
        return self.stack.pop()


def test_sending_again_while_the_file_is_accepted_does_not_deadlock(two_schools, monkeypatch):
    sender, dsl, pupil, receiver, receiving_dsl = two_schools
    monkeypatch.setattr(School, "_previous_tenant", _StackPerThread())
    transfer_id = _on_own_thread(lambda: _send(sender, dsl, pupil, receiver))
    with receiver:
        incoming_id = IncomingTransfer.objects.get(sender_transfer_id=transfer_id).pk

    # Each DSL's request pauses the first time it switches to the other school's schema,
    # holding whatever it has locked by then, until the other has got as far: in the
    # opposite order, each would then wait for the other's lock.
    arrived, armed = threading.Barrier(2), threading.local()
    enter = School.__enter__

    def pausing_enter(school):
        if getattr(armed, "on", False):
            armed.on = False
            # Broken when the other is waiting for a lock this one holds: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                arrived.wait(timeout=PAUSE_SECONDS)
        return enter(school)

    monkeypatch.setattr(School, "__enter__", pausing_enter)

    def resend():
        with sender:
            armed.on = True
            return services.resend_transfer(viewer=verified_viewer(dsl), transfer_id=transfer_id)

    def accept():
        with receiver:
            armed.on = True
            return services.accept_incoming(
                viewer=verified_viewer(receiving_dsl), incoming_id=incoming_id
            )

    outcomes = _at_once(resend, accept)

    monkeypatch.undo()
    assert not [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, Invalid)]
    resent, accepted = outcomes
    assert isinstance(accepted, IncomingTransfer)  # the receiver's lock came first, or not
    assert isinstance(resent, Invalid) or resent.transfer.sent_count == 2
    with sender:
        assert OutgoingTransfer.objects.get(pk=transfer_id).status == "accepted"
    with receiver:
        assert IncomingTransfer.objects.get(pk=incoming_id).status == "accepted"
        assert TransferredIncident.objects.filter(incoming_id=incoming_id).count() == 1


def _send(sender, dsl, pupil, receiver) -> int:
    choice = TransferChoice(
        destination=ON_PLATFORM, school_id=receiver.pk, moved_on=timezone.localdate()
    )
    with sender:
        sent = services.send_transfer(viewer=verified_viewer(dsl), pupil_id=pupil.pk, choice=choice)
    return sent.transfer.pk


def _at_once(*works) -> list:
    """Each on a thread and connection of its own, started together; what each returned or
    raised, in order."""
    outcomes: list = [None] * len(works)

    def run(index, work):
        try:
            outcomes[index] = work()
        except BaseException as error:  # handed back to the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _on_own_thread(work):
    [outcome] = _at_once(work)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
