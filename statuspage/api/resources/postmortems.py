"""An incident's postmortem: `/v1/pages/{page_id}/incidents/{incident_id}/postmortem`, with
`/publish` and `/revert`. Statuspage documents PUT for all three; atlassian-python-api sends
POST, which is accepted as well. Publishing shows it on the incident's page and turns a
resolved incident's status into `postmortem`."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, ManagementView, wrapped
from statuspage.api.errors import NOT_FOUND
from statuspage.api.fields import Flag, Text
from statuspage.shapes.objects import PostmortemSerializer
from statuspage.status import services
from statuspage.status.models import Incident


class PostmortemInput(serializers.Serializer):
    body_draft = Text(max_length=100_000)


class PublishInput(serializers.Serializer):
    notify_subscribers = Flag(required=False)
    notify_twitter = Flag(required=False, help_text="Accepted and ignored.")
    custom_tweet = Text(allow_blank=True, allow_null=True, required=False, help_text="Ignored.")

    def to_internal_value(self, data):
        if isinstance(data, dict) and "notify_tweets" in data:  # the docs' curl sample's name
            data = {"notify_twitter": data["notify_tweets"], **data}
        return super().to_internal_value(data)


class PostmortemView(ManagementView):
    envelope = "postmortem"

    def incident(self, incident_id: str) -> Incident:
        return get_object_or_404(Incident, pk=incident_id)


POSTMORTEM = {200: PostmortemSerializer, **ERRORS}
DRAFT_BODY = wrapped("postmortem", PostmortemInput)
PUBLISH_BODY = wrapped("postmortem", PublishInput)


class Postmortem(PostmortemView):
    @extend_schema(operation_id="getPostmortem", responses=POSTMORTEM)
    def get(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = self.incident(incident_id)
        if not incident.postmortem_body_draft and not incident.postmortem_published_at:
            raise NotFound(NOT_FOUND)
        return self.respond(PostmortemSerializer, incident)

    @extend_schema(operation_id="savePostmortem", request=DRAFT_BODY, responses=POSTMORTEM)
    def put(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = self.incident(incident_id)
        data = self.validated(PostmortemInput, self.payload())
        services.save_postmortem_draft(incident, data["body_draft"])
        return self.respond(PostmortemSerializer, incident)

    @extend_schema(operation_id="createPostmortem", request=DRAFT_BODY, responses=POSTMORTEM)
    def post(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.put(request, page_id, incident_id)

    @extend_schema(
        operation_id="deletePostmortem",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    def delete(self, request: Request, page_id: str, incident_id: str) -> Response:
        services.delete_postmortem(self.incident(incident_id))
        return Response(status=204)


class PublishPostmortem(PostmortemView):
    @extend_schema(operation_id="publishPostmortem", request=PUBLISH_BODY, responses=POSTMORTEM)
    def put(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = self.incident(incident_id)
        data = self.validated(PublishInput, self.payload(required=False))
        services.publish_postmortem(incident, notify=data.get("notify_subscribers", False))
        return self.respond(PostmortemSerializer, incident)

    @extend_schema(
        operation_id="publishPostmortemByPost", request=PUBLISH_BODY, responses=POSTMORTEM
    )
    def post(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.put(request, page_id, incident_id)


class RevertPostmortem(PostmortemView):
    @extend_schema(operation_id="revertPostmortem", request=None, responses=POSTMORTEM)
    def put(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = self.incident(incident_id)
        services.revert_postmortem(incident)
        return self.respond(PostmortemSerializer, incident)

    @extend_schema(operation_id="revertPostmortemByPost", request=None, responses=POSTMORTEM)
    def post(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.put(request, page_id, incident_id)
