"""The WSGI fast path: repeated public requests are answered from memory without Django."""

from __future__ import annotations

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_started

from statuspage.status import services
from statuspage.status.models import Incident
from statuspage.wsgi import application

pytestmark = pytest.mark.usefixtures("keep_the_test_connection")


def call(path: str, method: str = "GET", **headers: str) -> tuple[str, dict[str, str], bytes]:
    path, _, query = path.partition("?")
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": method}
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    environ["wsgi.input"] = io.BytesIO(b"")
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "127.0.0.1"
    answered: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answered["status"], answered["headers"] = status, dict(response_headers)

    result = application(environ, start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return answered["status"], answered["headers"], body


@pytest.fixture
def django_requests():
    seen = []

    def count(sender, **kwargs):
        seen.append(kwargs.get("environ", {}).get("PATH_INFO"))

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


@pytest.mark.parametrize("path", ["/", "/history", "/api/v2/summary.json", "/api/v2/status.json"])
def test_a_repeated_request_never_enters_django(
    components, django_requests, django_assert_num_queries, path
):
    first = call(path, accept_language="en")
    assert django_requests == [path]
    with django_assert_num_queries(0):
        again = call(path, accept_language="en")
    assert django_requests == [path]  # answered before Django saw it
    assert again == first


def test_the_fast_path_sends_what_django_sends(components, client):
    _, fast_headers, fast_body = call("/", accept_language="en")
    _, fast_headers, fast_body = call("/", accept_language="en")
    django = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert fast_body == django.content
    for name in ("ETag", "Cache-Control", "Vary", "Content-Type", "Content-Language",
                 "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):  # fmt: skip
        assert fast_headers[name] == django[name], name


def test_a_committed_write_is_served_at_the_next_recheck(components, commit, settings):
    settings.PAGE_VERSION_RECHECK_SECONDS = 0
    assert b"Disbursement failing" not in call("/", accept_language="en")[2]
    commit(
        services.open_incident,
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    assert b"Disbursement failing" in call("/", accept_language="en")[2]


def test_revalidation_and_encodings_on_the_fast_path(components):
    call("/", accept_language="en")
    status, headers, _ = call("/", accept_language="en")
    etag = headers["ETag"]
    status, headers, body = call("/", accept_language="en", if_none_match=etag)
    assert (status, body) == ("304 Not Modified", b"")
    status, headers, body = call("/", accept_language="en", accept_encoding="gzip, br")
    assert headers["Content-Encoding"] == "br"
    assert int(headers["Content-Length"]) == len(body)
    status, headers, body = call("/", method="HEAD", accept_language="en")
    assert body == b"" and int(headers["Content-Length"]) > 1000


def test_languages_and_the_language_cookie_pick_their_own_entry(components):
    english = call("/", accept_language="en")[2]
    chinese = call("/", accept_language="zh-CN,zh;q=0.9")[2]
    assert b'lang="en"' in english and b'lang="zh-hans"' in chinese
    assert call("/", accept_language="en")[2] == english
    by_cookie = call("/", accept_language="en", cookie="django_language=zh-hans")[2]
    assert b'lang="zh-hans"' in by_cookie


def test_writes_and_uncached_pages_pass_through(components, django_requests):
    call("/admin/login/")
    call("/admin/login/")
    assert django_requests == ["/admin/login/", "/admin/login/"]
    status, _, _ = call("/v1/pages", method="POST")
    assert status.startswith("401") or status.startswith("405")


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/api/v2/status.json", "/widget.json"])
def test_json_for_other_sites_is_readable_cross_origin_on_both_paths(components, path):
    first = call(path, origin="https://lender.example")
    again = call(path, origin="https://lender.example")
    assert first[1]["Access-Control-Allow-Origin"] == "*"
    assert again[1]["Access-Control-Allow-Origin"] == "*"
    assert call("/", accept_language="en")[1].get("Access-Control-Allow-Origin") is None
