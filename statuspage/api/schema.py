"""How the management API appears in its OpenAPI schema (drf-spectacular).

Each route matches several spellings (`/api/v1/`, `.json`, a trailing slash); the schema lists
each once, by its canonical path, `/v1/pages/{page_id}/…`.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter

PATH_DESCRIPTIONS = {
    "page_id": "Our page's id (see GET /v1/pages).",
}


class ManagementSchema(AutoSchema):
    """Every id in a path is a Statuspage-style string id; say so instead of guessing from a
    queryset these views do not have."""

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict]:
        return [
            build_parameter_type(
                name=variable,
                schema={"type": "string"},
                location=OpenApiParameter.PATH,
                description=PATH_DESCRIPTIONS.get(variable, ""),
            )
            for variable in variables
        ]


def canonical_paths(endpoints: list[tuple], **kwargs) -> list[tuple]:
    """PREPROCESSING_HOOKS entry: only the management API, each path once, without the
    trailing slash that the optional suffixes leave behind."""
    kept = []
    for path, path_regex, method, callback in endpoints:
        if not path.startswith("/v1/"):
            continue
        kept.append((path.rstrip("/"), path_regex, method, callback))
    return kept


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "statuspage.api.authentication.ApiKeyAuthentication"
    name = ["OAuth", "api_key"]

    def get_security_definition(self, auto_schema) -> list[dict]:
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`OAuth <key>` (also accepted: `Bearer <key>` or the bare key).",
            },
            {"type": "apiKey", "in": "query", "name": "api_key"},
        ]
