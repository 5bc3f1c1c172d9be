"""Attachments in S3: against a real S3 API on loopback (moto's server), not a mock."""

from __future__ import annotations

import urllib.request
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.utils import timezone

from safeguarding.concerns.models import Category
from safeguarding.concerns.services import Upload, add_action, record_incident
from tests import samples
from tests.factories import PupilFactory, StaffFactory
from tests.faults import fail_once_a_file_is_stored
from tests.s3 import BUCKET, school_storage
from tests.s3 import client as s3_client
from tests.sessions import verified_viewer


@pytest.fixture
def s3(settings, s3_endpoint):
    school_storage(settings, s3_endpoint)
    return s3_client(s3_endpoint)


def _record_with_file(name: str = "form.pdf", content: bytes = samples.PDF):
    return record_incident(
        viewer=verified_viewer(StaffFactory(role="SLT")), pupil_id=PupilFactory().pk,
        text="Injury at play.",
        category_ids=[Category.objects.get(name="Cause for Concern").pk],
        occurred_at=timezone.now(), uploads=[Upload(file=BytesIO(content), name=name)],
    )  # fmt: skip


def test_files_go_to_the_bucket_under_the_schools_prefix_encrypted(abbey, s3):
    with abbey:
        attachment = _record_with_file().attachments.get()
    key = f"abbey/{attachment.file.name}"
    assert key.startswith("abbey/attachments/")
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == samples.PDF
    assert stored["ServerSideEncryption"] == "AES256"
    assert "form" not in key


def test_a_short_lived_link_downloads_the_file_as_an_attachment(abbey, s3):
    with abbey:
        attachment = _record_with_file("Zoë Quist's letter.pdf").attachments.get()
        link = default_storage.private_url(attachment.file.name)
    query = parse_qs(urlsplit(link).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "Quist" not in link and "letter" not in link  # the name stays out of the URL
    with urllib.request.urlopen(link, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read() == samples.PDF
        # Names are reduced to safe characters, so no quote can break the header.
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="Zoe Quist_s letter.pdf"'
        )
        assert response.headers["Content-Type"] == "application/pdf"


def test_another_school_cannot_reach_a_key(abbey, westleigh, s3):
    with abbey:
        name = _record_with_file().attachments.get().file.name
        assert default_storage.exists(name)
    with westleigh:
        assert not default_storage.exists(name)
        with pytest.raises((ClientError, FileNotFoundError, OSError)):
            default_storage.open(name).read()


def test_a_failed_incident_leaves_no_object_behind(abbey, s3, monkeypatch):
    before = _keys(s3)
    stored = fail_once_a_file_is_stored(monkeypatch)
    with abbey, pytest.raises(RuntimeError):
        _record_with_file()
    assert len(stored) == 1
    assert _keys(s3) == before


def test_a_failed_action_leaves_no_object_behind(abbey, s3, monkeypatch):
    with abbey:
        incident = record_incident(
            viewer=verified_viewer(StaffFactory(role="SLT")), pupil_id=PupilFactory().pk,
            text="Injury at play.", occurred_at=timezone.now(),
            category_ids=[Category.objects.get(name="Cause for Concern").pk],
        )  # fmt: skip
        before = _keys(s3)
        stored = fail_once_a_file_is_stored(monkeypatch)
        with pytest.raises(RuntimeError):
            add_action(
                viewer=verified_viewer(StaffFactory(role="SLT")), incident_id=incident.pk,
                kind="note", text="Form from the office.",
                uploads=[Upload(file=BytesIO(samples.PDF), name="office.pdf")],
            )  # fmt: skip
    assert len(stored) == 1
    assert _keys(s3) == before


def _keys(s3) -> set[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}
