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


# `/api/app/status.json` (statuspage/public/app_status.py) is a plain Django view, which
# drf-spectacular does not see; the schema lists it with the management API so that app
# developers find it in the same place.
_TIME = {"type": "string", "format": "date-time", "nullable": True}
_CHANNEL = {
    "type": "object",
    "required": ["label", "url", "phone", "tel"],
    "properties": {
        "label": {"type": "string"},
        "url": {
            "type": "string",
            "nullable": True,
            "description": "A link, e.g. https:// or weixin://.",
        },
        "phone": {
            "type": "string",
            "nullable": True,
            "description": "As dialled, e.g. 400 888 8888.",
        },
        "tel": {"type": "string", "nullable": True, "description": "tel: URL for tap-to-call."},
    },
}
_NOTICE = {
    "type": "object",
    "nullable": True,
    "description": "The most serious open notice (incident, then maintenance, then announcement).",
    "required": [
        "id", "kind", "status", "summary", "cause", "cause_note", "reassurances", "channels",
        "expected_recovery_at", "expected_recovery_reassessing", "next_update_by",
        "next_update_overdue", "url",
    ],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string", "enum": ["incident", "maintenance", "announcement"]},
        "status": {"type": "string"},
        "summary": {"type": "string", "description": "The notice in one line (its title)."},
        "cause": {"type": "string", "nullable": True},
        "cause_note": {"type": "string", "nullable": True, "description": "Markdown."},
        "reassurances": {"type": "array", "items": {"type": "string"}},
        "channels": {"type": "array", "items": _CHANNEL},
        "expected_recovery_at": _TIME,
        "expected_recovery_reassessing": {
            "type": "boolean",
            "description": "The expected recovery has passed: show that it is being reassessed.",
        },
        "next_update_by": _TIME,
        "next_update_overdue": {"type": "boolean", "description": "The next update is late."},
        "url": {"type": "string", "format": "uri"},
    },
}  # fmt: skip
APP_STATUS_PATH = {
    "get": {
        "operationId": "app_status",
        "summary": "Which functions work, and the open notice, for the lender's app",
        "description": (
            "No key; CORS open; served from the page cache (ETag, 304); under 2 KB. In the "
            "language of `lang`, else of Accept-Language, else the page's default. Another "
            "spelling of `lang` (`zh-CN`, `EN`) is redirected (301) to ours, an unknown one to "
            "the default language's."
        ),
        "tags": ["app"],
        "security": [{}],
        "parameters": [
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["zh-hans", "en"]},
            }
        ],
        "responses": {
            "200": {
                "description": "The status now.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": [
                                "language", "updated_at", "ok", "summary", "functions",
                                "notice", "other_notices", "page",
                            ],
                            "properties": {
                                "language": {"type": "string", "enum": ["zh-hans", "en"]},
                                "updated_at": {"type": "string", "format": "date-time"},
                                "ok": {"type": "boolean", "description": "Everything works."},
                                "summary": {
                                    "type": "string",
                                    "description": "The functions' states in one line.",
                                },
                                "functions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "name", "state"],
                                        "properties": {
                                            "id": {"type": "string"},
                                            "name": {"type": "string"},
                                            "state": {
                                                "type": "string",
                                                "enum": ["works", "slow", "paused", "unavailable"],
                                            },
                                        },
                                    },
                                },
                                "notice": _NOTICE,
                                "other_notices": {"type": "integer"},
                                "page": {"type": "string", "format": "uri"},
                            },
                        }
                    }
                },
            },
            "301": {"description": "`lang` spelled otherwise: the canonical address."},
            "304": {"description": "Unchanged since the ETag given in If-None-Match."},
        },
    }
}  # fmt: skip
APP_STATUS = "/api/app/status.json"


def with_app_status(schema: dict) -> dict:
    """The generated schema with the app status endpoint's path added."""
    schema.setdefault("paths", {})[APP_STATUS] = APP_STATUS_PATH
    return schema
