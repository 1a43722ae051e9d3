"""How often a key may call: Statuspage allows one request a second over a rolling minute; our
limit is a setting (API_RATE_LIMIT_PER_MINUTE) and generous by default, because Terraform plans
issue one GET per resource. Over the limit: 429 (or 420, API_RATE_LIMIT_STATUS) with Retry-After.

Callers without a key count per client address, with X-Forwarded-For believed only from
TRUSTED_PROXIES (statuspage.lib.clientip), never from anyone, as DRF's own get_ident would.

The counts live in the cache (Redis). When Redis is down the limit is not enforced rather than
every call failing: an outage is exactly when alerting must still be able to post.
"""

from __future__ import annotations

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from statuspage.api.models import ApiKey
from statuspage.lib.clientip import client_ip

log = logging.getLogger(__name__)


class KeyRateThrottle(SimpleRateThrottle):
    """Requests per key over a rolling minute (callers without a key count per address)."""

    scope = "api_key"

    def get_rate(self) -> str:
        # Read per request, not at import as DRF's default does, so the setting is honoured.
        return f"{settings.API_RATE_LIMIT_PER_MINUTE}/min"

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def get_cache_key(self, request: Request, view) -> str:
        api_key = request.auth
        ident = f"key{api_key.pk}" if isinstance(api_key, ApiKey) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            log.warning("API rate limit not enforced, the cache is unreachable: %s", exc)
            return True
