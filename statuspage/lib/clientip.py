"""Who is asking: the client's address, believing X-Forwarded-For only from trusted proxies.

Every rate limit counts per address with this one function (the subscribe form, the public
subscribers API and the management API's throttle), so a forged header moves no limit.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)
_untrusted_proxy_seen = False


def client_ip(request: HttpRequest, trusted_proxies: Iterable[str] | None = None) -> str:
    """The client's address. X-Forwarded-For is believed only when the connection comes from
    one of `trusted_proxies` (addresses or networks; TRUSTED_PROXIES unless given), and then
    only its rightmost hop that is not itself a trusted proxy (the hops left of it can be
    forged)."""
    if trusted_proxies is None:
        trusted_proxies = settings.TRUSTED_PROXIES
    trusted = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not is_trusted(remote):
        if forwarded:
            _warn_of_untrusted_proxy(remote)
        return remote
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return remote


def _warn_of_untrusted_proxy(remote: str) -> None:
    """Once per process: behind a proxy that is not trusted every visitor has the proxy's
    address, so they all share one rate limit (a few junk posts lock everyone out)."""
    global _untrusted_proxy_seen
    if _untrusted_proxy_seen:
        return
    _untrusted_proxy_seen = True
    log.warning(
        "A request came with X-Forwarded-For from %s, which is not in TRUSTED_PROXIES: if it "
        "is your reverse proxy, add it (TRUSTED_PROXIES=127.0.0.1 behind the shipped nginx), "
        "or every visitor shares its rate limits.",
        remote,
    )
