"""Where the status domain's changes become notices: in the same transaction as the change.

The Notice row is the outbox; it freezes the payload, in every language, at the moment of the
change. Enqueueing its fan-out waits for the commit, and a failure to enqueue (Redis down)
loses nothing: the sweeper finds notices that were never fanned out.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from statuspage.celery import enqueue
from statuspage.notify import payloads, tasks
from statuspage.notify.models import Mode, Notice, NoticeKind, Subscriber, SubscriberState
from statuspage.status.models import Incident, IncidentUpdate, StatusChange


def _create(kind: str, *, incident: Incident, update: IncidentUpdate | None = None) -> Notice:
    now = timezone.now()
    payload, translated = payloads.by_language(payloads.incident_payload, incident, now)
    notice = Notice.objects.create(
        kind=kind,
        incident=incident,
        update=update,
        component_ids=list(incident.components.values_list("pk", flat=True)),
        payload=payload,
        translated_payloads=translated,
        created_at=now,
    )
    transaction.on_commit(lambda: enqueue(tasks.fan_out, notice.pk))
    return notice


def on_update_published(sender, update: IncidentUpdate, notify: bool, **kwargs) -> None:
    # A draft tells no one; services.publish_draft sends this signal again when it is published.
    if update.incident.draft:
        return
    if notify and update.deliver_notifications:
        _create(NoticeKind.INCIDENT_UPDATE, incident=update.incident, update=update)


def on_maintenance_reminder(sender, incident: Incident, **kwargs) -> None:
    _create(NoticeKind.MAINTENANCE_REMINDER, incident=incident)


def on_postmortem_published(sender, incident: Incident, notify: bool, **kwargs) -> None:
    if notify:
        _create(NoticeKind.POSTMORTEM, incident=incident)


def on_components_changed(sender, changes: list[StatusChange], **kwargs) -> None:
    """Webhook subscribers hear about every component change (email subscribers do not)."""
    listening = Subscriber.objects.filter(mode=Mode.WEBHOOK, state=SubscriberState.ACTIVE)
    if not listening.exists():
        return
    now = timezone.now()
    for change in changes:
        payload, translated = payloads.by_language(payloads.component_payload, change, now)
        notice = Notice.objects.create(
            kind=NoticeKind.COMPONENT_UPDATE,
            component_ids=[change.component_id],
            payload=payload,
            translated_payloads=translated,
            created_at=now,
        )
        transaction.on_commit(partial(enqueue, tasks.fan_out, notice.pk))
