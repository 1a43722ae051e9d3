"""Subscribe, confirm, manage and unsubscribe pages (not cached: each is for one person).

Visitors subscribe by email or webhook, to the whole page or one incident. The form answers
the same way whether or not the address is already subscribed, so it cannot be used to find out
who is. Links in emails are signed (see notify.tokens); the one-click unsubscribe POST from
mail clients works without cookies (RFC 8058).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from statuspage.lib.clientip import client_ip
from statuspage.notify import subscriptions, tokens
from statuspage.notify.models import Mode, SubscriberState
from statuspage.status.models import Component, Incident, Page


class ComponentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, component: Component) -> str:
        return component.display_name


class SubscribeForm(forms.Form):
    # The form leads with email; the webhook's own button (under "For developers") sends
    # mode=webhook. Without a mode (Enter in a field), a filled-in webhook URL means a webhook.
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput, required=False)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    endpoint = forms.URLField(
        label=_("Webhook URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("We POST Statuspage-style JSON, signed with Standard Webhooks headers."),
    )
    components = ComponentChoice(
        label=_("Components"),
        queryset=Component.objects.select_related("group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to hear about everything."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("mode") and "mode" not in self.errors:
            data["mode"] = Mode.WEBHOOK if self.data.get("endpoint", "").strip() else Mode.EMAIL
        if data.get("mode") == Mode.WEBHOOK and not data.get("endpoint"):
            self.add_error("endpoint", _("Enter the URL we should POST to."))
        if data.get("mode") == Mode.EMAIL:
            data["endpoint"] = ""
        return data


def _message(request: HttpRequest, title, text, *, status: int = 200, link=None) -> HttpResponse:
    return render(
        request,
        "public/message.html",
        {"page": Page.get(), "title": title, "text": text, "link": link},
        status=status,
    )


def _limited(request: HttpRequest, group: str, key, rate: tuple[int, int]) -> bool:
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, incident_id: str | None = None) -> HttpResponse:
    page = Page.get()
    incident = get_object_or_404(Incident, pk=incident_id) if incident_id else None
    form = SubscribeForm(
        request.POST or None, initial={"language": get_language(), "mode": Mode.EMAIL}
    )
    if request.method == "POST":
        if _limited(
            request, "subscribe-ip", lambda g, r: client_ip(r), settings.SUBSCRIBE_RATE_PER_IP
        ):
            return _too_many(request, settings.SUBSCRIBE_RATE_PER_IP)
        if form.is_valid():
            data = form.cleaned_data
            address = subscriptions.normalise_email(data["email"])
            if _limited(
                request,
                "subscribe-address",
                lambda g, r: address,
                settings.SUBSCRIBE_RATE_PER_ADDRESS,
            ):
                return _too_many(request, settings.SUBSCRIBE_RATE_PER_ADDRESS)
            try:
                subscriptions.subscribe(
                    email=address,
                    endpoint=data["endpoint"],
                    components=data["components"],
                    language=data["language"],
                    incident=incident,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return _message(
                    request,
                    _("Check your inbox"),
                    _(
                        "If this address can receive our messages, an email is on its way. "
                        "Follow the link in it to finish. Nothing else is sent until you do."
                    ),
                )
    return render(
        request,
        "public/subscribe.html",
        {"page": page, "form": form, "incident": incident},
        status=400 if form.errors else 200,
    )


def _too_many(request: HttpRequest, rate: tuple[int, int]) -> HttpResponse:
    """429 naming the real window of the limit that was hit (the counter resets within it)."""
    window = rate[1]
    now = timezone.now()
    response = _message(
        request,
        _("Too many attempts"),
        _("Too many subscription requests came from here. Please try again in %(wait)s.")
        % {"wait": timeuntil(now + timedelta(seconds=window), now)},
        status=429,
    )
    response["Retry-After"] = str(window)
    return response


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _message(
        request,
        _("This link no longer works"),
        _("It has expired or has already been used. You can subscribe again."),
        status=400,
        link=(reverse("subscribe"), _("Subscribe")),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links); the POST confirms, and answers with a
    fresh manage link: whoever holds the confirmation link reads the owner's mail."""
    subscriber = tokens.subscriber_to_confirm(token)
    if subscriber is None or subscriber.state == SubscriberState.ACTIVE:
        return _bad_link(request)
    if request.method == "GET":
        return render(
            request, "public/confirm.html", {"page": Page.get(), "subscriber": subscriber}
        )
    subscriptions.confirm(subscriber)
    return _message(
        request,
        _("You are subscribed"),
        _(
            "We will tell you when something changes. "
            "Every message has a link to change or stop it."
        ),
        link=(subscriptions.issue_manage_url(subscriber), _("Manage your subscription")),
    )


class PreferencesForm(forms.Form):
    components = SubscribeForm.base_fields["components"]
    language = SubscribeForm.base_fields["language"]


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Everything about a subscription, through a manage link (expiring, the latest issued)."""
    subscriber = tokens.subscriber_to_manage(token)
    if subscriber is None:
        return _bad_manage_link(request)
    action = request.POST.get("action")
    form = PreferencesForm(
        request.POST if action == "save" else None,
        initial={"components": subscriber.components.all(), "language": subscriber.language},
    )
    notice = None
    if action == "save" and form.is_valid():
        subscriptions.change_preferences(
            subscriber,
            components=form.cleaned_data["components"],
            language=form.cleaned_data["language"],
        )
        notice = _("Saved.")
    elif action == "unsubscribe":
        subscriptions.unsubscribe(subscriber)
        notice = _("You are unsubscribed. Nothing more will be sent.")
    elif action == "resubscribe" and subscriber.state == SubscriberState.UNSUBSCRIBED:
        subscriptions.confirm(subscriber)  # the manage link proves the mailbox
        notice = _("Welcome back: you are subscribed again.")
    elif action == "rotate" and subscriber.mode == Mode.WEBHOOK:
        subscriptions.rotate_secret(subscriber)  # retires this link: the forms get a new one
        notice = _(
            "A new signing secret was made. Update your receiver: the old one no longer signs."
        )
    secret = None
    if subscriber.mode == Mode.WEBHOOK and subscriber.state == SubscriberState.ACTIVE:
        secret = subscriptions.reveal_secret(subscriber)
    return render(
        request,
        "public/manage.html",
        {
            "page": Page.get(),
            "subscriber": subscriber,
            "form": form,
            "notice": notice,
            "secret": secret,
            "action": reverse("subscription", args=[tokens.manage_token(subscriber)]),
        },
        status=400 if form.errors else 200,
    )


def _bad_manage_link(request: HttpRequest) -> HttpResponse:
    return _message(
        request,
        _("This link no longer works"),
        _("Links to manage a subscription expire, and each new one replaces the last."),
        status=400,
        link=(reverse("manage-link"), _("Email me a link to manage my subscription")),
    )


@never_cache
@csrf_exempt  # RFC 8058: mail clients POST without cookies; the signed token is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for a click (scanners follow links); POST unsubscribes, 200, no redirect.
    This link is in every message, forwarded or not: it does nothing else."""
    subscriber = tokens.subscriber_to_unsubscribe(token)
    if subscriber is None:
        return _bad_link(request)
    if request.method == "GET":
        return render(
            request,
            "public/unsubscribe.html",
            {"page": Page.get(), "subscriber": subscriber, "form": ManageLinkForm()},
        )
    subscriptions.unsubscribe(subscriber)
    return _message(
        request,
        _("You are unsubscribed"),
        _("Nothing more will be sent to you."),
        link=(reverse("subscribe"), _("Changed your mind?")),
    )


class ManageLinkForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


@never_cache
@require_http_methods(["GET", "POST"])
def manage_link(request: HttpRequest) -> HttpResponse:
    """ "Email me a link to manage my subscription": the link goes to the address, never to
    whoever asks, and the answer is the same whether or not the address is subscribed."""
    form = ManageLinkForm(request.POST or None)
    if request.method == "POST":
        if _limited(
            request, "subscribe-ip", lambda g, r: client_ip(r), settings.SUBSCRIBE_RATE_PER_IP
        ):
            return _too_many(request, settings.SUBSCRIBE_RATE_PER_IP)
        if form.is_valid():
            subscriptions.request_manage_links(form.cleaned_data["email"])
            return _message(
                request,
                _("Check your inbox"),
                _(
                    "If this address is subscribed, a link to manage its subscription is on "
                    "its way."
                ),
            )
    return render(
        request,
        "public/manage_link.html",
        {"page": Page.get(), "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("subscribe", subscribe, name="subscribe"),
    path("incidents/<str:incident_id>/subscribe", subscribe, name="subscribe-incident"),
    path("subscribe/confirm/<str:token>", confirm, name="subscribe-confirm"),
    path("subscriptions/manage", manage_link, name="manage-link"),
    path("subscriptions/<str:token>", manage, name="subscription"),
    path("subscriptions/<str:token>/unsubscribe", unsubscribe, name="unsubscribe"),
    path("u/<str:token>", unsubscribe, name="unsubscribe-short"),
]
