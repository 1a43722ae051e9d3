"""Input fields for the management API: what clients may send and how it is read.

The fields every shape shares on the way out (Timestamp, OptionalText, Constant, PageId) live in
statuspage.shapes.fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from statuspage.status.models import (
    AlternativeChannel,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    validate_reassurances,
)
from statuspage.status.translation import language_codes


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


def _other_languages() -> list[str]:
    return [code for code in language_codes() if code != settings.LANGUAGE_CODE]


class Translations(serializers.Field):
    """`{"en": {"name": "…", "body": "…"}}`: the texts in the languages beside the page's
    default one, which the Statuspage fields next to it carry. A language left out, or a key
    left out, keeps its text; an empty text (or null) clears it, so that language falls back
    to the default language's."""

    def __init__(self, limits: Mapping[str, int], **kwargs: Any) -> None:
        self.limits = dict(limits)  # the keys a translation may carry, with their max lengths
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> dict[str, dict[str, str]]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                _('Give the translations as an object by language, e.g. {"en": {…}}.')
            )
        errors: dict[str, Any] = {}
        found: dict[str, dict[str, str]] = {}
        for code, texts in data.items():
            if code == settings.LANGUAGE_CODE:
                errors[code] = [
                    _("%(code)s is the default language: its texts are the fields beside "
                      "“translations”.") % {"code": code}
                ]  # fmt: skip
            elif code not in _other_languages():
                errors[code] = [
                    _("Unknown language: %(code)s (known: %(known)s).")
                    % {"code": code, "known": ", ".join(_other_languages())}
                ]
            elif not isinstance(texts, dict):
                errors[code] = [_("Give this language's texts as an object.")]
            else:
                found[code], problems = self._texts(texts)
                if problems:
                    errors[code] = problems
        if errors:
            raise serializers.ValidationError(errors)
        return found

    def _texts(self, texts: dict) -> tuple[dict[str, str], dict[str, list[str]]]:
        found: dict[str, str] = {}
        problems: dict[str, list[str]] = {}
        for key, text in texts.items():
            if key not in self.limits:
                problems[key] = [
                    _("Unknown field: a translation carries %(keys)s.")
                    % {"keys": ", ".join(self.limits)}
                ]
            elif text is not None and not isinstance(text, str):
                problems[key] = [_("Expected text, got {type}.").format(type=type(text).__name__)]
            elif text is not None and len(text) > self.limits[key]:
                problems[key] = [
                    _("Ensure this field has no more than {max_length} characters.").format(
                        max_length=self.limits[key]
                    )
                ]
            else:
                found[key] = (text or "").strip()
        return found, problems

    def to_representation(self, value: object) -> object:
        return value


class TranslationsSchema(OpenApiSerializerFieldExtension):
    target_class = Translations

    def map_serializer_field(self, auto_schema, direction) -> dict[str, Any]:
        texts = {
            "type": "object",
            "properties": {key: {"type": "string", "nullable": True} for key in self.target.limits},
            "additionalProperties": False,
        }
        return {
            "type": "object",
            "description": "Texts in the languages beside the default one, by language: "
            + ", ".join(_other_languages())
            + ". A text left out keeps its value; an empty one falls back to the default.",
            "properties": {code: texts for code in _other_languages()},
            "additionalProperties": False,
        }


def texts_of(data: Mapping[str, Any], field: str) -> dict[str, str] | None:
    """The field's texts as the services take them ({language: text}): the Statuspage field
    is the default language's, `translations` the others'. None when neither is given."""
    given: dict[str, str] = {}
    if field in data:
        given[settings.LANGUAGE_CODE] = (data[field] or "").strip()
    for code, texts in data.get("translations", {}).items():
        if field in texts:
            given[code] = texts[field]
    return given or None


class Reassurances(serializers.ListField):
    """Codes from the fixed list (models.Reassurance), each said the same way everywhere."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=Text(max_length=64), **kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        codes = list(dict.fromkeys(super().to_internal_value(data)))
        try:
            validate_reassurances(codes)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return codes


class FunctionStates(serializers.DictField):
    """{function id: state}: what the incident says of a function, whatever its components
    say. A function left out follows its components."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=Text(max_length=16), **kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        states = super().to_internal_value(data)
        try:
            Incident.check_function_states(states)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return states


class ChannelRefs(serializers.ListField):
    """Alternative channels by id, read as the channels (each once, in the order given)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), **kwargs)

    def to_internal_value(self, data: Any) -> list[AlternativeChannel]:
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        found = AlternativeChannel.objects.in_bulk(ids)
        missing = [i for i in ids if i not in found]
        if missing:
            raise serializers.ValidationError(
                [str(_("No alternative channel has the id %(id)s.") % {"id": i}) for i in missing]
            )
        return [found[i] for i in ids]
