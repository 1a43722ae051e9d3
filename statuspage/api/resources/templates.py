"""Incident templates: `/v1/pages/{page_id}/incident_templates` (and, as Terraform's provider
uses them although the spec lists none, GET/PATCH/DELETE of one template by id).

The body is wrapped in `template` (Statuspage's name), `incident_template` is accepted too.
A template's kind follows its status: a maintenance status makes a maintenance template.
Its title, body and cause note are the page's default language; `translations` gives the
others' (`{"en": {"title": "…", "body": "…"}}`), as on incidents.
"""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
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
from statuspage.api.fields import (
    ChannelRefs,
    ComponentRefs,
    Flag,
    Reassurances,
    Text,
    Translations,
    texts_of,
)
from statuspage.shapes.objects import IncidentTemplateSerializer
from statuspage.status import services
from statuspage.status.models import (
    STATUSES_BY_KIND,
    Cause,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
)
from statuspage.status.translation import set_texts

TITLE_LIMIT, BODY_LIMIT, CAUSE_NOTE_LIMIT = 255, 25000, 5000
TEXTS = ("title", "body", "cause_note")


class IncidentTemplateInput(serializers.Serializer):
    name = Text(max_length=255, help_text="The template's own name, for operators.")
    title = Text(max_length=TITLE_LIMIT, help_text="In the page's default language.")
    body = Text(max_length=BODY_LIMIT, help_text="In the page's default language.")
    update_status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    should_send_notifications = Flag(required=False)
    component_ids = ComponentRefs(required=False)
    cause = serializers.ChoiceField(choices=[*Cause.choices, ("", "")], required=False)
    cause_note = Text(
        allow_blank=True, allow_null=True, max_length=CAUSE_NOTE_LIMIT, required=False
    )
    reassurances = Reassurances(required=False)
    channel_ids = ChannelRefs(required=False)
    translations = Translations(
        {"title": TITLE_LIMIT, "body": BODY_LIMIT, "cause_note": CAUSE_NOTE_LIMIT}, required=False
    )
    group_id = Text(allow_blank=True, allow_null=True, required=False, help_text="Ignored.")
    should_tweet = Flag(required=False, help_text="Ignored.")


@transaction.atomic
def save(template: IncidentTemplate, data: dict) -> IncidentTemplate:
    for name in ("name", "should_send_notifications", "reassurances"):
        if name in data:
            setattr(template, name, data[name])
    for name in TEXTS:  # per language, never the active language's column
        texts = texts_of(data, name)
        if texts is not None:
            set_texts(template, name, texts)
    if "cause" in data:
        template.cause = data["cause"] or ""
    if "update_status" in data:
        template.update_status = data["update_status"]
        maintenance = data["update_status"] in STATUSES_BY_KIND[IncidentKind.MAINTENANCE]
        template.kind = IncidentKind.MAINTENANCE if maintenance else IncidentKind.INCIDENT
    return services.save_template(
        template, data.get("component_ids"), channels=data.get("channel_ids")
    )


class TemplateView(ManagementView):
    envelope = "template"
    envelope_aliases = ("incident_template",)


class IncidentTemplateList(TemplateView):
    @extend_schema(
        operation_id="listIncidentTemplates",
        parameters=PAGINATION_PARAMETERS,
        responses={200: IncidentTemplateSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        templates = IncidentTemplate.objects.prefetch_related("components__group", "channels")
        listed = Pagination(request).slice(templates)
        return self.respond(IncidentTemplateSerializer, listed, many=True)

    @extend_schema(
        operation_id="createIncidentTemplate",
        request=wrapped("template", IncidentTemplateInput),
        responses={201: IncidentTemplateSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        data = self.validated(IncidentTemplateInput, self.payload())
        template = save(IncidentTemplate(), data)
        return self.respond(IncidentTemplateSerializer, template, status=201)


class IncidentTemplateDetail(TemplateView):
    def find(self, template_id: str) -> IncidentTemplate:
        return get_object_or_404(IncidentTemplate, pk=template_id)

    @extend_schema(
        operation_id="getIncidentTemplate",
        responses={200: IncidentTemplateSerializer, **ERRORS},
    )
    def get(self, request: Request, page_id: str, template_id: str) -> Response:
        return self.respond(IncidentTemplateSerializer, self.find(template_id))

    @extend_schema(
        operation_id="updateIncidentTemplate",
        request=wrapped("template", IncidentTemplateInput, partial=True),
        responses={200: IncidentTemplateSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, template_id: str) -> Response:
        template = self.find(template_id)
        data = self.validated(IncidentTemplateInput, self.payload(), partial=True)
        return self.respond(IncidentTemplateSerializer, save(template, data))

    @extend_schema(
        operation_id="deleteIncidentTemplate",
        responses={204: OpenApiResponse(description="Deleted."), **ERRORS},
    )
    def delete(self, request: Request, page_id: str, template_id: str) -> Response:
        services.delete_template(self.find(template_id))
        return Response(status=204)
