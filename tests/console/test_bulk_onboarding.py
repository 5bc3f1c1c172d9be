"""A trust's schools onboarded from one CSV file: the whole file is checked first and any
problem refuses it all; a good file is onboarded row by row by a worker, a failed row
never stopping the others, its progress shown as it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from knox.models import AuthToken

from billing.models import Subscription
from console import onboarding, tasks
from console.audit import Act
from console.models import BulkOnboarding, BulkOnboardingRow, OperatorAction
from tenants.models import School
from tests.factories import OperatorFactory
from tests.sessions import platform_client

GOOD = (
    "slug,name,template,plan,dsl_email\n"
    "oak-primary,Oak Primary School,primary,standard,dsl@oak.example\n"
    'ash-academy,"Ash Academy, Upper School",secondary,,dsl@ash.example\n'
    "elm-centre,Elm Centre,alternative-provision,standard,dsl@elm.example\n"
)


@pytest.fixture
def operator(db):
    return OperatorFactory()


def _upload(text: str, name: str = "schools.csv", *, encoding: str = "utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _problems(text: str) -> dict[int, list[str]]:
    checked = onboarding.parse_bulk_csv(text.encode())
    assert not checked.errors, checked.errors
    return {row.line: row.problems for row in checked.rows if row.problems}


def test_a_file_with_byte_order_mark_and_odd_header_case_is_read(db):
    text = "\ufeffSlug, Name ,TEMPLATE,Plan,DSL email\r\noak,Oak School,,,DSL@Oak.example\r\n"
    checked = onboarding.parse_bulk_csv(text.encode())
    assert checked.ok
    [row] = checked.rows
    assert (row.line, row.slug, row.template, row.plan, row.dsl_email) == (
        2, "oak", "primary", "standard", "dsl@oak.example"
    )  # fmt: skip


def test_the_example_file_offered_for_download_is_accepted(db):
    example = (
        Path(__file__).parents[2] / "platform/console/static/console/bulk-onboarding-example.csv"
    )
    checked = onboarding.parse_bulk_csv(example.read_bytes())
    assert checked.ok and len(checked.rows) == 3


def test_each_bad_row_says_what_is_wrong_with_it(db):
    problems = _problems(
        "slug,name,template,plan,dsl_email\n"
        "oak,Oak,primary,standard,dsl@oak.example\n"
        "Bad Slug,Somewhere,primary,standard,dsl@x.example\n"
        "ash,Ash,nursery,gold,not-an-email\n"
        "oak,Oak Again,primary,standard,dsl@oak2.example\n"
        "elm,Elm Centre, with a comma,primary,standard,dsl@elm.example\n"
        "\n"
        "abbey,Abbey,secondary,standard,dsl@abbey2.example\n"
    )
    assert problems[2] == ["The slug 'oak' is on lines 2 and 5: each school needs its own."]
    assert problems[5] == problems[2]
    assert problems[3] == ["Slugs are lowercase: use 'bad slug' instead of 'Bad Slug'."]
    assert [p.split(";")[0].split(":")[0] for p in problems[4]] == [
        "There is no category template called 'nursery'",
        "There is no plan with the code 'gold'",
        "'not-an-email' is not a valid email address.",
    ]
    assert problems[6] == [
        "This line has 6 values where the header has 5 columns: look for a missing or extra "
        "comma (put a name holding a comma in double quotes)."
    ]
    assert problems[8] == ["A school with the slug 'abbey' already exists."]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "The file is empty."),
        (b"slug,name,template,plan,dsl_email\n", "a header line but no schools"),
        (b"slug,name,plan,email\noak,Oak,,x@y.example\n", "it lacks template, dsl_email"),
        ("slug,name\n".encode("utf-16"), "not UTF-8"),
        (
            b"slug,name,template,plan,dsl_email\n"
            + b"".join(b"s%d,S,,,d@s.example\n" % i for i in range(501)),
            "the most in one file is 500",
        ),
        (b"x" * (onboarding.MAX_BYTES + 1), "the most Haven reads is 512 KB"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_as_a_whole(db, data, error):
    checked = onboarding.parse_bulk_csv(data)
    assert not checked.ok
    assert error in checked.errors[0]


def test_a_file_with_a_bad_row_creates_nothing_and_lists_every_problem(operator):
    bad = (
        GOOD
        + "oak-primary,Oak Again,primary,standard,dsl@oak2.example\nfir,Fir,,gold,x@y.example\n"
    )
    response = platform_client(operator).post(
        "/console/bulk/", {"trust": "demo", "file": _upload(bad)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Problems in 3 of 5 rows. Nothing was created." in page
    assert "3 of 5 rows have problems, so no school was created." in page
    assert "There is no plan with the code &#x27;gold&#x27;" in page
    assert not BulkOnboarding.objects.exists()
    assert School.objects.count() == 2
    entry = OperatorAction.objects.get(act=Act.BULK_ONBOARDING_STARTED)
    assert (entry.outcome, entry.detail) == ("refused", {"rows": 5, "rows_with_problems": 3})


def test_a_bulk_onboarding_for_an_unknown_trust_is_refused(operator):
    response = platform_client(operator).post(
        "/console/bulk/", {"trust": "nowhere", "file": _upload(GOOD)}
    )
    assert response.status_code == 400
    assert "There is no trust with the slug &#x27;nowhere&#x27;." in response.content.decode()
    assert not BulkOnboarding.objects.exists()


def test_a_good_file_is_queued_then_each_school_onboarded_by_the_worker(operator):
    client = platform_client(operator)
    response = client.post("/console/bulk/", {"trust": "demo", "file": _upload(GOOD)})
    job = BulkOnboarding.objects.get()
    assert response["Location"] == f"/console/bulk/{job.pk}/"
    assert list(job.rows.values_list("slug", "status")) == [
        ("oak-primary", "pending"), ("ash-academy", "pending"), ("elm-centre", "pending")
    ]  # fmt: skip
    assert 'hx-trigger="every 1s"' in client.get(f"/console/bulk/{job.pk}/").content.decode()

    assert tasks.run_bulk_onboarding(job.pk) == "finished"

    rows = list(job.rows.select_related("school"))
    assert [row.status for row in rows] == ["onboarded"] * 3
    assert rows[1].school.name == "Ash Academy, Upper School"
    assert all(row.seconds > 0 for row in rows)
    assert set(
        Subscription.objects.filter(school__trust__slug="demo", school__slug__in=[
            "oak-primary", "ash-academy", "elm-centre"
        ]).values_list("payer", flat=True)
    ) == {"trust"}  # fmt: skip
    assert Client(HTTP_HOST="elm-centre.localhost").get("/accounts/login/").status_code == 200
    assert OperatorAction.objects.get(act=Act.BULK_ONBOARDING_STARTED).detail == {
        "job": job.pk, "rows": 3
    }  # fmt: skip
    assert OperatorAction.objects.filter(act=Act.ONBOARDED, outcome="done").count() == 3

    progress = client.get(f"/console/bulk/{job.pk}/progress/").content.decode()
    assert "3 of 3 schools done</strong>: 3 onboarded, 0 not onboarded" in progress
    assert "hx-trigger" not in progress  # finished: the page stops polling
    unchanged = client.get(f"/console/bulk/{job.pk}/progress/", {"seen": "3-finished"})
    assert "schools done" not in unchanged.content.decode()  # announced once, not every second


def test_a_row_failing_at_run_time_does_not_stop_the_others(operator):
    job = onboarding.start_bulk_onboarding(
        by=operator,
        trust="demo",
        data=b"slug,name,template,plan,dsl_email\n"
        b"taken-meanwhile,Taken,,,dsl@taken.example\nbirch,Birch School,,,dsl@birch.example\n",
    )
    # Between the check and the worker, another operator onboarded the first slug.
    job.rows.filter(slug="taken-meanwhile").update(slug="abbey")

    onboarding.run_bulk_onboarding(job.pk)

    failed, done = job.rows.order_by("line")
    assert (failed.status, failed.message) == (
        "failed", "A school with the slug 'abbey' already exists; nothing was changed."
    )  # fmt: skip
    assert done.status == "onboarded" and done.school.slug == "birch"
    job.refresh_from_db()
    assert job.status == "finished" and job.finished_at is not None
    assert OperatorAction.objects.filter(act=Act.ONBOARDED, outcome="refused").count() == 1
    page = platform_client(operator).get(f"/console/bulk/{job.pk}/").content.decode()
    assert '<progress max="2" value="2"' in page
    assert "1 onboarded, 1 not onboarded" in page


def test_a_job_the_broker_refused_stays_queued_and_can_be_sent_again(
    operator, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.run_bulk_onboarding, "apply_async", refuse)
    client = platform_client(operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/bulk/", {"trust": "demo", "file": _upload(GOOD)})
    job = BulkOnboarding.objects.get()
    assert job.status == "queued"
    page = client.get(f"/console/bulk/{job.pk}/").content.decode()
    assert "Waiting for a worker" in page and "Send it to the workers again" in page

    sent = []
    monkeypatch.setattr(tasks.run_bulk_onboarding, "apply_async", lambda *a, **k: sent.append(a))
    response = client.post(f"/console/bulk/{job.pk}/queue/", follow=True)
    assert "Sent to the workers again." in response.content.decode()
    assert sent == [((job.pk,),)]


def test_the_api_takes_a_csv_and_reports_the_jobs_progress(db):
    _, token = AuthToken.objects.create(user=OperatorFactory())
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")

    response = api.post(
        "/api/v1/bulk-onboardings/", {"trust": "demo", "csv": GOOD}, content_type="application/json"
    )

    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued" and job["counts"] == {
        "total": 3, "onboarded": 0, "failed": 0, "waiting": 3
    }  # fmt: skip
    assert job["url"] == f"http://localhost/api/v1/bulk-onboardings/{job['id']}/"
    BulkOnboardingRow.objects.filter(line=2).update(status="failed", message="Synthetic")
    followed = api.get(f"/api/v1/bulk-onboardings/{job['id']}/").json()
    assert followed["counts"]["failed"] == 1
    assert followed["rows"][0] == {
        "line": 2, "slug": "oak-primary", "name": "Oak Primary School", "template": "primary",
        "plan": "standard", "status": "failed", "message": "Synthetic", "seconds": None,
        "school_url": None,
    }  # fmt: skip


def test_the_api_refuses_a_bad_file_with_its_problems_per_row(db):
    _, token = AuthToken.objects.create(user=OperatorFactory())
    response = Client(HTTP_HOST="localhost").post(
        "/api/v1/bulk-onboardings/",
        {"trust": "demo", "file": _upload(GOOD.replace("ash-academy", "oak-primary"))},
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"line": line, "slug": "oak-primary",
         "problems": ["The slug 'oak-primary' is on lines 2 and 3: each school needs its own."]}
        for line in (2, 3)
    ]  # fmt: skip
    assert not BulkOnboarding.objects.exists()


def test_trusts_are_listed_and_created_through_the_api(operator):
    client = platform_client(operator)
    response = client.post(
        "/api/v1/trusts/", {"slug": "oak", "name": "Oak Trust"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["schools"] == 0
    listed = {trust["slug"]: trust["schools"] for trust in client.get("/api/v1/trusts/").json()}
    assert listed == {"demo": 2, "oak": 0}
    response = client.post(
        "/api/v1/trusts/", {"slug": "Oak", "name": "Oak"}, content_type="application/json"
    )
    assert response.status_code == 400 and list(response.json()) == ["slug"]
