"""Fields kept in both languages (django-modeltranslation adds name_en, name_zh_hans, ...).

Reading `component.name` gives the active language, falling back to the default language.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from statuspage.status.models import (
    AlternativeChannel,
    Component,
    ComponentGroup,
    Function,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    RecurringMaintenance,
    SelfHelpTopic,
)


@register(Page)
class PageTranslation(TranslationOptions):
    fields = ("name",)
    # Without this a name equal to the field's default ("Status") counts as missing and the
    # other language's name is shown instead.
    fallback_undefined = {"name": ""}


@register(ComponentGroup)
class ComponentGroupTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Component)
class ComponentTranslation(TranslationOptions):
    fields = ("name", "description")


@register(SelfHelpTopic)
class SelfHelpTopicTranslation(TranslationOptions):
    fields = ("title", "body")


# What borrowers read about an incident exists per language: each reader gets one of them, their
# own or else the page's default language (settings.LANGUAGE_CODE), which is the one required.


@register(Incident)
class IncidentTranslation(TranslationOptions):
    fields = ("name", "cause_note")
    required_languages = (settings.LANGUAGE_CODE,)


@register(IncidentUpdate)
class IncidentUpdateTranslation(TranslationOptions):
    fields = ("body",)
    required_languages = (settings.LANGUAGE_CODE,)


@register(IncidentTemplate)
class IncidentTemplateTranslation(TranslationOptions):
    fields = ("title", "body", "cause_note")
    required_languages = (settings.LANGUAGE_CODE,)


@register(RecurringMaintenance)
class RecurringMaintenanceTranslation(TranslationOptions):
    fields = ("name", "body")
    required_languages = (settings.LANGUAGE_CODE,)


@register(Function)
class FunctionTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = (settings.LANGUAGE_CODE,)


@register(AlternativeChannel)
class AlternativeChannelTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = (settings.LANGUAGE_CODE,)


# A text as the services take it: a str is the default language's; a mapping gives it per
# language ({"zh-hans": "…", "en": "…"}), and the languages it leaves out keep their text.
Text = str | Mapping[str, str]


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def texts(field: str, value: Text) -> dict[str, str]:
    """`value` as {language: text}; a language we do not serve is the field's error."""
    if isinstance(value, str):
        return {settings.LANGUAGE_CODE: value}
    unknown = sorted(set(value) - set(language_codes()))
    if unknown:
        raise ValidationError(
            {
                field: _("Unknown language: %(codes)s (known: %(known)s).")
                % {"codes": ", ".join(unknown), "known": ", ".join(language_codes())}
            }
        )
    return dict(value)


def set_texts(instance: models.Model, field: str, value: Text) -> None:
    """Write `value` into the instance's per-language columns. Never assign the plain field
    (`incident.name = …`): modeltranslation writes that into the *active* language's column,
    which is the operator's, not necessarily the default."""
    given = texts(field, value)
    default = settings.LANGUAGE_CODE
    if default in given:
        # A translation that only repeats the old default text is a copy, not a translation
        # (a plain `name=` fills both when another language is active): drop it, so that
        # language falls back to the new text instead of keeping the old one.
        old = text_in(instance, field, default)
        for code in language_codes():
            if code not in given and old and text_in(instance, field, code) == old:
                setattr(instance, build_localized_fieldname(field, code), "")
    for code, text in given.items():
        setattr(instance, build_localized_fieldname(field, code), text.strip())


def text_in(instance: models.Model, field: str, code: str) -> str:
    """The field's own text in one language, without falling back to another."""
    return getattr(instance, build_localized_fieldname(field, code)) or ""


def all_texts(instance: models.Model, field: str) -> dict[str, str]:
    """{language: text} for the languages that have one."""
    found = {code: text_in(instance, field, code) for code in language_codes()}
    return {code: text for code, text in found.items() if text}


def set_translations(instance: models.Model, field: str, by_language: dict[str, str]) -> None:
    """Each language's text of a translated field, by language code ("zh-hans", "en")."""
    for code, value in by_language.items():
        setattr(instance, build_localized_fieldname(field, code), value)


def set_in_every_language(instance: models.Model, field: str, value: str) -> None:
    """A name given without a language (Statuspage's API has one name) is the name in every
    language; an operator can refine the translations in the admin afterwards."""
    for code, _name in settings.LANGUAGES:
        setattr(instance, build_localized_fieldname(field, code), value)


def localized_kwargs(instance: models.Model, field: str, *, as_field: str) -> dict[str, str]:
    """The field's text in each language as keyword arguments for another translated field,
    e.g. a schedule's name as an incident's (`name_zh_hans=…, name_en=…`)."""
    return {
        build_localized_fieldname(as_field, code): text
        for code, text in all_texts(instance, field).items()
    }
