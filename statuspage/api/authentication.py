"""Who is calling: an API key, sent in any of the ways Statuspage's clients send it.

`Authorization: OAuth <key>` is Statuspage's documented form; real clients also send `oauth`,
`Bearer` (atlassian-python-api), the bare key (Port) and `?api_key=`. All are accepted. A missing
or unknown key is a 401 with Statuspage's body, `{"error": "Could not authenticate"}`, and so is
a key whose owner has been deactivated or is no longer staff. An owner who lost the permissions
a scope needs gets a 403 that says so.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from statuspage.api.models import ApiKey, Scope

SCHEMES = {"oauth", "bearer", "token"}
READ_DENIED = _("This API key may not read. Give it the read scope.")
WRITE_DENIED = _("This API key may only read. Give it the write scope to make changes.")
OWNER_DENIED = _(
    "The person this API key belongs to may no longer do this in the console, so neither may "
    "the key. Restore their permissions or use a key of someone who has them."
)


def key_from(request: Request) -> str | None:
    """The key the request carries, or None if it carries none."""
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    if header:
        parts = header.split()
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2 and parts[0].lower() in SCHEMES:
            return parts[1]
        return ""  # a scheme we do not speak (Basic, …): present, but never a valid key
    return request.query_params.get("api_key")


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple | None:
        key = key_from(request)
        if key is None:
            return None
        api_key = ApiKey.objects.find(key)
        if api_key is None or not api_key.owner_is_active_staff:
            raise exceptions.AuthenticationFailed()
        api_key.record_use()
        return (api_key.created_by or AnonymousUser(), api_key)

    def authenticate_header(self, request: Request) -> str:
        # Without a challenge DRF answers 403 instead of 401.
        return 'OAuth realm="api"'


class KeyScopes(BasePermission):
    """Reading needs the read scope; every other method needs write."""

    def has_permission(self, request: Request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False  # DRF turns this into 401: no credentials were given
        needed = Scope.READ if request.method in SAFE_METHODS else Scope.WRITE
        if not api_key.allows(needed):
            raise exceptions.PermissionDenied(
                {Scope.READ: READ_DENIED, Scope.WRITE: WRITE_DENIED}[needed]
            )
        if not api_key.owner_may_use(needed):
            raise exceptions.PermissionDenied(OWNER_DENIED)
        return True
