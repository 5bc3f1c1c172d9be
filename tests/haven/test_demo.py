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
        "operator@haven.example", "dsl@abbey.example", "dsl@westleigh.example",
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
    operator = Client(HTTP_HOST="localhost")
    response = operator.post(
        "/accounts/login/", {"username": "operator@haven.example", "password": logins[0].password}
    )
    assert response.status_code == 302
