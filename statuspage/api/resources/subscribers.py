"""Subscribers: `/v1/pages/{page_id}/subscribers` and an incident's own subscribers.

As Statuspage: the type is inferred from the fields (`email` → email, `endpoint` + `email` →
webhook, `phone_number` + `phone_country` → SMS, with SMS_URL set and a country in
SMS_COUNTRIES; answered with `phone_number` national, `phone_country` its ISO code and
`display_phone_number` international). Ours: `endpoint` + `chat_app` (dingtalk, wecom, feishu,
slack, teams) + `email` (the owner told when the robot fails) → a chat robot, with
`chat_secret` where the app signs (required for DingTalk; for Feishu when signing is on).
SMS subscribers and robots confirm with a code sent to them, typed back on the page named by
`confirmation_url` in the creation's answer.
Lists are paged from page 0, quarantined subscribers are left out unless asked for, and
`skip_confirmation_notification` imports an existing list without sending confirmations
(only with a key whose owner has the permission `api.add_subscriber_without_confirmation`,
which operators do not have). Unsubscribing keeps
the row (its history stays); it is what DELETE does. A webhook created here answers with its
signing `secret`, once.
"""

from __future__ import annotations

from typing import cast

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ERRORS, MAX_PAGE, ManagementView, wrapped
from statuspage.api.errors import BadRequest, Unprocessable
from statuspage.api.fields import ComponentRefs, Flag, Text
from statuspage.api.models import SKIP_CONFIRMATION_PERMISSION, ApiKey
from statuspage.celery import enqueue
from statuspage.notify import subscriptions, tasks
from statuspage.notify.models import ChatApp, Mode, Subscriber, SubscriberState
from statuspage.shapes.fields import Constant, OptionalText, Timestamp
from statuspage.status.models import Incident

MAX_PER_PAGE = 100
TYPES = ("email", "sms", "webhook", "robot", "slack", "teams", "integration_partner")
STATE_FILTERS = {
    "active": Q(state=SubscriberState.ACTIVE),
    "unconfirmed": Q(state=SubscriberState.UNCONFIRMED),
    "quarantined": Q(state=SubscriberState.QUARANTINED),
    "all": ~Q(state=SubscriberState.UNSUBSCRIBED),
}


NULL_TEXT = {"type": "string", "nullable": True}
SKIP_CONFIRMATION_DENIED = _(
    "Adding subscribers without confirmation needs the permission “Can add subscribers through "
    "the API without confirming them” for the person this API key belongs to. Leave out "
    "skip_confirmation_notification to send each a confirmation instead."
)


def _number(subscriber: Subscriber) -> phonenumbers.PhoneNumber | None:
    return phonenumbers.parse(str(subscriber.phone)) if subscriber.phone else None


class SubscriberSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    mode = serializers.CharField(read_only=True)
    email = OptionalText(read_only=True)  # null for SMS
    endpoint = OptionalText(read_only=True)
    chat_app = OptionalText(read_only=True)
    # SMS, as Statuspage: the national number, its country, and the number as it is shown.
    phone_number = serializers.SerializerMethodField()
    phone_country = serializers.SerializerMethodField()
    display_phone_number = serializers.SerializerMethodField()
    # Statuspage's fields for channels we do not send to (Slack, page access users).
    obfuscated_channel_name = Constant(None, NULL_TEXT)
    workspace_name = Constant(None, NULL_TEXT)
    page_access_user_id = Constant(None, NULL_TEXT)
    skip_confirmation_notification = Constant(False, {"type": "boolean"})
    quarantined_at = Timestamp(read_only=True, allow_null=True)
    purge_at = Timestamp(read_only=True, allow_null=True)
    created_at = Timestamp(read_only=True)
    components = serializers.SerializerMethodField()
    component_ids = serializers.SerializerMethodField()
    # Ours: where the subscriber stands, the incident it follows, its language.
    state = serializers.CharField(read_only=True)
    incident_id = serializers.CharField(read_only=True, allow_null=True)
    language = serializers.CharField(read_only=True)

    def get_components(self, subscriber: Subscriber) -> list[str]:
        return [c.pk for c in subscriber.components.all()]

    def get_phone_number(self, subscriber: Subscriber) -> str | None:
        number = _number(subscriber)
        return phonenumbers.national_significant_number(number) if number else None

    def get_phone_country(self, subscriber: Subscriber) -> str | None:
        number = _number(subscriber)
        return phonenumbers.region_code_for_number(number) if number else None

    def get_display_phone_number(self, subscriber: Subscriber) -> str | None:
        number = _number(subscriber)
        international = phonenumbers.PhoneNumberFormat.INTERNATIONAL
        return phonenumbers.format_number(number, international) if number else None

    def get_component_ids(self, subscriber: Subscriber) -> list[str]:
        return self.get_components(subscriber)


class CreatedSubscriberSerializer(SubscriberSerializer):
    secret = serializers.CharField(
        read_only=True, allow_null=True, help_text="Webhooks: the signing secret, this once."
    )
    confirmation_url = serializers.SerializerMethodField(
        help_text="SMS and robots waiting for their code: where it is typed back."
    )

    def get_confirmation_url(self, subscriber: Subscriber) -> str | None:
        waiting = subscriber.state != SubscriberState.ACTIVE
        if subscriber.mode in subscriptions.CODE_MODES and waiting:
            return subscriptions.code_page_url(subscriber)
        return None


class SubscriberInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    endpoint = serializers.URLField(max_length=2000, required=False)
    chat_app = serializers.ChoiceField(
        choices=[c.value for c in ChatApp], required=False, help_text="A chat robot's app."
    )
    chat_secret = serializers.CharField(
        max_length=200, required=False, help_text="The robot's signing secret (DingTalk, Feishu)."
    )
    phone_number = Text(
        required=False, max_length=40, help_text="SMS: the number (with phone_country)."
    )
    phone_country = Text(
        required=False, max_length=2, help_text="SMS: the number's country, e.g. CN."
    )
    component_ids = ComponentRefs(required=False, allow_empty=False)
    skip_confirmation_notification = Flag(required=False)
    language = serializers.ChoiceField(choices=["zh-hans", "en"], required=False)
    page_access_user = Text(required=False, help_text="Ignored.")

    def validate(self, data: dict) -> dict:
        if data.get("phone_number") or data.get("phone_country"):
            if not data.get("phone_number"):
                raise serializers.ValidationError(
                    {"phone_number": [_("This field is required with phone_country.")]}
                )
            if data.get("endpoint") or data.get("chat_app"):
                raise serializers.ValidationError(
                    {"phone_number": [_("Give a phone number or an endpoint, not both.")]}
                )
            return data  # an SMS subscriber needs no email
        if (data.get("chat_app") or data.get("chat_secret")) and not data.get("endpoint"):
            raise serializers.ValidationError(
                {"endpoint": [_("This field is required: the chat robot's webhook URL.")]}
            )
        if data.get("chat_secret") and not data.get("chat_app"):
            raise serializers.ValidationError(
                {"chat_app": [_("This field is required with chat_secret.")]}
            )
        if not data.get("email"):
            reason = (
                _("This field is required: the webhook's owner is told here when it fails.")
                if data.get("endpoint")
                else _("This field is required: an email subscriber needs an address.")
            )
            raise serializers.ValidationError({"email": [reason]})
        return data


class ComponentIdsInput(serializers.Serializer):
    component_ids = ComponentRefs(required=False, allow_empty=True)


class SubscriberView(ManagementView):
    envelope = "subscriber"

    def create(self, incident: Incident | None = None) -> Response:
        data = self.validated(SubscriberInput, self.payload())
        if incident is not None and data.get("endpoint"):
            raise Unprocessable({"endpoint": [_("An incident can be followed by email only.")]})
        skip_confirmation = data.get("skip_confirmation_notification", False)
        key = cast(ApiKey, self.request.auth)  # KeyScopes let only key holders in
        if skip_confirmation and not key.owner_holds(SKIP_CONFIRMATION_PERMISSION):
            raise PermissionDenied(SKIP_CONFIRMATION_DENIED)
        try:
            subscriber = subscriptions.subscribe(
                email=data.get("email", ""),
                endpoint=data.get("endpoint", ""),
                components=data.get("component_ids", []),
                language=data.get("language"),
                incident=incident,
                skip_confirmation=skip_confirmation,
                chat_app=data.get("chat_app", ""),
                chat_secret=data.get("chat_secret", ""),
                phone=data.get("phone_number", ""),
                phone_country=data.get("phone_country", ""),
            )
        except ValidationError as exc:  # the service says `phone`; Statuspage `phone_number`
            raise Unprocessable(
                {
                    "phone_number" if field == "phone" else field: errors
                    for field, errors in exc.message_dict.items()
                }
            ) from exc
        # Shown in this answer only (null for email), never saved from here.
        shown = subscriptions.reveal_secret(subscriber) if subscriber.mode == Mode.WEBHOOK else None
        subscriber.secret = shown  # type: ignore[assignment]
        return self.respond(CreatedSubscriberSerializer, subscriber, status=201)


def _listed(request: Request, subscribers: QuerySet[Subscriber]) -> list[Subscriber]:
    """Statuspage's subscriber paging: `page` counts from 0, `limit` (or `per_page`) ≤ 100."""
    try:
        page = int(request.query_params.get("page", 0))
        size = int(request.query_params.get("limit") or request.query_params.get("per_page") or 100)
    except ValueError as exc:
        raise BadRequest(_("page and limit must be whole numbers.")) from exc
    if page < 0 or size < 1:
        raise BadRequest(_("page must be 0 or more, and limit 1 or more."))
    size = min(size, MAX_PER_PAGE)
    if page >= MAX_PAGE:
        return []  # past the end anyway; keeps OFFSET within SQL integers
    return list(subscribers.prefetch_related("components")[page * size : (page + 1) * size])


def _filtered(request: Request, subscribers: QuerySet[Subscriber]) -> QuerySet[Subscriber]:
    params = request.query_params
    kind = params.get("type")
    if kind is not None:
        if kind not in TYPES:
            raise BadRequest(_("type must be one of %(values)s.") % {"values": ", ".join(TYPES)})
        subscribers = subscribers.filter(mode=kind)
    state = params.get("state", "active")
    if state not in STATE_FILTERS:
        raise BadRequest(
            _("state must be one of %(values)s.") % {"values": ", ".join(STATE_FILTERS)}
        )
    subscribers = subscribers.filter(STATE_FILTERS[state])
    if params.get("q"):
        subscribers = subscribers.filter(
            Q(email__icontains=params["q"])
            | Q(endpoint__icontains=params["q"])
            | Q(phone__icontains=params["q"])
        )
    field = params.get("sort_field", "created_at")
    order = {"primary": "email", "created_at": "created_at", "quarantined_at": "quarantined_at"}
    column = order.get(field, "created_at")
    descending = params.get("sort_direction", "asc") == "desc"
    return subscribers.order_by(f"-{column}" if descending else column, "pk")


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Search in email, endpoint and phone number."),
    OpenApiParameter("type", str, enum=list(TYPES)),
    OpenApiParameter("state", str, enum=list(STATE_FILTERS), description="Default: active."),
    OpenApiParameter("page", {"type": "integer", "minimum": 0}, description="0-based page."),
    OpenApiParameter("limit", {"type": "integer", "minimum": 1}, description="At most 100."),
    OpenApiParameter("per_page", {"type": "integer", "minimum": 1}),
    OpenApiParameter(
        "sort_field", str, enum=["primary", "created_at", "quarantined_at", "relevance"]
    ),
    OpenApiParameter("sort_direction", str, enum=["asc", "desc"]),
]


class SubscriberList(SubscriberView):
    @extend_schema(
        operation_id="listSubscribers",
        parameters=LIST_PARAMETERS,
        responses={200: SubscriberSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        chosen = _filtered(request, Subscriber.objects.filter(incident__isnull=True))
        return self.respond(SubscriberSerializer, _listed(request, chosen), many=True)

    @extend_schema(
        operation_id="createSubscriber",
        request=wrapped("subscriber", SubscriberInput),
        responses={201: CreatedSubscriberSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str) -> Response:
        return self.create()


class SubscriberDetail(SubscriberView):
    def find(self, subscriber_id: str) -> Subscriber:
        return get_object_or_404(Subscriber, pk=subscriber_id, incident__isnull=True)

    @extend_schema(operation_id="getSubscriber", responses={200: SubscriberSerializer, **ERRORS})
    def get(self, request: Request, page_id: str, subscriber_id: str) -> Response:
        return self.respond(SubscriberSerializer, self.find(subscriber_id))

    @extend_schema(
        operation_id="updateSubscriber",
        request=ComponentIdsInput,
        responses={200: SubscriberSerializer, **ERRORS},
    )
    def patch(self, request: Request, page_id: str, subscriber_id: str) -> Response:
        """Statuspage sends `{"component_ids": [...]}` unwrapped; some clients wrap it."""
        subscriber = self.find(subscriber_id)
        body = self.payload(required=False) or self.request.data
        data = self.validated(ComponentIdsInput, body if isinstance(body, dict) else {})
        subscriptions.change_preferences(
            subscriber, components=data.get("component_ids", []), language=subscriber.language
        )
        return self.respond(SubscriberSerializer, subscriber)

    @extend_schema(
        operation_id="unsubscribeSubscriber", responses={200: SubscriberSerializer, **ERRORS}
    )
    def delete(self, request: Request, page_id: str, subscriber_id: str) -> Response:
        return self.respond(
            SubscriberSerializer, subscriptions.unsubscribe(self.find(subscriber_id))
        )


def _resend(subscriber: Subscriber) -> Response:
    if subscriber.state != SubscriberState.UNCONFIRMED:
        raise Unprocessable({"base": [_("This subscriber has already confirmed.")]})
    subscriptions.resend_confirmation(subscriber)
    return Response(status=201)


RESENT = {201: OpenApiResponse(description="Queued."), **ERRORS}


class ResendConfirmation(SubscriberView):
    @extend_schema(operation_id="resendConfirmation", request=None, responses=RESENT)
    def post(self, request: Request, page_id: str, subscriber_id: str) -> Response:
        return _resend(get_object_or_404(Subscriber, pk=subscriber_id, incident__isnull=True))


class IncidentResendConfirmation(SubscriberView):
    @extend_schema(operation_id="resendIncidentConfirmation", request=None, responses=RESENT)
    def post(
        self, request: Request, page_id: str, incident_id: str, incident_subscriber_id: str
    ) -> Response:
        return _resend(
            get_object_or_404(Subscriber, pk=incident_subscriber_id, incident_id=incident_id)
        )


class BulkInput(serializers.Serializer):
    subscribers = serializers.JSONField(help_text='A list of subscriber ids, or "all".')
    type = serializers.ChoiceField(choices=TYPES, required=False)
    state = serializers.ChoiceField(choices=list(STATE_FILTERS), required=False)
    skip_unsubscription_notification = Flag(required=False)

    def validate_subscribers(self, value: object) -> object:
        if value == "all":
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
            raise serializers.ValidationError(_("Give a list of subscriber ids, or “all”."))
        if len(value) > MAX_PER_PAGE:
            raise serializers.ValidationError(
                _("At most %(count)d subscribers at a time.") % {"count": MAX_PER_PAGE}
            )
        return value


class BulkView(SubscriberView):
    """The bulk actions take their fields unwrapped, as Statuspage documents them."""

    state_filter: Q

    def chosen(self) -> QuerySet[Subscriber]:
        body = self.request.data if isinstance(self.request.data, dict) else {}
        data = self.validated(BulkInput, body)
        subscribers = Subscriber.objects.filter(incident__isnull=True).filter(self.state_filter)
        if data.get("type"):
            subscribers = subscribers.filter(mode=data["type"])
        if data["subscribers"] != "all":
            found = set(subscribers.filter(pk__in=data["subscribers"]).values_list("pk", flat=True))
            unknown = [pk for pk in data["subscribers"] if pk not in found]
            if unknown:
                raise Unprocessable(
                    {"subscribers": [_("No such subscriber: %s") % ", ".join(unknown)]}
                )
            subscribers = subscribers.filter(pk__in=found)
        return subscribers


def bulk_schema(operation_id: str):
    return extend_schema(
        operation_id=operation_id,
        request=BulkInput,
        responses={201: OpenApiResponse(description="Done."), **ERRORS},
    )


class BulkResendConfirmation(BulkView):
    state_filter = Q(state=SubscriberState.UNCONFIRMED, mode=Mode.EMAIL)

    @bulk_schema("resendConfirmations")
    def post(self, request: Request, page_id: str) -> Response:
        for pk in self.chosen().values_list("pk", flat=True):
            enqueue(tasks.send_confirmation, pk)
        return Response(status=201)


class BulkUnsubscribe(BulkView):
    state_filter = ~Q(state=SubscriberState.UNSUBSCRIBED)

    @bulk_schema("unsubscribeSubscribers")
    def post(self, request: Request, page_id: str) -> Response:
        for subscriber in self.chosen():
            subscriptions.unsubscribe(subscriber)
        return Response(status=201)


class BulkReactivate(BulkView):
    state_filter = Q(state=SubscriberState.QUARANTINED)

    @bulk_schema("reactivateSubscribers")
    def post(self, request: Request, page_id: str) -> Response:
        for subscriber in self.chosen():
            subscriptions.reactivate(subscriber)
        return Response(status=201)


COUNT_KEYS = ("email", "sms", "webhook", "integration_partner", "slack", "teams")
STATE_KEYS = ("active", "unconfirmed", "quarantined")
# The two answers' shapes, for the schema: every key is always present.
COUNTS = inline_serializer(
    "SubscriberCounts", {key: serializers.IntegerField() for key in COUNT_KEYS}
)
STATE_COUNTS = inline_serializer(
    "SubscriberStateCounts", {state: serializers.IntegerField() for state in STATE_KEYS}
)
HISTOGRAM = inline_serializer("SubscriberHistogram", {key: STATE_COUNTS for key in COUNT_KEYS})


class SubscriberCount(SubscriberView):
    @extend_schema(
        operation_id="countSubscribers",
        parameters=LIST_PARAMETERS[1:3],
        responses={200: COUNTS, **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        chosen = _filtered(request, Subscriber.objects.filter(incident__isnull=True))
        counts = dict(chosen.order_by().values_list("mode").annotate(n=Count("pk")))
        return Response({key: counts.get(key, 0) for key in COUNT_KEYS})


class SubscriberHistogram(SubscriberView):
    @extend_schema(
        operation_id="subscriberHistogramByState",
        responses={200: HISTOGRAM, **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        rows = (
            Subscriber.objects.filter(incident__isnull=True)
            .order_by()
            .values_list("mode", "state")
            .annotate(n=Count("pk"))
        )
        histogram = {key: dict.fromkeys(STATE_KEYS, 0) for key in COUNT_KEYS}
        for mode, state, n in rows:
            if state in histogram[mode]:
                histogram[mode][state] = n
        return Response(histogram)


class UnsubscribedList(SubscriberView):
    @extend_schema(
        operation_id="listUnsubscribed",
        parameters=LIST_PARAMETERS[3:6],
        responses={200: SubscriberSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str) -> Response:
        gone = Subscriber.objects.filter(state=SubscriberState.UNSUBSCRIBED).order_by(
            "-unsubscribed_at", "pk"
        )
        return self.respond(SubscriberSerializer, _listed(request, gone), many=True)


class IncidentSubscriberList(SubscriberView):
    @extend_schema(
        operation_id="listIncidentSubscribers",
        parameters=LIST_PARAMETERS,
        responses={200: SubscriberSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, page_id: str, incident_id: str) -> Response:
        incident = get_object_or_404(Incident, pk=incident_id)
        chosen = _filtered(request, Subscriber.objects.filter(incident=incident))
        return self.respond(SubscriberSerializer, _listed(request, chosen), many=True)

    @extend_schema(
        operation_id="createIncidentSubscriber",
        request=wrapped("subscriber", SubscriberInput),
        responses={201: CreatedSubscriberSerializer, **ERRORS},
    )
    def post(self, request: Request, page_id: str, incident_id: str) -> Response:
        return self.create(get_object_or_404(Incident, pk=incident_id))


class IncidentSubscriberDetail(SubscriberView):
    def find(self, incident_id: str, subscriber_id: str) -> Subscriber:
        return get_object_or_404(Subscriber, pk=subscriber_id, incident_id=incident_id)

    @extend_schema(
        operation_id="getIncidentSubscriber", responses={200: SubscriberSerializer, **ERRORS}
    )
    def get(
        self, request: Request, page_id: str, incident_id: str, incident_subscriber_id: str
    ) -> Response:
        return self.respond(SubscriberSerializer, self.find(incident_id, incident_subscriber_id))

    @extend_schema(
        operation_id="unsubscribeIncidentSubscriber",
        responses={200: SubscriberSerializer, **ERRORS},
    )
    def delete(
        self, request: Request, page_id: str, incident_id: str, incident_subscriber_id: str
    ) -> Response:
        found = self.find(incident_id, incident_subscriber_id)
        return self.respond(SubscriberSerializer, subscriptions.unsubscribe(found))


@extend_schema(exclude=True)
class HistogramAlias(SubscriberHistogram):
    """atlassian-python-api's path (`subscribers/histogram`)."""


@extend_schema(exclude=True)
class UnsubscribedAlias(UnsubscribedList):
    """atlassian-python-api's path (`/pages/{page_id}/unsubscribed`)."""
