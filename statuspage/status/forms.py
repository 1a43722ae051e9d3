"""Operator forms: one screen to open an incident (or post an update) with its components.

Texts borrowers read exist per language and are edited side by side, one box per language
labelled with the language's own name ("简体中文", "English"); the forms hand them to the
services as a `Text` mapping ({"zh-hans": …, "en": …}) and never assign the plain field (that
writes the *active* language's column). Times are typed in the page's zone, which the admin
activates (statuspage.operators.zone), and every time field names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from statuspage.lib.zones import zone_label
from statuspage.status import services
from statuspage.status.models import (
    CLOSED_STATUSES,
    WEEKDAY_CODES,
    AlternativeChannel,
    Component,
    ComponentStatus,
    Function,
    FunctionState,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    Reassurance,
    RecurringMaintenance,
)
from statuspage.status.translation import language_codes

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COMPONENT_PREFIX = "component_"
FUNCTION_PREFIX = "function_"
NOT_AFFECTED = ""
DERIVED = ""


def component_field_name(component: Component) -> str:
    return f"{COMPONENT_PREFIX}{component.pk}"


def function_field_name(function: Function) -> str:
    return f"{FUNCTION_PREFIX}{function.pk}"


def per_language(field: str) -> tuple[str, ...]:
    """The form's fields for one translated text, in the order the languages are listed:
    ("name_zh_hans", "name_en"). A fieldset line of them shows them side by side."""
    return tuple(build_localized_fieldname(field, code) for code in language_codes())


def texts_from(data: dict[str, Any], field: str) -> dict[str, str]:
    """The per-language boxes of `field` as the services' `Text` mapping."""
    return {
        code: (data.get(build_localized_fieldname(field, code)) or "").strip()
        for code in language_codes()
    }


def label_languages(form: forms.BaseForm, field: str, label: StrOrPromise) -> None:
    """Label each language's box "Title · 简体中文", the language named in itself; only the
    default language's box is required (the others fall back to it)."""
    names = dict(settings.LANGUAGES)
    for code in language_codes():
        name = build_localized_fieldname(field, code)
        if name in form.fields:
            form.fields[name].label = format_lazy("{} · {}", capfirst(label), names[code])
            if code != settings.LANGUAGE_CODE:
                form.fields[name].required = False


def name_the_zone(form: forms.BaseForm) -> None:
    """Say in every date-and-time field's help which zone it is typed in."""
    zone = _("In %(zone)s.") % {"zone": zone_label(timezone.get_current_timezone())}
    for field in form.fields.values():
        if isinstance(field, forms.SplitDateTimeField | forms.DateTimeField):
            field.help_text = f"{field.help_text} {zone}".strip() if field.help_text else zone


class TranslatedTextsForm(forms.ModelForm):
    """A model form whose translated fields are edited side by side; `translated` names them
    with their labels."""

    translated: Mapping[str, StrOrPromise] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field, label in self.translated.items():
            label_languages(self, field, label)
        name_the_zone(self)


# The incident's own fields on the form; `kind` is chosen once, when the incident is opened.
OWN_FIELDS = [
    *per_language("name"),
    "cause",
    "impact_override",
    *per_language("cause_note"),
    "channels",
    "reassurances",
    "expected_recovery_at",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "expires_at",
]
TRANSLATED = {"name": Incident._meta.get_field("name").verbose_name,
              "cause_note": Incident._meta.get_field("cause_note").verbose_name}  # fmt: skip
MESSAGE_LABEL = _("Message")
OPTIONAL_TRANSLATION = _("Optional: without it, readers of this language get the default's.")
# The service's names for this form's update fields.
FIELD_OF_SERVICE_KEY = {
    "status": "update_status",
    "body": build_localized_fieldname("message", settings.LANGUAGE_CODE),
    **{name: build_localized_fieldname(name, settings.LANGUAGE_CODE) for name in TRANSLATED},
}


def _message_fields() -> dict[str, forms.Field]:
    return {
        name: forms.CharField(
            label=MESSAGE_LABEL, widget=forms.Textarea(attrs={"rows": 4}), required=False
        )
        for name in per_language("message")
    }


class IncidentForm(TranslatedTextsForm):
    """The incident's own fields, plus the update it posts and the components it sets.

    Subclassed per request by `with_component_fields`, which adds the message boxes (one per
    language) and a choice field per component ("not affected" or the status to set) and per
    function ("derived from its components" or the state this incident sets). The rules are
    the services': the form asks them (`check_opening`, `check_edit`) and shows their errors
    on its fields.
    """

    translated = TRANSLATED
    update_status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    next_update_by = forms.SplitDateTimeField(
        label=_("Next update by"),
        widget=AdminSplitDateTime,
        required=False,
        help_text=_("Promise visitors the next update by then; you are reminded if it passes."),
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)
    reopen = forms.BooleanField(
        label=_("Reopen"),
        required=False,
        help_text=_("Needed to post an update on a closed incident."),
    )
    reassurances = forms.MultipleChoiceField(
        label=_("Reassurances"),
        choices=Reassurance.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channels = forms.ModelMultipleChoiceField(
        label=_("Alternative channels"),
        queryset=AlternativeChannel.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What visitors can use meanwhile; shown as links and tap-to-call numbers."),
    )

    class Meta:
        model = Incident
        fields = ["kind", *OWN_FIELDS]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in per_language("cause_note")}

    components: list[Component] = []
    functions: list[Function] = []
    # The kind of incident the screen is for (its own fields only); None: every field.
    screen_kind: str | None = None

    @classmethod
    def with_component_fields(
        cls,
        components: list[Component],
        functions: Sequence[Function] = (),
        kind: str | None = None,
    ) -> type[IncidentForm]:
        choices = [(NOT_AFFECTED, _("— not affected —")), *ComponentStatus.choices]
        fields: dict[str, forms.Field] = _message_fields()
        fields |= {
            component_field_name(c): forms.ChoiceField(
                label=c.display_name, choices=choices, required=False
            )
            for c in components
        }
        states = [(DERIVED, _("derived from its components")), *FunctionState.choices]
        for function in functions:
            fields[function_field_name(function)] = forms.ChoiceField(
                label=str(function.name), choices=states, required=False
            )
        return type(
            "IncidentForm",
            (cls,),
            {
                **fields,
                "components": components,
                "functions": list(functions),
                "screen_kind": kind,
            },
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        label_languages(self, "message", MESSAGE_LABEL)
        self.editing = not self.instance._state.adding
        if self.screen_kind is not None:
            self._only_the_screen_s_fields(self.screen_kind)
        for function in self.functions:
            state = (self.instance.function_states or {}).get(function.pk, DERIVED)
            if function_field_name(function) in self.fields:
                self.fields[function_field_name(function)].initial = state
        if self.editing:
            self.fields["update_status"].initial = self.instance.status
            cast(forms.ChoiceField, self.fields["update_status"]).choices = [
                (s, IncidentStatus(s).label) for s in self.instance.allowed_statuses
            ]
            self._help_messages(
                _(
                    "Write a message to post an update. Changing the status or a component "
                    "needs one."
                )
            )
            affected = set(self.instance.components.values_list("pk", flat=True))
            for component in self.components:
                if component.pk in affected and component_field_name(component) in self.fields:
                    self.fields[component_field_name(component)].initial = component.status
        else:
            self._help_messages(_("Markdown. Shown on the page and sent to subscribers."))

    def _only_the_screen_s_fields(self, kind: str) -> None:
        """One kind's screen: the fields its layout lists (the admin's fieldsets, which become
        `Meta.fields`), the kind fixed, and on a new one only the statuses it may open with."""
        listed = set(self._meta.fields or ())
        for name in list(self.fields):
            if name not in listed:
                del self.fields[name]
        if self.editing:
            return
        self.initial["kind"] = kind
        self.fields["kind"].widget = forms.HiddenInput()
        opening = [
            (status, IncidentStatus(status).label)
            for status in Incident(kind=kind).allowed_statuses
            if status not in CLOSED_STATUSES
        ]
        field = cast(forms.ChoiceField, self.fields["update_status"])
        field.choices = opening
        if self.initial.get("update_status") not in dict(opening):
            self.initial["update_status"] = opening[0][0]
        if len(opening) == 1:  # an announcement: nothing to choose
            field.widget = forms.HiddenInput()

    def _help_messages(self, text: StrOrPromise) -> None:
        default = build_localized_fieldname("message", settings.LANGUAGE_CODE)
        for name in per_language("message"):
            if name in self.fields:
                self.fields[name].help_text = text if name == default else OPTIONAL_TRANSLATION

    def component_statuses(self) -> dict[Component, str]:
        """Components given a status on this form (only those that change, when editing)."""
        chosen = {}
        for component in self.components:
            status = self.cleaned_data.get(component_field_name(component), NOT_AFFECTED)
            if status == NOT_AFFECTED:
                continue
            field = self[component_field_name(component)]
            if self.editing and status == field.initial:
                continue  # shown as already set by this incident; not a new change
            chosen[component] = status
        return chosen

    def function_states(self) -> dict[str, str]:
        """{function id: state} for the functions given a state; the rest are derived."""
        states = {
            function.pk: self.cleaned_data.get(function_field_name(function)) or DERIVED
            for function in self.functions
            if function_field_name(function) in self.fields
        }
        return {pk: state for pk, state in states.items() if state != DERIVED}

    def sets_function_states(self) -> bool:
        """Whether this screen shows the functions (a screen without them keeps the states)."""
        return any(function_field_name(f) in self.fields for f in self.functions)

    def message(self) -> dict[str, str]:
        return texts_from(self.cleaned_data, "message")

    def wants_update(self) -> bool:
        """Whether the operator touched the "post an update" part of the form: a message, a
        new status, a component or a next-update time. Any of them posts an update, so each
        needs a message."""
        data = self.cleaned_data
        return bool(
            any(self.message().values())
            or data.get("update_status") != self.instance.status
            or self.component_statuses()
            or data.get("next_update_by")
        )

    def own_fields(self) -> dict[str, Any]:
        """The incident's own fields as `edit_incident` takes them (texts per language)."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            name: data[name] for name in OWN_FIELDS if name in data and name in self.fields
        }
        for field in TRANSLATED:
            for name in per_language(field):
                fields.pop(name, None)
            # Only the languages whose text changed: the others stay as they are (an empty
            # box shown for a missing translation is not a new, empty one).
            changed = {
                code: text
                for code, text in texts_from(data, field).items()
                if text != (self.initial.get(build_localized_fieldname(field, code)) or "")
            }
            if changed:
                fields[field] = changed
        if self.sets_function_states():
            fields["function_states"] = self.function_states()
        return fields

    def edit(self) -> dict[str, Any]:
        """This form as the arguments of `services.edit_incident` (and `check_edit`)."""
        data = self.cleaned_data
        wants_update = self.wants_update()
        return {
            "status": data["update_status"],
            "body": self.message() if wants_update else None,
            "next_update_by": data.get("next_update_by") if wants_update else None,
            "reopen": data.get("reopen", False),
            "component_statuses": self.component_statuses(),
            **self.own_fields(),
        }

    def _post_clean(self) -> None:
        # Not a field of the form's model part: one select per function makes it up.
        if self.sets_function_states() or not self.editing:
            self.instance.function_states = self.function_states() if self.is_bound else {}
        # django-stubs leaves out BaseModelForm._post_clean, where Django validates the model.
        super()._post_clean()  # type: ignore[misc]  # the model's own rules, on the fields above
        if self.errors:
            return
        try:
            if self.editing:
                services.check_edit(self.instance, **self.edit())
            else:
                self.instance.status = self.cleaned_data["update_status"]
                services.check_opening(
                    self.instance,
                    body=self.message(),
                    component_statuses=self.component_statuses(),
                    next_update_by=self.cleaned_data.get("next_update_by"),
                )
        except ValidationError as exc:
            for key, errors in exc.update_error_dict({}).items():
                field = FIELD_OF_SERVICE_KEY.get(key, key)
                self.add_error(field if field in self.fields else None, errors)


class IncidentUpdateForm(TranslatedTextsForm):
    """A posted update's text per language and its time, as the inline corrects them."""

    translated = {"body": MESSAGE_LABEL}

    class Meta:
        model = IncidentUpdate
        fields = [*per_language("body"), "display_at"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in per_language("body")}


class IncidentTemplateForm(TranslatedTextsForm):
    translated = {
        "title": IncidentTemplate._meta.get_field("title").verbose_name,
        "body": IncidentTemplate._meta.get_field("body").verbose_name,
        "cause_note": IncidentTemplate._meta.get_field("cause_note").verbose_name,
    }
    reassurances = forms.MultipleChoiceField(
        label=_("Reassurances"),
        choices=Reassurance.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = IncidentTemplate
        fields = [
            "name",
            "kind",
            *per_language("title"),
            *per_language("body"),
            "update_status",
            "cause",
            *per_language("cause_note"),
            "channels",
            "reassurances",
            "components",
            "component_status",
            "should_send_notifications",
        ]
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "components": forms.CheckboxSelectMultiple,
            **{name: forms.Textarea(attrs={"rows": 4}) for name in per_language("body")},
            **{name: forms.Textarea(attrs={"rows": 2}) for name in per_language("cause_note")},
        }
        # The model's field has no verbose name.
        labels = {"components": _("affected components")}


class FunctionForm(TranslatedTextsForm):
    translated = {"name": Function._meta.get_field("name").verbose_name}

    class Meta:
        model = Function
        fields = [*per_language("name"), "components", "position"]
        widgets = {"components": forms.CheckboxSelectMultiple}


def https_urls(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Model fields as form fields, links without a scheme read as https (Django 6's default)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class AlternativeChannelForm(TranslatedTextsForm):
    translated = {"label": AlternativeChannel._meta.get_field("label").verbose_name}

    class Meta:
        model = AlternativeChannel
        fields = [*per_language("label"), "url", "phone", "position"]
        formfield_callback = https_urls


class RecurringMaintenanceForm(TranslatedTextsForm):
    """A recurring window with its days as checkboxes and its components; refuses windows that
    overlap another schedule's on a shared component."""

    translated = {
        "name": RecurringMaintenance._meta.get_field("name").verbose_name,
        "body": RecurringMaintenance._meta.get_field("body").verbose_name,
    }
    weekdays = forms.MultipleChoiceField(
        label=_("on"),
        choices=[(code, WEEKDAYS[n]) for n, code in enumerate(WEEKDAY_CODES)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Weekly windows start on these days."),
    )
    # Not a model field here: the service sets the components together with the schedule.
    components = forms.ModelMultipleChoiceField(
        label=_("affected components"),
        queryset=Component.objects.select_related("group"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = RecurringMaintenance
        fields = [
            *per_language("name"),
            *per_language("body"),
            "channels",
            "frequency",
            "interval",
            "weekdays",
            "start_time",
            "duration_minutes",
            "time_zone",
            "starts_on",
            "ends_on",
            "remind_prior",
            "auto_in_progress",
            "auto_completed",
            "notify_on_create",
            "active",
        ]
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            **{name: forms.Textarea(attrs={"rows": 4}) for name in per_language("body")},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = self.instance.weekday_codes
        if not self.instance._state.adding:
            self.initial["components"] = list(self.instance.components.all())

    def clean_weekdays(self) -> str:
        return ",".join(self.cleaned_data["weekdays"])

    def _post_clean(self) -> None:
        # The model's own checks: zone, days, windows running into each other.
        super()._post_clean()  # type: ignore[misc]  # not in django-stubs, see IncidentForm
        if not self.errors and self.instance.active:
            try:
                self.instance.check_overlaps(list(self.cleaned_data["components"]))
            except ValidationError as exc:
                self.add_error(None, exc)
