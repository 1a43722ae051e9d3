"""The operator's console. Every save goes through the service functions, so the admin writes
exactly what the API writes: updates, status log, impact, notifications and the page version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet, URLField
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from statuspage.lib.admin import ReadOnlyLog
from statuspage.status import services
from statuspage.status.forms import IncidentForm, RecurringMaintenanceForm, component_field_name
from statuspage.status.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentQuerySet,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    RecurringMaintenance,
    SelfHelpTopic,
    StatusChange,
    StatusChangeCause,
)

admin.site.site_header = _("Status page operations")
admin.site.site_title = _("Status page operations")
admin.site.index_title = _("Operations")
admin.site.site_url = "/"


@admin.register(Page)
class PageAdmin(TranslationAdmin):
    list_display = ["name", "time_zone", "updated_at"]
    fields = ["name", "time_zone", "homepage_url"]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}  # Django 6's default

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.save_page(obj)


@admin.register(ComponentGroup)
class ComponentGroupAdmin(TranslationAdmin):
    list_display = ["name", "position", "collapsed", "member_count"]
    list_editable = ["position", "collapsed"]
    fields = ["name", "description", "position", "collapsed"]

    @admin.display(description=_("components"))
    def member_count(self, group: ComponentGroup) -> int:
        return group.components.count()

    def save_model(self, request, obj, form, change) -> None:
        services.save_group(obj)

    def delete_model(self, request, obj) -> None:
        services.delete_group(obj)

    def delete_queryset(self, request, queryset) -> None:
        for group in queryset:
            services.delete_group(group)


@admin.register(Component)
class ComponentAdmin(TranslationAdmin):
    list_display = ["name", "group", "status", "position", "showcase", "only_show_if_degraded"]
    list_editable = ["status", "position"]
    list_filter = ["group", "status"]
    list_select_related = ["group"]
    search_fields = ["name", "description"]
    fields = [
        "name",
        "description",
        "group",
        "status",
        "position",
        "showcase",
        "only_show_if_degraded",
        "start_date",
        "recent_changes",
    ]
    readonly_fields = ["recent_changes"]

    @admin.display(description=_("status history"))
    def recent_changes(self, component: Component) -> str:
        if not component.pk:
            return "—"
        changes = component.changes.all()[:20]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (c.at.strftime("%Y-%m-%d %H:%M UTC"), c.get_old_status_display(),
                 c.get_new_status_display(), c.get_cause_display())
                for c in changes
            ),
        )  # fmt: skip
        link = (
            reverse("admin:status_statuschange_changelist")
            + f"?component__id__exact={component.pk}"
        )
        return format_html(
            '<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            '<tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("When"), _("From"), _("To"), _("Cause"), rows, link, _("All changes"),
        )  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        services.save_component(obj, author=request.user, cause=StatusChangeCause.OPERATOR)

    def delete_model(self, request, obj) -> None:
        services.delete_component(obj)

    def delete_queryset(self, request, queryset) -> None:
        for component in queryset:
            services.delete_component(component)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyLog, admin.ModelAdmin):
    """The append-only log: readable, never editable."""

    list_display = ["at", "component", "old_status", "new_status", "cause", "actor"]
    list_filter = ["cause", "new_status", "component"]
    list_select_related = ["component", "component__group"]
    date_hierarchy = "at"


class IncidentUpdateInline(admin.StackedInline):
    """Posted updates, newest first. Text and time can be corrected; new ones come from the
    "Post an update" fields above, so that status and components change with them."""

    model = IncidentUpdate
    extra = 0
    can_delete = False
    fields = ["status", "display_at", "body", "deliver_notifications", "changes"]
    readonly_fields = ["status", "deliver_notifications", "changes"]
    ordering = ["-display_at", "-created_at"]

    @admin.display(description=_("component changes"))
    def changes(self, update: IncidentUpdate) -> str:
        return format_html_join(
            ", ",
            "{}: {} → {}",
            (
                (a["name"], ComponentStatus(a["old_status"]).label,
                 ComponentStatus(a["new_status"]).label)
                for a in update.affected_components or []
            ),
        ) or "—"  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentForm
    list_display = ["name", "kind", "status", "impact", "created_at", "resolved_at"]
    list_filter = ["kind", "status", "impact", "cause"]
    search_fields = ["name", "updates__body"]
    date_hierarchy = "created_at"
    inlines = [IncidentUpdateInline]
    actions = ["resolve_selected"]
    change_form_template = "admin/status/incident/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return super().get_queryset(request).distinct()

    def _components(self) -> list[Component]:
        return list(
            Component.objects.select_related("group").order_by("group__position", "position")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = IncidentForm.with_component_fields(self._components())
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None):
        update_fields = ["update_status", "message", "notify"] + (["reopen"] if obj else [])
        return [
            (None, {"fields": ["kind", "name", "cause", "impact_override"]}),
            (
                _("What visitors should do meanwhile"),
                {
                    "fields": [
                        "cause_note",
                        "channels",
                        "reassurances",
                        "function_states",
                        "expected_recovery_at",
                    ]
                },
            ),
            (
                _("Maintenance window"),
                {
                    "classes": ["collapse"] if obj and not obj.is_maintenance else [],
                    "fields": [
                        "scheduled_for",
                        "scheduled_until",
                        "scheduled_remind_prior",
                        "scheduled_auto_in_progress",
                        "scheduled_auto_completed",
                        *(["recurrence"] if obj and obj.recurrence_id else []),
                    ],
                },
            ),
            (_("Announcement"), {"classes": ["collapse"], "fields": ["expires_at"]}),
            (_("Post an update") if obj else _("First update"), {"fields": update_fields}),
            (
                _("Components"),
                {
                    "fields": [component_field_name(c) for c in self._components()],
                    "description": _("Choose the status each affected component should have."),
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None):
        return ["kind", "recurrence"] if obj else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Django's initial data holds GET strings; a template adds a boolean and model values.
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        template_id = request.GET.get("template")
        if template_id:
            template = IncidentTemplate.objects.filter(pk=template_id).first()
            if template is not None:
                initial.update(
                    kind=template.kind,
                    name=template.title,
                    message=template.body,
                    update_status=template.update_status,
                    cause=template.cause,
                    cause_note=template.cause_note,
                    channels=list(template.channels.all()),
                    reassurances=template.reassurances,
                    notify=template.should_send_notifications,
                )
                for component in template.components.all():
                    initial[component_field_name(component)] = (
                        template.component_status or component.status
                    )
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id is None:
            extra_context["incident_templates"] = IncidentTemplate.objects.all()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Incident, form: IncidentForm, change: bool) -> None:
        """Open the incident, or edit it (posting the update), each in one service call."""
        data = form.cleaned_data
        if change:
            services.edit_incident(obj, **form.edit(), notify=data["notify"], author=request.user)
        else:
            services.open_incident(
                obj,
                body=data["message"],
                component_statuses=form.component_statuses(),
                notify=data["notify"],
                author=request.user,
            )

    def save_related(self, request, form, formsets, change) -> None:
        """Corrections to posted updates go through the service (the formset only collects)."""
        for formset in formsets:
            for update in formset.save(commit=False):
                services.edit_update(update, body=update.body, display_at=update.display_at)

    def delete_model(self, request, obj: Incident) -> None:
        services.delete_incident(obj)

    def delete_queryset(self, request, queryset) -> None:
        for incident in queryset:
            services.delete_incident(incident)

    @admin.action(description=_("Resolve (components back to operational)"))
    def resolve_selected(self, request: HttpRequest, queryset: IncidentQuerySet) -> None:
        open_incidents = list(queryset.open())
        for incident in open_incidents:
            services.resolve(incident, author=request.user)
        self.message_user(
            request,
            ngettext("Resolved %d incident.", "Resolved %d incidents.", len(open_incidents))
            % len(open_incidents),
            messages.SUCCESS,
        )


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "title", "update_status", "use_link"]
    list_filter = ["kind"]
    filter_horizontal = ["components"]
    fields = [
        "name",
        "kind",
        "title",
        "body",
        "update_status",
        "cause",
        "cause_note",
        "channels",
        "reassurances",
        "components",
        "component_status",
        "should_send_notifications",
    ]

    def save_model(self, request, obj: IncidentTemplate, form, change: bool) -> None:
        services.save_template(obj, form.cleaned_data["components"])

    def save_related(self, request, form, formsets, change) -> None:
        pass  # save_template set the components

    def delete_model(self, request, obj: IncidentTemplate) -> None:
        services.delete_template(obj)

    def delete_queryset(self, request, queryset) -> None:
        for template in queryset:
            services.delete_template(template)

    @admin.display(description=_("start an incident"))
    def use_link(self, template: IncidentTemplate) -> str:
        url = reverse("admin:status_incident_add") + f"?template={template.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Use"))


@admin.register(RecurringMaintenance)
class RecurringMaintenanceAdmin(admin.ModelAdmin):
    """Windows that repeat. Saving schedules the next ones as ordinary maintenances (beat keeps
    scheduling them ahead); an edit replaces the ones that have not begun."""

    form = RecurringMaintenanceForm
    list_display = ["name", "frequency", "start_time", "duration_minutes", "time_zone", "active"]
    list_filter = ["active", "frequency"]
    search_fields = ["name"]
    readonly_fields = ["windows_ahead"]
    fieldsets = [
        (None, {"fields": ["name", "body", "channels", "components"]}),
        (
            _("When"),
            {
                "fields": [
                    "frequency",
                    "interval",
                    "weekdays",
                    "start_time",
                    "duration_minutes",
                    "time_zone",
                    "starts_on",
                    "ends_on",
                ]
            },
        ),
        (
            _("Automation"),
            {
                "fields": [
                    "remind_prior",
                    "auto_in_progress",
                    "auto_completed",
                    "notify_on_create",
                    "active",
                    "windows_ahead",
                ]
            },
        ),
    ]

    @admin.display(description=_("scheduled windows"))
    def windows_ahead(self, schedule: RecurringMaintenance) -> str:
        if schedule._state.adding:
            return "—"
        upcoming = schedule.occurrences.filter(status=IncidentStatus.SCHEDULED).order_by(
            "scheduled_for"
        )
        zone = schedule.zone
        return format_html_join(
            "",
            '<p><a href="{}">{}</a></p>',
            (
                (reverse("admin:status_incident_change", args=[o.pk]),
                 o.scheduled_for.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"))
                for o in upcoming
            ),
        ) or "—"  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        services.save_recurring_maintenance(obj, form.cleaned_data["components"])

    def save_related(self, request, form, formsets, change) -> None:
        """The service already saved the components with the schedule."""

    def delete_model(self, request, obj) -> None:
        services.delete_recurring_maintenance(obj)

    def delete_queryset(self, request, queryset) -> None:
        for schedule in queryset:
            services.delete_recurring_maintenance(schedule)


@admin.register(SelfHelpTopic)
class SelfHelpTopicAdmin(TranslationAdmin):
    """The "everything is green but it does not work for me" answers shown on the page."""

    list_display = ["title", "position", "published"]
    list_editable = ["position", "published"]
    fields = ["title", "body", "position", "published"]

    def save_model(self, request, obj, form, change) -> None:
        services.save_self_help_topic(obj)

    def delete_model(self, request, obj) -> None:
        services.delete_self_help_topic(obj)

    def delete_queryset(self, request, queryset) -> None:
        for topic in queryset:
            services.delete_self_help_topic(topic)
