"""Offboarding a school: closed at once, exported in full under a passphrase shown once,
removed only after the grace period by a second operator who types its address, or
cancelled before that with the school as it was."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import pyzipper
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from console import export, lifecycle, tasks
from console.audit import Act
from console.lifecycle import LifecycleRefused
from console.models import Offboarding, OperatorAction
from tenants.models import Domain, School
from tenants.services import onboard_school, onboard_training_school
from tests.factories import OperatorFactory
from tests.s3 import BUCKET, school_storage
from tests.s3 import client as s3_client
from tests.sessions import platform_client


@pytest.fixture
def run_tasks(monkeypatch, django_capture_on_commit_callbacks):
    """The export and file-deletion tasks run here, in this test's transaction, when the
    action that queued them would have committed."""
    for task in (tasks.export_school, tasks.delete_school_files):
        monkeypatch.setattr(task, "apply_async", lambda args, task=task, **_: task.run(*args))

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _exports_deleted(db) -> Iterator[None]:
    """Exports made by a test are files outside its transaction: delete them after it."""
    yield
    for name in Offboarding.objects.exclude(export_name="").values_list("export_name", flat=True):
        export.export_storage().delete(name)


@pytest.fixture
def leaving(db) -> School:
    """A school onboarded for this test alone (rolled back with it), never abbey."""
    return onboard_school(
        slug="leaving", name="Leaving Lane School", admin_email="dsl@leaving.example"
    ).school


@pytest.fixture
def stored_file() -> Iterator[callable]:
    """Store a file in a school's storage; every one is deleted after the test."""
    stored: list[tuple[str, str]] = []

    def store(school: School, content: bytes) -> str:
        with schema_context(school.schema_name):
            key = default_storage.save(f"attachments/{uuid.uuid4().hex}", ContentFile(content))
        stored.append((school.schema_name, key))
        return key

    yield store
    for schema_name, key in stored:
        with schema_context(schema_name):
            default_storage.delete(key)


def _exported(offboarding: Offboarding) -> Offboarding:
    """As if its export had finished: an uncommitted schema is out of pg_dump's sight."""
    export.export_storage().save(offboarding.export_name, ContentFile(b"0123456789"))
    offboarding.export_status = Offboarding.Export.READY
    offboarding.export_bytes, offboarding.export_sha256 = 10, "0" * 64
    offboarding.save()
    return offboarding


def _made_up_archive(*, target, **_) -> None:
    target.write_bytes(b"PK made-up export")


def _past_grace(offboarding: Offboarding) -> Offboarding:
    offboarding.removable_from = timezone.now() - datetime.timedelta(minutes=1)
    offboarding.save()
    return offboarding


def _acts(school: School) -> list[tuple[str, str]]:
    return list(
        OperatorAction.objects.filter(school=school).order_by("pk").values_list("act", "outcome")
    )


def test_offboarding_closes_the_school_and_shows_the_passphrase_once(
    leaving, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.export_school, "apply_async", lambda args, **kw: sent.append(args))
    operator = OperatorFactory()
    client = platform_client(operator)
    explained = client.get("/console/schools/leaving/offboard/").content.decode()
    assert "After 30 days of grace, a <strong>second</strong> operator" in explained

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/console/schools/leaving/offboard/", {"reason": "Joining MAT"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert "This is the only time Haven shows it." in page

    offboarding = Offboarding.objects.get(school=leaving)
    ((offboarding_id, export_name, sealed),) = sent
    passphrase = export.unseal(sealed)
    assert f"<code>{passphrase}</code>" in page
    assert passphrase not in sealed
    row = json.dumps(list(Offboarding.objects.filter(pk=offboarding.pk).values()), default=str)
    assert passphrase not in row
    assert passphrase not in json.dumps(list(OperatorAction.objects.values()), default=str)
    assert (offboarding_id, export_name) == (offboarding.pk, offboarding.export_name)
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs((offboarding.removable_from - expected).total_seconds()) < 60
    assert (offboarding.previous_status, offboarding.requested_by_email) == (
        "active", operator.email,
    )  # fmt: skip
    assert School.objects.get(pk=leaving.pk).status == "offboarding"
    closed = Client(HTTP_HOST="leaving.localhost").get("/accounts/login/")
    assert closed.status_code == 403 and "is closing" in closed.content.decode()
    assert _acts(leaving)[-1] == (Act.OFFBOARDING_REQUESTED, "done")


def test_offboarding_needs_a_reason_and_a_school_that_is_not_already_leaving(leaving):
    operator = OperatorFactory()
    with pytest.raises(LifecycleRefused, match="Give a reason"):
        lifecycle.request_offboarding(school=leaving, by=operator, reason=" ")
    assert School.objects.get(pk=leaving.pk).status == "active"
    assert not Offboarding.objects.filter(school=leaving).exists()
    lifecycle.request_offboarding(school=leaving, by=operator, reason="Closing")
    with pytest.raises(LifecycleRefused, match="already being offboarded"):
        lifecycle.request_offboarding(school=leaving, by=operator, reason="Closing")
    assert _acts(leaving) == [
        (Act.OFFBOARDING_REQUESTED, "refused"),
        (Act.OFFBOARDING_REQUESTED, "done"),
        (Act.OFFBOARDING_REQUESTED, "refused"),
    ]


def test_the_export_holds_the_schools_schema_and_files_under_the_passphrase(
    abbey, westleigh, run_tasks, stored_file
):
    """Abbey's schema is committed, so pg_dump (another connection) can read it; its
    offboarding here is rolled back with the test."""
    own = stored_file(abbey, b"abbey's file")
    stored_file(westleigh, b"westleigh's file")
    operator = OperatorFactory()
    started = run_tasks(lifecycle.request_offboarding, school=abbey, by=operator, reason="Leaving")
    offboarding = Offboarding.objects.get(pk=started.offboarding.pk)
    assert offboarding.export_status == "ready", offboarding.export_error
    assert offboarding.export_name.startswith("abbey/offboarding-")
    with export.export_storage().open(offboarding.export_name, "rb") as stored:
        content = stored.read()
    assert len(content) == offboarding.export_bytes

    archive = pyzipper.AESZipFile(io.BytesIO(content))
    archive.setpassword(b"WRONG-PASS-PHRA-SE00-0000")
    with pytest.raises(RuntimeError, match="Bad password"):
        archive.read("MANIFEST.json")
    archive.setpassword(started.passphrase.encode())
    manifest = json.loads(archive.read("MANIFEST.json"))
    assert manifest["school"]["schema"] == "abbey"
    assert manifest["pg_dump_version"].startswith("pg_dump (PostgreSQL)")
    assert archive.read(f"files/{own}") == b"abbey's file"
    assert [item["key"] for item in manifest["files"]].count(own) == 1
    assert not any(b"westleigh" in archive.read(name) for name in archive.namelist()[1:])
    assert "pg_restore" in archive.read("RESTORE.txt").decode()

    dump = archive.read("database/abbey.dump")
    listing = subprocess.run(
        [export.pg_tool("pg_restore"), "--list"], input=dump, capture_output=True, check=True
    ).stdout.decode()
    assert "TABLE abbey concerns_incident" in listing
    assert "TABLE abbey accounts_user" in listing
    assert "westleigh" not in listing and " public " not in listing


def test_an_operator_downloads_the_export_and_it_is_audited(abbey, run_tasks):
    operator = OperatorFactory()
    started = run_tasks(lifecycle.request_offboarding, school=abbey, by=operator, reason="Leaving")
    client = platform_client(operator)
    panel = client.get(f"/console/offboardings/{started.offboarding.pk}/").content.decode()
    assert f"/console/offboardings/{started.offboarding.pk}/export/" in panel
    response = client.get(f"/console/offboardings/{started.offboarding.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="haven-export-abbey-')
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    assert _acts(abbey)[-1] == (Act.EXPORT_DOWNLOADED, "done")


def test_a_failed_export_keeps_only_the_error_class_and_is_retried_under_a_new_passphrase(
    leaving, run_tasks
):
    """pg_dump cannot see a schema this test's transaction has not committed: a real
    failure, like a dump refused by the server."""
    operator = OperatorFactory()
    first = run_tasks(lifecycle.request_offboarding, school=leaving, by=operator, reason="Gone")
    offboarding = Offboarding.objects.get(pk=first.offboarding.pk)
    assert (offboarding.export_status, offboarding.export_error) == ("failed", "PgDumpFailed")
    panel = platform_client(operator).get(f"/console/offboardings/{offboarding.pk}/")
    assert "Retry the export" in panel.content.decode()

    again = run_tasks(lifecycle.retry_export, offboarding=offboarding, by=operator)
    assert again.passphrase != first.passphrase
    assert Offboarding.objects.get(pk=offboarding.pk).export_name != offboarding.export_name
    assert _acts(leaving)[-1] == (Act.EXPORT_RETRIED, "done")


def test_an_export_attempt_overtaken_by_a_retry_keeps_nothing(
    abbey, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.export_school, "apply_async", lambda args, **kw: sent.append(args))
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        started = lifecycle.request_offboarding(school=abbey, by=operator, reason="Leaving")
        lifecycle.retry_export(offboarding=started.offboarding, by=operator)
    export.run(*sent[0])  # the first attempt, delivered late
    offboarding = Offboarding.objects.get(pk=started.offboarding.pk)
    assert offboarding.export_status == "pending"
    assert not export.export_storage().exists(sent[0][1])


def test_an_export_task_delivered_twice_does_nothing_the_second_time(
    leaving, monkeypatch, django_capture_on_commit_callbacks
):
    """Celery acks late: the broker may deliver a long export again while (or after) the
    first copy runs. Only the copy that moves it from Pending to Running does anything."""
    sent = []
    monkeypatch.setattr(tasks.export_school, "apply_async", lambda args, **kw: sent.append(args))
    monkeypatch.setattr(export, "build_archive", _made_up_archive)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.request_offboarding(school=leaving, by=OperatorFactory(), reason="Closing")
    export.run(*sent[0])
    done = Offboarding.objects.get(school=leaving)
    assert done.export_status == "ready"

    export.run(*sent[0])  # redelivered
    again = Offboarding.objects.get(school=leaving)
    assert (again.export_status, again.export_finished_at) == ("ready", done.export_finished_at)
    assert export.export_storage().size(done.export_name) == done.export_bytes
    assert export.export_intact(again)


def test_removal_is_refused_when_the_export_file_is_gone(leaving):
    started = lifecycle.request_offboarding(school=leaving, by=OperatorFactory(), reason="Closing")
    offboarding = _past_grace(_exported(started.offboarding))
    export.export_storage().delete(offboarding.export_name)
    with pytest.raises(LifecycleRefused, match="The export file is missing or changed"):
        lifecycle.confirm_removal(
            offboarding=offboarding, by=OperatorFactory(), typed_slug="leaving"
        )
    assert schema_exists("leaving")
    assert School.objects.get(pk=leaving.pk).status == "offboarding"
    assert _acts(leaving)[-1] == (Act.REMOVAL_CONFIRMED, "refused")


def test_the_requester_cannot_confirm_after_changing_their_email(leaving):
    requester = OperatorFactory()
    started = lifecycle.request_offboarding(school=leaving, by=requester, reason="Closing")
    assert started.offboarding.requested_by_id == requester.pk
    offboarding = _past_grace(_exported(started.offboarding))
    requester.email = "renamed@operators.example"
    requester.save()
    with pytest.raises(LifecycleRefused, match="A second operator must confirm"):
        lifecycle.confirm_removal(offboarding=offboarding, by=requester, typed_slug="leaving")
    assert schema_exists("leaving")


@pytest.mark.parametrize(
    ("who", "grace_over", "exported", "typed", "message"),
    [
        ("second", True, True, "leaving-lane", "address, leaving, exactly to confirm"),
        ("requester", True, True, "leaving", "A second operator must confirm"),
        ("second", False, True, "leaving", "The grace period runs until"),
        ("second", True, False, "leaving", "export is not ready (waiting to start)"),
    ],
)
def test_removal_is_refused_unless_every_condition_is_met(
    leaving, who, grace_over, exported, typed, message
):
    requester = OperatorFactory()
    started = lifecycle.request_offboarding(school=leaving, by=requester, reason="Closing")
    offboarding = started.offboarding
    if exported:
        _exported(offboarding)
    if grace_over:
        _past_grace(offboarding)
    by = requester if who == "requester" else OperatorFactory()
    response = platform_client(by).post(
        f"/console/offboardings/{offboarding.pk}/remove/", {"slug": typed}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert schema_exists("leaving")
    assert School.objects.get(pk=leaving.pk).status == "offboarding"
    assert _acts(leaving)[-1] == (Act.REMOVAL_CONFIRMED, "refused")


def test_the_requester_is_told_why_they_cannot_confirm_the_removal(leaving):
    requester = OperatorFactory()
    started = lifecycle.request_offboarding(school=leaving, by=requester, reason="Closing")
    page = platform_client(requester).get(f"/console/offboardings/{started.offboarding.pk}/remove/")
    text = page.content.decode()
    assert "A second operator must confirm the removal: you asked for it" in text
    assert "The grace period runs until" in text
    assert 'name="slug"' not in text


def test_a_second_operator_removes_the_school_after_the_grace_period(
    leaving, run_tasks, stored_file
):
    key = stored_file(leaving, b"a letter")
    copy = onboard_training_school(
        real=leaving, name="Leaving (training)", first_dsl_email="dsl@training.example",
        template="primary",
    ).school  # fmt: skip
    requester, second = OperatorFactory(), OperatorFactory()
    started = lifecycle.request_offboarding(school=leaving, by=requester, reason="Closing")
    _past_grace(_exported(started.offboarding))
    client = platform_client(second)
    form = client.get(f"/console/offboardings/{started.offboarding.pk}/remove/").content.decode()
    assert 'name="slug"' in form

    response = run_tasks(
        client.post, f"/console/offboardings/{started.offboarding.pk}/remove/", {"slug": "leaving"}
    )
    assert response.status_code == 302
    assert not schema_exists("leaving")
    assert not Domain.objects.filter(tenant_id=leaving.pk).exists()
    assert Client(HTTP_HOST="leaving.localhost").get("/").status_code == 404
    school = School.objects.get(pk=leaving.pk)
    assert school.status == "removed"
    assert School.objects.get(pk=copy.pk).status == "removed"
    assert not schema_exists(copy.schema_name)
    with schema_context("leaving"):
        assert not default_storage.exists(key)
    offboarding = Offboarding.objects.get(pk=started.offboarding.pk)
    assert offboarding.confirmed_by_email == second.email
    assert offboarding.removed_at is not None
    assert _acts(leaving)[-2:] == [
        (Act.REMOVAL_CONFIRMED, "done"),
        (Act.SCHOOL_REMOVED, "done"),
    ]
    panel = client.get("/console/schools/leaving/offboarding/", HTTP_HX_REQUEST="true")
    assert "Removed" in panel.content.decode()
    with pytest.raises(LifecycleRefused, match="has been removed"):
        lifecycle.reactivate(school=school, by=second, reason="Back")


def test_cancelling_puts_a_suspended_school_back_as_it_was(leaving):
    operator = OperatorFactory()
    lifecycle.suspend(school=leaving, by=operator, reason="Unpaid invoice")
    started = lifecycle.request_offboarding(school=leaving, by=operator, reason="Closing")
    client = platform_client(operator)
    refused = client.post(f"/console/offboardings/{started.offboarding.pk}/cancel/", {})
    assert refused.status_code == 400
    assert "Give a reason for cancelling" in refused.content.decode()

    response = client.post(
        f"/console/offboardings/{started.offboarding.pk}/cancel/", {"reason": "Stayed after all"}
    )
    assert response.status_code == 302
    school = School.objects.get(pk=leaving.pk)
    assert (school.status, school.status_reason) == ("suspended", "Unpaid invoice")
    assert Offboarding.objects.get(pk=started.offboarding.pk).cancelled_by_email == operator.email
    assert _acts(leaving)[-2:] == [
        (Act.OFFBOARDING_CANCELLED, "refused"),
        (Act.OFFBOARDING_CANCELLED, "done"),
    ]
    assert lifecycle.open_offboarding(school) is None


def test_offboardings_are_listed_in_the_console(leaving):
    lifecycle.request_offboarding(school=leaving, by=OperatorFactory(), reason="Closing")
    client = platform_client(OperatorFactory())
    page = client.get("/console/offboardings/").content.decode()
    assert "Leaving Lane School" in page
    assert 'href="/console/offboardings/"' in page
    school_page = client.get("/console/schools/leaving/").content.decode()
    assert 'hx-get="/console/schools/leaving/offboarding/"' in school_page


def test_an_operator_script_offboards_and_a_second_one_removes_through_the_api(leaving):
    requester, second = platform_client(OperatorFactory()), platform_client(OperatorFactory())
    response = requester.post(
        "/api/v1/schools/leaving/offboarding/",
        {"reason": "Closing"},
        content_type="application/json",
    )
    assert response.status_code == 202
    body = response.json()
    assert len(body["passphrase"]) == 24
    assert body["offboarding"]["school_status"] == "offboarding"
    assert body["offboarding"]["days_until_removable"] == 30

    status = requester.get("/api/v1/schools/leaving/offboarding/").json()
    assert "passphrase" not in status and status["export_status"] == "pending"
    own = requester.post(
        "/api/v1/schools/leaving/offboarding/confirm/", {"slug": "leaving"},
        content_type="application/json",
    )  # fmt: skip
    assert own.status_code == 400
    assert "A second operator must confirm" in own.json()["non_field_errors"][0]

    _past_grace(_exported(Offboarding.objects.get(school=leaving)))
    removed = second.post(
        "/api/v1/schools/leaving/offboarding/confirm/", {"slug": "leaving"},
        content_type="application/json",
    )  # fmt: skip
    assert removed.status_code == 200
    assert removed.json()["school_status"] == "removed"
    assert not schema_exists("leaving")
    assert second.get("/api/v1/schools/nowhere/offboarding/").status_code == 404


@pytest.fixture
def bucket(settings, s3_endpoint):
    """School files and exports in an S3 bucket (moto's server on loopback)."""
    school_storage(settings, s3_endpoint)
    return s3_client(s3_endpoint)


def test_with_s3_the_export_reads_the_bucket_and_is_kept_under_its_own_prefix(
    abbey, bucket, run_tasks, stored_file
):
    key = stored_file(abbey, b"in the bucket")
    started = run_tasks(
        lifecycle.request_offboarding, school=abbey, by=OperatorFactory(), reason="Leaving"
    )
    offboarding = Offboarding.objects.get(pk=started.offboarding.pk)
    assert offboarding.export_status == "ready", offboarding.export_error
    stored = bucket.get_object(Bucket=BUCKET, Key=f"offboarding-exports/{offboarding.export_name}")
    archive = pyzipper.AESZipFile(io.BytesIO(stored["Body"].read()))
    archive.setpassword(started.passphrase.encode())
    assert archive.read(f"files/{key}") == b"in the bucket"
    export.export_storage().delete(offboarding.export_name)


def test_a_script_cancels_with_delete_and_the_reason_in_the_query(abbey):
    lifecycle.suspend(school=abbey, by=OperatorFactory(), reason="Unpaid invoice")
    lifecycle.request_offboarding(school=abbey, by=OperatorFactory(), reason="Closing")
    client = platform_client(OperatorFactory())
    refused = client.delete("/api/v1/schools/abbey/offboarding/")
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Give a reason for cancelling the offboarding."]}
    response = client.delete("/api/v1/schools/abbey/offboarding/?reason=Staying")
    assert response.status_code == 200
    assert response.json()["cancelled_at"] is not None
    assert School.objects.get(slug="abbey").status == "suspended"
    assert client.get("/api/v1/schools/abbey/offboarding/").status_code == 404
