"""The alert webhook: POST /api/alerts/<token>/ from Alertmanager, Grafana or any JSON tool."""

from __future__ import annotations

import logging

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from statuspage.api.parsers import SniffingParser, StatuspageJSONParser
from statuspage.monitors import alerts
from statuspage.monitors.models import AlertSource

log = logging.getLogger(__name__)


class AlertWebhook(APIView):
    """Bad token: 401; a payload that cannot be applied: 422; malformed, too deep or too large
    JSON: the API's parsers answer 400 or 413. Nothing is written on any of them."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [StatuspageJSONParser, SniffingParser]
    schema = None

    def post(self, request: Request, token: str) -> Response:
        source = AlertSource.by_token(token)
        if source is None:
            log.warning("alert refused: no alert source has this token")
            return Response({"error": "Unknown alert source token."}, status=401)
        try:
            outcome = alerts.receive(source, request.data)
        except alerts.AlertPayloadError as exc:
            log.warning("alert from %s refused: %s", source.name, exc)
            return Response({"error": str(exc), "message": str(exc)}, status=422)
        return Response(outcome)
