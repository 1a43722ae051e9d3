"""Serializer fields with Statuspage's conventions.

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

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from statuspage.lib.timestamps import statuspage_time
from statuspage.status.models import Component, ComponentGroup, ComponentStatus

EARLIEST_YEAR = 1970
LATEST_YEAR = 2999


class Timestamp(serializers.DateTimeField):
    default_error_messages = {
        "naive": _(
            "Give the time with its zone, e.g. 2026-03-01T02:00:00Z or 2026-03-01T10:00:00+08:00."
        ),
        "range": _("Give a time between the years {earliest} and {latest}."),
    }

    def to_representation(self, value: datetime | None) -> str | None:
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

    def to_representation(self, value: object) -> str | None:
        return str(value) if value else None


class Text(serializers.CharField):
    """Input text that must be a string: a number where a name belongs is a mistake to report,
    not something to turn into "123" (DRF's CharField converts numbers)."""

    default_error_messages = {"not_text": _("Expected text, got {type}.")}

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("not_text", type=type(data).__name__)
        return super().to_internal_value(data)


class Flag(serializers.BooleanField):
    """A boolean that must be one: true/false in JSON, "true"/"false"/"1"/"0" from a form."""

    TRUE_VALUES = {True, "true", "True", "TRUE", "1", "on"}
    FALSE_VALUES = {False, "false", "False", "FALSE", "0", "off", ""}

    def to_internal_value(self, data: object) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str):
            if data in self.TRUE_VALUES:
                return True
            if data in self.FALSE_VALUES:
                return False
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


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


def _component_errors(ids: list[str], found: dict[str, Component]) -> list[str]:
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    groups = set(ComponentGroup.objects.filter(pk__in=missing).values_list("pk", flat=True))
    return [
        str(
            _("“%(id)s” is a component group, not a component.")
            if i in groups
            else _("No component has the id “%(id)s”.")
        )
        % {"id": i}
        for i in missing
    ]


class ComponentRefs(serializers.ListField):
    """A list of component ids, read as the components (each once, in the order given)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=Text(max_length=64), **kwargs)

    def to_internal_value(self, data: object) -> list[Component]:
        ids = super().to_internal_value(data)
        found = Component.objects.select_related("group").in_bulk(ids)
        errors = _component_errors(ids, found)
        if errors:
            raise serializers.ValidationError(errors)
        return [found[i] for i in dict.fromkeys(ids)]


class ComponentStatusMap(serializers.DictField):
    """{component id: status}, Statuspage's way of saying what an incident does to components,
    read as {Component: status}. An empty status marks a component affected without changing it.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.ChoiceField(choices=[*ComponentStatus.choices, ("", "")]), **kwargs
        )

    def to_internal_value(self, data: object) -> dict[Component, str]:
        statuses = super().to_internal_value(data)
        found = Component.objects.select_related("group").in_bulk(list(statuses))
        errors = _component_errors(list(statuses), found)
        if errors:
            raise serializers.ValidationError(errors)
        return {found[i]: status for i, status in statuses.items()}
