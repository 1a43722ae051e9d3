"""Production hardening: `check --deploy` passes with the README's production settings, every
page carries a Content-Security-Policy that forbids inline script (and the public pages have
none), the management API is never cached, and a console sign-in lasts a working day."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from statuspage.status import services
from statuspage.status.models import Incident
from tests.public.test_fast_path import call

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLIC_PAGES = ["/", "/history", "/uptime", "/subscribe", "/no-such-page"]


def production_settings() -> str:
    """The shell block under the README's "Production settings"."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- production settings.*?-->\n```sh\n(.*?)```", readme, re.S)
    assert block, "README: no production settings block"
    return block.group(1)


def check_deploy(run_dir: Path, settings_block: str = "") -> subprocess.CompletedProcess:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_URL", "DEBUG")
    }
    script = (
        f"set -a\n{settings_block}\nRUN_DIR={run_dir}\nset +a\n"
        f'exec "{sys.executable}" manage.py check --deploy --fail-level WARNING'
    )
    return subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_the_readme_production_settings(tmp_path):
    result = check_deploy(tmp_path, production_settings())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_without_them(tmp_path):
    result = check_deploy(tmp_path)
    assert result.returncode != 0
    for warning in ("W004", "W008", "W012", "W016"):
        assert warning in result.stderr


def settings_in_a_fresh_process(tmp_path, expression: str, **env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "RUN_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_proxys_https_header_and_secure_cookies_are_settable(tmp_path):
    printed = settings_in_a_fresh_process(
        tmp_path,
        "settings.SECURE_PROXY_SSL_HEADER, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_AGE",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SESSION_COOKIE_SECURE="true",
        CSRF_COOKIE_SECURE="yes",
        SESSION_COOKIE_AGE="3600",
    )
    assert printed == "('HTTP_X_FORWARDED_PROTO', 'https') True True 3600"


def test_a_malformed_proxy_header_stops_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "RUN_DIR": str(tmp_path),
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER=" in result.stderr


def test_a_console_sign_in_lasts_a_working_day(operator):
    assert settings.SESSION_COOKIE_AGE == 10 * 3600
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "olga", "password": "operator-password-1"},
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 10 * 3600


def directives(policy: str) -> dict[str, set[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: set(sources) for name, *sources in parts}


def policy_of(response) -> dict[str, set[str]]:
    assert "Content-Security-Policy" in response, "no Content-Security-Policy"
    return directives(response["Content-Security-Policy"])


STRICT = {"'self'"}


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/incidents/{incident}"])
def test_public_pages_carry_a_policy_without_inline_script_or_style(client, components, path):
    incident = services.open_incident(
        Incident(name="Payouts slow"),
        body="Slow.",
        component_statuses={components["disbursement"]: "degraded_performance"},
    )
    response = client.get(path.format(incident=incident.id))
    policy = policy_of(response)
    assert policy["script-src"] == STRICT
    assert policy["style-src"] == STRICT
    assert policy["object-src"] == {"'none'"} and policy["frame-ancestors"] == {"'none'"}


def test_a_page_answered_from_the_fast_path_carries_the_same_policy(
    components, keep_the_test_connection
):
    first = call("/history", accept_language="en")[1]
    again = call("/history", accept_language="en")[1]
    assert directives(again["Content-Security-Policy"]) == directives(
        first["Content-Security-Policy"]
    )
    assert directives(again["Content-Security-Policy"])["script-src"] == STRICT


def test_nginx_sends_the_applications_policy_with_published_pages(client, components):
    application = policy_of(client.get("/"))
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    sent = re.findall(r'add_header Content-Security-Policy "([^"]+)" always;', nginx)
    assert len(sent) == 3  # /, /history, /incidents/…
    assert all(directives(policy) == application for policy in sent)


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            kind = dict(attrs).get("type") or ""
            if kind != "application/json":  # data, never run
                self.blocked.append("<script> without src")
        if tag == "style":
            self.blocked.append("<style>")
        self.blocked.extend(f"{tag} {name}=" for name in names if name.startswith("on"))
        if "style" in names:
            self.blocked.append(f'{tag} style="…"')
        for name, value in attrs:
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"{tag} {name}=javascript:")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.blocked


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/incidents/{incident}"])
def test_public_pages_have_no_inline_script_or_style(client, components, path):
    incident = services.open_incident(
        Incident(name="Payouts slow"),
        body="**Slow** payouts.",
        component_statuses={components["disbursement"]: "degraded_performance"},
    )
    response = client.get(path.format(incident=incident.id), headers={"Accept-Language": "en"})
    assert response["Content-Type"].startswith("text/html")
    assert inline_code(response.content.decode()) == []


def test_the_api_docs_run_only_our_own_files(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert inline_code(html) == []
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert len(scripts) == 3 and all(src.startswith("/static/") for src in scripts)
    policy = policy_of(response)
    assert policy["script-src"] == STRICT
    assert "data:" in policy["img-src"]


def test_the_admin_runs_only_our_own_files(operator_client):
    for path in ("/admin/login/", "/admin/", "/admin/status/incident/add/"):
        response = operator_client.get(path)
        assert response.status_code in (200, 302), path
        policy = policy_of(response)
        assert policy["script-src"] == STRICT, path
        if response.status_code == 200:
            assert not [
                problem
                for problem in inline_code(response.content.decode())
                if problem.startswith("<script")
            ], path


def test_the_admin_login_page_carries_the_policy(client, db):
    assert policy_of(client.get("/admin/login/"))["script-src"] == STRICT


def test_public_pages_stay_cacheable(client, components):
    assert "no-store" not in client.get("/")["Cache-Control"]
    assert "no-store" not in client.get("/api/v2/summary.json")["Cache-Control"]
