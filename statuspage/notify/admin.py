"""Who was notified and what failed: subscribers, notices, deliveries and their attempts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

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

from statuspage.lib.wording import labelled
from statuspage.notify import delivery, subscriptions, tasks
from statuspage.notify.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Mode,
    Notice,
    SmsTemplate,
    Subscriber,
    SubscriberState,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups


def _deliveries_link(query: str, text) -> str:
    return format_html(
        '<a href="{}?{}">{}</a>', reverse("admin:notify_delivery_changelist"), query, text
    )


class SubscriberForm(forms.ModelForm):
    """Checked as the API and the public form check them: a robot's app, URL and secret
    together (robots.check_robot), a phone number with subscriptions.parse_phone (SMS on, a
    valid number of a country in SMS_COUNTRIES, stored in E.164). Each type needs its own
    field; the other types' fields are cleared."""

    endpoint = forms.URLField(
        label=_("webhook URL"), max_length=2000, required=False, assume_scheme="https"
    )
    phone = forms.CharField(
        label=_("phone number"),
        max_length=40,
        required=False,
        help_text=_("For SMS. Mainland numbers need no +86; stored in international form."),
    )

    class Meta:
        model = Subscriber
        fields = ["mode", "email", "phone", "endpoint", "chat_app", "chat_secret", "language"]
        widgets = {"chat_secret": forms.PasswordInput(render_value=True)}

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        mode, app = data.get("mode"), data.get("chat_app", "")
        if app and mode != Mode.ROBOT:
            raise ValidationError({"mode": _("A chat app is for chat robots only.")})
        if data.get("phone") and mode != Mode.SMS:
            raise ValidationError({"mode": _("A phone number is for SMS subscribers only.")})
        if mode == Mode.SMS:
            data["phone"] = subscriptions.parse_phone(data.get("phone", ""))
            data["email"] = data["endpoint"] = data["chat_secret"] = ""
        elif not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter an email address."))
        if mode == Mode.ROBOT:
            from statuspage.notify.robots import check_robot

            check_robot(app, data.get("endpoint", ""), data.get("chat_secret", ""))
        if mode in (Mode.WEBHOOK, Mode.ROBOT) and not data.get("endpoint"):
            self.add_error("endpoint", _("Enter the URL we should POST to."))
        if mode == Mode.EMAIL:
            data["endpoint"] = data["chat_secret"] = ""
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
    search_fields = ["email", "endpoint", "phone"]
    filter_horizontal = ["components"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = [
        "masked_secret", "state", "confirmed_at", "quarantined_at", "quarantine_reason",
        "unsubscribed_at", "created_at", "recent_deliveries",
    ]  # fmt: skip
    fields = [
        "mode", "email", "phone", "endpoint", "chat_app", "chat_secret", "language",
        "components", "incident", *readonly_fields,
    ]  # fmt: skip
    actions = ["reactivate_selected", "resend_confirmation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Adding here skips the confirmation: only for those who may do so through the API
        too (operators may not: subscribers confirm themselves)."""
        return super().has_add_permission(request) and request.user.has_perm(
            "api.add_subscriber_without_confirmation"
        )

    def get_fields(self, request: HttpRequest, obj: Subscriber | None = None) -> _FieldGroups:
        if obj is None:  # adding: what the operator gives, nothing that comes later
            return [f for f in self.fields if f not in self.readonly_fields]
        return self.fields

    def save_model(
        self, request: HttpRequest, obj: Subscriber, form: SubscriberForm, change: bool
    ) -> None:
        """An operator's new subscriber goes through subscriptions.subscribe, active at once
        (they vouch for it: no confirmation, no code); an existing address is taken back."""
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = subscriptions.subscribe(
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            endpoint=data.get("endpoint", ""),
            chat_app=data.get("chat_app", ""),
            chat_secret=data.get("chat_secret", ""),
            language=data.get("language"),
            incident=data.get("incident"),
            skip_confirmation=True,
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False
        form.instance = obj  # its components are set next, by save_related

    @admin.display(description=_("signing secret"))
    def masked_secret(self, subscriber: Subscriber) -> str:
        return subscriber.masked_secret

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

    @admin.action(
        description=_("Send the confirmation again (an email, or a code for SMS and robots)"),
        permissions=["change"],
    )
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet[Subscriber]) -> None:
        chosen = list(queryset.filter(state=SubscriberState.UNCONFIRMED))
        for subscriber in chosen:
            subscriptions.resend_confirmation(subscriber)
        self.message_user(request, _("Confirmations queued: %d.") % len(chosen))


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """A provider's approved template per SMS kind and language; the form checks it against
    the kind's values (SmsTemplate.clean)."""

    list_display = ["kind", "language", "template_code", "updated_at"]
    list_filter = ["kind", "language"]
    search_fields = ["template_code", "text"]
    fields = ["kind", "language", "template_code", "text", "variables", "updated_at"]
    readonly_fields = ["updated_at"]


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
                                  labelled(str(label), str(getattr(notice, f"n_{status}", 0)))),)
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
