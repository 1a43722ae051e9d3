"""Repeated wrong passwords lock out that username from that address, for a while; the
operator, colleagues and other addresses are unaffected; `manage.py axes_reset` unlocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
ATTACKER = "203.0.113.66"


def sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def browser(address: str, **meta: str) -> Client:
    return Client(headers={"Accept-Language": "en"}, REMOTE_ADDR=address, **meta)


def guess_wrong(client: Client, username: str, times: int = 5) -> None:
    for _ in range(times):
        sign_in(client, username, "not-the-password")


def test_the_right_password_is_refused_after_five_wrong_ones(operator):
    attacker = browser(ATTACKER)
    guess_wrong(attacker, "olga", times=4)
    assert sign_in(attacker, "olga", "operator-password-1").status_code == 302  # not yet

    attacker.logout()
    guess_wrong(attacker, "olga")
    locked = sign_in(attacker, "olga", "operator-password-1")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.text
    assert "_auth_user_id" not in attacker.session


def test_a_lockout_binds_the_username_to_the_address(operator, outsider):
    guess_wrong(browser(ATTACKER), "olga")
    assert sign_in(browser("198.51.100.7"), "olga", "operator-password-1").status_code == 302
    assert sign_in(browser(ATTACKER), "sam", "outsider-password-1").status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(operator):
    for n in range(5):
        attacker = browser(ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        sign_in(attacker, "olga", "not-the-password")
    attacker = browser(ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert sign_in(attacker, "olga", "operator-password-1").status_code == 429


def test_behind_a_trusted_proxy_each_visitor_has_their_own_count(operator, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    guess_wrong(browser("10.0.0.1", HTTP_X_FORWARDED_FOR=ATTACKER), "olga")
    colleague = browser("10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert sign_in(colleague, "olga", "operator-password-1").status_code == 302


def test_the_lockout_ends_after_the_cool_off(operator, clock, settings):
    guess_wrong(browser(ATTACKER), "olga")
    clock(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert sign_in(browser(ATTACKER), "olga", "operator-password-1").status_code == 302


def test_axes_reset_unlocks_everyone(operator):
    guess_wrong(browser(ATTACKER), "olga")
    call_command("axes_reset", verbosity=0)
    assert sign_in(browser(ATTACKER), "olga", "operator-password-1").status_code == 302


def test_signing_in_without_a_request_still_works(operator, client):
    """Client.login (tests, shells) passes no request: nothing to throttle, and no error."""
    assert client.login(username="olga", password="operator-password-1")
    assert client.get("/admin/").status_code == 200
