"""Fields kept in both languages (django-modeltranslation adds name_en, name_zh_hans, ...).

Reading `component.name` gives the active language, falling back to the default language.
"""

from modeltranslation.translator import TranslationOptions, register

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
