"""Operators hear of a missed promise by email, once: when an expected recovery passes with the
incident still open, or a promised "next update by" passes without an update.

To every active staff user with an email address who can change incidents, and to
settings.ADMINS. Sent after the flag commits (never from inside a transaction); a mail server
that refuses is logged, and the flag stays in the admin's incident list either way.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from statuspage.lib.zones import zone_label
from statuspage.status import overdue, signals
from statuspage.status.models import Incident, Page

log = logging.getLogger(__name__)


def operator_addresses() -> list[str]:
    """Who is told: active staff who can change incidents, then ADMINS; each address once."""
    permission = Permission.objects.filter(
        content_type__app_label="status", codename="change_incident"
    ).first()
    can_change = Q(is_superuser=True)
    if permission is not None:
        can_change |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    users = (
        get_user_model()
        .objects.filter(can_change, is_active=True, is_staff=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )
    admins = [entry if isinstance(entry, str) else entry[1] for entry in settings.ADMINS]
    return list(dict.fromkeys([*users, *admins]))


def missed_promise_message(incident: Incident, promise: str, to: list[str]) -> EmailMessage:
    """The alert, in the page's default language, times in the page's zone with the zone named."""
    zone = Page.get().zone
    with translation.override(settings.LANGUAGE_CODE), timezone.override(zone):
        if promise == overdue.RECOVERY:
            promised = incident.expected_recovery_at
        else:
            promised = incident.next_update_by
        when = "—"
        if promised is not None:
            local = timezone.localtime(promised).strftime("%Y-%m-%d %H:%M")
            when = f"{local} {zone_label(zone, promised)}"

        title = str(incident.name)
        url = settings.PUBLIC_URL + reverse("admin:status_incident_change", args=[incident.pk])
        if promise == overdue.RECOVERY:
            subject = _("Expected recovery passed: %(title)s") % {"title": title}
            body = _(
                "“%(title)s” is still open, and the expected recovery you gave, %(when)s, has "
                "passed. Visitors now read that the time is being reassessed. Give a new "
                "expected recovery, or resolve the incident:\n\n%(url)s\n"
            )
        else:
            subject = _("Next update overdue: %(title)s") % {"title": title}
            body = _(
                "An update on “%(title)s” was promised by %(when)s and none has been posted. "
                "Visitors see that it is overdue. Post an update:\n\n%(url)s\n"
            )
        return EmailMessage(
            subject=subject,
            body=body % {"title": title, "when": when, "url": url},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
        )


def email_operators(incident_id: str, promise: str) -> None:
    to = operator_addresses()
    incident = Incident.objects.filter(pk=incident_id).first()
    if not to or incident is None:
        return
    try:
        missed_promise_message(incident, promise, to).send()
    except Exception:  # a refusing mail server must not fail the beat that flagged it
        log.exception("missed-promise alert for incident %s not sent", incident_id)


def on_promise_missed(sender, *, incident: Incident, promise: str, at: datetime, **kwargs) -> None:
    """Email after the flag commits: a rolled-back flag sends nothing."""
    transaction.on_commit(lambda: email_operators(incident.pk, promise))


def connect() -> None:
    signals.promise_missed.connect(on_promise_missed, dispatch_uid="operators.alerts")
