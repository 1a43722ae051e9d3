"""Operator forms: one screen to open an incident (or post an update) with its components."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from statuspage.status import services
from statuspage.status.models import (
    WEEKDAY_CODES,
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
    RecurringMaintenance,
)

COMPONENT_PREFIX = "component_"
NOT_AFFECTED = ""


def component_field_name(component: Component) -> str:
    return f"{COMPONENT_PREFIX}{component.pk}"


# The incident's own fields on the form; `kind` is chosen once, when the incident is opened.
OWN_FIELDS = [
    "name",
    "cause",
    "impact_override",
    "cause_note",
    "channels",
    "reassurances",
    "function_states",
    "expected_recovery_at",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "expires_at",
]
# The service's names for this form's update fields.
FIELD_OF_SERVICE_KEY = {"status": "update_status", "body": "message"}


class IncidentForm(forms.ModelForm):
    """The incident's own fields, plus the update it posts and the components it sets.

    Subclassed per request by `with_component_fields` so that every component gets a
    choice field ("not affected" or the status to set). The rules are the services': the
    form asks them (`check_opening`, `check_edit`) and shows their errors on its fields.
    """

    update_status = forms.ChoiceField(label=_("Status"), choices=IncidentStatus.choices)
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Markdown. Shown on the page and sent to subscribers."),
    )
    notify = forms.BooleanField(label=_("Notify subscribers"), required=False, initial=True)
    reopen = forms.BooleanField(
        label=_("Reopen"),
        required=False,
        help_text=_("Needed to post an update on a closed incident."),
    )

    class Meta:
        model = Incident
        fields = ["kind", *OWN_FIELDS]
        widgets = {"cause_note": forms.Textarea(attrs={"rows": 2})}

    components: list[Component] = []

    @classmethod
    def with_component_fields(cls, components: list[Component]) -> type[IncidentForm]:
        choices = [(NOT_AFFECTED, _("— not affected —")), *ComponentStatus.choices]
        fields = {
            component_field_name(c): forms.ChoiceField(
                label=c.display_name, choices=choices, required=False
            )
            for c in components
        }
        return type("IncidentForm", (cls,), {**fields, "components": components})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.editing = not self.instance._state.adding
        if self.editing:
            self.fields["update_status"].initial = self.instance.status
            cast(forms.ChoiceField, self.fields["update_status"]).choices = [
                (s, IncidentStatus(s).label) for s in self.instance.allowed_statuses
            ]
            self.fields["message"].help_text = _(
                "Write a message to post an update. Changing the status or a component needs one."
            )
            affected = set(self.instance.components.values_list("pk", flat=True))
            for component in self.components:
                if component.pk in affected:
                    self.fields[component_field_name(component)].initial = component.status

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

    def wants_update(self) -> bool:
        """Whether the operator touched the "post an update" part of the form: a message, a
        new status or a component. Any of them posts an update, so each needs a message."""
        data = self.cleaned_data
        return bool(
            data.get("message", "").strip()
            or data.get("update_status") != self.instance.status
            or self.component_statuses()
        )

    def edit(self) -> dict[str, Any]:
        """This form as the arguments of `services.edit_incident` (and `check_edit`)."""
        data = self.cleaned_data
        return {
            "status": data["update_status"],
            "body": data["message"] if self.wants_update() else None,
            "reopen": data.get("reopen", False),
            "component_statuses": self.component_statuses(),
            **{name: data[name] for name in OWN_FIELDS if name in data},
        }

    def _post_clean(self) -> None:
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
                    body=self.cleaned_data["message"],
                    component_statuses=self.component_statuses(),
                )
        except ValidationError as exc:
            for key, errors in exc.update_error_dict({}).items():
                field = FIELD_OF_SERVICE_KEY.get(key, key)
                self.add_error(field if field in self.fields else None, errors)


class RecurringMaintenanceForm(forms.ModelForm):
    """A recurring window with its days as checkboxes and its components; refuses windows that
    overlap another schedule's on a shared component."""

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
            "name",
            "body",
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
            "body": forms.Textarea(attrs={"rows": 4}),
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
