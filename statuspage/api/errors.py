"""Every error as Statuspage's clients read it: `{"error": "<text>"}`.

The clients disagree on where they look (`error` as a string, then `message`, then `errors`), so
each body carries the text under `error` and `message`, and a validation failure adds the
field tree under `errors`. Invalid input is 422, as Statuspage answers; a rate limit is 429, or
420 for clients written before Statuspage moved to 429 (API_RATE_LIMIT_STATUS). While the
database is unreachable the answer is 503 with Retry-After, so clients retry instead of giving
up on an HTML error page.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

# Statuspage's exact 401 and 404 texts, which clients and their tests compare against; kept in
# English like the other protocol strings in our JSON.
NOT_AUTHENTICATED = "Could not authenticate"
NOT_FOUND = "The requested resource could not be found."
# How long a client should wait before trying again while the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 30

log = logging.getLogger(__name__)


class Unprocessable(exceptions.ValidationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The request is malformed.")
    default_code = "bad_request"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is briefly unavailable. Please try again shortly.")
    default_code = "unavailable"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self) -> None:
        super().__init__(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )


def field_errors(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field.sub": ["message", ...]}."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in field_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            return {prefix or "base": [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            for field, messages in field_errors(item, f"{prefix}.{index}").items():
                flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix or "base": [str(detail)]}


def summary(errors: dict[str, list[str]]) -> str:
    return "; ".join(
        message if field in ("base", "non_field_errors") else f"{field}: {message}"
        for field, messages in errors.items()
        for message in messages
    )


# The texts that exist per language (status/translation.py): the model's errors name their
# columns (`name_zh_hans`, `body_en`), the API's fields are `name` and `translations.en.name`.
TRANSLATED_FIELDS = ("name", "body", "cause_note", "title", "label")


def api_field(key: str) -> str:
    """The API's name for a model field an error is keyed by."""
    for code, _name in settings.LANGUAGES:
        suffix = "_" + code.replace("-", "_")
        base = key.removesuffix(suffix)
        if base != key and base in TRANSLATED_FIELDS:
            return base if code == settings.LANGUAGE_CODE else f"translations.{code}.{base}"
    return key


def _from_django(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: dict[str, list[str]] = {}
            for key, messages in exc.message_dict.items():
                # `name` and `name_zh_hans` are one field to the caller: say it once.
                said = detail.setdefault(api_field(key), [])
                said.extend(m for m in messages if m not in said)
            return Unprocessable(detail)
        return Unprocessable(exc.messages)
    if isinstance(exc, OperationalError | InterfaceError):
        log.error("The database is unreachable: %s", exc)
        return DatabaseUnavailable()
    return exc


def _body(message: str, **extra: object) -> dict:
    return {"error": message, "message": message, **extra}


def handle_exception(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Anything that is not an API error stays a 500 (and is logged)."""
    exc = _from_django(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        auth_header = getattr(exc, "auth_header", None)
        headers = {"WWW-Authenticate": auth_header} if auth_header else {}
        return Response({"error": NOT_AUTHENTICATED}, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, round(getattr(exc, "wait", None) or 1))
        message = _("Rate limit exceeded. Try again in %(seconds)d seconds.") % {"seconds": wait}
        return Response(
            _body(str(message)),
            status=settings.API_RATE_LIMIT_STATUS,
            headers={"Retry-After": str(wait)},
        )
    if isinstance(exc, DatabaseUnavailable):
        return Response(
            _body(str(exc.detail)),
            status=exc.status_code,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return Response(
            _body(summary(errors), errors=errors), status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    detail = exc.detail
    message = summary(field_errors(detail)) if isinstance(detail, list | dict) else str(detail)
    return Response(_body(message), status=exc.status_code)


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Unknown paths under /api/v2 and /v1 answer in JSON, as the rest of the API does."""
    message = str(NOT_FOUND)
    return JsonResponse({"error": message, "message": message}, status=404)
