"""Corrections to posted updates:
`/v1/pages/{page_id}/incidents/{incident_id}/incident_updates/{incident_update_id}`
(atlassian-python-api calls it `…/incidents_update/{id}`; both work). New updates come from
PATCHing the incident, so that its status and components change with them. The body is the
page's default language; `translations` gives the others' (`{"en": {"body": "…"}}`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView, wrapped
from statuspage.api.fields import Flag, Text, Translations, texts_of
from statuspage.shapes.fields import Timestamp
from statuspage.shapes.objects import ManagedIncidentUpdateSerializer
from statuspage.status import services
from statuspage.status.models import IncidentUpdate


class IncidentUpdateInput(serializers.Serializer):
    body = Text(max_length=25000, required=False, help_text="In the page's default language.")
    translations = Translations({"body": 25000}, required=False)
    display_at = Timestamp(required=False)
    deliver_notifications = Flag(required=False)
    wants_twitter_update = Flag(required=False, help_text="Accepted and ignored.")


class IncidentUpdateDetail(ManagementView):
    envelope = "incident_update"

    def find(self, incident_id: str, update_id: str) -> IncidentUpdate:
        return get_object_or_404(IncidentUpdate, pk=update_id, incident_id=incident_id)

    @extend_schema(
        operation_id="getIncidentUpdate",
        responses={200: ManagedIncidentUpdateSerializer, **ERRORS},
    )
    def get(self, request: Request, page_id: str, incident_id: str, update_id: str) -> Response:
        return self.respond(ManagedIncidentUpdateSerializer, self.find(incident_id, update_id))

    @extend_schema(
        operation_id="updateIncidentUpdate",
        description="Corrects the text, time or notification flag of a posted update. "
        "Sends nothing: the notice already went out.",
        request=wrapped("incident_update", IncidentUpdateInput),
        responses={200: ManagedIncidentUpdateSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, incident_id: str, update_id: str) -> Response:
        update = self.find(incident_id, update_id)
        data = self.validated(IncidentUpdateInput, self.payload(), partial=True)
        services.edit_update(
            update,
            body=texts_of(data, "body"),
            display_at=data.get("display_at"),
            deliver_notifications=data.get("deliver_notifications"),
        )
        return self.respond(ManagedIncidentUpdateSerializer, update)

    @extend_schema(
        operation_id="replaceIncidentUpdate",
        request=wrapped("incident_update", IncidentUpdateInput),
        responses={200: ManagedIncidentUpdateSerializer, **ERRORS},
    )
    def put(self, request: Request, page_id: str, incident_id: str, update_id: str) -> Response:
        return self.patch(request, page_id, incident_id, update_id)


@extend_schema(exclude=True)
class MisspelledIncidentUpdateDetail(IncidentUpdateDetail):
    """atlassian-python-api's path for the same thing (`incidents_update`)."""
