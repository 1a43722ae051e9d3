"""The status domain: what is broken, since when, why, and what visitors should do meanwhile.

Names and enums follow Atlassian Statuspage so that its clients work unchanged. Rows are written
only through the functions in `services.py`, which keep the status-change log, the incident's
impact and the page version consistent in one transaction.
"""

from __future__ import annotations

import re
import secrets
import string
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from typing import TYPE_CHECKING, Literal

import phonenumbers
from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager, MultilingualQuerySet
from phonenumber_field.modelfields import PhoneNumberField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ID_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """Statuspage-style identifier: 12 lowercase alphanumerics."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(12))


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a known time zone (use a name such as Asia/Shanghai)."),
            params={"value": value},
        ) from exc


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED_PERFORMANCE = "degraded_performance", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    UNDER_MAINTENANCE = "under_maintenance", _("Under maintenance")


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    MAINTENANCE = "maintenance", _("Scheduled maintenance")
    ANNOUNCEMENT = "announcement", _("Announcement")


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    POSTMORTEM = "postmortem", _("Postmortem")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")


S = IncidentStatus
STATUSES_BY_KIND: dict[str, tuple[str, ...]] = {
    IncidentKind.INCIDENT: (S.INVESTIGATING, S.IDENTIFIED, S.MONITORING, S.RESOLVED, S.POSTMORTEM),
    IncidentKind.MAINTENANCE: (S.SCHEDULED, S.IN_PROGRESS, S.VERIFYING, S.COMPLETED),
    # An announcement is either on the page or over.
    IncidentKind.ANNOUNCEMENT: (S.IDENTIFIED, S.RESOLVED),
}
CLOSED_STATUSES = frozenset({S.RESOLVED, S.POSTMORTEM, S.COMPLETED})
FIRST_STATUS_BY_KIND: dict[str, str] = {
    IncidentKind.INCIDENT: S.INVESTIGATING,
    IncidentKind.MAINTENANCE: S.SCHEDULED,
    IncidentKind.ANNOUNCEMENT: S.IDENTIFIED,
}
CLOSING_STATUS_BY_KIND: dict[str, str] = {
    IncidentKind.INCIDENT: S.RESOLVED,
    IncidentKind.MAINTENANCE: S.COMPLETED,
    IncidentKind.ANNOUNCEMENT: S.RESOLVED,
}


class Impact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")
    MAINTENANCE = "maintenance", _("Maintenance")


class Cause(models.TextChoices):
    SYSTEM = "system", _("System fault or overload")
    NETWORK = "network", _("Network fault")
    POLICY = "policy", _("Policy change")
    THIRD_PARTY = "third_party", _("Third-party provider")
    MAINTENANCE = "maintenance", _("Maintenance")


# Every character that ends a line somewhere: email headers, str.splitlines(), Unicode.
LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def validate_single_line(value: str) -> None:
    """Names and titles go into email subjects and headers, where a line break would end the
    header (Django refuses to send such a message at all): they are one line."""
    if LINE_BREAKS.search(value):
        raise ValidationError(_("Write this on one line, without line breaks."), code="multiline")


class Reassurance(models.TextChoices):
    """What a borrower may fear during an outage and we can promise, from a fixed list so each
    is translated once and said the same way on every surface."""

    FUNDS_SAFE = "funds_safe", _("Your funds and data are safe.")
    NO_LATE_FEE = (
        "no_late_fee",
        _("Repayments affected by this incident incur no late fee and no credit-record impact."),
    )
    APPLICATIONS_KEPT = "applications_kept", _("Applications in progress are kept.")


def validate_reassurances(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the reassurances as a list of codes."), code="invalid")
    unknown = [code for code in value if code not in Reassurance.values]
    if unknown:
        raise ValidationError(
            _("Unknown reassurance: %(codes)s (known: %(known)s).")
            % {"codes": ", ".join(unknown), "known": ", ".join(Reassurance.values)},
            code="unknown",
        )


class FunctionState(models.TextChoices):
    """What a borrower can expect of a function, from best to worst."""

    WORKS = "works", _("works")
    PAUSED = "paused", _("paused for maintenance")
    SLOW = "slow", _("slow")
    UNAVAILABLE = "unavailable", _("unavailable")


COMPONENT_TO_FUNCTION_STATE: dict[str, str] = {
    ComponentStatus.OPERATIONAL: FunctionState.WORKS,
    ComponentStatus.UNDER_MAINTENANCE: FunctionState.PAUSED,
    ComponentStatus.DEGRADED_PERFORMANCE: FunctionState.SLOW,
    ComponentStatus.PARTIAL_OUTAGE: FunctionState.UNAVAILABLE,
    ComponentStatus.MAJOR_OUTAGE: FunctionState.UNAVAILABLE,
}
FUNCTION_STATE_ORDER = (
    FunctionState.WORKS,
    FunctionState.PAUSED,
    FunctionState.SLOW,
    FunctionState.UNAVAILABLE,
)


def function_state_of(statuses: Iterable[str]) -> str:
    """A function's state from its components' statuses: the worst of them."""
    worst: str = FunctionState.WORKS
    for status in statuses:
        state = COMPONENT_TO_FUNCTION_STATE.get(status, FunctionState.WORKS)
        if FUNCTION_STATE_ORDER.index(state) > FUNCTION_STATE_ORDER.index(worst):
            worst = state
    return worst


class Page(models.Model):
    """The one status page this installation serves; its version changes on every write."""

    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(
        _("name"), max_length=255, default="Status", validators=[validate_single_line]
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Shanghai",
        validators=[validate_time_zone],
        help_text=_("Times on the page are shown in this zone and in the visitor's own."),
    )
    homepage_url = models.URLField(
        _("product URL"), blank=True, help_text=_("Where the page's logo links to.")
    )
    version = models.PositiveBigIntegerField(default=1, editable=False, verbose_name=_("version"))
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("last changed")
    )

    # modeltranslation gives every translated model this manager; declaring it lets mypy see it.
    objects = MultilingualManager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("page")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls) -> Page:
        page = cls.objects.first()
        if page is None:  # created by a migration; recreated if someone deleted it
            page = cls.objects.create()
        return page

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def url(self) -> str:
        return settings.PUBLIC_URL


class Arranged(models.Model):
    """What the page lists in an order the operator sets: its position (ties by age) and when
    it was made and last changed. Kept in both languages, so the modeltranslation manager."""

    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = MultilingualManager()  # as on Page: the manager modeltranslation installs

    class Meta:
        abstract = True
        ordering = ["position", "created_at"]


class ComponentGroup(Arranged):
    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(_("name"), max_length=255, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    collapsed = models.BooleanField(
        _("collapsed"), default=False, help_text=_("Show the group folded on the page.")
    )

    class Meta(Arranged.Meta):
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(_("name"), max_length=255, validators=[validate_single_line])
    description = models.TextField(_("description"), blank=True)
    group = models.ForeignKey(
        ComponentGroup,
        verbose_name=_("group"),
        related_name="components",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=ComponentStatus.choices,
        default=ComponentStatus.OPERATIONAL,
    )
    showcase = models.BooleanField(_("show uptime"), default=True)
    only_show_if_degraded = models.BooleanField(_("only show if degraded"), default=False)
    start_date = models.DateField(
        _("start date"), null=True, blank=True, help_text=_("Uptime is counted from this day.")
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("last changed")
    )

    objects = MultilingualManager()  # as on Page: the manager modeltranslation installs

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("component")
        verbose_name_plural = _("components")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """ "Group - Component" as Statuspage names grouped components in affected_components."""
        group = self.group  # no query when there is no group
        return f"{group.name} - {self.name}" if group is not None else str(self.name)

    def counted_from(self, zone: zoneinfo.ZoneInfo) -> date:
        """The first day counted, a day of `zone` (the page's, as the uptime rows are): the
        start date, or the day the component was made there (not in UTC, which before 08:00 in
        Shanghai is still yesterday)."""
        return self.start_date or timezone.localdate(self.created_at, zone)

    @property
    def is_visible(self) -> bool:
        return not self.only_show_if_degraded or self.status != ComponentStatus.OPERATIONAL


class Function(Arranged):
    """Something a borrower can do — borrow, repay, raise the limit — defined by the components
    it depends on. Its state is the worst of theirs unless an open incident sets it."""

    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(
        _("name"),
        max_length=64,
        validators=[validate_single_line],
        help_text=_("As borrowers call it, e.g. “Borrowing”."),
    )
    components = models.ManyToManyField(
        Component, verbose_name=_("depends on"), related_name="functions", blank=True
    )

    class Meta(Arranged.Meta):
        verbose_name = _("function")
        verbose_name_plural = _("functions")

    def __str__(self) -> str:
        return self.name


class AlternativeChannel(Arranged):
    """A way to get things done while the usual one is down — another app, a web page, a phone
    line — kept on the page and picked per incident. Shown as a link or a tap-to-call number."""

    label = models.CharField(
        _("label"),
        max_length=120,
        validators=[validate_single_line],
        help_text=_("What it is, e.g. “WeChat mini-program” or “Customer service hotline”."),
    )
    url = models.URLField(_("link"), blank=True, help_text=_("https:// or weixin:// link."))
    phone = PhoneNumberField(
        _("phone number"),
        blank=True,
        help_text=_("For example 400 888 8888 or +86 10 8888 8888."),
    )

    class Meta(Arranged.Meta):
        verbose_name = _("alternative channel")
        verbose_name_plural = _("alternative channels")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if not self.url and not self.phone:
            raise ValidationError(
                {"url": _("Give a link or a phone number (or both) for this channel.")}
            )

    @property
    def phone_display(self) -> str:
        """The number as people dial it in the page's country, else internationally."""
        if not self.phone:
            return ""
        region = getattr(settings, "PHONENUMBER_DEFAULT_REGION", None)
        if region and self.phone.country_code == phonenumbers.country_code_for_region(region):
            return self.phone.as_national
        return self.phone.as_international

    @property
    def tel_url(self) -> str:
        return self.phone.as_rfc3966 if self.phone else ""


class StatusChangeCause(models.TextChoices):
    INCIDENT = "incident", _("Incident update")
    MAINTENANCE = "maintenance", _("Maintenance transition")
    OPERATOR = "operator", _("Operator")
    API = "api", _("API")
    MONITOR = "monitor", _("Monitor")


class StatusChange(models.Model):
    """Append-only log of every component status change. Uptime and history derive from it."""

    component = models.ForeignKey(
        Component, related_name="changes", on_delete=models.CASCADE, verbose_name=_("component")
    )
    old_status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, verbose_name=_("old status")
    )
    new_status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, verbose_name=_("new status")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))
    cause = models.CharField(
        max_length=16, choices=StatusChangeCause.choices, verbose_name=_("cause")
    )
    incident_update = models.ForeignKey(
        "IncidentUpdate",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("incident update"),
    )
    actor = models.CharField(max_length=255, blank=True, verbose_name=_("by"))

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["component", "at"])]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.component_id}: {self.old_status} → {self.new_status}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("StatusChange rows are append-only")
        super().save(*args, **kwargs)


class IncidentQuerySet(MultilingualQuerySet):
    def with_details(self) -> IncidentQuerySet:
        return self.prefetch_related(
            "updates",
            models.Prefetch("components", queryset=Component.objects.select_related("group")),
        )

    def published(self) -> IncidentQuerySet:
        """Without drafts (opened by a monitor, not yet published: see services.publish_draft).
        Every public surface reads incidents through this, directly or through the methods
        below."""
        return self.filter(draft=False)

    def drafts(self) -> IncidentQuerySet:
        return self.filter(draft=True)

    def public_incidents(self) -> IncidentQuerySet:
        """Incidents as Statuspage's API lists them: announcements are incidents there."""
        return self.published().filter(kind__in=(IncidentKind.INCIDENT, IncidentKind.ANNOUNCEMENT))

    def open(self) -> IncidentQuerySet:
        """Open incidents on the page (drafts are not on it)."""
        return self.published().exclude(status__in=CLOSED_STATUSES)

    def unresolved_incidents(self) -> IncidentQuerySet:
        return self.filter(kind=IncidentKind.INCIDENT).open()

    def maintenances(self) -> IncidentQuerySet:
        return self.filter(kind=IncidentKind.MAINTENANCE)

    def upcoming_maintenance(self) -> IncidentQuerySet:
        return self.maintenances().filter(status=IncidentStatus.SCHEDULED)

    def active_maintenance(self) -> IncidentQuerySet:
        return self.maintenances().filter(
            status__in=(IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING)
        )

    def current_announcements(self) -> IncidentQuerySet:
        """Announcements on the page now (an expired one is closed by beat, see maintenance)."""
        return self.filter(kind=IncidentKind.ANNOUNCEMENT).open()


class Incident(models.Model):
    """An incident, a scheduled maintenance, or an announcement (Statuspage: impact none)."""

    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    name = models.CharField(_("title"), max_length=255, validators=[validate_single_line])
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices)
    impact = models.CharField(
        max_length=16, choices=Impact.choices, default=Impact.NONE, verbose_name=_("impact")
    )
    impact_override = models.CharField(
        _("impact override"),
        max_length=16,
        choices=Impact.choices,
        blank=True,
        help_text=_("Leave empty to derive the impact from the worst affected component."),
    )
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices, blank=True)
    cause_note = models.TextField(
        _("cause note"),
        blank=True,
        help_text=_("One or two sentences on why, in the borrower's words. Markdown."),
    )
    channels = models.ManyToManyField(
        AlternativeChannel,
        verbose_name=_("alternative channels"),
        related_name="+",
        blank=True,
        help_text=_("What visitors can use meanwhile; shown as links and tap-to-call numbers."),
    )
    reassurances = models.JSONField(
        _("reassurances"),
        default=list,
        blank=True,
        validators=[validate_reassurances],
        help_text=_("Chosen from a fixed list, translated, shown the same way everywhere."),
    )
    function_states = models.JSONField(
        _("function states"),
        default=dict,
        blank=True,
        help_text=_(
            "Leave empty to derive each function's state from its components; set one to "
            "say, for example, that borrowing is unavailable while its components look fine."
        ),
    )
    expected_recovery_at = models.DateTimeField(_("expected recovery"), null=True, blank=True)
    # When the operators were told that the expected recovery, or the promised next update,
    # passed unmet: once per promise (a new time clears it).
    recovery_overdue_alerted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("recovery overdue alert sent")
    )
    next_update_overdue_alerted_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("next update overdue alert sent")
    )
    components = models.ManyToManyField(
        Component, verbose_name=_("affected components"), related_name="incidents", blank=True
    )
    # Issue 13: a draft was opened by a monitor and waits for an operator. It is on no public
    # surface and notifies no one until `services.publish_draft`; IncidentQuerySet.published()
    # (and open(), public_incidents()) leave it out.
    draft = models.BooleanField(_("draft"), default=False, editable=False)

    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("last changed")
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started"))
    monitoring_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("monitoring since")
    )
    resolved_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("closed")
    )

    scheduled_for = models.DateTimeField(_("starts"), null=True, blank=True)
    scheduled_until = models.DateTimeField(_("ends"), null=True, blank=True)
    scheduled_remind_prior = models.BooleanField(_("remind subscribers before"), default=False)
    scheduled_reminded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("reminder sent")
    )
    scheduled_auto_in_progress = models.BooleanField(_("start automatically"), default=False)
    scheduled_auto_completed = models.BooleanField(_("complete automatically"), default=False)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("Announcements leave the page then.")
    )

    postmortem_body = models.TextField(blank=True, editable=False, verbose_name=_("postmortem"))
    postmortem_body_draft = models.TextField(_("postmortem draft"), blank=True)
    postmortem_draft_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("postmortem draft changed")
    )
    postmortem_published_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("postmortem published")
    )
    postmortem_notify_subscribers = models.BooleanField(
        default=False, editable=False, verbose_name=_("postmortem sent to subscribers")
    )

    metadata = models.JSONField(default=dict, blank=True, verbose_name=_("metadata"))
    recurrence = models.ForeignKey(
        "RecurringMaintenance",
        verbose_name=_("recurring maintenance"),
        null=True,
        blank=True,
        related_name="occurrences",
        on_delete=models.SET_NULL,
        editable=False,
    )

    # The manager modeltranslation would install, declared so mypy sees the queryset's methods.
    objects = MultilingualManager.from_queryset(IncidentQuerySet)()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            models.Index(fields=["-created_at"]),
        ]
        constraints = [
            # Two beat processes generating the same window cannot both create it.
            models.UniqueConstraint(
                fields=["recurrence", "scheduled_for"], name="one_occurrence_per_window"
            )
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incident-page", kwargs={"incident_id": self.id})

    @property
    def allowed_statuses(self) -> tuple[str, ...]:
        """The statuses this kind moves through (an announcement is either on or over)."""
        return STATUSES_BY_KIND.get(self.kind, ())

    def check_status(self, status: str) -> None:
        """Refuse a status that belongs to another kind (in_progress on an incident)."""
        if status not in self.allowed_statuses:
            raise ValidationError(
                {"status": _("“%(status)s” is not a status of this %(kind)s.")
                 % {"status": status, "kind": IncidentKind(self.kind).label.lower()}}
            )  # fmt: skip

    def clean(self) -> None:
        """The rules of the incident's own fields: its status fits its kind; a maintenance has
        a window that ends after it starts and, when new, is not over; only an announcement
        expires, and a new one not in the past. (Moving a window and posting updates have
        rules of their own in services.)"""
        errors: dict[str, Sequence[StrOrPromise]] = {}
        if self.status and self.kind in IncidentKind.values:
            try:
                self.check_status(self.status)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if self.kind == IncidentKind.MAINTENANCE:
            if not self.scheduled_for or not self.scheduled_until:
                errors["scheduled_until"] = [_("Maintenance needs a start and an end.")]
            elif self.scheduled_until <= self.scheduled_for:
                errors["scheduled_until"] = [_("The maintenance must end after it starts.")]
            elif self._state.adding and self.scheduled_until <= timezone.now():
                # Past work is recorded as an incident; a new window must still be ahead.
                errors["scheduled_until"] = [_("This maintenance window is already over.")]
        if self.expires_at is not None:
            if self.kind != IncidentKind.ANNOUNCEMENT:
                errors["expires_at"] = [_("Only announcements expire.")]
            elif self._state.adding and self.expires_at <= timezone.now():
                errors["expires_at"] = [_("The expiry must be in the future.")]
        if self.impact_override and self.impact_override not in Impact.values:
            errors["impact_override"] = [_("Unknown impact.")]
        began = self.started_at or self.scheduled_for or self.created_at
        if self.expected_recovery_at is not None and began and self.expected_recovery_at < began:
            errors["expected_recovery_at"] = [
                _("The expected recovery cannot be before the incident began.")
            ]
        try:
            self.check_function_states(self.function_states)
        except ValidationError as exc:
            errors["function_states"] = exc.messages
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def check_function_states(states: object) -> None:
        """{function id: state}, naming functions that exist and states we know."""
        if not isinstance(states, dict):
            raise ValidationError(_("Give the function states as {function id: state}."))
        bad_states = sorted({str(v) for v in states.values() if v not in FunctionState.values})
        if bad_states:
            raise ValidationError(
                _("Unknown function state: %(states)s (known: %(known)s).")
                % {"states": ", ".join(bad_states), "known": ", ".join(FunctionState.values)}
            )
        if states:
            known = set(Function.objects.filter(pk__in=list(states)).values_list("pk", flat=True))
            unknown = sorted(set(states) - known)
            if unknown:
                raise ValidationError(
                    _("Unknown function: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}
                )

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def next_update_by(self) -> datetime | None:
        """The latest update's promise of the next one (updates are newest first)."""
        updates = list(self.updates.all()[:1])
        return updates[0].next_update_by if updates else None

    @property
    def shortlink(self) -> str:
        return settings.PUBLIC_URL + self.get_absolute_url()

    @property
    def is_maintenance(self) -> bool:
        return self.kind == IncidentKind.MAINTENANCE

    @property
    def is_announcement(self) -> bool:
        return self.kind == IncidentKind.ANNOUNCEMENT


class IncidentUpdate(models.Model):
    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    incident = models.ForeignKey(
        Incident, related_name="updates", on_delete=models.CASCADE, verbose_name=_("incident")
    )
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices)
    body = models.TextField(_("message"), help_text=_("Markdown."))
    display_at = models.DateTimeField(_("shown at"), default=timezone.now)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("last changed")
    )
    deliver_notifications = models.BooleanField(_("notify subscribers"), default=True)
    next_update_by = models.DateTimeField(
        _("next update by"),
        null=True,
        blank=True,
        help_text=_("Promise visitors the next update by then; you are reminded if it passes."),
    )
    affected_components = models.JSONField(
        null=True, blank=True, editable=False, verbose_name=_("affected components")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        verbose_name=_("author"),
    )

    class Meta:
        ordering = ["-display_at", "-created_at"]
        indexes = [models.Index(fields=["incident", "-display_at"])]
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:60]}"


class IncidentTemplate(models.Model):
    """A reusable start for incidents that recur (title, message, status, components)."""

    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(_("template name"), max_length=255, validators=[validate_single_line])
    kind = models.CharField(
        _("kind"), max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    title = models.CharField(_("incident title"), max_length=255, validators=[validate_single_line])
    body = models.TextField(_("message"))
    update_status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=S.INVESTIGATING
    )
    cause = models.CharField(_("cause"), max_length=16, choices=Cause.choices, blank=True)
    cause_note = models.TextField(_("cause note"), blank=True)
    channels = models.ManyToManyField(
        AlternativeChannel, verbose_name=_("alternative channels"), related_name="+", blank=True
    )
    reassurances = models.JSONField(
        _("reassurances"), default=list, blank=True, validators=[validate_reassurances]
    )
    components = models.ManyToManyField(
        Component, blank=True, related_name="+", verbose_name=_("components")
    )
    component_status = models.CharField(
        _("set components to"),
        max_length=32,
        choices=ComponentStatus.choices,
        blank=True,
        help_text=_("Leave empty to mark the components affected without changing their status."),
    )
    should_send_notifications = models.BooleanField(_("notify subscribers"), default=True)
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("incident template")
        verbose_name_plural = _("incident templates")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.update_status not in STATUSES_BY_KIND.get(self.kind, ()):
            raise ValidationError(
                {"update_status": _("This status does not belong to the template's kind.")}
            )


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


# RFC 5545 day codes, in Python's weekday order; Django already translates the names.
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# rrule.MONTHLY, WEEKLY and DAILY are 1, 2 and 3; rrule() accepts only its own constants.
_RRULE_FREQUENCY: dict[str, Literal[1, 2, 3]] = {
    Frequency.DAILY: rrule.DAILY,
    Frequency.WEEKLY: rrule.WEEKLY,
    Frequency.MONTHLY: rrule.MONTHLY,
}
# How far ahead overlaps are looked for when a recurring window is saved.
OVERLAP_HORIZON = timedelta(days=366)


class RecurringMaintenance(models.Model):
    """A maintenance window that repeats, e.g. every Sunday 02:00–04:00 in Asia/Shanghai.

    Windows are wall-clock times in `time_zone`: "02:00 for 120 minutes" starts at 02:00 local
    time whatever the UTC offset that day, so on the night the clocks change the window is an
    hour shorter or longer, and a start inside the skipped hour moves to the first minute after
    it. Beat turns the schedule into ordinary scheduled maintenances some days ahead (see
    `services.generate_occurrences`), so reminders, automatic start and completion, the page,
    the feeds and the API treat each window like any other maintenance.
    """

    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    name = models.CharField(_("title"), max_length=255, validators=[validate_single_line])
    body = models.TextField(
        _("message"), help_text=_("Markdown. Posted as the first update of every window.")
    )
    channels = models.ManyToManyField(
        AlternativeChannel, verbose_name=_("alternative channels"), related_name="+", blank=True
    )
    components = models.ManyToManyField(
        Component, verbose_name=_("affected components"), related_name="+", blank=True
    )
    frequency = models.CharField(
        _("repeats"), max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    interval = models.PositiveSmallIntegerField(
        _("every"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text=_("1 for every day, week or month; 2 for every other one; and so on."),
    )
    weekdays = models.CharField(
        _("on"),
        max_length=20,
        blank=True,
        help_text=_("Weekly windows start on these days."),
    )
    start_time = models.TimeField(_("starts at"), help_text=_("Wall-clock time in the zone."))
    duration_minutes = models.PositiveIntegerField(
        _("lasts (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    remind_prior = models.BooleanField(_("remind subscribers before"), default=False)
    auto_in_progress = models.BooleanField(_("start automatically"), default=True)
    auto_completed = models.BooleanField(_("complete automatically"), default=True)
    notify_on_create = models.BooleanField(
        _("notify subscribers when a window is scheduled"), default=False
    )
    active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("windows generated until")
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("recurring maintenance")
        verbose_name_plural = _("recurring maintenance")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def weekday_codes(self) -> list[str]:
        return [code for code in self.weekdays.split(",") if code]

    def _rule(self) -> rrule.rrule:
        weekly = self.frequency == Frequency.WEEKLY
        return rrule.rrule(
            _RRULE_FREQUENCY[self.frequency],
            interval=self.interval,
            dtstart=datetime.combine(self.starts_on, self.start_time),
            byweekday=[WEEKDAY_CODES.index(c) for c in self.weekday_codes] if weekly else None,
            until=datetime.combine(self.ends_on, time.max) if self.ends_on else None,
        )

    def _window(self, local_start: datetime) -> tuple[datetime, datetime]:
        """A naive wall-clock start as an aware UTC (start, end). zoneinfo reads a time in the
        skipped hour with the offset before the change, which lands after the gap."""
        zone = self.zone
        end = local_start + timedelta(minutes=self.duration_minutes)
        return (
            local_start.replace(tzinfo=zone).astimezone(UTC),
            end.replace(tzinfo=zone).astimezone(UTC),
        )

    def windows(self, after: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """The (start, end) of every window starting in (after, until], in UTC."""
        zone = self.zone
        # rrule works in wall-clock time; a day of slack on each side covers any UTC offset.
        lo = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        hi = until.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        found = (self._window(start) for start in self._rule().between(lo, hi, inc=True))
        return [(start, end) for start, end in found if after < start <= until]

    def first_windows(self, count: int) -> list[tuple[datetime, datetime]]:
        return [self._window(start) for start in islice(self._rule(), count)]

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        unknown = [c for c in self.weekday_codes if c not in WEEKDAY_CODES]
        if unknown:
            errors["weekdays"] = _("Unknown day: %(days)s.") % {"days": ", ".join(unknown)}
        elif self.frequency == Frequency.WEEKLY and not self.weekday_codes:
            errors["weekdays"] = _("Choose the days a weekly window starts on.")
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last day must not be before the first day.")
        if errors:
            raise ValidationError(errors)
        try:
            zone = self.zone
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return  # the field's own validator reports it
        if None in (self.starts_on, self.start_time, self.duration_minutes) or not (
            self.interval and self.interval > 0 and self.duration_minutes > 0
        ):
            return  # required or out-of-range fields are reported by their own validators
        if self.ends_on and self.ends_on < timezone.localdate(timezone=zone):
            raise ValidationError({"ends_on": _("This schedule's last day has already passed.")})
        windows = self.first_windows(400)
        if not windows:
            raise ValidationError({"starts_on": _("These settings never produce a window.")})
        for (start, end), (following, _end) in pairwise(windows):
            if end > following:
                raise ValidationError(
                    {
                        "duration_minutes": _(
                            "Windows would overlap: the one starting %(start)s runs into the "
                            "next at %(next)s. Shorten them or space them further apart."
                        )
                        % {
                            "start": start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                            "next": following.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                        }
                    }
                )

    def first_overlap_with(
        self, other: RecurringMaintenance, *, after: datetime
    ) -> datetime | None:
        """The start of our first window, within a year of `after`, that overlaps one of
        `other`'s (a window of theirs that began up to a week earlier still counts)."""
        until = after + OVERLAP_HORIZON
        mine = self.windows(after, until)
        theirs = other.windows(after - timedelta(days=8), until)
        i = j = 0
        while i < len(mine) and j < len(theirs):
            (start, end), (their_start, their_end) = mine[i], theirs[j]
            if start < their_end and their_start < end:
                return start
            if end <= their_end:
                i += 1
            else:
                j += 1
        return None

    def check_overlaps(self, components: list[Component], *, now: datetime | None = None) -> None:
        """Refuse windows that overlap another active schedule's on a shared component."""
        now = now or timezone.now()
        others = (
            RecurringMaintenance.objects.filter(active=True, components__in=components)
            .exclude(pk=self.pk)
            .distinct()
        )
        for other in others:
            overlap = self.first_overlap_with(other, after=now)
            if overlap is not None:
                raise ValidationError(
                    _(
                        "These windows overlap “%(other)s” on a shared component, first on "
                        "%(day)s. Move one of them or combine them."
                    )
                    % {
                        "other": other.name,
                        "day": overlap.astimezone(self.zone).strftime("%Y-%m-%d %H:%M"),
                    }
                )


# Statuspage counts a partial outage as 30% of a major one.
PARTIAL_OUTAGE_WEIGHT = 0.3


class DailyUptime(models.Model):
    """How long one component spent in each status on one day of the page's time zone.

    Derived from the StatusChange log by `uptime.py` (on each change and by beat); the page
    and the API read these rows and never scan the log. Today's row covers the day so far.
    """

    component = models.ForeignKey(
        Component,
        related_name="daily_uptime",
        on_delete=models.CASCADE,
        verbose_name=_("component"),
    )
    day = models.DateField(verbose_name=_("day"))
    time_zone = models.CharField(max_length=64, verbose_name=_("time zone"))
    observed_seconds = models.PositiveIntegerField(default=0, verbose_name=_("observed (s)"))
    major_seconds = models.PositiveIntegerField(default=0, verbose_name=_("major outage (s)"))
    partial_seconds = models.PositiveIntegerField(default=0, verbose_name=_("partial outage (s)"))
    degraded_seconds = models.PositiveIntegerField(default=0, verbose_name=_("degraded (s)"))
    maintenance_seconds = models.PositiveIntegerField(default=0, verbose_name=_("maintenance (s)"))
    computed_at = models.DateTimeField(default=timezone.now, verbose_name=_("computed"))

    class Meta:
        ordering = ["component", "day"]
        constraints = [
            models.UniqueConstraint(fields=["component", "day"], name="one_uptime_row_per_day")
        ]
        verbose_name = _("daily uptime")
        verbose_name_plural = _("daily uptime")

    def __str__(self) -> str:
        return f"{self.component_id} {self.day}"

    @property
    def downtime_seconds(self) -> float:
        return self.major_seconds + PARTIAL_OUTAGE_WEIGHT * self.partial_seconds

    @property
    def figures(self) -> tuple[int, int, int, int, int]:
        return (
            self.observed_seconds,
            self.major_seconds,
            self.partial_seconds,
            self.degraded_seconds,
            self.maintenance_seconds,
        )


class SelfHelpTopic(Arranged):
    """A reason a visitor can be stuck while every component is operational — usually about
    their own account — and what they can do about it. Shown on the page; kept in both
    languages."""

    title = models.CharField(
        _("problem"),
        max_length=255,
        validators=[validate_single_line],
        help_text=_("As a visitor would say it, e.g. “My identity check is not finished”."),
    )
    body = models.TextField(_("what to do"), help_text=_("Markdown."))
    published = models.BooleanField(_("shown on the page"), default=True)

    class Meta(Arranged.Meta):
        verbose_name = _("self-help topic")
        verbose_name_plural = _("self-help topics")

    def __str__(self) -> str:
        return self.title


class EmbedPosition(models.TextChoices):
    TOP_LEFT = "top-left", _("Top left")
    TOP_RIGHT = "top-right", _("Top right")
    BOTTOM_LEFT = "bottom-left", _("Bottom left")
    BOTTOM_RIGHT = "bottom-right", _("Bottom right")


def _colour(**kwargs) -> models.CharField:
    return models.CharField(
        max_length=7,
        validators=[
            RegexValidator(r"^#[0-9A-Fa-f]{6}\Z", _("Give a colour as #RRGGBB, e.g. #B54708."))
        ],
        **kwargs,
    )


class StatusEmbedConfig(models.Model):
    """How the widget's banner looks on the lender's own site: the corner it appears in and its
    colours during an incident and during maintenance (Statuspage's status embed config). One
    row; changed through `services.save_embed_config`, which moves the page version."""

    position = models.CharField(
        max_length=12,
        choices=EmbedPosition.choices,
        default=EmbedPosition.BOTTOM_LEFT,
        verbose_name=_("position"),
    )
    incident_background_color = _colour(default="#B54708", verbose_name=_("incident background"))
    incident_text_color = _colour(default="#FFFFFF", verbose_name=_("incident text"))
    maintenance_background_color = _colour(
        default="#1F5FBF", verbose_name=_("maintenance background")
    )
    maintenance_text_color = _colour(default="#FFFFFF", verbose_name=_("maintenance text"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    class Meta:
        verbose_name = _("status embed")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def get(cls) -> StatusEmbedConfig:
        config, _created = cls.objects.get_or_create(pk=1)
        return config
