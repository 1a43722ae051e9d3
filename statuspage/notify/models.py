"""Subscribers, and the outbox that gets every notice to every one of them.

A Notice is written in the same transaction as the update it announces. Fan-out turns it into
one Delivery per eligible subscriber (idempotently: unique per notice and subscriber). A
Delivery is claimed with a conditional UPDATE before each attempt, every attempt is recorded,
and waits between retries live in `next_attempt_at`, where the sweeper finds them.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from statuspage.lib.wording import labelled
from statuspage.status.models import Component, Incident, IncidentUpdate, new_public_id


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def new_delivery_uid() -> str:
    """The `webhook-id` receivers de-duplicate on: stable across every retry of a delivery."""
    return "msg_" + secrets.token_hex(12)


class Mode(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    ROBOT = "robot", _("Chat robot")
    SMS = "sms", _("SMS")


class ChatApp(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class SubscriberState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for confirmation")
    ACTIVE = "active", _("Active")
    QUARANTINED = "quarantined", _("Quarantined")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class SubscriberQuerySet(models.QuerySet):
    def interested_in(
        self, component_ids: list[str], incident_id: str | None
    ) -> SubscriberQuerySet:
        """Active subscribers who chose none of the components (all), or one of these; and who
        follow the whole page, or this very incident."""
        chosen = Subscriber.components.through.objects.filter(subscriber=OuterRef("pk"))
        return self.filter(state=SubscriberState.ACTIVE).filter(
            Q(incident__isnull=True) | Q(incident_id=incident_id),
            ~Exists(chosen) | Exists(chosen.filter(component_id__in=component_ids)),
        )


class Subscriber(models.Model):
    id = models.CharField(
        primary_key=True, max_length=12, default=new_public_id, editable=False, verbose_name=_("ID")
    )
    mode = models.CharField(_("type"), max_length=16, choices=Mode.choices)
    email = models.EmailField(
        _("email"),
        max_length=254,
        blank=True,
        help_text=_("For webhooks and robots: the owner told about failures. Not needed for SMS."),
    )
    phone = PhoneNumberField(
        _("phone number"),
        blank=True,
        default="",
        help_text=_("For SMS: stored in international (E.164) form."),
    )
    endpoint = models.URLField(_("webhook URL"), max_length=2000, blank=True)
    secret = models.CharField(
        max_length=64,
        blank=True,
        default=new_webhook_secret,
        editable=False,
        verbose_name=_("signing secret"),
    )
    chat_app = models.CharField(
        _("chat app"), max_length=16, choices=ChatApp.choices, blank=True, default=""
    )
    chat_secret = models.CharField(
        _("robot signing secret"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("DingTalk (required) and Feishu (when signing is on): the robot’s secret."),
    )
    secret_shown_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("secret shown")
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    components = models.ManyToManyField(
        Component,
        verbose_name=_("components"),
        blank=True,
        related_name="subscribers",
        help_text=_("None chosen means every component."),
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscribers",
        help_text=_("Set when the subscriber follows one incident only."),
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=SubscriberState.choices,
        default=SubscriberState.UNCONFIRMED,
        db_index=True,
    )
    # Rotated to invalidate every link sent so far (confirm: on use; manage: on request).
    confirm_nonce = models.CharField(
        max_length=32, default=new_nonce, editable=False, verbose_name=_("confirmation nonce")
    )
    manage_nonce = models.CharField(
        max_length=32, default=new_nonce, editable=False, verbose_name=_("manage nonce")
    )
    # SMS and robots confirm with a six-digit code typed back (a robot cannot click a link):
    # its hash, when it expires, and how many wrong tries it has had.
    code_hash = models.CharField(
        max_length=64, blank=True, default="", editable=False, verbose_name=_("code")
    )
    code_expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("code expires")
    )
    code_attempts = models.PositiveSmallIntegerField(
        default=0, editable=False, verbose_name=_("wrong codes")
    )
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("confirmation sent")
    )
    confirmed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("confirmed")
    )
    quarantined_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("quarantined")
    )
    quarantine_reason = models.TextField(
        blank=True, editable=False, verbose_name=_("quarantine reason")
    )
    owner_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("owner told")
    )
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("unsubscribed")
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mode", "email", "endpoint", "phone"],
                condition=Q(incident__isnull=True),
                name="one_page_subscription_per_address",
            ),
            models.UniqueConstraint(
                fields=["mode", "email", "endpoint", "phone", "incident"],
                condition=Q(incident__isnull=False),
                name="one_incident_subscription_per_address",
            ),
        ]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        return self.endpoint or str(self.phone or "") or self.email

    @property
    def purge_at(self):
        return self.quarantined_at + timedelta(days=90) if self.quarantined_at else None

    @property
    def masked_secret(self) -> str:
        return f"whsec_…{self.secret[-4:]}" if self.secret else ""


class SmsKind(models.TextChoices):
    """What an SMS says: each has its own pre-approved template with Chinese providers."""

    INCIDENT_OPENED = "incident_opened", _("Incident opened")
    INCIDENT_UPDATED = "incident_updated", _("Incident updated")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
    MAINTENANCE_STARTED = "maintenance_started", _("Maintenance started")
    MAINTENANCE_COMPLETED = "maintenance_completed", _("Maintenance completed")
    CODE = "code", _("Confirmation code")


class SmsTemplate(models.Model):
    """A provider's pre-approved template for one kind of SMS in one language: its code, its
    text as approved (placeholders `${name}` for Alibaba Cloud, `{1}` for Tencent Cloud) and
    which of our values fills each placeholder. Twilio sends our own text and needs none."""

    kind = models.CharField(_("kind"), max_length=24, choices=SmsKind.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    template_code = models.CharField(
        _("template code"),
        max_length=64,
        help_text=_("As the provider gives it, e.g. SMS_123456789 or 1234567."),
    )
    text = models.TextField(
        _("approved text"),
        max_length=500,
        help_text=_("The template's text exactly as the provider approved it."),
    )
    variables = models.JSONField(
        _("variables"),
        default=dict,
        blank=True,
        help_text=_('Which value fills each placeholder, e.g. {"name": "title"}.'),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="one_sms_template_per_kind")
        ]
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}): {self.template_code}"

    def clean(self) -> None:
        """The approved text's placeholders each filled by one of our values, the values this
        kind needs among them, and how to stop said (notify.sms.check_template)."""
        from statuspage.notify.sms import check_template

        check_template(self)


class NoticeKind(models.TextChoices):
    INCIDENT_UPDATE = "incident_update", _("Incident update")
    COMPONENT_UPDATE = "component_update", _("Component status change")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
    POSTMORTEM = "postmortem", _("Postmortem")


class Notice(models.Model):
    """The outbox: one thing to tell subscribers, written with the change it announces.

    `payload` is the Statuspage-shaped webhook body frozen at the moment of the change, so a
    retry three days later says what was true then; emails are rendered from the same data.
    It is in the page's default language; `translated_payloads` holds the same body in each
    other language ({"en": {...}}), so every subscriber reads theirs (`payload_in`).
    """

    kind = models.CharField(max_length=24, choices=NoticeKind.choices, verbose_name=_("kind"))
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices",
        verbose_name=_("incident"),
    )
    update = models.ForeignKey(
        IncidentUpdate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("update"),
    )
    component_ids = models.JSONField(default=list, verbose_name=_("components"))
    payload = models.JSONField(verbose_name=_("payload"))
    translated_payloads = models.JSONField(
        default=dict, blank=True, verbose_name=_("payloads in other languages")
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created")
    )
    fanout_cursor = models.CharField(
        max_length=12, blank=True, default="", verbose_name=_("fan-out position")
    )
    fanned_out_at = models.DateTimeField(null=True, blank=True, verbose_name=_("fanned out"))

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["fanned_out_at", "created_at"], name="notice_fanout_idx")]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        title = (self.payload.get("incident") or self.payload.get("component") or {}).get("name")
        return labelled(str(self.get_kind_display()), str(title))

    def payload_in(self, language: str) -> dict:
        """The payload in `language`, else (a language we did not write it in) the default's."""
        return self.translated_payloads.get(language) or self.payload

    @property
    def sms_kind(self) -> str | None:
        """What this notice is, as an SMS template is chosen for it (SmsKind), or None when it
        is nothing an SMS is ever sent for (a component change, a postmortem, a maintenance
        announced or updated). Read from the frozen payload."""
        if self.kind == NoticeKind.MAINTENANCE_REMINDER:
            return SmsKind.MAINTENANCE_REMINDER
        if self.kind != NoticeKind.INCIDENT_UPDATE:
            return None
        incident = self.payload.get("incident") or {}
        status = str(incident.get("status") or "")
        if incident.get("scheduled_for"):
            return {
                "in_progress": SmsKind.MAINTENANCE_STARTED,
                "completed": SmsKind.MAINTENANCE_COMPLETED,
            }.get(status)
        if status == "resolved":
            return SmsKind.INCIDENT_RESOLVED
        if status == "postmortem":
            return None
        first = len(incident.get("incident_updates") or []) <= 1
        return SmsKind.INCIDENT_OPENED if first else SmsKind.INCIDENT_UPDATED

    @property
    def modes(self) -> tuple[str, ...]:
        """Component changes alone send no email nor robot message (as Statuspage); webhooks
        get everything. SMS costs money: it goes for the kinds in SMS_NOTICE_KINDS only (an
        incident opened and resolved, maintenance reminders, by default), and only with a
        provider set up."""
        if self.kind == NoticeKind.COMPONENT_UPDATE:
            return (Mode.WEBHOOK,)
        modes: tuple[str, ...] = (Mode.EMAIL, Mode.WEBHOOK, Mode.ROBOT)
        if settings.SMS_URL and self.sms_kind in settings.SMS_NOTICE_KINDS:
            modes += (Mode.SMS,)
        return modes

    def audience(self) -> SubscriberQuerySet:
        """Who receives this notice: interested subscribers confirmed before it was written
        (those without a confirmation time were made active directly, by an operator or an
        import), one per address or endpoint: following the page covers following the
        incident too."""
        interested = Subscriber.objects.interested_in(self.component_ids, self.incident_id).filter(
            Q(confirmed_at__isnull=True) | Q(confirmed_at__lte=self.created_at),
            mode__in=self.modes,
        )
        also_follows_the_page = interested.filter(
            incident__isnull=True,
            mode=OuterRef("mode"),
            email=OuterRef("email"),
            endpoint=OuterRef("endpoint"),
            phone=OuterRef("phone"),
        )
        return interested.exclude(Q(incident__isnull=False) & Exists(also_follows_the_page))


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed, will retry")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Gave up")


class Delivery(models.Model):
    """One notice to one subscriber: claimed, attempted, retried or given up, never lost."""

    uid = models.CharField(
        max_length=32,
        unique=True,
        default=new_delivery_uid,
        editable=False,
        verbose_name=_("message ID"),
    )
    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notice")
    )
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscriber"),
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, verbose_name=_("channel"))
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt"))
    lease_token = models.CharField(max_length=32, blank=True, default="", verbose_name=_("lease"))
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("leased until"))
    # When it was last put in a queue: the sweeper does not queue it again while it waits there.
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last status code")
    )
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "subscriber"], name="one_delivery_per_notice")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.uid} → {self.subscriber_id}"


class Attempt(models.Model):
    """One try of a delivery: what happened, how long it took."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("when"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    ok = models.BooleanField(default=False, verbose_name=_("succeeded"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else self.error[:60]}"
