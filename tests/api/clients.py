"""How the tests speak to the APIs: a management API client that sends keys and bodies the way
Statuspage's clients do, and the public API's endpoints with the sections each answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

ENDPOINTS = {
    "/api/v2/summary.json": {"page", "components", "incidents", "scheduled_maintenances", "status"},
    "/api/v2/status.json": {"page", "status"},
    "/api/v2/components.json": {"page", "components"},
    "/api/v2/incidents.json": {"page", "incidents"},
    "/api/v2/incidents/unresolved.json": {"page", "incidents"},
    "/api/v2/incidents/resolved.json": {"page", "incidents"},
    "/api/v2/scheduled-maintenances.json": {"page", "scheduled_maintenances"},
    "/api/v2/scheduled-maintenances/upcoming.json": {"page", "scheduled_maintenances"},
    "/api/v2/scheduled-maintenances/active.json": {"page", "scheduled_maintenances"},
}


@dataclass
class Api:
    """The test client speaking to /v1 with a key; `path` is relative to our page."""

    client: Client
    page_id: str
    key: str

    def url(self, path: str) -> str:
        return path if path.startswith("/") else f"/v1/pages/{self.page_id}/{path}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"OAuth {self.key}", **extra}

    def get(self, path: str, **params: Any):
        return self.client.get(self.url(path), params, headers=self.headers())

    def send(self, method: str, path: str, body: object = None, **headers: str):
        data = b"" if body is None else json.dumps(body)
        return self.client.generic(
            method,
            self.url(path),
            data,
            content_type="application/json",
            headers=self.headers(**headers),
        )

    def post(self, path: str, body: object = None):
        return self.send("POST", path, body)

    def patch(self, path: str, body: object = None):
        return self.send("PATCH", path, body)

    def put(self, path: str, body: object = None):
        return self.send("PUT", path, body)

    def delete(self, path: str):
        return self.send("DELETE", path)

    def form(self, method: str, path: str, body: str):
        return self.client.generic(
            method,
            self.url(path),
            body,
            content_type="application/x-www-form-urlencoded",
            headers=self.headers(),
        )
