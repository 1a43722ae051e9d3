"""Incidents and scheduled maintenance: `/v1/pages/{page_id}/incidents…`.

Statuspage has one resource for both: a status of scheduled, in_progress, verifying or completed
(or a `scheduled_for` with no status) makes a maintenance. Creating posts the first update;
PATCH changes the incident's own fields, and posts a new update when it brings a new status
or a message, as Statuspage does. Components arrive as `{id: status}` (`components`) and
`component_ids` (affected, status unchanged). Every write is one service call or one
transaction of them, so the page, the status log and the notifications follow exactly as they
do for the admin.

Texts: Statuspage's `name` and `body` (and our `cause_note`) are the page's default language;
`translations` beside them gives the other languages' (`{"en": {"name": …, "body": …}}`). The
structured notice is written as codes and ids: `reassurances`, `function_states`,
`channel_ids`, `expected_recovery_at` and the posted update's `next_update_by`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from modeltranslation.utils import build_localized_fieldname
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import (
    ERRORS,
    PAGINATION_PARAMETERS,
    ManagementView,
    Pagination,
    wrapped,
)
from statuspage.api.errors import Unprocessable
from statuspage.api.fields import (
    ChannelRefs,
    ComponentRefs,
    ComponentStatusMap,
    Flag,
    FunctionStates,
    Reassurances,
    Text,
    Translations,
    texts_of,
)
from statuspage.shapes.fields import Timestamp
from statuspage.shapes.objects import ManagedIncidentSerializer
from statuspage.status import services
from statuspage.status.models import (
    CLOSED_STATUSES,
    FIRST_STATUS_BY_KIND,
    STATUSES_BY_KIND,
    Cause,
    Component,
    FunctionState,
    Impact,
    Incident,
    IncidentKind,
    IncidentStatus,
    Reassurance,
    StatusChangeCause,
)
from statuspage.status.translation import language_codes, set_texts

S = IncidentStatus
MAINTENANCE_STATUSES = STATUSES_BY_KIND[IncidentKind.MAINTENANCE]

# The incident's own fields, changed without posting an update (see services.edit_incident).
OWN_FIELDS = (
    "name",
    "impact_override",
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
    "metadata",
    "cause",
    "expected_recovery_at",
    "reassurances",
    "function_states",
)
# The incident's own texts, per language (the update's body is the update's).
OWN_TEXTS = ("name", "cause_note")
NAME_LIMIT, BODY_LIMIT, CAUSE_NOTE_LIMIT = 255, 25000, 5000
# Older clients' names for our fields.
ALIASES = {"message": "body", "scheduled_auto_transition": "scheduled_auto_in_progress"}

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def default_body(status: str) -> dict[str, str]:
    """The message of an update created without one (Statuspage only requires a name), in
    every language: it is page content, whoever's client posted it."""
    bodies = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            bodies[code] = str(_DEFAULT_BODIES[status])
    return bodies


_DEFAULT_BODIES: dict[str, StrOrPromise] = {
    S.INVESTIGATING: gettext_lazy("We are investigating this issue."),
    S.IDENTIFIED: gettext_lazy("The issue has been identified and a fix is being implemented."),
    S.MONITORING: gettext_lazy("A fix has been implemented and we are monitoring the results."),
    S.RESOLVED: gettext_lazy("This incident has been resolved."),
    S.POSTMORTEM: gettext_lazy("This incident has been resolved."),
    S.SCHEDULED: gettext_lazy("This maintenance has been scheduled."),
    S.IN_PROGRESS: gettext_lazy("The scheduled maintenance is in progress."),
    S.VERIFYING: gettext_lazy("The maintenance work is done and is being verified."),
    S.COMPLETED: gettext_lazy("The scheduled maintenance has been completed."),
}


class IncidentInput(serializers.Serializer):
    name = Text(max_length=NAME_LIMIT, help_text="In the page's default language.")
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    impact_override = serializers.ChoiceField(
        choices=[*Impact.choices, ("", "")], allow_null=True, required=False
    )
    body = Text(
        max_length=BODY_LIMIT,
        allow_blank=True,
        required=False,
        help_text="The message of the update this request posts (`message` is accepted too), "
        "in the page's default language.",
    )
    deliver_notifications = Flag(required=False, help_text="Notify subscribers (default true).")
    components = ComponentStatusMap(
        required=False, help_text="Statuses to set: {component id: status}."
    )
    component_ids = ComponentRefs(required=False, help_text="Components affected.")
    scheduled_for = Timestamp(allow_null=True, required=False)
    scheduled_until = Timestamp(allow_null=True, required=False)
    scheduled_remind_prior = Flag(required=False)
    scheduled_auto_in_progress = Flag(required=False)
    scheduled_auto_completed = Flag(required=False)
    metadata = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text='Every top-level value is an object, e.g. {"jira": {"issue_id": "OPS-1"}}.',
    )
    backfilled = Flag(required=False)
    cause = serializers.ChoiceField(choices=[*Cause.choices, ("", "")], required=False)
    cause_note = Text(
        allow_blank=True,
        allow_null=True,
        max_length=CAUSE_NOTE_LIMIT,
        required=False,
        help_text="Why, in the borrower's words (Markdown), in the page's default language.",
    )
    translations = Translations(
        {"name": NAME_LIMIT, "body": BODY_LIMIT, "cause_note": CAUSE_NOTE_LIMIT},
        required=False,
    )
    reassurances = Reassurances(
        required=False, help_text="Codes: " + ", ".join(Reassurance.values) + "."
    )
    function_states = FunctionStates(
        required=False,
        help_text="{function id: state} (" + ", ".join(FunctionState.values) + "); a function "
        "left out follows its components.",
    )
    channel_ids = ChannelRefs(required=False, help_text="Alternative channels to offer.")
    expected_recovery_at = Timestamp(allow_null=True, required=False)
    next_update_by = Timestamp(
        allow_null=True, required=False, help_text="Promised with the update this request posts."
    )
    # Issue 13: our addition to Statuspage's fields. A monitor's draft is on no public surface
    # until published; `true` publishes it (subscribers are told as for a new incident).
    published = Flag(
        required=False,
        help_text="true publishes a draft incident opened by a monitor; a published incident "
        "cannot become a draft again.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            data = dict(data)
            for old, new in ALIASES.items():
                if old in data and new not in data:
                    data[new] = data.pop(old)
        return super().to_internal_value(data)

    def validate_backfilled(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError(
                gettext_lazy("Backfilled incidents are not supported: post it as it happens.")
            )
        return value


def _split(data: dict) -> tuple[dict[Component, str], list[Component]]:
    """(statuses to set, components only affected) from `components` and `component_ids`."""
    statuses = {c: s for c, s in data.get("components", {}).items() if s}
    affected = [c for c, s in data.get("components", {}).items() if not s]
    affected += data.get("component_ids", [])
    return statuses, affected


def _own_fields(data: dict) -> services.IncidentFields:
    """The incident's own fields in `data` as `edit_incident` takes them: texts per language,
    channels as rows, empty text where a client sent null."""
    fields: dict[str, Any] = {
        name: (data[name] or "") if name in ("impact_override", "cause") else data[name]
        for name in OWN_FIELDS
        if name in data
    }
    for name in OWN_TEXTS:
        texts = texts_of(data, name)
        if texts is not None:
            fields[name] = texts
    if "channel_ids" in data:
        fields["channels"] = data["channel_ids"]
    return fields  # type: ignore[return-value]


def _body(data: dict, status: str, *, required: bool) -> dict[str, str] | None:
    """The message of the update a request posts: the one given (the default language's at
    least, as every update needs one), else, when `required`, the status's stock message in
    every language. None when nothing is given and nothing is required."""
    given = {code: text for code, text in (texts_of(data, "body") or {}).items() if text}
    if given and settings.LANGUAGE_CODE not in given:
        raise Unprocessable(
            {
                "body": [
                    gettext_lazy(
                        "Give the message in the default language (%(code)s) too: "
                        "translations add to it."
                    )
                    % {"code": settings.LANGUAGE_CODE}
                ]
            }
        )
    if given:
        return given
    return default_body(status) if required else None


def open_incident(data: dict, author) -> Incident:
    """Create an incident or maintenance from validated input, with its first update."""
    status = data.get("status")
    maintenance = status in MAINTENANCE_STATUSES or (status is None and data.get("scheduled_for"))
    kind = IncidentKind.MAINTENANCE if maintenance else IncidentKind.INCIDENT
    status = status or FIRST_STATUS_BY_KIND[kind]
    fields: dict[str, Any] = dict(_own_fields(data))
    channels = fields.pop("channels", [])
    # Never `Incident(name=…)`: that writes the active language's column (see set_texts).
    incident = Incident(kind=kind, status=status)
    for name, value in fields.items():
        if name in OWN_TEXTS:
            set_texts(incident, name, value)
        else:
            setattr(incident, name, value)
    statuses, affected = _split(data)
    return services.open_incident(
        incident,
        body=_body(data, status, required=True) or "",
        component_statuses=statuses,
        affected=affected,
        channels=channels,
        next_update_by=data.get("next_update_by"),
        notify=data.get("deliver_notifications", True),
        author=author,
        cause=StatusChangeCause.API,
    )


@transaction.atomic
def change_incident(incident: Incident, data: dict, author) -> None:
    """Apply a PATCH as Statuspage does: a message or a new status posts an update (a new
    status needs no message, and a new open status reopens a closed incident). `published`
    (true) publishes a monitor's draft, after any other change the request makes."""
    data = dict(data)
    publish = data.pop("published", None)
    if publish is False and not incident.draft:
        raise Unprocessable(
            {"published": [gettext_lazy("A published incident cannot become a draft again.")]}
        )
    if data:
        _change(incident, data, author)
    if publish and Incident.objects.filter(pk=incident.pk, draft=True).exists():
        services.publish_draft(incident, author=author)


def _change(incident: Incident, data: dict, author) -> None:
    statuses, affected = _split(data)
    status = data.get("status") or incident.status
    body = _body(data, status, required=status != incident.status)
    if body is None and data.get("next_update_by") is not None:
        raise Unprocessable(
            {
                "next_update_by": [
                    gettext_lazy(
                        "Promise the next update with an update: give a message (body) or a "
                        "new status."
                    )
                ]
            }
        )
    services.edit_incident(
        incident,
        status=status,
        body=body,
        reopen=status not in CLOSED_STATUSES,
        component_statuses=statuses,
        affected=affected,
        next_update_by=data.get("next_update_by"),
        notify=data.get("deliver_notifications", True),
        author=author,
        via=StatusChangeCause.API,
        **_own_fields(data),
    )


def _with_details(incidents):
    return incidents.with_details().prefetch_related("channels")


def _details(incident_id: str) -> Incident:
    return get_object_or_404(_with_details(Incident.objects.all()), pk=incident_id)


def _search(query: str) -> Q:
    """Names, statuses, update bodies and postmortems, in every language."""
    found = Q(status__icontains=query) | Q(postmortem_body__icontains=query)
    for code in language_codes():
        found |= Q(**{f"{build_localized_fieldname('name', code)}__icontains": query})
        found |= Q(**{f"updates__{build_localized_fieldname('body', code)}__icontains": query})
    return found


class IncidentList(ManagementView):
    envelope = "incident"

    @extend_schema(
        operation_id="listIncidents",
        parameters=[
            OpenApiParameter(
                "q", str, description="Search in names, statuses, updates and postmortems."
            ),
            *PAGINATION_PARAMETERS,
        ],
        responses={200: ManagedIncidentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        incidents = _with_details(Incident.objects.all())
        query = request.query_params.get("q", "").strip()
        if query:
            incidents = incidents.filter(_search(query)).distinct()
        return self.respond(
            ManagedIncidentSerializer, Pagination(request).slice(incidents), many=True
        )

    @extend_schema(
        operation_id="createIncident",
        request=wrapped("incident", IncidentInput),
        responses={201: ManagedIncidentSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        incident = open_incident(self.validated(IncidentInput, self.payload()), self.author)
        return self.respond(ManagedIncidentSerializer, _details(incident.pk), status=201)


class FilteredIncidentList(ManagementView):
    """The named lists; each says which incidents it holds."""

    def listing(self, request: Request, incidents) -> Response:
        listed = Pagination(request).slice(_with_details(incidents))
        return self.respond(ManagedIncidentSerializer, listed, many=True)


def _filtered(operation_id: str, summary: str):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        parameters=PAGINATION_PARAMETERS,
        responses={200: ManagedIncidentSerializer(many=True), **ERRORS},
    )


class UnresolvedIncidents(FilteredIncidentList):
    @_filtered("listUnresolvedIncidents", "Incidents not yet resolved")
    def get(self, request: Request, page_id: str) -> Response:
        return self.listing(request, Incident.objects.public_incidents().open())


class ScheduledIncidents(FilteredIncidentList):
    @_filtered("listScheduledIncidents", "Every scheduled maintenance")
    def get(self, request: Request, page_id: str) -> Response:
        return self.listing(request, Incident.objects.maintenances())


class UpcomingIncidents(FilteredIncidentList):
    @_filtered("listUpcomingIncidents", "Maintenance that has not started")
    def get(self, request: Request, page_id: str) -> Response:
        return self.listing(request, Incident.objects.upcoming_maintenance())


class ActiveMaintenance(FilteredIncidentList):
    @_filtered("listActiveMaintenance", "Maintenance in progress or being verified")
    def get(self, request: Request, page_id: str) -> Response:
        return self.listing(request, Incident.objects.active_maintenance())


class IncidentDetail(ManagementView):
    envelope = "incident"

    @extend_schema(operation_id="getIncident", responses={200: ManagedIncidentSerializer, **ERRORS})
    def get(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.respond(ManagedIncidentSerializer, _details(incident_id))

    @extend_schema(
        operation_id="updateIncident",
        request=wrapped("incident", IncidentInput, partial=True),
        responses={200: ManagedIncidentSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = get_object_or_404(Incident, pk=incident_id)
        data = self.validated(IncidentInput, self.payload(), partial=True)
        change_incident(incident, data, self.author)
        return self.respond(ManagedIncidentSerializer, _details(incident_id))

    @extend_schema(
        operation_id="replaceIncident",
        request=wrapped("incident", IncidentInput, partial=True),
        responses={200: ManagedIncidentSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.patch(request, page_id, incident_id)

    @extend_schema(
        operation_id="deleteIncident",
        description="Deletes the incident and its updates; answers with the incident as it was. "
        "Component statuses stay as they are.",
        responses={200: ManagedIncidentSerializer, **ERRORS},
    )
    def delete(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = _details(incident_id)
        response = self.respond(ManagedIncidentSerializer, incident)
        services.delete_incident(incident)
        return response
