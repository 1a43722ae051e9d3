"""The operator's console. Every save goes through the service functions, so the admin writes
exactly what the API writes: updates, status log, impact, notifications and the page version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet, URLField
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import build_localized_fieldname

from statuspage.lib.admin import ReadOnlyLog
from statuspage.lib.zones import zone_label
from statuspage.status import overdue, services
from statuspage.status.forms import (
    AlternativeChannelForm,
    FunctionForm,
    IncidentForm,
    IncidentTemplateForm,
    IncidentUpdateForm,
    RecurringMaintenanceForm,
    component_field_name,
    function_field_name,
    per_language,
)
from statuspage.status.models import (
    AlternativeChannel,
    Component,
    ComponentGroup,
    ComponentStatus,
    Function,
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
from statuspage.status.translation import language_codes, text_in

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
                (timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"), c.get_old_status_display(),
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
            _("When (%(zone)s)") % {"zone": zone_label(timezone.get_current_timezone())},
            _("From"), _("To"), _("Cause"), rows, link, _("All changes"),
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
    """Posted updates, newest first. Text (per language) and time can be corrected; new ones
    come from the "Post an update" fields above, so that status and components change with
    them."""

    model = IncidentUpdate
    form = IncidentUpdateForm
    extra = 0
    can_delete = False
    fields = [
        "status",
        per_language("body"),
        "display_at",
        "next_update_by",
        "deliver_notifications",
        "changes",
    ]
    readonly_fields = ["status", "next_update_by", "deliver_notifications", "changes"]
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


class MissedPromiseFilter(admin.SimpleListFilter):
    """Open incidents whose expected recovery or promised next update has passed."""

    title = _("promises")
    parameter_name = "missed"

    def lookups(self, request, model_admin):
        return [
            ("any", _("Any promise missed")),
            ("recovery", _("Recovery time passed")),
            ("next_update", _("Next update overdue")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "any":
            return queryset.filter(overdue.missed(now))
        if self.value() == "recovery":
            return queryset.filter(overdue.missed_recovery(now))
        if self.value() == "next_update":
            return queryset.filter(overdue.missed_next_update(now))
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentForm
    list_display = ["name", "kind", "status", "missed_promises", "impact", "created_at",
                    "resolved_at"]  # fmt: skip
    list_filter = [MissedPromiseFilter, "kind", "status", "impact", "cause"]
    search_fields = [*per_language("name"), *(f"updates__{f}" for f in per_language("body"))]
    date_hierarchy = "created_at"
    inlines = [IncidentUpdateInline]
    actions = ["resolve_selected"]
    change_form_template = "admin/status/incident/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return overdue.with_promises(super().get_queryset(request)).distinct()

    @admin.display(description=_("missed promises"))
    def missed_promises(self, incident: Incident) -> str:
        """What the operators were (or are about to be) alerted of: a passed expected recovery,
        a passed "next update by"."""
        flags = overdue.missed_promises(incident)
        if not flags:
            return ""
        return format_html_join(
            " ", '<span class="missed-promise">{}</span>', ((flag,) for flag in flags)
        )

    def _components(self) -> list[Component]:
        return list(
            Component.objects.select_related("group").order_by("group__position", "position")
        )

    def _functions(self) -> list[Function]:
        return list(Function.objects.all())

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = IncidentForm.with_component_fields(self._components(), self._functions())
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None):
        update_fields = [
            "update_status",
            per_language("message"),
            "next_update_by",
            "notify",
            *(["reopen"] if obj else []),
        ]
        functions = [function_field_name(f) for f in self._functions()]
        return [
            (None, {"fields": ["kind", per_language("name"), "cause", "impact_override"]}),
            (
                _("What visitors should do meanwhile"),
                {
                    "fields": [
                        per_language("cause_note"),
                        "channels",
                        "reassurances",
                        "expected_recovery_at",
                    ]
                },
            ),
            *(
                [
                    (
                        _("Functions"),
                        {
                            "fields": functions,
                            "description": _(
                                "What borrowers can do. Leave a function derived from its "
                                "components, or say how it is doing during this incident."
                            ),
                        },
                    )
                ]
                if functions
                else []
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
                    update_status=template.update_status,
                    cause=template.cause,
                    channels=list(template.channels.all()),
                    reassurances=template.reassurances,
                    notify=template.should_send_notifications,
                )
                for own, theirs in (("name", "title"), ("message", "body"),
                                    ("cause_note", "cause_note")):  # fmt: skip
                    for code in language_codes():
                        initial[build_localized_fieldname(own, code)] = text_in(
                            template, theirs, code
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
                body=form.message(),
                component_statuses=form.component_statuses(),
                channels=data["channels"],
                next_update_by=data.get("next_update_by"),
                notify=data["notify"],
                author=request.user,
            )

    def save_related(self, request, form, formsets, change) -> None:
        """Corrections to posted updates go through the service (the formset only collects)."""
        for formset in formsets:
            for update in formset.save(commit=False):
                services.edit_update(
                    update,
                    body={code: text_in(update, "body", code) for code in language_codes()},
                    display_at=update.display_at,
                )

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
    form = IncidentTemplateForm
    list_display = ["name", "kind", "title", "update_status", "use_link"]
    list_filter = ["kind"]
    filter_horizontal = ["components"]
    fields = [
        "name",
        "kind",
        per_language("title"),
        per_language("body"),
        "update_status",
        "cause",
        per_language("cause_note"),
        "channels",
        "reassurances",
        "components",
        "component_status",
        "should_send_notifications",
    ]

    def save_model(self, request, obj: IncidentTemplate, form, change: bool) -> None:
        services.save_template(
            obj, form.cleaned_data["components"], channels=form.cleaned_data["channels"]
        )

    def save_related(self, request, form, formsets, change) -> None:
        pass  # save_model set the components and channels

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
    search_fields = per_language("name")
    readonly_fields = ["windows_ahead"]
    fieldsets = [
        (
            None,
            {"fields": [per_language("name"), per_language("body"), "channels", "components"]},
        ),
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
                 o.scheduled_for.astimezone(zone).strftime("%Y-%m-%d %H:%M ")
                 + zone_label(zone, o.scheduled_for))
                for o in upcoming
                if o.scheduled_for is not None
            ),
        ) or "—"  # fmt: skip

    def save_model(self, request, obj, form, change) -> None:
        services.save_recurring_maintenance(
            obj, form.cleaned_data["components"], channels=form.cleaned_data["channels"]
        )

    def save_related(self, request, form, formsets, change) -> None:
        """save_model already saved the components and channels with the schedule."""

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


@admin.register(Function)
class FunctionAdmin(admin.ModelAdmin):
    """What a borrower can do (borrow, repay, raise the limit) and the components it needs."""

    form = FunctionForm
    list_display = ["name", "depends_on", "position"]
    list_editable = ["position"]
    fields = [per_language("name"), "components", "position"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Function]:
        return super().get_queryset(request).prefetch_related("components__group")

    @admin.display(description=_("depends on"))
    def depends_on(self, function: Function) -> str:
        return ", ".join(c.display_name for c in function.components.all()) or "—"

    def save_model(self, request, obj: Function, form, change: bool) -> None:
        services.save_function(obj, form.cleaned_data["components"])

    def save_related(self, request, form, formsets, change) -> None:
        """save_function already set the components."""

    def delete_model(self, request, obj: Function) -> None:
        services.delete_function(obj)

    def delete_queryset(self, request, queryset) -> None:
        for function in queryset:
            services.delete_function(function)


@admin.register(AlternativeChannel)
class AlternativeChannelAdmin(admin.ModelAdmin):
    """Where borrowers can go while the usual way is down: a link or a number to call."""

    form = AlternativeChannelForm
    list_display = ["label", "url", "phone", "position"]
    list_editable = ["position"]
    fields = [per_language("label"), "url", "phone", "position"]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}  # Django 6's default

    def save_model(self, request, obj: AlternativeChannel, form, change: bool) -> None:
        services.save_channel(obj)

    def delete_model(self, request, obj: AlternativeChannel) -> None:
        services.delete_channel(obj)

    def delete_queryset(self, request, queryset) -> None:
        for channel in queryset:
            services.delete_channel(channel)
