from __future__ import annotations

from django.test import Client

from tests.factories import PASSWORD, StaffFactory


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_the_login_page_asks_for_the_school_email_and_stops_browsers_keeping_passwords(abbey):
    page = Client(HTTP_HOST="abbey.localhost").get("/accounts/login/").content.decode()
    assert "<title>Sign in · Haven</title>" in page
    assert '<label for="id_username">Email address</label>' in page
    assert "Your user name is your school email address." in page
    assert 'autocomplete="off"' in page
    assert 'type="password"' in page


def test_staff_sign_in_with_their_email_in_any_case_and_reach_the_school_home(abbey):
    with abbey:
        StaffFactory(email="teacher@abbey.example")
    client = Client(HTTP_HOST="abbey.localhost")
    response = _sign_in(client, "Teacher@Abbey.Example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").content.decode()
    assert "Abbey Community College" in home
    assert "teacher@abbey.example" in home


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(abbey):
    with abbey:
        StaffFactory(email="teacher@abbey.example")
    response = _sign_in(Client(HTTP_HOST="abbey.localhost"), "teacher@abbey.example", "nope")
    assert response.status_code == 200
    assert "do not match an account here" in response.content.decode()


def test_a_deactivated_account_cannot_sign_in(abbey):
    with abbey:
        StaffFactory(email="left@abbey.example", is_active=False)
    response = _sign_in(Client(HTTP_HOST="abbey.localhost"), "left@abbey.example")
    assert response.status_code == 200
    assert "haven_session" not in response.cookies


def test_signing_out_ends_the_session(abbey):
    with abbey:
        StaffFactory(email="teacher@abbey.example")
    client = Client(HTTP_HOST="abbey.localhost")
    _sign_in(client, "teacher@abbey.example")
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_school_pages_need_a_signed_in_member_of_staff(abbey):
    response = Client(HTTP_HOST="abbey.localhost").get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/"
