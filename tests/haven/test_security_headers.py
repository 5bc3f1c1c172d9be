"""Headers and templates that keep pages safe in a browser, and Django's deployment check
clean with production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_forbids_inline_script_framing_and_sniffing(abbey):
    response = Client(HTTP_HOST="abbey.localhost").get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_no_template_has_an_inline_script_handler_or_style():
    """The CSP would block them in the browser; this finds them before anyone ships one."""
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "var" in template.parts:
            continue
        html = template.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style",
        ):
            if re.search(pattern, html, re.IGNORECASE):
                offenders.append(f"{template.relative_to(ROOT)}: {pattern}")
    assert offenders == []


def test_the_deployment_check_is_clean_with_production_settings():
    env = {
        **os.environ,
        "HAVEN_SECURE_COOKIES": "true",
        "HAVEN_PROXY_COUNT": "1",
        "HAVEN_DEBUG": "false",
        "HAVEN_SECRET_KEY": "x7Gq-" + "k" * 20 + "-Lw9Zp" + "v3" * 20,
        "HAVEN_EMAIL_TO_FILES": "true",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_send_hsts_for_every_subdomain_and_secure_cookies():
    env = {**os.environ, "HAVEN_SECURE_COOKIES": "true", "DJANGO_SETTINGS_MODULE": "haven.settings"}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_DOMAIN)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == [
        "31536000", "True", "True", "__Host-haven_session", "True", "True", "None",
    ], result.stderr  # fmt: skip


def test_the_deployment_check_warns_when_behind_https_without_a_proxy_count():
    env = {
        **os.environ,
        "HAVEN_SECURE_COOKIES": "true",
        "HAVEN_PROXY_COUNT": "0",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "haven.W002" in result.stderr + result.stdout
