"""Subscribing from the page: confirmed opt-in, signed links, manage, one-click unsubscribe."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from statuspage.notify import tasks, tokens
from statuspage.notify.models import Subscriber

pytestmark = pytest.mark.usefixtures("components")


@pytest.fixture
def sent(mailbox):
    """Run the confirmation task the page queued, as a worker would, and return the mailbox."""

    def run():
        for subscriber in Subscriber.objects.all():
            if subscriber.state == "unconfirmed" and subscriber.confirmation_sent_at is None:
                tasks.send_confirmation(subscriber.pk)
        return mailbox

    return run


def subscribe(client, **data):
    return client.post("/subscribe", {"mode": "email", "language": "en", **data})


def link_in(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(rf"http://127\.0\.0\.1:8000(/{kind}/\S+)", text).group(1)
    return url


def test_the_form_leads_with_email_and_groups_components_as_the_page(client):
    body = client.get("/subscribe", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = body[body.index("<form") :]
    assert form.index('name="email"') < form.index('name="components"')
    # The group's members under the group's name, in the page's order; then the App.
    group = form[form.index('<fieldset class="choice-group"><legend>Borrowing window</legend>') :]
    names = ["Identity verification", "Credit assessment", "Limit allocation", "Disbursement"]
    positions = [group.index(f"> {name}</label>") for name in names]
    assert positions == sorted(positions)
    assert group.index("</fieldset>") < group.index("> App</label>")
    assert "Borrowing window - Disbursement" not in form
    # Webhooks under "For developers", folded, after the email subscription's own button.
    developers = form.index('<details class="developers">')
    assert form.index('<button type="submit">Subscribe</button>') < developers
    assert developers < form.index('name="endpoint"')
    assert 'name="language"' in body
    assert "csrfmiddlewaretoken" in body


def test_a_webhook_url_typed_and_entered_subscribes_the_webhook(client, settings):
    """Enter in the URL field sends the form without the webhook button's mode."""
    settings.ALLOW_PRIVATE_ADDRESSES = True
    response = client.post(
        "/subscribe",
        {"email": "ops@example.com", "endpoint": "http://127.0.0.1:9/hook", "language": "en"},
    )
    assert response.status_code == 200
    assert Subscriber.objects.get(email="ops@example.com").mode == "webhook"


def test_the_webhook_form_opens_on_its_own_errors(client):
    response = client.post(
        "/subscribe", {"email": "x@example.com", "mode": "webhook", "language": "en"}
    )
    assert response.status_code == 400
    assert '<details class="developers" open>' in response.content.decode()


def test_subscribing_sends_one_confirmation_and_nothing_else(client, sent, mailbox):
    response = subscribe(client, email="Ana@Example.com ")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.state) == ("ana@example.com", "unconfirmed")
    [message] = sent().wait_for(1)
    assert "Confirm" in message["Subject"]


def test_the_confirmation_link_confirms_once(client, sent):
    subscribe(client, email="ana@example.com")
    [message] = sent().wait_for(1)
    url = link_in(message, "subscribe/confirm")
    page = client.get(url)
    assert page.status_code == 200
    assert b"<form" in page.content  # a scanner's GET confirms nothing
    assert Subscriber.objects.get().state == "unconfirmed"
    confirmed = client.post(url)
    assert confirmed.status_code == 200
    assert Subscriber.objects.get().state == "active"
    # the answer links to a fresh manage page, for whoever holds the confirmation link
    manage = re.search(r'href="http://127\.0\.0\.1:8000(/subscriptions/[^"]+)"', confirmed.text)
    assert client.get(manage.group(1)).status_code == 200
    assert client.post(url).status_code == 400  # single use
    assert client.get(url).status_code == 400


def test_an_expired_or_forged_confirmation_link_is_refused(client, sent, settings):
    subscribe(client, email="ana@example.com")
    subscriber = Subscriber.objects.get()
    forged = signing.dumps([subscriber.pk, subscriber.confirm_nonce], salt="something else")
    assert client.post(f"/subscribe/confirm/{forged}").status_code == 400
    settings.CONFIRMATION_MAX_AGE_HOURS = 0
    assert client.post(f"/subscribe/confirm/{tokens.confirm_token(subscriber)}").status_code == 400
    assert Subscriber.objects.get().state == "unconfirmed"


def test_subscribing_again_reveals_nothing_and_creates_nothing(client, sent):
    first = subscribe(client, email="ana@example.com")
    Subscriber.objects.update(state="active")
    again = subscribe(client, email="ANA@example.com")
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert Subscriber.objects.count() == 1
    tasks.send_already_subscribed(Subscriber.objects.get().pk)
    assert "already subscribed" in sent().wait_for(1)[0]["Subject"]


def test_chosen_components_and_language_are_kept(client, components):
    subscribe(
        client,
        email="li@example.com",
        language="zh-hans",
        components=[components["disbursement"].pk, components["limit"].pk],
    )
    subscriber = Subscriber.objects.get()
    assert subscriber.language == "zh-hans"
    assert set(subscriber.components.values_list("pk", flat=True)) == {
        components["disbursement"].pk,
        components["limit"].pk,
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"email": "x@example.com", "components": ["nosuchcompo"]}, "components"),
        ({"email": "x@example.com", "language": "fr"}, "language"),
        ({"email": "<script>alert(1)</script>@example.com"}, "email"),
        ({"email": "x@example.com", "mode": "webhook"}, "endpoint"),
        (
            {"email": "x@example.com", "mode": "webhook", "endpoint": "javascript:alert(1)"},
            "endpoint",
        ),
        (
            {
                "email": "x@example.com",
                "mode": "webhook",
                "endpoint": "http://169.254.169.254/latest",
            },
            "endpoint",
        ),
        (
            {"email": "x@example.com", "mode": "webhook", "endpoint": "http://10.0.0.1/hook"},
            "endpoint",
        ),
        (
            {"email": "x@example.com", "mode": "webhook", "endpoint": "http://localhost:8000/"},
            "endpoint",
        ),
        ({"email": "x@example.com", "mode": "sms"}, "mode"),
    ],
)
def test_hostile_input_gets_a_clear_error_and_changes_nothing(client, data, field):
    response = subscribe(client, **data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert b"<script>alert" not in response.content
    assert not Subscriber.objects.exists()


def test_a_webhook_subscription_confirms_by_its_owners_email(client, sent, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = True
    response = subscribe(
        client, mode="webhook", email="ops@example.com", endpoint="http://127.0.0.1:9/hook"
    )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.mode == "webhook"
    assert subscriber.secret.startswith("whsec_")
    [message] = sent().wait_for(1)
    assert message["To"] == "ops@example.com"


def test_the_signing_secret_is_shown_once_and_can_be_rotated(client, settings):
    from statuspage.notify import subscriptions

    settings.ALLOW_PRIVATE_ADDRESSES = True
    hook = subscriptions.subscribe(
        email="ops@example.com", endpoint="http://127.0.0.1:9/hook", skip_confirmation=True
    )
    url = subscriptions.issue_manage_url(hook).removeprefix("http://127.0.0.1:8000")
    assert hook.secret in client.get(url).content.decode()
    second = client.get(url).content.decode()
    assert hook.secret not in second
    assert hook.masked_secret in second
    rotated = client.post(url, {"action": "rotate"}).content.decode()
    old = hook.secret
    hook.refresh_from_db()
    assert hook.secret != old
    assert hook.secret in rotated
    assert client.get(url).status_code == 400  # the link that rotated it is retired


def test_the_manage_page_changes_preferences_and_unsubscribes(client, components):
    from statuspage.notify import subscriptions

    subscriber = subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    url = subscriptions.issue_manage_url(subscriber).removeprefix("http://127.0.0.1:8000")
    response = client.post(
        url, {"action": "save", "language": "zh-hans", "components": [components["app"].pk]}
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.language == "zh-hans"
    assert list(subscriber.components.all()) == [components["app"]]
    client.post(url, {"action": "unsubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.state == "unsubscribed"
    client.post(url, {"action": "resubscribe"})
    subscriber.refresh_from_db()
    assert subscriber.state == "active"


def test_one_click_unsubscribe_works_without_cookies_and_without_redirect(db):
    from statuspage.notify import subscriptions

    subscriber = subscriptions.subscribe(email="ana@example.com", skip_confirmation=True)
    url = tokens.unsubscribe_url(subscriber).removeprefix("http://127.0.0.1:8000")
    mail_client = Client(enforce_csrf_checks=True)
    shown = mail_client.get(url)
    assert shown.status_code == 200 and b"<form" in shown.content
    subscriber.refresh_from_db()
    assert subscriber.state == "active"  # a GET (a scanner) changes nothing
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.state == "unsubscribed"


def test_a_bad_manage_link_is_refused(client):
    assert client.get("/subscriptions/garbage").status_code == 400
    assert client.post("/subscriptions/garbage/unsubscribe").status_code == 400


@pytest.mark.usefixtures("one_window")
def test_the_form_is_rate_limited_per_address(client, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (2, 3600)
    for _ in range(2):
        assert subscribe(client, email="ana@example.com").status_code == 200
    limited = subscribe(client, email="Ana@example.com")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert b"Too many" in limited.content
    assert b"try again in 1\xc2\xa0hour." in limited.content


@pytest.mark.usefixtures("one_window")
def test_the_form_is_rate_limited_per_client_ip(client, settings):
    settings.SUBSCRIBE_RATE_PER_IP = (3, 600)
    for n in range(3):
        assert subscribe(client, email=f"s{n}@example.com").status_code == 200
    limited = subscribe(client, email="s9@example.com")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert b"try again in 10\xc2\xa0minutes." in limited.content
    # another visitor is not affected
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert subscribe(other, email="other@example.com").status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(rf, settings):
    from statuspage.lib.clientip import client_ip

    request = rf.post("/subscribe", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.1")
    assert client_ip(request) == "198.51.100.1"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = rf.post(
        "/subscribe", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.3", REMOTE_ADDR="10.0.0.2"
    )
    assert client_ip(proxied) == "203.0.113.9"


def test_following_one_incident(client, components):
    from statuspage.status import services
    from statuspage.status.models import Incident

    incident = services.open_incident(Incident(name="Slow payouts"), body="Slow.")
    response = client.post(
        f"/incidents/{incident.pk}/subscribe",
        {"mode": "email", "email": "f@example.com", "language": "en"},
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().incident == incident
    services.resolve(incident)
    closed = client.post(
        f"/incidents/{incident.pk}/subscribe",
        {"mode": "email", "email": "g@example.com", "language": "en"},
    )
    assert closed.status_code == 400
    assert Subscriber.objects.count() == 1
