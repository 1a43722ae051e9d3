"""Each key has a budget per rolling minute; over it, 429 (or 420) with Retry-After."""

from __future__ import annotations

from statuspage.api.models import ApiKey
from tests.api.clients import Api


def test_a_key_over_its_budget_is_told_when_to_come_back(api, settings, db):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    assert [api.get("components").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("components")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Rate limit" in response.json()["error"]


def test_each_key_has_its_own_budget(api, settings, integrator):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    api.get("components")
    assert api.get("components").status_code == 429
    _, other_key = ApiKey.issue(name="other", scopes=["read"], created_by=integrator)
    other = Api(api.client, api.page_id, other_key)
    assert other.get("components").status_code == 200


def test_old_clients_can_be_answered_420(api, settings, db):
    settings.API_RATE_LIMIT_PER_MINUTE = 1
    settings.API_RATE_LIMIT_STATUS = 420
    api.get("components")
    response = api.get("components")
    assert response.status_code == 420
    assert response["Retry-After"]
