from __future__ import annotations

import stat

from django.test import Client

from haven.config import Config
from haven.demo import ensure_demo


def test_a_missing_logins_file_mends_the_demo_with_new_passwords_that_work(db, tmp_path):
    """The session's demo trust and schools exist; the logins of an earlier start are lost."""
    config = Config.from_environ({"HAVEN_VAR_DIR": str(tmp_path), "HAVEN_PORT": "8000"})
    logins = ensure_demo(config)
    assert [login.email for login in logins] == [
        "operator@haven.example", "dsl@abbey.example", "teacher@abbey.example",
        "dsl@westleigh.example", "teacher@westleigh.example",
    ]  # fmt: skip
    assert logins[1].url == "http://abbey.localhost:8000/"
    path = tmp_path / "demo-logins.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_demo(config) == logins

    client = Client(HTTP_HOST="abbey.localhost")
    response = client.post(
        "/accounts/login/", {"username": "dsl@abbey.example", "password": logins[1].password}
    )
    assert response.status_code == 302
    teacher = Client(HTTP_HOST="westleigh.localhost")
    response = teacher.post(
        "/accounts/login/",
        {"username": "teacher@westleigh.example", "password": logins[4].password},
    )
    assert response.status_code == 302
    assert teacher.get("/").status_code == 200
    operator = Client(HTTP_HOST="localhost")
    response = operator.post(
        "/accounts/login/", {"username": "operator@haven.example", "password": logins[0].password}
    )
    assert response.status_code == 302
