"""Serializer fields with Statuspage's conventions, for every JSON shape we send.

- Timestamps go out as ISO 8601 with milliseconds in the page's time-zone offset
  (`2026-03-02T18:05:12.090+08:00`) and come in only with a zone: a bare "10:00" means a
  different moment to the client and to us, so it is refused rather than guessed.
- Empty optional text goes out as null, never "" and never missing.
- Keys Statuspage always sends that mean nothing here (tweet_id, automation_email, ...) are
  `Constant`s, so clients that read them find them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from statuspage.lib.timestamps import statuspage_time
from statuspage.status.translation import language_codes, text_in

EARLIEST_YEAR = 1970
LATEST_YEAR = 2999


class Timestamp(serializers.DateTimeField):
    default_error_messages = {
        "naive": _(
            "Give the time with its zone, e.g. 2026-03-01T02:00:00Z or 2026-03-01T10:00:00+08:00."
        ),
        "range": _("Give a time between the years {earliest} and {latest}."),
    }

    # The stubs say str; Statuspage's shapes carry null where a time is missing.
    def to_representation(self, value: datetime | None) -> str | None:  # type: ignore[override]
        return statuspage_time(value, self.context["page"].zone)

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            moment = value.astimezone(UTC)
        except OverflowError:
            moment = None
        if moment is None or not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            self.fail("range", earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
        return moment


class OptionalText(serializers.CharField):
    """Text that reads as null when empty."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, allow_blank=True, **kwargs)

    # The stubs say str; an empty text is null in Statuspage's shapes.
    def to_representation(self, value: object) -> str | None:  # type: ignore[override]
        return str(value) if value else None


class Constant(serializers.Field):
    """Always `value`, whatever the object: a key clients expect that has no meaning here."""

    def __init__(self, value: object, openapi: dict[str, Any]) -> None:
        self.value = value
        self.openapi = openapi
        super().__init__(read_only=True, source="*")

    def to_representation(self, value: object) -> object:
        return self.value


class PageId(serializers.Field):
    """The id of the page in the serializer's context (every object belongs to it)."""

    def __init__(self) -> None:
        super().__init__(read_only=True, source="*")

    def to_representation(self, value: object) -> str:
        return self.context["page"].id


class TranslationsOf(serializers.Field):
    """The object's texts in each language beside the default one, which the shape's own keys
    carry: `{"en": {"name": "…", "cause_note": null}}`. A missing text is null (readers then
    fall back to the default language's). Only /v1 sends it: every other surface speaks one
    language."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields
        super().__init__(read_only=True, source="*")

    def to_representation(self, value: models.Model) -> dict[str, dict[str, str | None]]:
        return {
            code: {field: text_in(value, field, code) or None for field in self.fields}
            for code in language_codes()
            if code != settings.LANGUAGE_CODE
        }


NULL_TEXT = {"type": "string", "nullable": True}
BOOLEAN = {"type": "boolean"}


class ConstantSchema(OpenApiSerializerFieldExtension):
    target_class = Constant

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        return self.target.openapi


class PageIdSchema(OpenApiSerializerFieldExtension):
    target_class = PageId

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        return {"type": "string"}


class TranslationsOfSchema(OpenApiSerializerFieldExtension):
    target_class = TranslationsOf

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        texts = {
            "type": "object",
            "properties": {field: NULL_TEXT for field in self.target.fields},
            "required": list(self.target.fields),
        }
        others = [code for code in language_codes() if code != settings.LANGUAGE_CODE]
        return {
            "type": "object",
            "description": "Texts in the languages beside the default one (null: not "
            "translated, readers get the default language's).",
            "properties": {code: texts for code in others},
            "required": others,
        }
