"""Fields kept in both languages (django-modeltranslation adds name_en, name_zh_hans, ...).

Reading `component.name` gives the active language, falling back to the default language.
"""

from django.conf import settings
from django.db import models
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from statuspage.status.models import Component, ComponentGroup, Page, SelfHelpTopic


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


def set_translations(instance: models.Model, field: str, by_language: dict[str, str]) -> None:
    """Each language's text of a translated field, by language code ("zh-hans", "en")."""
    for code, value in by_language.items():
        setattr(instance, build_localized_fieldname(field, code), value)


def set_in_every_language(instance: models.Model, field: str, value: str) -> None:
    """A name given without a language (Statuspage's API has one name) is the name in every
    language; an operator can refine the translations in the admin afterwards."""
    for code, _name in settings.LANGUAGES:
        setattr(instance, build_localized_fieldname(field, code), value)
