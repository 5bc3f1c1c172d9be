from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tenants.models import School
from tests.databases import url_of_test_database

HAVEN = Path(sys.executable).parent / "haven"


def _run_haven(*args: str) -> subprocess.CompletedProcess:
    """The installed `haven` console script, on the test database."""
    env = {**os.environ, "DATABASE_URL": url_of_test_database()}
    return subprocess.run([HAVEN, *args], capture_output=True, text=True, env=env, timeout=60)


def test_onboard_school_command_reports_the_new_address(db):
    out = StringIO()
    call_command(
        "onboard_school", slug="abbey-road", name="Abbey Road Primary",
        admin_email="dsl@abbeyroad.example", trust="demo", stdout=out,
    )  # fmt: skip
    assert "Onboarded Abbey Road Primary at http://abbey-road.localhost:8000/" in out.getvalue()
    assert "invitation" in out.getvalue()
    assert School.objects.get(slug="abbey-road").trust.slug == "demo"


def test_onboard_school_command_refuses_an_existing_slug(db):
    with pytest.raises(CommandError, match="'abbey' already exists; nothing was changed"):
        call_command("onboard_school", slug="abbey", name="X", admin_email="x@x.example")


def test_the_haven_command_refuses_an_existing_slug_with_a_clear_error(db):
    result = _run_haven(
        "onboard-school", "--slug", "abbey", "--name", "Abbey Again", "--trust", "demo",
        "--admin-email", "dsl@abbey.example",
    )  # fmt: skip
    assert result.returncode == 1
    assert "A school with the slug 'abbey' already exists; nothing was changed." in result.stderr
    assert School.objects.get(slug="abbey").name == "Abbey Community College"


@pytest.mark.parametrize(("slug", "message"), [("Abbey", "lowercase"), ("admin", "reserved")])
def test_the_haven_command_refuses_an_invalid_slug(db, slug, message):
    result = _run_haven(
        "onboard-school", "--slug", slug, "--name", "X", "--admin-email", "a@b.example"
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert not School.objects.filter(slug=slug.lower()).exclude(slug="abbey").exists()


def test_the_haven_command_lists_the_schools(db):
    result = _run_haven("list-schools")
    assert result.returncode == 0
    assert "http://abbey.localhost:8000/" in result.stdout
    assert "Westleigh Methodist Primary School" in result.stdout


def test_the_haven_command_explains_itself():
    result = subprocess.run([HAVEN, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "onboard-school" in result.stdout
    assert "haven up" in result.stdout or "  up " in result.stdout


def test_the_haven_command_run_in_the_wrong_folder_says_so_and_creates_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HAVEN_VAR_DIR"}}
    result = subprocess.run(
        [HAVEN, "list-schools"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"there is no Haven database in {tmp_path / 'var'}" in result.stderr
    assert not (tmp_path / "var" / "pgdata").exists()
