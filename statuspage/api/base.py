"""What every management API endpoint shares, so a resource module only says what is its own.

- Authentication, scopes, the rate limit, parsers and errors come from REST_FRAMEWORK in
  settings (see authentication.py, throttling.py, parsers.py, errors.py).
- Responses are always JSON, whatever the client's Accept header says.
- Names in JSON are in the page's default language; a component's name written through the API
  is its name in every language (status.translation.set_in_every_language), an incident's texts
  are the default language's and `translations` carries the others (fields.Translations).
- Error messages are English, as Statuspage's are, unless the caller's Accept-Language asks for
  a language we speak (machine clients send none): see `api_language`.
- The page id in the path must be our page's.
- Bodies come wrapped as Statuspage wraps them (`{"incident": {...}}`); `payload()` unwraps.
- Lists are bare arrays, paged with `page` and `per_page` (or `limit`).

Adding a resource: a module in resources/ with its input serializer and views (subclasses of
ManagementView), and its routes in urls.py.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from statuspage.api.errors import NOT_FOUND, BadRequest, PayloadTooLarge, Unprocessable
from statuspage.api.parsers import BracketKeyError, nest_query, refuse_nul
from statuspage.status.models import Page

MAX_PAGE = 1_000_000  # beyond this a page is empty anyway; keeps OFFSET within SQL integers


class JsonAlways(DefaultContentNegotiation):
    """Answer JSON whatever Accept says: Statuspage does, and some clients send text/html."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _positive(request: Request, *names: str, default: int) -> int:
    for name in names:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise BadRequest(_("%(name)s must be a whole number from 1 up.") % {"name": name})
        return value
    return default


class Pagination:
    """`page` (1-based) and `per_page` or `limit`; too large a page size is clamped to the
    maximum rather than refused (clients ask for 500), and a page past the end is []."""

    def __init__(self, request: Request, *, default: int = 100, maximum: int = 100) -> None:
        self.page = _positive(request, "page", default=1)
        self.per_page = min(_positive(request, "per_page", "limit", default=default), maximum)

    def slice(self, items: QuerySet | list) -> list:
        if self.page > MAX_PAGE:
            return []
        start = (self.page - 1) * self.per_page
        return list(items[start : start + self.per_page])


PAGINATION_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="1-based page."),
    OpenApiParameter(
        "per_page",
        {"type": "integer", "minimum": 1},
        description="Items per page (default and maximum 100; larger values are clamped).",
    ),
    OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1}, description="Another name for per_page."
    ),
]


# What an API caller who asks for no language of ours reads: Statuspage answers in English.
API_LANGUAGE = "en"


def api_language(request: HttpRequest) -> str:
    """The language of the API's messages: the first language of Accept-Language that we
    speak, else English. Not the page's default language (which LocaleMiddleware falls back
    to): a script that sends no Accept-Language expects Statuspage's English."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return API_LANGUAGE


class ManagementView(APIView):
    content_negotiation_class = JsonAlways
    # The key a body is wrapped in (`incident`), and other names clients use for it.
    envelope: ClassVar[str] = ""
    envelope_aliases: ClassVar[tuple[str, ...]] = ()
    page: Page

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        language = api_language(request)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    def initial(self, request: Request, *args, **kwargs) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge()  # before anything reads it
        super().initial(request, *args, **kwargs)
        refuse_nul([*kwargs.values(), *request.query_params.values()])
        self.page = Page.get()
        page_id = kwargs.get("page_id")
        if page_id is not None and page_id != self.page.id:
            raise NotFound(NOT_FOUND)

    @property
    def context(self) -> dict[str, Any]:
        return {"page": self.page, "request": self.request}

    @property
    def author(self):
        user = self.request.user
        return user if user.is_authenticated else None

    def respond(
        self,
        serializer: type[Serializer],
        instance: object,
        *,
        status: int = 200,
        many=False,
        **context: Any,
    ) -> Response:
        with translation.override(settings.LANGUAGE_CODE):  # names in JSON: the default language
            data = serializer(instance, many=many, context={**self.context, **context}).data
        return Response(data, status=status)

    def payload(self, *, required: bool = True) -> dict[str, Any]:
        """The object inside the envelope. Bracket keys in the query string
        (`?incident[status]=resolved`, which one client sends on PATCH) fill in what the body
        does not say."""
        data = self.request.data
        if not isinstance(data, dict):
            raise BadRequest(_("The request body must be a JSON object."))
        names = (self.envelope, *self.envelope_aliases)
        inner: dict[str, Any] | None = None
        for name in names:
            if name in data:
                if not isinstance(data[name], dict):
                    raise Unprocessable({name: [_("This must be an object.")]})
                inner = dict(data[name])
                break
        from_query = self._query_envelope(names)
        if inner is None and from_query is None:
            if required:
                raise BadRequest(
                    _("Send the fields inside an object named “%(name)s”.")
                    % {"name": self.envelope}
                )
            return {}
        return {**(from_query or {}), **(inner or {})}

    def _query_envelope(self, names: tuple[str, ...]) -> dict[str, Any] | None:
        query = self.request.META.get("QUERY_STRING", "")
        if "[" not in query and "%5B" not in query.upper():
            return None
        try:
            nested = nest_query(query)
        except BracketKeyError:
            return None
        for name in names:
            if isinstance(nested.get(name), dict):
                return nested[name]
        return None

    def validated(
        self, serializer: type[Serializer], data: dict, *, partial=False, **context: Any
    ) -> dict:
        """Validate `data`, or answer 422 with every field's problem."""
        checked = serializer(data=data, partial=partial, context={**self.context, **context})
        if not checked.is_valid():
            raise Unprocessable(checked.errors)
        return checked.validated_data


class ErrorSerializer(Serializer):
    """Every error body (401 carries `error` only)."""

    error = serializers.CharField()
    message = serializers.CharField(required=False)
    # Only documents the body (never validates), so naming a field like Serializer.errors is safe.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


# Documented on every operation, so a schema reader knows the shape of each failure.
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 413, 422, 429)}


def optional_fields(inner: type[Serializer]) -> type[Serializer]:
    """The same fields, none required: what a PATCH body may hold."""

    class Optional(inner):  # type: ignore[valid-type, misc]
        def get_fields(self):
            fields = super().get_fields()
            for field in fields.values():
                field.required = False
            return fields

    Optional.__name__ = Optional.__qualname__ = f"Patched{inner.__name__}"
    return Optional


@cache
def wrapped(name: str, inner: type[Serializer], *, partial: bool = False) -> type[Serializer]:
    """The request body `{name: {...inner}}`, for the schema (views unwrap with payload())."""
    inner = optional_fields(inner) if partial else inner
    label = inner.__name__.removesuffix("Input")
    return type(f"{label}Body", (Serializer,), {name: inner(), "__module__": inner.__module__})
