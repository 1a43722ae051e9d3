"""`/api/schema/`: the OpenAPI schema, built once per process and served from memory.

The schema only changes with the code, so each (format, language) is generated on its first
request (about 160 KB of work) and every later request gets the same bytes, with an ETag.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request

from statuspage.api.schema import with_app_status


@dataclass(frozen=True)
class BuiltSchema:
    body: bytes
    content_type: str
    etag: str


# (format, language) → its bytes: at most 4 renderers × the languages we speak.
_built: dict[tuple[str, str], BuiltSchema] = {}


class SchemaView(SpectacularAPIView):
    def get(self, request: Request, *args, **kwargs) -> HttpResponse:
        asked = request.GET.get("lang")
        language = asked if asked in dict(settings.LANGUAGES) else get_language()
        renderer = request.accepted_renderer
        key = (renderer.format, language)
        built = _built.get(key)
        if built is None:
            built = _built[key] = self._build(request, language)
        if request.headers.get("If-None-Match") == built.etag:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(built.body, content_type=built.content_type)
        response["ETag"] = built.etag
        return response

    def _build(self, request: Request, language: str) -> BuiltSchema:
        with translation.override(language):
            generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
            schema = with_app_status(generator.get_schema(request=None, public=self.serve_public))
            renderer = request.accepted_renderer
            body = renderer.render(schema, request.accepted_media_type, {})
        charset = getattr(renderer, "charset", None)
        content_type = request.accepted_media_type + (f"; charset={charset}" if charset else "")
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        return BuiltSchema(body=body, content_type=content_type, etag=etag)
