"""Operator forms: one screen to open an incident (or post an update) with its components."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from statuspage.status import services
from statuspage.status.models import (
    STATUSES_BY_KIND,
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


class IncidentForm(forms.ModelForm):
    """The incident's own fields, plus the update it posts and the components it sets.

    Subclassed per request by `with_component_fields` so that every component gets a
    choice field ("not affected" or the status to set).
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
        fields = [
            "kind",
            "name",
            "cause",
            "impact_override",
            "alternative_channel",
            "expected_recovery_at",
            "scheduled_for",
            "scheduled_until",
            "scheduled_remind_prior",
            "scheduled_auto_in_progress",
            "scheduled_auto_completed",
            "expires_at",
        ]
        widgets = {"alternative_channel": forms.Textarea(attrs={"rows": 2})}

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
            self.fields["update_status"].choices = [
                (s, IncidentStatus(s).label) for s in STATUSES_BY_KIND[self.instance.kind]
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
        if not self.editing:
            return True
        data = self.cleaned_data
        return bool(
            data.get("message", "").strip()
            or data.get("update_status") != self.instance.status
            or self.component_statuses()
        )

    def clean(self) -> dict:
        data = super().clean()
        status = data.get("update_status")
        message = data.get("message", "")
        kind = self.instance.kind if self.editing else data.get("kind")
        if not kind or not status:
            return data
        try:
            if self.editing:
                if self.wants_update():
                    services.check_update(
                        self.instance, status=status, body=message, reopen=data.get("reopen", False)
                    )
            else:
                if status not in STATUSES_BY_KIND[kind]:
                    raise ValidationError(
                        {"status": _("This status does not belong to the chosen kind.")}
                    )
                if not message.strip():
                    raise ValidationError({"body": _("Write a message for this update.")})
        except ValidationError as exc:
            mapping = {"status": "update_status", "body": "message"}
            for field, errors in exc.message_dict.items():
                self.add_error(mapping.get(field, field if field in self.fields else None), errors)
        self._check_rescheduled_window(data)
        return data

    def _check_rescheduled_window(self, data: dict) -> None:
        """A maintenance not yet begun cannot be moved into the past (a new one cannot be
        created there either: see Incident.clean)."""
        moved = {"scheduled_for", "scheduled_until"} & set(self.changed_data)
        until = data.get("scheduled_until")
        if (
            self.editing
            and moved
            and self.instance.status == IncidentStatus.SCHEDULED
            and until is not None
            and until <= timezone.now()
        ):
            self.add_error("scheduled_until", _("This maintenance window is already over."))


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
            "alternative_channel",
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
            "alternative_channel": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = self.instance.weekday_codes
        if not self.instance._state.adding:
            self.initial["components"] = list(self.instance.components.all())

    def clean_weekdays(self) -> str:
        return ",".join(self.cleaned_data["weekdays"])

    def _post_clean(self) -> None:
        super()._post_clean()  # the model's own checks: zone, days, windows running into each other
        if not self.errors and self.instance.active:
            try:
                self.instance.check_overlaps(list(self.cleaned_data["components"]))
            except ValidationError as exc:
                self.add_error(None, exc)
