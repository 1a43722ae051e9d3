"""Subscribe, confirm, manage and unsubscribe pages (not cached: each is for one person).

Visitors subscribe by email, SMS (when SMS_URL is set), chat robot or webhook, to the whole
page or one incident. The form answers the same way whether or not the address is already
subscribed, so it cannot be used to find out who is. Links in emails are signed (see
notify.tokens); the one-click unsubscribe POST from mail clients works without cookies
(RFC 8058). SMS and robots cannot click a link: they are sent a code, typed back on the code
page (its URL signed, see subscriptions.code_page_url), which can send a new one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
from statuspage.notify.models import ChatApp, Mode, Subscriber, SubscriberState
from statuspage.status.models import Component, Incident, Page


class ComponentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, component: Component) -> str:
        return component.display_name


class SubscribeForm(forms.Form):
    # The form leads with email; SMS, robots and webhooks each have their own button (folded
    # sections below it) that sends its mode. Without a mode (Enter in a field), the one
    # filled-in field among webhook URL, phone number and robot URL decides.
    mode = forms.ChoiceField(choices=Mode.choices, widget=forms.HiddenInput, required=False)
    email = forms.EmailField(label=_("Email address"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        required=False,
        help_text=_("We text you a six-digit code to confirm. No email needed."),
    )
    chat_app = forms.ChoiceField(label=_("Chat app"), choices=ChatApp.choices, required=False)
    robot_url = forms.URLField(
        label=_("Robot webhook URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        help_text=_("As the app shows it when you add a custom robot or incoming webhook."),
    )
    chat_secret = forms.CharField(
        label=_("Robot signing secret"),
        max_length=200,
        required=False,
        strip=True,
        help_text=_("DingTalk (starts with SEC) and Feishu when signing is on. Leave empty else."),
    )
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

    # Where the service's errors about a field show, per mode.
    FIELDS_OF: dict[str, dict[str, str]] = {
        Mode.ROBOT: {"endpoint": "robot_url"},
        Mode.SMS: {"phone_country": "phone"},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not settings.SMS_URL:  # no provider: SMS is not a choice
            mode = self.fields["mode"]
            assert isinstance(mode, forms.ChoiceField)
            mode.choices = [(v, label) for v, label in Mode.choices if v != Mode.SMS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        typed = {
            name: self.data.get(name, "").strip() for name in ("endpoint", "phone", "robot_url")
        }
        if not data.get("mode") and "mode" not in self.errors:
            data["mode"] = (
                Mode.WEBHOOK
                if typed["endpoint"]
                else Mode.SMS
                if typed["phone"] and not self.data.get("email", "").strip()
                else Mode.ROBOT
                if typed["robot_url"]
                else Mode.EMAIL
            )
        mode = data.get("mode")
        if mode == Mode.SMS and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Enter your mobile number."))
        if mode == Mode.WEBHOOK and not data.get("endpoint") and "endpoint" not in self.errors:
            self.add_error("endpoint", _("Enter the URL we should POST to."))
        if mode == Mode.ROBOT:
            if not data.get("chat_app") and "chat_app" not in self.errors:
                self.add_error("chat_app", _("Choose the robot’s app."))
            if not data.get("robot_url") and "robot_url" not in self.errors:
                self.add_error("robot_url", _("Enter the robot’s webhook URL."))
        if mode != Mode.SMS and not data.get("email") and "email" not in self.errors:
            self.add_error("email", self.fields["email"].error_messages["required"])
        return data

    def subscription(self) -> dict[str, Any]:
        """The service's arguments for the chosen mode (the other modes' fields left out)."""
        data = self.cleaned_data
        mode = data["mode"]
        return {
            "email": "" if mode == Mode.SMS else subscriptions.normalise_email(data["email"]),
            "phone": data["phone"] if mode == Mode.SMS else "",
            "endpoint": {Mode.WEBHOOK: data["endpoint"], Mode.ROBOT: data["robot_url"]}.get(
                mode, ""
            ),
            "chat_app": data["chat_app"] if mode == Mode.ROBOT else "",
            "chat_secret": data["chat_secret"] if mode == Mode.ROBOT else "",
            "components": data["components"],
            "language": data["language"],
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        fields = self.FIELDS_OF.get(self.cleaned_data.get("mode") or "", {})
        for field, errors in exc.message_dict.items():
            field = fields.get(field, field)
            self.add_error(field if field in self.fields else None, errors)


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
            return _subscribe(request, form, incident) or _render_form(request, form, incident)
    return _render_form(request, form, incident)


def _render_form(request: HttpRequest, form: SubscribeForm, incident: Incident | None):
    return render(
        request,
        "public/subscribe.html",
        {
            "page": Page.get(),
            "form": form,
            "incident": incident,
            "sms": bool(settings.SMS_URL),
        },
        status=400 if form.errors else 200,
    )


def _subscribe(
    request: HttpRequest, form: SubscribeForm, incident: Incident | None
) -> HttpResponse | None:
    """Subscribe as the valid form says; None when the service refused (errors on the form)."""
    fields = form.subscription()
    mode = form.cleaned_data["mode"]
    try:
        if mode == Mode.SMS:  # one spelling per number for the limit below
            fields["phone"] = subscriptions.parse_phone(fields["phone"])
        owner = fields["phone"] or (fields["endpoint"] if mode == Mode.ROBOT else fields["email"])
        if _limited(
            request, "subscribe-address", lambda g, r: owner, settings.SUBSCRIBE_RATE_PER_ADDRESS
        ):
            return _too_many(request, settings.SUBSCRIBE_RATE_PER_ADDRESS)
        subscriber = subscriptions.subscribe(incident=incident, **fields)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None
    if subscriber.mode in subscriptions.CODE_MODES:
        return redirect("subscribe-code", subscriptions.code_page_token(subscriber))
    return _message(
        request,
        _("Check your inbox"),
        _(
            "If this address can receive our messages, an email is on its way. "
            "Follow the link in it to finish. Nothing else is sent until you do."
        ),
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


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits we sent. It expires %(minutes)s minutes after it was sent."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.help_text = field.help_text % {"minutes": settings.CODE_MAX_AGE_MINUTES}


@never_cache
@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest, token: str) -> HttpResponse:
    """ "Enter the code we sent": for SMS subscribers and robots. Right: subscribed, and a
    manage link (the code proves the number or the robot's group, as a confirmation link
    proves a mailbox). Wrong: the form again, counting the try. "Send a new code" is limited
    per client (SUBSCRIBE_RATE_PER_IP) and per number or robot (SUBSCRIBE_RATE_PER_ADDRESS)."""
    subscriber = subscriptions.subscriber_for_code_page(token)
    if subscriber is None:
        return _bad_link(request)
    action = request.POST.get("action")
    form = CodeForm(request.POST if action == "confirm" else None)
    notice = None
    if request.method == "POST":
        if _limited(
            request, "subscribe-ip", lambda g, r: client_ip(r), settings.SUBSCRIBE_RATE_PER_IP
        ):
            return _too_many(request, settings.SUBSCRIBE_RATE_PER_IP)
        if action == "resend":
            if subscriptions.resend_code(subscriber):
                notice = _("A new code is on its way. Only the newest code works.")
            else:
                return _too_many(request, settings.SUBSCRIBE_RATE_PER_ADDRESS)
        elif form.is_valid():
            if subscriptions.confirm_with_code(subscriber, form.cleaned_data["code"]):
                return _message(
                    request,
                    _("You are subscribed"),
                    _("We will tell you when something changes."),
                    link=(
                        subscriptions.issue_manage_url(subscriber),
                        _("Manage your subscription"),
                    ),
                )
            form.add_error(
                "code",
                _(
                    "This code is wrong or has expired. After %(count)s wrong tries a code "
                    "stops working: ask for a new one."
                )
                % {"count": settings.CODE_MAX_ATTEMPTS},
            )
    return render(
        request,
        "public/enter_code.html",
        {
            "page": Page.get(),
            "subscriber": subscriber,
            "sent_to": _sent_to(subscriber),
            "form": form,
            "notice": notice,
        },
        status=400 if form.errors else 200,
    )


def _sent_to(subscriber: Subscriber) -> str:
    """Where the code went, masked: enough for its owner to recognise, little for others."""
    if subscriber.mode == Mode.SMS:
        number = str(subscriber.phone)
        return f"{number[:-8]}····{number[-4:]}" if len(number) > 8 else number
    return _("your %(app)s robot") % {"app": subscriber.get_chat_app_display()}


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
    path("subscribe/code/<str:token>", enter_code, name="subscribe-code"),
    path("subscriptions/manage", manage_link, name="manage-link"),
    path("subscriptions/<str:token>", manage, name="subscription"),
    path("subscriptions/<str:token>/unsubscribe", unsubscribe, name="unsubscribe"),
    path("u/<str:token>", unsubscribe, name="unsubscribe-short"),
]
