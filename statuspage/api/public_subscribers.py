"""`POST` and `DELETE /api/v2/subscribers.json`: how Statuspage's own `se-v2.js` subscribes a
visitor by email and lets them leave, answered in JSON.

These are the subscribe form's rules behind another door: confirmed opt-in through
notify.subscriptions, the same django-ratelimit limits (SUBSCRIBE_RATE_PER_IP, _PER_ADDRESS),
and the same answer whether or not the address is already subscribed, so it reveals nothing.
A repeat subscription changes nothing and only sends the link again. Leaving needs the
subscriber's id, which only the subscriber has (it is in their links): an address alone proves
nothing. No cookies are involved, so there is no CSRF token to ask for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django_ratelimit.core import is_ratelimited
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from statuspage.api.base import ManagementView
from statuspage.api.errors import NOT_FOUND
from statuspage.api.fields import ComponentRefs, Text
from statuspage.lib.clientip import client_ip
from statuspage.notify import subscriptions
from statuspage.notify.models import Mode, Subscriber, SubscriberState
from statuspage.shapes.objects import PageSerializer


class EmailSubscriptionInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    component_ids = ComponentRefs(required=False, allow_empty=True)


class UnsubscriptionInput(serializers.Serializer):
    id = Text(max_length=64)


def _refuse_if_limited(request: Request, group: str, key: Callable, rate: tuple[int, int]) -> None:
    """429 with Retry-After the limit's own window (SUBSCRIBE_RATE_* is (requests, seconds))."""
    http_request: HttpRequest = request._request
    if is_ratelimited(http_request, group=group, key=key, rate=rate, increment=True):
        raise Throttled(wait=rate[1])


class PublicSubscribers(ManagementView):
    envelope = "subscriber"
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []  # django-ratelimit below, shared with the subscribe form

    def fields(self) -> dict:
        """The fields inside `subscriber` (se-v2.js) or at the top level, from the body or, for
        DELETE, the query string."""
        wrapped = self.payload(required=False)
        if wrapped:
            return wrapped
        data = self.request.data
        if isinstance(data, dict) and data:
            return dict(data)
        return dict(self.request.query_params.items())

    def refuse_if_limited(self) -> None:
        _refuse_if_limited(
            self.request,
            "subscribe-ip",
            lambda group, request: client_ip(request),
            settings.SUBSCRIBE_RATE_PER_IP,
        )

    def answer(self, subscriber: dict, *, status: int = 200) -> Response:
        page = PageSerializer(self.page, context={"page": self.page}).data
        return Response({"page": page, "subscriber": subscriber}, status=status)

    def post(self, request: Request) -> Response:
        self.refuse_if_limited()
        data = self.validated(EmailSubscriptionInput, self.fields())
        address = subscriptions.normalise_email(data["email"])
        _refuse_if_limited(
            request,
            "subscribe-address",
            lambda group, request: address,
            settings.SUBSCRIBE_RATE_PER_ADDRESS,
        )
        components = data.get("component_ids", [])
        # The visitor's language as the page would pick it (cookie, browser, else the page's
        # default), not the API's message language, which is English for a header-less call.
        language = translation.get_language_from_request(request._request)
        subscriptions.subscribe(email=address, components=components, language=language)
        # What was asked, not what is stored: the answer must not tell whether the address
        # was already subscribed, nor to what.
        return self.answer(
            {
                "mode": Mode.EMAIL,
                "email": address,
                "component_ids": [c.id for c in components],
            },
            status=201,
        )

    def delete(self, request: Request) -> Response:
        self.refuse_if_limited()
        subscriber_id = self.validated(UnsubscriptionInput, self.fields())["id"]
        subscriber = Subscriber.objects.filter(
            pk=subscriber_id, mode=Mode.EMAIL, incident__isnull=True
        ).first()
        if subscriber is None:
            raise NotFound(NOT_FOUND)
        if subscriber.state != SubscriberState.UNSUBSCRIBED:
            subscriptions.unsubscribe(subscriber)
        return self.answer({"id": subscriber.pk, "mode": Mode.EMAIL})
