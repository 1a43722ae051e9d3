"""Signing in to the admin: a lockout after repeated wrong passwords (django-axes), and a
one-time password from a TOTP device when REQUIRE_OPERATOR_2FA is on (django-otp)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite


class LoginThrottle(AxesStandaloneBackend):
    """Refuses a username from an address that has given too many wrong passwords for it.

    Sign-ins from the web always come with their request (the admin's login form passes it).
    A call without one — `Client.login` in tests, a shell — has no address to throttle, so it
    is left to the next backend instead of failing as axes' own backend does."""

    def authenticate(self, request: HttpRequest | None, *args, **kwargs) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def require_two_factor(site: AdminSite) -> None:
    """When REQUIRE_OPERATOR_2FA is on, the admin lets in only people who signed in with a
    token from one of their TOTP devices. Switching the class of the one site keeps every
    registration and the titles set on it (django-otp's documented way)."""
    if settings.REQUIRE_OPERATOR_2FA:
        site.__class__ = OTPAdminSite
