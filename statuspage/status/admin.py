"""The operator's console. Every save goes through the service functions, so the admin writes
exactly what the API writes: updates, status log, impact, notifications and the page version.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, URLField
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import path, reverse
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
    IncidentKind,
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

admin.site.site_header = _("Status page operations")
admin.site.site_title = _("Status page operations")
admin.site.index_title = _("Operations")
admin.site.site_url = "/"


def titled(filter_class: type[admin.FieldListFilter], title: StrOrPromise):
    """`filter_class` under our own (translated) title, for a field without a verbose name."""

    class Titled(filter_class):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


@admin.register(Page)
class PageAdmin(TranslationAdmin):
    list_display = ["name", "time_zone", "last_changed"]
    fields = ["name", "time_zone", "homepage_url"]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}  # Django 6's default

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("last changed"), ordering="updated_at")
    def last_changed(self, page: Page) -> datetime:
        return page.updated_at

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
    """The append-only log: readable, never editable. Its fields have no verbose names in the
    model, so every column, filter and line of its page is named here."""

    list_display = ["when", "component_name", "old", "new", "cause_shown", "actor_shown"]
    list_filter = [
        ("cause", titled(admin.ChoicesFieldListFilter, _("cause"))),
        ("new_status", titled(admin.ChoicesFieldListFilter, _("new status"))),
        ("component", titled(admin.RelatedFieldListFilter, _("component"))),
    ]
    list_select_related = ["component", "component__group"]
    date_hierarchy = "at"
    readonly_fields = ["when", "component_name", "old", "new", "cause_shown", "update_shown",
                       "actor_shown"]  # fmt: skip
    fields = tuple(readonly_fields)

    @admin.display(description=_("when"), ordering="at")
    def when(self, change: StatusChange) -> datetime:
        return change.at

    @admin.display(description=_("component"), ordering="component")
    def component_name(self, change: StatusChange) -> str:
        return change.component.display_name

    @admin.display(description=_("from"), ordering="old_status")
    def old(self, change: StatusChange) -> str:
        return change.get_old_status_display()

    @admin.display(description=_("to"), ordering="new_status")
    def new(self, change: StatusChange) -> str:
        return change.get_new_status_display()

    @admin.display(description=_("cause"), ordering="cause")
    def cause_shown(self, change: StatusChange) -> str:
        return change.get_cause_display()

    @admin.display(description=_("incident update"))
    def update_shown(self, change: StatusChange) -> str:
        update = change.incident_update
        if update is None:
            return "—"
        url = reverse("admin:status_incident_change", args=[update.incident_id])
        return format_html('<a href="{}">{}</a>', url, update.incident.name)

    @admin.display(description=_("by"), ordering="actor")
    def actor_shown(self, change: StatusChange) -> str:
        return change.actor or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Named in words on its page (the model's own name for it is a line of codes)."""
        change = self.get_object(request, object_id)
        if change is not None:
            summary = (
                f"{change.component.display_name}: "
                f"{change.get_old_status_display()} → {change.get_new_status_display()}"
            )
            extra_context = {**(extra_context or {}), "change_summary": summary,
                             "subtitle": summary}  # fmt: skip
        return super().change_view(request, object_id, form_url, extra_context)


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


# Each kind's screen: what its add and change pages are called and what closes it.
ADD_TITLE = {
    IncidentKind.INCIDENT: _("New incident"),
    IncidentKind.MAINTENANCE: _("New scheduled maintenance"),
    IncidentKind.ANNOUNCEMENT: _("New announcement"),
}
CLOSE_LABEL = {
    IncidentKind.INCIDENT: _("Resolve this incident"),
    IncidentKind.MAINTENANCE: _("Complete this maintenance"),
    IncidentKind.ANNOUNCEMENT: _("End this announcement"),
}
CLOSE_CONFIRM = {
    IncidentKind.INCIDENT: _(
        "Resolve this incident? Its components go back to operational and subscribers are told."
    ),
    IncidentKind.MAINTENANCE: _(
        "Complete this maintenance? Its components go back to operational and subscribers are told."
    ),
    IncidentKind.ANNOUNCEMENT: _("End this announcement? It leaves the page."),
}
CLOSED_MESSAGE = {
    IncidentKind.INCIDENT: _("“%(name)s” is resolved; its components are operational again."),
    IncidentKind.MAINTENANCE: _("“%(name)s” is completed; its components are operational again."),
    IncidentKind.ANNOUNCEMENT: _("“%(name)s” has ended."),
}


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """One screen per kind, each with only its own fields: an incident (title, components,
    first update; cause, channels, promises, functions and the impact override folded away),
    a maintenance (its window first) and an announcement (its expiry). A template opens the
    screen of its kind with everything filled in; an open incident closes with one button."""

    form = IncidentForm
    list_display = ["name", "kind", "status", "draft", "missed_promises", "impact_shown",
                    "opened_at", "closed_at"]  # fmt: skip
    list_filter = [
        MissedPromiseFilter,
        "draft",
        "kind",
        "status",
        ("impact", titled(admin.ChoicesFieldListFilter, _("impact"))),
        "cause",
    ]
    search_fields = [*per_language("name"), *(f"updates__{f}" for f in per_language("body"))]
    date_hierarchy = "created_at"
    inlines = [IncidentUpdateInline]
    actions = ["resolve_selected"]
    change_form_template = "admin/status/incident/change_form.html"
    change_list_template = "admin/status/incident/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return overdue.with_promises(super().get_queryset(request)).distinct()

    @admin.display(description=_("impact"), ordering="impact")
    def impact_shown(self, incident: Incident) -> str:
        return incident.get_impact_display()

    @admin.display(description=_("opened"), ordering="created_at")
    def opened_at(self, incident: Incident) -> datetime:
        return incident.created_at

    @admin.display(description=_("closed"), ordering="resolved_at")
    def closed_at(self, incident: Incident) -> datetime | None:
        return incident.resolved_at

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

    def _template(self, request: HttpRequest) -> IncidentTemplate | None:
        template_id = request.GET.get("template")
        if not template_id:
            return None
        return IncidentTemplate.objects.filter(pk=template_id).first()

    def screen_kind(self, request: HttpRequest, obj: Incident | None = None) -> str:
        """The kind whose screen this is: the incident's; for a new one the kind posted, asked
        for (?kind=maintenance) or the template's; an incident when none (or an unknown one)."""
        if obj is not None:
            return obj.kind
        kind = request.POST.get("kind") or request.GET.get("kind")
        if not kind:
            template = self._template(request)
            kind = template.kind if template is not None else None
        return kind if kind in IncidentKind.values else IncidentKind.INCIDENT

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = IncidentForm.with_component_fields(
            self._components(), self._functions(), kind=self.screen_kind(request, obj)
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Incident | None = None):
        kind = self.screen_kind(request, obj)
        folded = ["collapse"]

        def unless_set(*fields: str) -> list[str]:
            """Folded, unless the incident already says something there."""
            if obj is None:
                return folded
            if "channels" in fields and obj.channels.exists():
                return []
            said = any(getattr(obj, f) not in (None, "", [], {}) for f in fields if f != "channels")
            return [] if said else folded

        head = ("kind", per_language("name"))
        update = (
            _("Post an update") if obj else _("First update"),
            {
                "fields": [
                    "update_status",
                    per_language("message"),
                    "notify",
                    *(["reopen"] if obj else []),
                ]
            },
        )
        components = (
            _("Components"),
            {
                "fields": [component_field_name(c) for c in self._components()],
                "description": _("Choose the status each affected component should have."),
            },
        )
        functions = [function_field_name(f) for f in self._functions()]
        functions_set = (
            [
                (
                    _("Functions"),
                    {
                        "classes": [] if obj and obj.function_states else folded,
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
        )
        if kind == IncidentKind.MAINTENANCE:
            meanwhile = ["cause_note", "reassurances", "channels"]
            return [
                (None, {"fields": head}),
                (
                    _("Maintenance window"),
                    {
                        "fields": [
                            "scheduled_for",
                            "scheduled_until",
                            "scheduled_remind_prior",
                            "scheduled_auto_in_progress",
                            "scheduled_auto_completed",
                            *(["recurrence"] if obj and obj.recurrence_id else []),
                        ]
                    },
                ),
                components,
                update,
                (
                    _("What visitors should do meanwhile"),
                    {
                        "classes": unless_set(*meanwhile),
                        "fields": [
                            per_language("cause_note"),
                            "channels",
                            "reassurances",
                            "next_update_by",
                        ],
                    },
                ),
                *functions_set,
            ]
        if kind == IncidentKind.ANNOUNCEMENT:
            meanwhile = ["cause_note", "reassurances", "channels"]
            return [
                (None, {"fields": [*head, "expires_at"]}),
                update,
                (
                    _("What visitors should do meanwhile"),
                    {
                        "classes": unless_set(*meanwhile),
                        "fields": [per_language("cause_note"), "channels", "reassurances"],
                    },
                ),
            ]
        meanwhile = ["cause", "cause_note", "reassurances", "expected_recovery_at", "channels"]
        return [
            (None, {"fields": head}),
            components,
            update,
            (
                _("What visitors should do meanwhile"),
                {
                    "classes": unless_set(*meanwhile),
                    "fields": [
                        "cause",
                        per_language("cause_note"),
                        "channels",
                        "reassurances",
                        "expected_recovery_at",
                        "next_update_by",
                    ],
                },
            ),
            *functions_set,
            (
                _("Impact"),
                {"classes": unless_set("impact_override"), "fields": ["impact_override"]},
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None):
        return ["kind", "recurrence"] if obj else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Django's initial data holds GET strings; a template adds a boolean and model values.
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        template = self._template(request)
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
                    initial[build_localized_fieldname(own, code)] = text_in(template, theirs, code)
            for component in template.components.all():
                initial[component_field_name(component)] = (
                    template.component_status or component.status
                )
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id is None:
            kind = self.screen_kind(request)
            template = self._template(request)
            extra_context["title"] = (
                _("New from the template “%(name)s”") % {"name": template.name}
                if template is not None
                else ADD_TITLE[IncidentKind(kind)]
            )
            extra_context["incident_templates"] = IncidentTemplate.objects.filter(kind=kind)
            extra_context["screen_kind"] = kind
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.draft and self.has_change_permission(request, obj):
            # Issue 13: a monitor's draft is published with one button (services.publish_draft).
            context["publish_url"] = reverse("admin:status_incident_publish", args=[obj.pk])
        elif obj is not None and not obj.is_closed and self.has_change_permission(request, obj):
            context["close_url"] = reverse("admin:status_incident_resolve", args=[obj.pk])
            context["close_label"] = CLOSE_LABEL[IncidentKind(obj.kind)]
            context["close_confirm"] = CLOSE_CONFIRM[IncidentKind(obj.kind)]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["incident_templates"] = IncidentTemplate.objects.all()
        extra_context["add_titles"] = [(kind.value, ADD_TITLE[kind]) for kind in IncidentKind]
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        resolve = path(
            "<path:object_id>/resolve/",
            self.admin_site.admin_view(self.resolve_view),
            name="status_incident_resolve",
        )
        publish = path(
            "<path:object_id>/publish/",
            self.admin_site.admin_view(self.publish_view),
            name="status_incident_publish",
        )
        return [resolve, publish, *super().get_urls()]

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Issue 13: a draft's one button: put it on the page and tell subscribers."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        incident = self.get_object(request, object_id)
        if incident is None:
            raise Http404
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        change_url = reverse("admin:status_incident_change", args=[incident.pk])
        if not incident.draft:
            self.message_user(request, _("This incident is already published."), messages.WARNING)
            return HttpResponseRedirect(change_url)
        services.publish_draft(incident, author=request.user)
        self.message_user(
            request, _("“%(name)s” is published.") % {"name": incident.name}, messages.SUCCESS
        )
        return HttpResponseRedirect(change_url)

    def resolve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The change page's one button: close the incident through `services.resolve` (its
        components back to operational, subscribers told) and say so."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        incident = self.get_object(request, object_id)
        if incident is None:
            raise Http404
        if not self.has_change_permission(request, incident):
            raise PermissionDenied
        change_url = reverse("admin:status_incident_change", args=[incident.pk])
        if incident.is_closed:
            self.message_user(request, _("This is already closed."), messages.WARNING)
            return HttpResponseRedirect(change_url)
        services.resolve(incident, author=request.user)
        self.message_user(
            request,
            CLOSED_MESSAGE[IncidentKind(incident.kind)] % {"name": incident.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(change_url)

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
                channels=data.get("channels") or (),
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
