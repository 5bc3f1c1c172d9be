"""Sessions end on the server after the school's idle time; a page warns before."""

from __future__ import annotations

import time

from django.test import Client

from accounts import sessions
from accounts.models import SecuritySettings
from tests.factories import PASSWORD, StaffFactory


def _signed_in(abbey) -> Client:
    with abbey:
        StaffFactory(email="idle@abbey.example")
    client = Client(HTTP_HOST="abbey.localhost")
    client.post("/accounts/login/", {"username": "idle@abbey.example", "password": PASSWORD})
    return client


def _idle(abbey, client: Client, seconds: int) -> None:
    with abbey:
        session = client.session
        session[sessions.LAST_SEEN] = int(time.time()) - seconds
        session.save()


def test_ten_idle_minutes_sign_a_person_out_on_the_server(abbey):
    client = _signed_in(abbey)
    _idle(abbey, client, 9 * 60)
    assert client.get("/").status_code == 200
    _idle(abbey, client, 10 * 60 + 5)
    response = client.get("/incidents/new/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=%2Fincidents%2Fnew%2F"
    page = client.get(response.headers["Location"]).content.decode()
    assert "signed out after 10 minutes without activity" in page
    assert client.get("/").status_code == 302, "the session is gone, not just redirected"


def test_the_api_answers_401_once_the_session_is_idle(abbey):
    client = _signed_in(abbey)
    _idle(abbey, client, 11 * 60)
    response = client.get("/api/v1/categories/")
    assert response.status_code == 401
    assert "signed out after 10 minutes" in response.json()["detail"]


def test_the_school_sets_its_own_idle_time(abbey):
    with abbey:
        SecuritySettings.objects.update_or_create(pk=1, defaults={"session_timeout_minutes": 30})
    client = _signed_in(abbey)
    _idle(abbey, client, 20 * 60)
    assert client.get("/").status_code == 200
    assert 'data-idle-seconds="1800"' in client.get("/").content.decode()


def test_staying_signed_in_counts_as_activity(abbey):
    client = _signed_in(abbey)
    _idle(abbey, client, 9 * 60 + 30)
    assert client.post("/accounts/keep-alive/").status_code == 204
    _idle_more = client.session[sessions.LAST_SEEN]
    assert time.time() - _idle_more < 5


def test_every_signed_in_page_carries_the_warning_and_the_blank_screen(abbey):
    html = _signed_in(abbey).get("/").content.decode()
    assert 'data-idle-seconds="600"' in html
    assert 'role="alertdialog"' in html and "Stay signed in" in html
    assert "data-blank-screen" in html and 'aria-keyshortcuts="Escape Escape"' in html


def test_sign_in_gives_a_new_session_id(abbey):
    with abbey:
        StaffFactory(email="rotate@abbey.example")
    client = Client(HTTP_HOST="abbey.localhost")
    client.get("/accounts/login/")
    with abbey:
        session = client.session
        session["x"] = 1
        session.save()
        before = session.session_key
    client.post("/accounts/login/", {"username": "rotate@abbey.example", "password": PASSWORD})
    assert client.cookies["haven_session"].value != before


def test_an_idle_tab_sent_to_the_sign_in_page_signs_in_without_a_loop(abbey):
    client = _signed_in(abbey)
    _idle(abbey, client, 11 * 60)
    response = client.get("/accounts/login/")
    assert response.status_code == 302 and "next=" not in response.headers["Location"]
    signed = client.post(
        "/accounts/login/", {"username": "idle@abbey.example", "password": PASSWORD}
    )
    assert signed.status_code == 302 and signed.headers["Location"] == "/"


def test_staying_signed_in_after_the_server_ended_the_session_says_so(abbey):
    client = _signed_in(abbey)
    _idle(abbey, client, 11 * 60)
    assert client.post("/accounts/keep-alive/").status_code == 401
