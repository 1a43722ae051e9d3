"""The management API's OpenAPI schema: served, browsable without a CDN, and true.

"True" is checked by schemathesis: it generates requests for every operation from the schema,
sends them to the real application in-process, and checks that nothing answers 5xx and that
every answer's status, content type and body are what the schema says.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings

from statuspage.notify import subscriptions
from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Function, Incident, IncidentTemplate
from statuspage.wsgi import application

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


def test_the_schema_describes_the_management_api(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert "/v1/pages/{page_id}/incidents" in paths
    assert "/v1/pages/{page_id}/incidents/{incident_id}/postmortem/publish" in paths
    assert "/api/app/status.json" in paths  # the app's status JSON, listed beside
    paths.remove("/api/app/status.json")
    assert all(p.startswith("/v1/") and not p.endswith(("/", ".json")) for p in paths)
    assert not any("incidents_update" in p for p in paths)  # the alias works but is not advertised
    schemes = schema["components"]["securitySchemes"]
    assert {s["name"] for s in schemes.values()} == {"Authorization", "api_key"}


def test_the_docs_page_needs_nothing_from_outside(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert asset.startswith("/static/")
        assert finders.find(asset.removeprefix("/static/")), asset
    assert "/api/schema/" in html


@pytest.fixture
def in_process() -> Iterator[None]:
    """Call the WSGI application directly, as Django's test client does: without closing the
    test's database connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(components, borrowing):
    """Real ids for the path parameters, so requests reach past the 404."""
    incident = services.open_incident(
        Incident(name="Payouts slow"),
        body="Slow.",
        component_statuses={components["disbursement"]: "degraded_performance"},
    )
    services.save_postmortem_draft(incident, "What happened.")
    template = services.save_template(IncidentTemplate(name="t", title="t", body="t"))
    subscriber = subscriptions.subscribe(email="reader@example.com")
    follower = subscriptions.subscribe(email="follower@example.com", incident=incident)
    function = services.save_function(Function(name_zh_hans="借款"), [components["app"]])
    channel = services.save_channel(AlternativeChannel(label_zh_hans="热线", phone="4008888888"))
    return {
        "function_id": function.id,
        "channel_id": str(channel.id),
        "subscriber_id": subscriber.id,
        "incident_subscriber_id": follower.id,
        "component_id": components["app"].id,
        "group_id": borrowing.id,
        "incident_id": incident.id,
        "update_id": incident.updates.get().id,
        "template_id": template.id,
    }


def exercise(operation, seen: Counter, api, world: dict):
    """A Hypothesis test of one operation: generated requests with our real ids in the path."""

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        case.path_parameters = {
            name: api.page_id if name == "page_id" else world.get(name, value)
            for name, value in (case.path_parameters or {}).items()
        }
        response = case.call(headers=api.headers())
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    return check


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
    api, world, in_process, settings
):
    settings.API_RATE_LIMIT_PER_MINUTE = 1_000_000
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    # The app's status JSON is checked against its schema in tests/public/test_app_status.py.
    operations = [op for op in operations if op.path != "/api/app/status.json"]
    # Deletes last, children before parents, so the ids stay alive for the other operations.
    operations.sort(key=lambda op: (op.method.upper() == "DELETE", -len(op.path)))
    statuses: dict[str, Counter] = {}
    started = time.monotonic()

    for operation in operations:
        statuses[operation.label] = Counter()
        exercise(operation, statuses[operation.label], api, world)()

    elapsed = time.monotonic() - started
    calls = sum(sum(c.values()) for c in statuses.values())
    print(f"schemathesis: {len(operations)} operations, {calls} calls, {elapsed:.1f}s")
    assert len(operations) >= 40
    assert elapsed < 60
    failing_all = {
        label: dict(seen) for label, seen in statuses.items() if not any(s < 300 for s in seen)
    }
    # Every read and every delete reaches a real object; generated bodies get through too,
    # except those made of ids (a group's members, the subscribers of a bulk action), where
    # random strings name nothing, and new subscribers, whose generated bodies carry an SMS
    # number or a webhook URL that resolves nowhere (both refused, as they should be), and new
    # alternative channels, which need a real link or phone number.
    assert set(failing_all) == {
        "POST /v1/pages/{page_id}/channels",
        "POST /v1/pages/{page_id}/component-groups",
        "POST /v1/pages/{page_id}/subscribers",
        "POST /v1/pages/{page_id}/incidents/{incident_id}/subscribers",
        "POST /v1/pages/{page_id}/subscribers/resend_confirmation",
        "POST /v1/pages/{page_id}/subscribers/unsubscribe",
        "POST /v1/pages/{page_id}/subscribers/reactivate",
    }, failing_all


# Spellings that work but are not advertised: each has the same view as an advertised route.
UNADVERTISED_ALIASES = {
    "/v1/pages/{page_id}/incidents/{incident_id}/incidents_update/{update_id}",
    "/v1/pages/{page_id}/subscribers/histogram",
    "/v1/pages/{page_id}/unsubscribed",
}


def test_every_management_route_is_in_the_schema_so_schemathesis_reaches_it(client, db):
    """schemathesis generates requests from the schema: a route missing from it is untested."""
    from statuspage.api import urls

    schema = json.loads(client.get("/api/schema/?format=json").content)
    routes = set()
    for pattern in urls.urlpatterns:
        regex = str(pattern.pattern)
        if regex.startswith("^(?:api/)?v1/") and "(?:\\.json)" in regex:
            route = regex.removeprefix("^(?:api/)?v1/").split("(?:\\.json)")[0]
            routes.add("/v1/" + re.sub(r"\(\?P<(\w+)>\[\^/\.\]\+\)", r"{\1}", route))
    assert len(routes) >= 40
    assert routes - set(schema["paths"]) == UNADVERTISED_ALIASES
