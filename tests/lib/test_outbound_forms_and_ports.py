"""The SSRF guard knows the IPv6 forms Python 3.11's is_global misses, and webhooks go to
ports 80 and 443 (and those an operator lists) only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from statuspage.lib import outbound
from statuspage.notify import subscriptions

# Each is "global" to Python 3.11's ipaddress, and none can be reached on the Internet.
MISSED_BY_IS_GLOBAL = [
    "::8.8.8.8",  # ::/96, IPv4-compatible
    "::a00:1",  # ::/96 embedding 10.0.0.1
    "::ffff:0:8.8.8.8",  # ::ffff:0:0:0/96, SIIT
    "::ffff:0:a00:1",
    "fec0::1",  # fec0::/10, site-local
    "feff:ffff::1",
    "64:ff9b:1::808:808",  # 64:ff9b:1::/48, local-use NAT64
    "64:ff9b:1:ffff::1",
    "3fff::1",  # documentation (2024)
    "5f00::1",  # segment routing
    "192.88.99.1",  # 6to4 relay anycast
]


@pytest.mark.parametrize("address", MISSED_BY_IS_GLOBAL)
def test_forms_python_calls_global_are_not_public(address):
    assert not outbound.is_public(address)


@pytest.mark.parametrize("address", MISSED_BY_IS_GLOBAL)
def test_a_webhook_at_such_an_address_is_refused_before_any_packet(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(outbound.RefusedURL, match="not a public"):
        outbound.check_url(f"https://{host}/hook", allow_private=False)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700:4700::1111", "2001:4860:4860::8888", "64:ff9b::808:808"]
)
def test_public_addresses_stay_public(address):
    assert outbound.is_public(address)


@pytest.mark.parametrize(
    "url", ["http://93.184.216.34/hook", "https://93.184.216.34/hook", "https://93.184.216.34:443/"]
)
def test_ports_80_and_443_are_allowed(url):
    outbound.check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.216.34:8080/hook",
        "https://93.184.216.34:22/",
        "http://93.184.216.34:6379/",
        "https://[2606:4700:4700::1111]:25/",
        "http://93.184.216.34:0/",
        "http://hooks.example.com:8443/hook",
    ],
)
def test_other_ports_are_refused(url):
    with pytest.raises(outbound.RefusedURL, match=r"port \d+ is not allowed"):
        outbound.check_url(url, allow_private=False)


def test_an_operator_can_allow_more_ports(settings):
    settings.OUTBOUND_ALLOWED_PORTS = [8443]
    outbound.check_url("https://93.184.216.34:8443/hook", allow_private=False)
    with pytest.raises(outbound.RefusedURL, match="allowed: 80, 443, 8443"):
        outbound.check_url("https://93.184.216.34:8444/hook", allow_private=False)


def test_with_private_addresses_allowed_any_port_is_allowed():
    """Development and test receivers listen on 127.0.0.1 at random ports."""
    outbound.check_url("http://127.0.0.1:54321/hook", allow_private=True)
    outbound.check_url("http://93.184.216.34:8080/hook", allow_private=True)


def test_subscribing_a_webhook_on_another_port_is_a_clear_validation_error(settings, db):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as caught:
        subscriptions.check_endpoint("https://93.184.216.34:8080/hook")
    message = caught.value.message_dict["endpoint"][0]
    assert "port 8080 is not allowed" in message


def test_the_subscribe_form_says_so(client, components, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = False
    response = client.post(
        "/subscribe",
        {
            "mode": "webhook",
            "email": "ops@example.com",
            "endpoint": "https://93.184.216.34:2375/hook",
            "language": "en",
        },
    )
    assert response.status_code in (200, 400)
    assert "port 2375 is not allowed" in response.content.decode()
