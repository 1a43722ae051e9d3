"""Behind the shipped nginx each visitor keeps their own rate limit: nginx passes the visitor's
address, the README says to trust nginx, and a proxy that is not trusted is warned about once."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from statuspage.lib import clientip
from statuspage.lib.clientip import client_ip

ROOT = Path(__file__).resolve().parents[2]
LOGGER = "statuspage.lib.clientip"


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a process that has not warned yet."""
    monkeypatch.setattr(clientip, "_untrusted_proxy_seen", False)


def warnings_in(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelname == "WARNING"]


def test_forwarded_for_from_an_untrusted_address_is_warned_about_once(
    rf, settings, caplog, fresh_process
):
    settings.TRUSTED_PROXIES = []
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for visitor in ("203.0.113.9", "203.0.113.10", "203.0.113.11"):
            request = rf.post("/subscribe", HTTP_X_FORWARDED_FOR=visitor, REMOTE_ADDR="127.0.0.1")
            assert client_ip(request) == "127.0.0.1"
    [warning] = warnings_in(caplog)
    assert "127.0.0.1" in warning
    assert "TRUSTED_PROXIES" in warning


def test_nothing_is_said_without_forwarded_for_or_from_a_trusted_proxy(
    rf, settings, caplog, fresh_process
):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        plain = rf.post("/subscribe", REMOTE_ADDR="198.51.100.1")
        proxied = rf.post("/subscribe", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="127.0.0.1")
        assert (client_ip(plain), client_ip(proxied)) == ("198.51.100.1", "203.0.113.9")
    assert warnings_in(caplog) == []


@pytest.mark.usefixtures("one_window")
def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(settings, components):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SUBSCRIBE_RATE_PER_IP = (2, 3600)

    def subscribe_from(visitor: str, address: str) -> int:
        nginx = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=visitor)
        data = {"mode": "email", "language": "en", "email": address}
        return nginx.post("/subscribe", data).status_code

    assert [subscribe_from("203.0.113.9", f"junk{n}@example.com") for n in range(3)] == [
        200,
        200,
        429,
    ]
    assert subscribe_from("198.51.100.7", "ana@example.com") == 200


def test_the_shipped_nginx_passes_the_visitors_own_address():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    [forwarded] = re.findall(r"^\s*proxy_set_header X-Forwarded-For (\S+);", conf, re.MULTILINE)
    assert forwarded == "$remote_addr"  # not the client's own (forgeable) header appended to


def test_the_readme_says_to_trust_nginx():
    readme = (ROOT / "README.md").read_text()
    assert "TRUSTED_PROXIES=127.0.0.1" in readme
    [row] = [line for line in readme.splitlines() if line.startswith("| `TRUSTED_PROXIES`")]
    assert "127.0.0.1" in row
