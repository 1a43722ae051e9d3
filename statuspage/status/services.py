"""The one write path for the status domain.

The admin, the management API, Celery tasks and management commands all change the page through
these functions. Each does the whole change in one transaction: the rows, the component statuses
with their StatusChange log entries, the incident's impact, the signals that write the
notification outbox, and the page-version bump. Invalid input raises ValidationError (with field
names) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypedDict, Unpack, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from statuspage.status import pageversion, signals
from statuspage.status.models import (
    CLOSED_STATUSES,
    CLOSING_STATUS_BY_KIND,
    FIRST_STATUS_BY_KIND,
    AlternativeChannel,
    Cause,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    Page,
    RecurringMaintenance,
    SelfHelpTopic,
    StatusChange,
    StatusChangeCause,
    StatusEmbedConfig,
)
from statuspage.status.rollup import incident_impact
from statuspage.status.translation import Text, set_texts, texts
from statuspage.status.translation import all_texts as texts_of
from statuspage.status.translation import localized_kwargs as localized

User = AbstractBaseUser | AnonymousUser | None
ComponentStatuses = Mapping[Component, str]


def _actor(author: User) -> str:
    return author.get_username() if author is not None and author.is_authenticated else ""


def _author(author: User):
    return author if author is not None and author.is_authenticated else None


def _require_body(body: Text) -> None:
    """An update needs a message in the default language (other languages fall back to it)."""
    if not texts("body", body).get(settings.LANGUAGE_CODE, "").strip():
        raise ValidationError({"body": _("Write a message for this update.")})


def _check_next_update_by(next_update_by: datetime | None, at: datetime | None = None) -> None:
    if next_update_by is not None and next_update_by <= (at or timezone.now()):
        raise ValidationError(
            {"next_update_by": _("The next update must be promised for a time still ahead.")}
        )


def _check_statuses(component_statuses: ComponentStatuses) -> None:
    bad = [
        f"{c.name}: {s!r}" for c, s in component_statuses.items() if s not in ComponentStatus.values
    ]
    if bad:
        raise ValidationError({"components": _("Unknown component status: %s") % ", ".join(bad)})


def apply_component_statuses(
    component_statuses: ComponentStatuses,
    *,
    cause: str,
    at: datetime,
    actor: str = "",
    update: IncidentUpdate | None = None,
) -> list[tuple[Component, str, str]]:
    """Set the statuses and log a StatusChange for each one that really changes.

    Returns (component, old, new) for every component given, changed or not. Runs inside the
    caller's transaction; the components are re-read under a row lock so two writers cannot
    both log a change from the same old status.
    """
    _check_statuses(component_statuses)
    wanted = {c.pk: s for c, s in component_statuses.items()}
    transitions: list[tuple[Component, str, str]] = []
    changes: list[StatusChange] = []
    locked = (
        Component.objects.select_for_update(of=("self",))
        .select_related("group")
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    for component in locked:
        old, new = component.status, wanted[component.pk]
        transitions.append((component, old, new))
        if old == new:
            continue
        changes.append(
            StatusChange(
                component=component,
                old_status=old,
                new_status=new,
                at=at,
                cause=cause,
                incident_update=update,
                actor=actor,
            )
        )
        Component.objects.filter(pk=component.pk).update(status=new, updated_at=at)
    StatusChange.objects.bulk_create(changes)
    for obj in component_statuses:  # keep the caller's instances current
        obj.status = wanted[obj.pk]
    if changes:
        signals.components_changed.send(sender=StatusChange, changes=changes)
    return transitions


def _recompute_impact(incident: Incident) -> None:
    statuses = [
        entry["new_status"]
        for affected in incident.updates.values_list("affected_components", flat=True)
        if affected
        for entry in affected
    ]
    incident.impact = incident_impact(incident.kind, incident.impact_override, statuses)


def _stamp_status(incident: Incident, status: str, at: datetime) -> None:
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status == IncidentStatus.IN_PROGRESS and incident.started_at is None:
        incident.started_at = at
    if status in CLOSED_STATUSES:
        if incident.resolved_at is None:
            incident.resolved_at = at
    else:
        incident.resolved_at = None
    incident.status = status


def check_opening(
    incident: Incident,
    *,
    body: Text,
    component_statuses: ComponentStatuses | None = None,
    next_update_by: datetime | None = None,
) -> None:
    """The rules for a new incident (the model's own, a message, an open status, known
    component statuses, a next update still ahead), checked without writing: `open_incident`
    runs them, and the admin form runs them to show its errors. An incident without a status
    gets its kind's first."""
    if not incident.status:
        incident.status = FIRST_STATUS_BY_KIND[incident.kind]
    incident.full_clean(exclude=["components", "channels"])
    _require_body(body)
    _check_next_update_by(next_update_by)
    _check_statuses(component_statuses or {})
    if incident.status in CLOSED_STATUSES:
        raise ValidationError({"status": _("A new incident cannot start resolved.")})


@transaction.atomic
def open_incident(
    incident: Incident,
    *,
    body: Text,
    component_statuses: ComponentStatuses | None = None,
    affected: Iterable[Component] = (),
    channels: Iterable[AlternativeChannel] = (),
    next_update_by: datetime | None = None,
    notify: bool = True,
    author: User = None,
    at: datetime | None = None,
    cause: str = StatusChangeCause.OPERATOR,
) -> Incident:
    """Create `incident` (an unsaved instance) with its first update in one transaction.

    `component_statuses` are applied and logged; `affected` only marks components as affected;
    `channels` are the alternative channels the notice offers. Its texts (name, cause note)
    are set per language on the instance (see `translation.set_texts`), the body is a `Text`.
    Guarantees: either the incident, its first update, the status changes, the notification
    outbox row and the version bump are all written, or none is.
    """
    component_statuses = dict(component_statuses or {})
    at = at or timezone.now()
    incident.created_at = incident.updated_at = at  # before the checks: they read when it began
    check_opening(
        incident, body=body, component_statuses=component_statuses, next_update_by=next_update_by
    )

    if incident.kind != IncidentKind.MAINTENANCE or incident.status == IncidentStatus.IN_PROGRESS:
        incident.started_at = incident.started_at or at
    _stamp_status(incident, incident.status, at)
    incident.save()
    incident.components.add(*component_statuses, *affected)
    incident.channels.add(*channels)
    _write_update(
        incident,
        status=incident.status,
        body=body,
        component_statuses=component_statuses,
        notify=notify,
        author=author,
        at=at,
        cause=cause,
        next_update_by=next_update_by,
    )
    return incident


def _write_update(
    incident: Incident,
    *,
    status: str,
    body: Text,
    component_statuses: ComponentStatuses,
    notify: bool,
    author: User,
    at: datetime,
    cause: str,
    display_at: datetime | None = None,
    next_update_by: datetime | None = None,
) -> IncidentUpdate:
    update = IncidentUpdate(
        incident=incident,
        status=status,
        display_at=display_at or at,
        created_at=at,
        updated_at=at,
        deliver_notifications=notify,
        next_update_by=next_update_by,
        author=_author(author),
    )
    set_texts(update, "body", body)
    update.save()
    if incident.next_update_overdue_alerted_at is not None:
        # A new update answers the missed promise; the next one may be missed again.
        incident.next_update_overdue_alerted_at = None
        incident.save(update_fields=["next_update_overdue_alerted_at"])
    cause = StatusChangeCause.MAINTENANCE if incident.is_maintenance else cause
    transitions = apply_component_statuses(
        component_statuses, cause=cause, at=at, actor=_actor(author), update=update
    )
    if transitions:
        with translation.override(settings.LANGUAGE_CODE):  # the API's language, not the operator's
            update.affected_components = [
                {"code": c.pk, "name": c.display_name, "old_status": old, "new_status": new}
                for c, old, new in transitions
            ]
        update.save(update_fields=["affected_components"])
    _recompute_impact(incident)
    incident.save(update_fields=["impact"])
    signals.update_published.send(sender=IncidentUpdate, update=update, notify=notify)
    pageversion.bump()
    return update


def _check_update(
    incident: Incident,
    *,
    status: str,
    body: Text,
    reopen: bool,
    next_update_by: datetime | None = None,
) -> None:
    """The rules for a new update on an existing incident: a status of its kind, a message,
    and a closed incident takes one only when reopened, with an open status."""
    incident.check_status(status)
    if incident.is_closed and not reopen:
        kind = IncidentKind(incident.kind).label.lower()
        raise ValidationError(
            {"status": _("This %(kind)s is closed. Reopen it to post an update.") % {"kind": kind}}
        )
    if reopen and status in CLOSED_STATUSES:
        raise ValidationError({"status": _("Choose an open status to reopen it with.")})
    _require_body(body)
    _check_next_update_by(next_update_by)


@transaction.atomic
def post_update(
    incident: Incident,
    *,
    status: str,
    body: Text,
    component_statuses: ComponentStatuses | None = None,
    notify: bool = True,
    author: User = None,
    at: datetime | None = None,
    display_at: datetime | None = None,
    reopen: bool = False,
    cause: str = StatusChangeCause.OPERATOR,
    next_update_by: datetime | None = None,
) -> IncidentUpdate:
    """Add an update to `incident`, moving it to `status` and applying component statuses.

    A closed incident takes an update only when `reopen` is set, and reopening needs an open
    status. All of it (update, statuses, log, impact, outbox, version) commits together.
    """
    component_statuses = dict(component_statuses or {})
    at = at or timezone.now()
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    _check_update(locked, status=status, body=body, reopen=reopen, next_update_by=next_update_by)
    _check_statuses(component_statuses)

    _stamp_status(locked, status, at)
    locked.updated_at = at
    locked.save(
        update_fields=["status", "monitoring_at", "started_at", "resolved_at", "updated_at"]
    )
    locked.components.add(*component_statuses)
    update = _write_update(
        locked,
        status=status,
        body=body,
        component_statuses=component_statuses,
        notify=notify,
        author=author,
        at=at,
        cause=cause,
        display_at=display_at,
        next_update_by=next_update_by,
    )
    incident.refresh_from_db()
    return update


@transaction.atomic
def resolve(
    incident: Incident,
    *,
    body: Text = "",
    restore_components: bool = True,
    notify: bool = True,
    author: User = None,
    at: datetime | None = None,
) -> IncidentUpdate:
    """Close the incident (resolved, or completed for maintenance) in one step.

    With `restore_components`, every affected component that is not operational goes back to
    operational in the same update.
    """
    component_statuses: dict[Component, str] = {}
    if restore_components:
        component_statuses = {
            c: ComponentStatus.OPERATIONAL
            for c in incident.components.exclude(status=ComponentStatus.OPERATIONAL)
        }
    closing = CLOSING_STATUS_BY_KIND[incident.kind]
    default_body: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:  # page content in every language, not the UI's
        with translation.override(code):
            default_body[code] = {
                IncidentKind.INCIDENT: _("This incident has been resolved."),
                IncidentKind.MAINTENANCE: _("The scheduled maintenance has been completed."),
                IncidentKind.ANNOUNCEMENT: _("This announcement has ended."),
            }[IncidentKind(incident.kind)]
    return post_update(
        incident,
        status=closing,
        body=body or default_body,
        component_statuses=component_statuses,
        notify=notify,
        author=author,
        at=at,
    )


# The incident's own fields that exist per language (see translation.py).
TRANSLATED_INCIDENT_FIELDS = frozenset({"name", "cause_note"})


class IncidentFields(TypedDict, total=False):
    """An incident's own fields, as `edit_incident` takes them: the ones given change."""

    name: Text
    cause: str
    cause_note: Text
    impact_override: str
    channels: Iterable[AlternativeChannel]
    reassurances: list[str]
    function_states: dict[str, str]
    expected_recovery_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    scheduled_remind_prior: bool
    scheduled_auto_in_progress: bool
    scheduled_auto_completed: bool
    expires_at: datetime | None
    metadata: dict


def _prepare_edit(
    incident: Incident,
    *,
    status: str | None,
    body: Text | None,
    reopen: bool,
    next_update_by: datetime | None,
    component_statuses: ComponentStatuses,
    fields: IncidentFields,
) -> bool:
    """Set `fields` on `incident` (as read from the database) and check the whole edit.

    Returns whether the edit posts an update. A maintenance window that has not started can
    be moved, but not into the past; once moved it is reminded of again, at the new time.
    """
    unknown = set(fields) - set(IncidentFields.__annotations__)
    if unknown:
        raise TypeError(f"not an incident field edit_incident changes: {sorted(unknown)}")
    window = (incident.scheduled_for, incident.scheduled_until)
    recovery = incident.expected_recovery_at
    for name, value in fields.items():
        if name in TRANSLATED_INCIDENT_FIELDS:
            set_texts(incident, name, cast(Text, value))
        elif name != "channels":  # a relation: set by edit_incident once the row is saved
            setattr(incident, name, value)
    incident.full_clean(exclude=["components", "channels"])
    if incident.expected_recovery_at != recovery:
        incident.recovery_overdue_alerted_at = None  # a new promise, to be kept or flagged
    moved = (incident.scheduled_for, incident.scheduled_until) != window
    if moved and incident.status == IncidentStatus.SCHEDULED:
        if incident.scheduled_until and incident.scheduled_until <= timezone.now():
            raise ValidationError(
                {"scheduled_until": _("This maintenance window is already over.")}
            )
        incident.scheduled_reminded_at = None
    posts_update = body is not None or status not in (None, incident.status)
    if posts_update:
        _check_update(
            incident,
            status=status or incident.status,
            body=body or "",
            reopen=reopen,
            next_update_by=next_update_by,
        )
    _check_statuses(component_statuses)
    return posts_update


def check_edit(
    incident: Incident,
    *,
    status: str | None = None,
    body: Text | None = None,
    reopen: bool = False,
    component_statuses: ComponentStatuses | None = None,
    next_update_by: datetime | None = None,
    **fields: Unpack[IncidentFields],
) -> None:
    """Raise the ValidationError `edit_incident` would raise for these arguments, writing
    nothing: for forms, which show their errors before they save."""
    _prepare_edit(
        Incident.objects.get(pk=incident.pk),
        status=status,
        body=body,
        reopen=reopen,
        next_update_by=next_update_by,
        component_statuses=dict(component_statuses or {}),
        fields=fields,
    )


@transaction.atomic
def edit_incident(
    incident: Incident,
    *,
    status: str | None = None,
    body: Text | None = None,
    reopen: bool = False,
    component_statuses: ComponentStatuses | None = None,
    next_update_by: datetime | None = None,
    affected: Iterable[Component] = (),
    notify: bool = True,
    author: User = None,
    at: datetime | None = None,
    via: str = StatusChangeCause.OPERATOR,
    **fields: Unpack[IncidentFields],
) -> IncidentUpdate | None:
    """Edit an incident: the admin's change form and the API's PATCH both come here.

    The own `fields` given change. A `body`, or a `status` other than the current one, posts
    an update (see `post_update`: it needs a message, and a closed incident needs `reopen`)
    that carries `component_statuses`; without one, `component_statuses` and `affected` join
    the incident quietly (see `apply_incident_components`). Everything is checked before
    anything is written, and the fields, update, statuses, log, impact, notice and version
    bump commit together. `via` is the cause the status-change log records (`cause` is the
    incident's own field). Returns the update posted, if any.
    """
    component_statuses = dict(component_statuses or {})
    at = at or timezone.now()
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    posts_update = _prepare_edit(
        locked,
        status=status,
        body=body,
        reopen=reopen,
        next_update_by=next_update_by,
        component_statuses=component_statuses,
        fields=fields,
    )
    update = None
    if fields:
        locked.updated_at = at
        locked.save()
        if "channels" in fields:
            locked.channels.set(list(fields["channels"]))
    if posts_update:
        update = post_update(
            locked,
            status=status or locked.status,
            body=body or "",
            component_statuses=component_statuses,
            notify=notify,
            author=author,
            at=at,
            reopen=reopen,
            cause=via,
            next_update_by=next_update_by,
        )
        locked.components.add(*affected)
    elif component_statuses or affected:
        apply_incident_components(
            locked, component_statuses, affected=affected, author=author, at=at, cause=via
        )
    elif fields:
        _recompute_impact(locked)  # the override may have changed
        locked.save(update_fields=["impact"])
        pageversion.bump()
    incident.refresh_from_db()
    return update


@transaction.atomic
def edit_update(
    update: IncidentUpdate,
    *,
    body: Text | None = None,
    display_at: datetime | None = None,
    deliver_notifications: bool | None = None,
) -> IncidentUpdate:
    """Correct an update's text (in any language) or time. Sends nothing: the notice already
    went out."""
    if body is not None:
        set_texts(update, "body", body)
        _require_body(texts_of(update, "body"))
    if display_at is not None:
        update.display_at = display_at
    if deliver_notifications is not None:
        update.deliver_notifications = deliver_notifications
    update.updated_at = timezone.now()
    update.save()
    Incident.objects.filter(pk=update.incident_id).update(updated_at=update.updated_at)
    pageversion.bump()
    return update


@transaction.atomic
def delete_incident(incident: Incident) -> None:
    """Remove an incident and its updates from the page. Component statuses stay as they are."""
    incident.delete()
    pageversion.bump()


@transaction.atomic
def publish_draft(
    incident: Incident, *, author: User = None, at: datetime | None = None
) -> Incident:
    """Issue 13: put a draft (opened by a monitor) on the page, in one action.

    It becomes visible, the page version moves, and its first update is announced as a normal
    opening would be (subscribers are told unless the update says not to). Publishing what is
    already published is refused (ValidationError), nothing written.
    """
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not locked.draft:
        raise ValidationError({"draft": _("This incident is already published.")})
    locked.draft = False
    locked.updated_at = at or timezone.now()
    locked.save(update_fields=["draft", "updated_at"])
    first = locked.updates.order_by("created_at", "display_at").first()
    if first is not None:
        first.incident = locked  # receivers read `update.incident.draft`
        signals.update_published.send(
            sender=IncidentUpdate, update=first, notify=first.deliver_notifications
        )
    pageversion.bump()
    incident.refresh_from_db()
    return incident


@transaction.atomic
def save_postmortem_draft(incident: Incident, body: str) -> Incident:
    incident.postmortem_body_draft = body
    incident.postmortem_draft_updated_at = timezone.now()
    incident.save(update_fields=["postmortem_body_draft", "postmortem_draft_updated_at"])
    return incident


@transaction.atomic
def publish_postmortem(incident: Incident, *, notify: bool = False) -> Incident:
    """Publish the draft; a resolved incident's status becomes `postmortem`."""
    if incident.kind != IncidentKind.INCIDENT:
        raise ValidationError({"postmortem": _("Only incidents have postmortems.")})
    if not incident.postmortem_body_draft.strip():
        raise ValidationError({"body_draft": _("Write the postmortem before publishing it.")})
    now = timezone.now()
    incident.postmortem_body = incident.postmortem_body_draft
    incident.postmortem_published_at = now
    incident.postmortem_notify_subscribers = notify
    if incident.status == IncidentStatus.RESOLVED:
        incident.status = IncidentStatus.POSTMORTEM
    incident.updated_at = now
    incident.save()
    signals.postmortem_published.send(sender=Incident, incident=incident, notify=notify)
    pageversion.bump()
    return incident


@transaction.atomic
def revert_postmortem(incident: Incident) -> Incident:
    """Take a published postmortem back to draft."""
    incident.postmortem_body = ""
    incident.postmortem_published_at = None
    if incident.status == IncidentStatus.POSTMORTEM:
        incident.status = IncidentStatus.RESOLVED
    incident.updated_at = timezone.now()
    incident.save()
    pageversion.bump()
    return incident


@transaction.atomic
def delete_postmortem(incident: Incident) -> Incident:
    revert_postmortem(incident)
    incident.postmortem_body_draft = ""
    incident.postmortem_draft_updated_at = None
    incident.save(update_fields=["postmortem_body_draft", "postmortem_draft_updated_at"])
    return incident


@transaction.atomic
def save_component(
    component: Component, *, author: User = None, cause: str = StatusChangeCause.OPERATOR
) -> Component:
    """Create or edit a component. A status change is logged like any other."""
    component.full_clean()
    now = timezone.now()
    new_status = component.status
    if component._state.adding:
        component.created_at = component.updated_at = now
        component.status = ComponentStatus.OPERATIONAL
        component.save()
    else:
        current = Component.objects.select_for_update().get(pk=component.pk).status
        component.status = current
        component.updated_at = now
        component.save()
    if new_status != component.status:
        apply_component_statuses({component: new_status}, cause=cause, at=now, actor=_actor(author))
    pageversion.bump()
    return component


@transaction.atomic
def set_component_status(
    component: Component, status: str, *, author: User = None, cause: str = StatusChangeCause.API
) -> None:
    apply_component_statuses(
        {component: status}, cause=cause, at=timezone.now(), actor=_actor(author)
    )
    pageversion.bump()


@transaction.atomic
def delete_component(component: Component) -> None:
    """Delete a component; a group left without components goes with it (as Statuspage does)."""
    group_id = component.group_id
    component.delete()
    if group_id and not Component.objects.filter(group_id=group_id).exists():
        ComponentGroup.objects.filter(pk=group_id).delete()
    pageversion.bump()


@transaction.atomic
def save_group(
    group: ComponentGroup, components: Iterable[Component] | None = None
) -> ComponentGroup:
    """Create or edit a group; `components`, when given, become exactly its members."""
    group.full_clean()
    group.save()
    if components is not None:
        members = list(components)
        Component.objects.filter(group=group).exclude(pk__in=[c.pk for c in members]).update(
            group=None
        )
        Component.objects.filter(pk__in=[c.pk for c in members]).update(group=group)
    pageversion.bump()
    return group


@transaction.atomic
def delete_group(group: ComponentGroup) -> None:
    """Delete a group; its components stay, ungrouped."""
    group.delete()
    pageversion.bump()


@transaction.atomic
def save_embed_config(config: StatusEmbedConfig) -> StatusEmbedConfig:
    """Save the widget's banner settings; the widget's JSON carries them, so the page moves."""
    config.full_clean()
    config.save()
    pageversion.bump()
    return config


@transaction.atomic
def save_page(page: Page) -> Page:
    page.full_clean()
    page.save()
    pageversion.bump()
    return page


@transaction.atomic
def generate_occurrences(
    schedule: RecurringMaintenance, *, now: datetime | None = None
) -> list[Incident]:
    """Schedule the recurring windows that start within MAINTENANCE_AHEAD_DAYS, each once.

    The schedule is claimed with a conditional UPDATE of `generated_until`, so of two beats
    running at once one generates and the other finds the claim gone; a window is never
    generated twice (the unique constraint backs this up), and one an operator deleted stays
    deleted. Each window becomes an ordinary scheduled maintenance through `open_incident`.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.MAINTENANCE_AHEAD_DAYS)
    previous = schedule.generated_until
    after = max(previous, now) if previous else now
    if not schedule.active or after >= horizon:
        return []
    claimed = RecurringMaintenance.objects.filter(
        pk=schedule.pk, active=True, generated_until=previous
    ).update(generated_until=horizon)
    if not claimed:
        return []
    schedule.generated_until = horizon
    windows = schedule.windows(after, horizon)
    existing = set(
        schedule.occurrences.filter(scheduled_for__in=[s for s, _ in windows]).values_list(
            "scheduled_for", flat=True
        )
    )
    components = list(schedule.components.all())
    channels = list(schedule.channels.all())
    return [
        open_incident(
            Incident(
                kind=IncidentKind.MAINTENANCE,
                **localized(schedule, "name", as_field="name"),
                cause=Cause.MAINTENANCE,
                scheduled_for=start,
                scheduled_until=end,
                scheduled_remind_prior=schedule.remind_prior,
                scheduled_auto_in_progress=schedule.auto_in_progress,
                scheduled_auto_completed=schedule.auto_completed,
                recurrence=schedule,
            ),
            body=texts_of(schedule, "body"),
            affected=components,
            channels=channels,
            notify=schedule.notify_on_create,
            cause=StatusChangeCause.MAINTENANCE,
        )
        for start, end in windows
        if start not in existing
    ]


def _drop_windows_ahead(schedule: RecurringMaintenance, now: datetime) -> None:
    """Delete generated windows that have not begun; a reminded one is imminent and stays."""
    schedule.occurrences.filter(
        status=IncidentStatus.SCHEDULED, scheduled_for__gt=now, scheduled_reminded_at__isnull=True
    ).delete()


@transaction.atomic
def save_recurring_maintenance(
    schedule: RecurringMaintenance,
    components: Iterable[Component],
    *,
    channels: Iterable[AlternativeChannel] | None = None,
    now: datetime | None = None,
) -> RecurringMaintenance:
    """Create or edit a recurring maintenance and schedule its windows ahead.

    Nothing is saved unless the schedule is valid (known time zone, a last day not before the
    first nor already past, windows that do not run into each other) and no other active
    schedule has overlapping windows on a shared component. Windows generated earlier that
    have not begun are replaced, so an edit applies to every window still ahead. `channels`,
    when given, become the alternative channels every window offers.
    """
    now = now or timezone.now()
    components = list(components)
    schedule.full_clean()
    schedule.check_overlaps(components, now=now)
    schedule.generated_until = None
    schedule.save()
    schedule.components.set(components)
    if channels is not None:
        schedule.channels.set(list(channels))
    _drop_windows_ahead(schedule, now)
    generate_occurrences(schedule, now=now)
    pageversion.bump()
    return schedule


@transaction.atomic
def delete_recurring_maintenance(
    schedule: RecurringMaintenance, *, now: datetime | None = None
) -> None:
    """Delete the schedule with its windows still ahead; past and running ones stay on record."""
    _drop_windows_ahead(schedule, now or timezone.now())
    schedule.delete()
    pageversion.bump()


@transaction.atomic
def save_self_help_topic(topic: SelfHelpTopic) -> SelfHelpTopic:
    topic.full_clean()
    topic.save()
    pageversion.bump()
    return topic


@transaction.atomic
def delete_self_help_topic(topic: SelfHelpTopic) -> None:
    topic.delete()
    pageversion.bump()


@transaction.atomic
def apply_incident_components(
    incident: Incident,
    component_statuses: ComponentStatuses | None = None,
    *,
    affected: Iterable[Component] = (),
    author: User = None,
    at: datetime | None = None,
    cause: str = StatusChangeCause.OPERATOR,
) -> Incident:
    """Change components as part of an incident without writing a new update.

    For an `edit_incident` that carries components but no new status or message.
    `affected` components join the incident; `component_statuses` are applied and logged
    against the incident's latest update, and added to that update's affected_components, so
    the incident's impact and history account for them. Nothing is sent: no message was
    written. Statuses, log, affected set, impact and the version bump commit together.
    """
    component_statuses = dict(component_statuses or {})
    _check_statuses(component_statuses)
    at = at or timezone.now()
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    locked.components.add(*component_statuses, *affected)
    if component_statuses:
        latest = locked.updates.first()  # newest first
        transitions = apply_component_statuses(
            component_statuses, cause=cause, at=at, actor=_actor(author), update=latest
        )
        if latest is not None:
            entries = {entry["code"]: entry for entry in latest.affected_components or []}
            with translation.override(settings.LANGUAGE_CODE):  # as _write_update names them
                for component, old, new in transitions:
                    entry = entries.setdefault(
                        component.pk,
                        {"code": component.pk, "name": component.display_name, "old_status": old},
                    )
                    entry["new_status"] = new
            latest.affected_components = list(entries.values())
            latest.save(update_fields=["affected_components"])
    _recompute_impact(locked)
    locked.updated_at = at
    locked.save(update_fields=["impact", "updated_at"])
    pageversion.bump()
    incident.refresh_from_db()
    return incident


@transaction.atomic
def save_template(
    template: IncidentTemplate,
    components: Iterable[Component] | None = None,
    *,
    channels: Iterable[AlternativeChannel] | None = None,
) -> IncidentTemplate:
    """Create or edit an incident template; `components` and `channels`, when given, become
    exactly its own.

    Templates are not shown on the public page, so the page version does not move.
    """
    template.full_clean(exclude=["components", "channels"])
    template.save()
    if components is not None:
        template.components.set(list(components))
    if channels is not None:
        template.channels.set(list(channels))
    return template


@transaction.atomic
def delete_template(template: IncidentTemplate) -> None:
    """Delete a template; incidents opened from it keep what they copied."""
    template.delete()


# --- Functions and alternative channels (admin) ---
# (Imported here, not above, so that this section stays one block at the end of the file.)
from statuspage.status.models import Function  # noqa: E402


@transaction.atomic
def save_function(function: Function, components: Iterable[Component] | None = None) -> Function:
    """Create or edit a function; `components`, when given, become exactly the ones it depends
    on. Its state on the page follows at once."""
    function.full_clean()
    function.save()
    if components is not None:
        function.components.set(list(components))
    pageversion.bump()
    return function


@transaction.atomic
def delete_function(function: Function) -> None:
    """Delete a function; incidents that set its state keep a key the page no longer shows."""
    function.delete()
    pageversion.bump()


@transaction.atomic
def save_channel(channel: AlternativeChannel) -> AlternativeChannel:
    """Create or edit an alternative channel: a link or a phone number (or both), checked."""
    channel.full_clean()
    channel.save()
    pageversion.bump()
    return channel


@transaction.atomic
def delete_channel(channel: AlternativeChannel) -> None:
    """Delete a channel; incidents, templates and schedules that offered it stop offering it."""
    channel.delete()
    pageversion.bump()
