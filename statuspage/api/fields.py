"""Input fields for the management API: what clients may send and how it is read.

The fields every shape shares on the way out (Timestamp, OptionalText, Constant, PageId) live in
statuspage.shapes.fields.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from statuspage.status.models import Component, ComponentGroup, ComponentStatus


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

    def to_internal_value(self, data: Any) -> list[Component]:
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

    def to_internal_value(self, data: Any) -> dict[Component, str]:
        statuses = super().to_internal_value(data)
        found = Component.objects.select_related("group").in_bulk(list(statuses))
        errors = _component_errors(list(statuses), found)
        if errors:
            raise serializers.ValidationError(errors)
        return {found[i]: status for i, status in statuses.items()}
