"""Operators hear by email, once each: when an expected recovery passes with the incident still
open, or a promised "next update by" passes without an update; and (issue 13) when a monitor
changes a component by itself, when a draft incident waits to be published, when a component
stays off operational with no published incident (reminders), when monitoring itself fails, and
when visitors surge while the page says nothing.

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
from django.utils.translation import ngettext

from statuspage.lib.zones import zone_label
from statuspage.status import overdue, signals
from statuspage.status.models import Component, ComponentStatus, Incident, Page

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


# --- Issue 13: what the monitors tell operators (statuspage/monitors calls these) ---


def send_to_operators(subject: str, body: str, *, what: str) -> bool:
    """One email to every operator; never raises (a refusing mail server is logged). Call it
    after the commit (transaction.on_commit), never from inside a transaction."""
    to = operator_addresses()
    if not to:
        log.warning("no operator has an email address: %s not sent", what)
        return False
    try:
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to
        ).send()
    except Exception:
        log.exception("operator alert (%s) not sent", what)
        return False
    return True


def _local(at: datetime) -> str:
    """A time in the page's zone, the zone named: "2026-11-30 10:02 北京时间 (UTC+8)"."""
    zone = Page.get().zone
    return f"{timezone.localtime(at, zone):%Y-%m-%d %H:%M} {zone_label(zone, at)}"


def _admin_url(name: str, *args: object) -> str:
    return settings.PUBLIC_URL + reverse(name, args=args)


def component_changed(
    component_id: str, old: str, new: str, actor: str, incident_id: str | None
) -> None:
    """A monitor moved a component; `incident_id` names the draft (or the incident published
    at once) it opened, if any."""
    component = Component.objects.filter(pk=component_id).first()
    if component is None:
        return
    incident = Incident.objects.filter(pk=incident_id).first() if incident_id else None
    with translation.override(settings.LANGUAGE_CODE):
        name = str(component.name)
        values = {
            "component": name,
            "old": ComponentStatus(old).label,
            "new": ComponentStatus(new).label,
            "actor": actor,
            "when": _local(timezone.now()),
            "log": _admin_url("admin:status_statuschange_changelist"),
        }
        subject = _("Monitor: %(component)s is now %(new)s") % values
        body = (
            _(
                "A monitor changed “%(component)s” from %(old)s to %(new)s at %(when)s "
                "(%(actor)s). The page shows it already.\n\nStatus log: %(log)s\n"
            )
            % values
        )
        if incident is not None and incident.draft:
            subject = _("Draft incident waiting: %(component)s is now %(new)s") % values
            body += "\n" + _(
                "A draft incident, “%(title)s”, is waiting. Visitors do not see it and "
                "subscribers have not been told. Publish it with one button:\n\n%(url)s\n"
            ) % {
                "title": str(incident.name),
                "url": _admin_url("admin:status_incident_change", incident.pk),
            }
        elif incident is not None:
            body += "\n" + _(
                "The incident “%(title)s” was published at once (the probe publishes "
                "automatically) and subscribers are being told:\n\n%(url)s\n"
            ) % {
                "title": str(incident.name),
                "url": _admin_url("admin:status_incident_change", incident.pk),
            }
    send_to_operators(subject, body, what=f"component {component_id} changed by a monitor")


def still_not_operational(component_id: str, minutes: int, since: datetime) -> bool:
    """A reminder: the component has been off operational for `minutes` with no published
    incident."""
    component = Component.objects.filter(pk=component_id).first()
    if component is None:
        return False
    draft = Incident.objects.drafts().filter(components=component).first()
    with translation.override(settings.LANGUAGE_CODE):
        if minutes % 60 == 0:
            span = ngettext("%(n)d hour", "%(n)d hours", minutes // 60) % {"n": minutes // 60}
        else:
            span = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        values = {
            "component": str(component.name),
            "status": ComponentStatus(component.status).label,
            "span": span,
            "since": _local(since),
        }
        subject = _("Still no incident: %(component)s %(status)s for %(span)s") % values
        body = (
            _(
                "“%(component)s” has shown %(status)s since %(since)s, for %(span)s now, and no "
                "published incident tells visitors why.\n\n"
            )
            % values
        )
        if draft is not None:
            body += _("A draft is waiting to be published:\n\n%(url)s\n") % {
                "url": _admin_url("admin:status_incident_change", draft.pk)
            }
        else:
            body += _("Open an incident:\n\n%(url)s\n") % {
                "url": _admin_url("admin:status_incident_add")
            }
    return send_to_operators(subject, body, what=f"reminder for component {component_id}")


def monitoring_failing(started_at: datetime, detail: str) -> None:
    """Every probe of a run failed without an answer: most likely our own network."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {"since": _local(started_at), "detail": detail}
        subject = _("Monitoring itself is failing")
        body = (
            _(
                "Since %(since)s no probe reaches its target, so the fault is most likely this "
                "server's own network or DNS. No component has been changed by probes meanwhile; "
                "check the network.\n\n(%(detail)s)\n"
            )
            % values
        )
    send_to_operators(subject, body, what="monitoring failure")


def visitor_surge(views: int, hourly_rate: float) -> None:
    """Visitors flock to the page while it says nothing: something may be wrong."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "views": views,
            "rate": f"{hourly_rate:.0f}",
            "when": _local(timezone.now()),
            "url": _admin_url("admin:status_incident_add"),
        }
        subject = _("Visitor surge: %(views)s page views in a minute") % values
        body = (
            _(
                "The status page had %(views)s views in the minute before %(when)s, against about "
                "%(rate)s a minute over the hour before, and it says nothing: no incident is open. "
                "Borrowers may be meeting a fault nobody has reported yet. Check, and open an "
                "incident if something is wrong:\n\n%(url)s\n"
            )
            % values
        )
    send_to_operators(subject, body, what="visitor surge")
