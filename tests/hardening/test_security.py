"""Production settings and the security headers every answer carries."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from tests.support.processes import run_python

pytestmark = pytest.mark.django_db

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def production_env(**extra) -> dict:
    """The environment of a production web process: no TUG_EMBEDDED, a real secret key."""
    env = {key: value for key, value in os.environ.items() if key != "TUG_EMBEDDED"}
    return {
        **env,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        **extra,
    }


def run_manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(*names, **extra_env) -> dict:
    program = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {names!r}}}))"
    )
    result = run_python(
        program,
        env={**production_env(**extra_env), "DJANGO_SETTINGS_MODULE": "tug_portal.settings"},
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deploy_check_reports_nothing_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_defaults_to_https_and_debug_off():
    values = production_settings(
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )

    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_tls_terminating_proxy_is_trusted_when_configured():
    values = production_settings("SECURE_PROXY_SSL_HEADER", TUG_BEHIND_TLS_PROXY="1")

    assert values == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_http_is_redirected_but_probes_are_not(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    page = client.get("/admin/login/")
    healthz = client.get("/healthz")
    readyz = client.get("/readyz")

    assert (page.status_code, page["Location"]) == (301, "https://testserver/admin/login/")
    assert healthz.status_code == 200
    assert readyz.status_code in (200, 503)


def test_https_answers_carry_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


@pytest.mark.parametrize("path", ["/healthz", "/admin/login/", "/no-such-page/"])
def test_answers_carry_the_security_headers(client, path):
    response = client.get(path, headers=BROWSER)

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_secure_in_production(client, settings, editor):
    settings.SESSION_COOKIE_SECURE = True

    client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "right-horse"},
        secure=True,
    )

    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
