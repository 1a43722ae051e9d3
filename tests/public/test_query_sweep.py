"""A hypothesis sweep of the public pages' query parameters: whatever a visitor puts in the
query string (month, page, lang, next, anything), no public page answers 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PATHS = [
    "/",
    "/history",
    "/uptime",
    "/incidents/{incident}",
    "/incidents/nosuchthing",
    "/history.atom",
    "/history.rss",
    "/maintenance.ics",
    "/widget.json",
    "/widget.en.json",
    "/badge.svg",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/language/en/",
    "/subscribe",
]
NAMES = ["month", "page", "per_page", "limit", "lang", "next", "format", "q", "utm_source"]

month_like = st.builds(
    lambda sign, year, sep, month, pad: f"{sign}{pad}{year}{sep}{month}",
    st.sampled_from(["", "+", "-", " "]),
    st.integers(min_value=-10, max_value=100_000),
    st.sampled_from(["-", "/", "--", ""]),
    st.integers(min_value=-5, max_value=10**20),
    st.sampled_from(["", "0", "00", "０"]),
)
values = st.one_of(
    month_like,
    st.text(max_size=30),
    st.integers().map(str),
    st.floats().map(str),
    st.binary(max_size=12).map(lambda b: b.decode("latin-1")),
)


@pytest.fixture
def incident(open_outage):
    return open_outage()


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    path=st.sampled_from(PATHS),
    params=st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=3),
)
def sweep(client, incident_id: str, path: str, params: list[tuple[str, str]]) -> None:
    url = path.format(incident=incident_id)
    response = client.get(url, params)
    assert response.status_code < 500, (url, params, response.status_code)


def test_no_query_string_makes_a_public_page_fail(client, incident):
    sweep(client, incident.pk)


@pytest.mark.parametrize(
    "query",
    [
        "month=9999-12",
        "month=0000-01",
        "month=1-1",
        "month=%00",
        "month=2026-01%00",
        "month=%ff%fe",
        "month=" + "9" * 5000,
        "month=1e20",
        "page=1e20",
        "lang=%ff",
    ],
)
@pytest.mark.parametrize("path", ["/history", "/uptime", "/", "/widget.json"])
def test_named_bad_values_are_a_redirect_or_a_404(client, components, path, query):
    assert client.get(f"{path}?{query}").status_code in (200, 301, 404)
