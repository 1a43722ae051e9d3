"""Who was notified and what failed: subscribers, notices, deliveries and their attempts."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from statuspage.celery import enqueue
from statuspage.notify import delivery, subscriptions, tasks
from statuspage.notify.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Mode,
    Notice,
    Subscriber,
    SubscriberState,
)


def _deliveries_link(query: str, text) -> str:
    return format_html(
        '<a href="{}?{}">{}</a>', reverse("admin:notify_delivery_changelist"), query, text
    )


class SubscriberForm(forms.ModelForm):
    """A robot's app, URL and secret are checked together, as on the API (robots.check_robot)."""

    endpoint = forms.URLField(
        label=_("webhook URL"), max_length=2000, required=False, assume_scheme="https"
    )

    class Meta:
        model = Subscriber
        fields = ["mode", "email", "endpoint", "chat_app", "chat_secret", "language"]
        widgets = {"chat_secret": forms.PasswordInput(render_value=True)}

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        mode, app = data.get("mode"), data.get("chat_app", "")
        if mode == Mode.ROBOT or app:
            from statuspage.notify.robots import check_robot

            if mode != Mode.ROBOT:
                raise ValidationError({"mode": _("A chat app is for chat robots only.")})
            check_robot(app, data.get("endpoint", ""), data.get("chat_secret", ""))
        return data


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberForm
    list_display = [
        "__str__",
        "mode",
        "state",
        "language",
        "incident",
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["mode", "chat_app", "state", "language"]
    search_fields = ["email", "endpoint"]
    filter_horizontal = ["components"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "masked_secret", "state", "confirmed_at", "quarantined_at", "quarantine_reason",
        "unsubscribed_at", "created_at", "recent_deliveries",
    ]  # fmt: skip
    fields = [
        "mode", "email", "endpoint", "chat_app", "chat_secret", "language", "components",
        "incident", *readonly_fields,
    ]  # fmt: skip
    actions = ["reactivate_selected", "resend_confirmation"]

    @admin.display(description=_("signing secret"))
    def masked_secret(self, subscriber: Subscriber) -> str:
        return subscriber.masked_secret

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # subscribers sign up themselves, or come through the API

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, subscriber: Subscriber) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (d.created_at.strftime("%Y-%m-%d %H:%M"), d.get_status_display(), d.attempts,
                 d.last_error[:120])
                for d in subscriber.deliveries.order_by("-id")[:20]
            ),
        )  # fmt: skip
        return format_html(
            "<table>{}</table><p>{}</p>",
            rows,
            _deliveries_link(f"subscriber__id__exact={subscriber.pk}", _("All deliveries")),
        )

    @admin.action(description=_("Reactivate quarantined subscribers"), permissions=["change"])
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        chosen = list(queryset.filter(state=SubscriberState.QUARANTINED))
        for subscriber in chosen:
            subscriptions.reactivate(subscriber)
        self.message_user(
            request,
            ngettext("Reactivated %d subscriber.", "Reactivated %d subscribers.", len(chosen))
            % len(chosen),
            messages.SUCCESS,
        )

    @admin.action(description=_("Resend the confirmation email"), permissions=["change"])
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        chosen = list(
            queryset.filter(state=SubscriberState.UNCONFIRMED).values_list("pk", flat=True)
        )
        for pk in chosen:
            enqueue(tasks.send_confirmation, pk)
        self.message_user(request, _("Confirmation emails queued: %d.") % len(chosen))


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "created_at", "fanned_out_at", "counts"]
    list_filter = ["kind"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "kind",
        "incident",
        "created_at",
        "fanned_out_at",
        "counts",
        "pretty_payload",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        return (
            super()
            .get_queryset(request)
            .select_related("incident")
            .annotate(
                **{
                    f"n_{status}": Count("deliveries", filter=Q(deliveries__status=status))
                    for status in DeliveryStatus.values
                }
            )
        )

    @admin.display(description=_("deliveries"))
    def counts(self, notice: Notice) -> str:
        return format_html_join(
            " · ",
            "{}",
            (
                (_deliveries_link(f"notice__id__exact={notice.pk}&status__exact={status}",
                                  f"{label}: {getattr(notice, f'n_{status}', 0)}"),)
                for status, label in DeliveryStatus.choices
            ),
        )  # fmt: skip

    @admin.display(description=_("payload"))
    def pretty_payload(self, notice: Notice) -> str:
        """The payload as each language's subscribers get it, the default language first."""
        by_language = {settings.LANGUAGE_CODE: notice.payload, **notice.translated_payloads}
        return format_html("<pre>{}</pre>", json.dumps(by_language, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "ok", "status_code", "duration_ms", "error")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return DeliveryStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "uid", "notice", "subscriber", "mode", "status", "attempts", "last_status_code",
        "short_error", "next_attempt_at", "delivered_at",
    ]  # fmt: skip
    list_filter = [DeliveryStatusFilter, "mode"]
    list_select_related = ["notice", "subscriber"]
    search_fields = ["uid", "subscriber__email", "subscriber__endpoint"]
    inlines = [AttemptInline]
    fields = readonly_fields = (
        "uid", "notice", "subscriber", "mode", "status", "attempts", "next_attempt_at",
        "lease_until", "last_status_code", "last_error", "delivered_at", "created_at",
    )  # fmt: skip
    actions = ["replay_selected"]
    show_full_result_count = False

    @admin.display(description=_("last error"))
    def short_error(self, d: Delivery) -> str:
        return d.last_error[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Replay (send again now)"), permissions=["change"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = delivery.replay(
            list(queryset.values_list("pk", flat=True)),
            tasks.enqueue_send,
        )
        self.message_user(
            request,
            ngettext("Replaying %d delivery.", "Replaying %d deliveries.", count) % count,
            messages.SUCCESS,
        )
