"""Operator forms: one screen to open an incident (or post an update) with its components."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from statuspage.status import services
from statuspage.status.models import (
    STATUSES_BY_KIND,
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
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
        return data
