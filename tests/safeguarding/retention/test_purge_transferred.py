"""A file transferred in from another school is part of the child's records: it is listed
with them and purged with them, its stored files too."""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.utils import timezone

from safeguarding.people.models import Pupil
from safeguarding.retention import services
from safeguarding.transfers.models import (
    IncomingTransfer,
    TransferredAction,
    TransferredFile,
    TransferredIncident,
)
from tests.safeguarding.retention.helpers import confirmed_review
from tests.safeguarding.transfers import conftest as transfers
from tests.safeguarding.transfers.helpers import send
from tests.sessions import signed_in

case = transfers.case


def _received_at_westleigh(case, abbey, westleigh) -> Pupil:
    send(signed_in(abbey, case["dsl"]), case["amara"].pk, school=westleigh.pk)
    with westleigh:
        incoming = IncomingTransfer.objects.get()
    receiver = signed_in(westleigh, case["receiver"])
    assert receiver.post(f"/transfers/incoming/{incoming.pk}/accept/").status_code == 302
    with westleigh:
        return Pupil.objects.get(upn=case["amara"].upn)


def test_a_transferred_in_file_is_purged_with_the_child_who_left(case, abbey, westleigh):
    amara = _received_at_westleigh(case, abbey, westleigh)
    today = timezone.localdate()
    with westleigh:
        keys = list(TransferredFile.objects.filter(pupil=amara).values_list("key", flat=True))
        assert keys and all(default_storage.exists(key) for key in keys)
        Pupil.objects.filter(pk=amara.pk).update(
            date_of_birth=datetime.date(today.year - 26, 1, 1),
            leaving_date=today - datetime.timedelta(days=10),
        )
        confirmed_review(amara, case["receiver"])
        assert services.purge_confirmed() == 1
        for model in (TransferredIncident, TransferredAction, TransferredFile):
            assert not model.objects.filter(pupil_id=amara.pk).exists()
        assert not IncomingTransfer.objects.exists()
        assert not Pupil.objects.filter(pk=amara.pk).exists()
        assert not any(default_storage.exists(key) for key in keys)
    with abbey:  # the sending school's records are its own, and untouched
        assert Pupil.objects.filter(pk=case["amara"].pk).exists()
