"""POST and DELETE /api/v2/subscribers.json, as Statuspage's se-v2.js sends them: JSON answers,
confirmed opt-in, no CSRF page, rate limits, and no way to change or end someone else's
subscription by knowing their address."""

from __future__ import annotations

import pytest
from django.test import Client

from statuspage.notify import subscriptions
from statuspage.notify.models import Subscriber

URL = "/api/v2/subscribers.json"


@pytest.fixture
def browser() -> Client:
    """A visitor's browser on another site: no cookies, and CSRF checks on as in production."""
    return Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})


def form(browser: Client, method: str, body: str):
    return browser.generic(method, URL, body, content_type="application/x-www-form-urlencoded")


def test_subscribing_by_form_answers_json_and_waits_for_confirmation(
    browser, components, django_capture_on_commit_callbacks
):
    disbursement = components["disbursement"]
    with django_capture_on_commit_callbacks() as queued:
        response = form(
            browser,
            "POST",
            f"subscriber[email]=Ana@Example.com&subscriber[component_ids][]={disbursement.pk}",
        )

    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["subscriber"] == {
        "mode": "email",
        "email": "ana@example.com",
        "component_ids": [disbursement.pk],
    }
    subscriber = Subscriber.objects.get()
    assert subscriber.state == "unconfirmed"
    assert list(subscriber.components.all()) == [disbursement]
    assert len(queued) == 1  # the confirmation email, and nothing else


def test_subscribing_by_json_without_the_envelope_works_too(browser, components):
    response = browser.post(URL, {"email": "ana@example.com"}, content_type="application/json")

    assert response.status_code == 201
    assert Subscriber.objects.get().email == "ana@example.com"


def test_subscribing_again_changes_nothing_and_only_sends_the_link_again(
    browser, components, django_capture_on_commit_callbacks
):
    first = form(browser, "POST", "subscriber[email]=ana@example.com")
    subscriber = Subscriber.objects.get()
    subscriptions.confirm(subscriber)
    before = Subscriber.objects.get()

    with django_capture_on_commit_callbacks() as queued:
        again = form(
            browser,
            "POST",
            f"subscriber[email]=ana@example.com&subscriber[component_ids][]={components['app'].pk}",
        )

    after = Subscriber.objects.get()
    assert again.status_code == first.status_code == 201
    assert "id" not in again.json()["subscriber"]  # the id is what unsubscribes
    assert (after.state, after.language, after.confirm_nonce) == (
        before.state,
        before.language,
        before.confirm_nonce,
    )
    assert list(after.components.all()) == []  # still everything, as first chosen
    assert len(queued) == 1  # the "already subscribed" reminder with the manage link


@pytest.mark.parametrize(
    "body",
    [
        "",
        "subscriber[email]=not-an-address",
        "subscriber[email]=ana@example.com&subscriber[component_ids][]=nosuchthing",
        "subscriber=flat",
        "subscriber[email][]=a@b.c",
        "subscriber[email]=" + "a" * 300 + "@example.com",
    ],
)
def test_bad_subscriptions_are_json_errors(browser, components, body):
    response = form(browser, "POST", body)

    assert response.status_code in (400, 422)
    assert response.json()["error"]
    assert not Subscriber.objects.exists()


def test_a_body_that_is_not_json_is_a_json_error(browser, db):
    response = browser.post(URL, "{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.usefixtures("one_window")
def test_too_many_subscriptions_from_one_address_are_refused(browser, components, settings):
    settings.SUBSCRIBE_RATE_PER_IP = (2, 600)
    for n in range(2):
        assert form(browser, "POST", f"subscriber[email]=v{n}@example.com").status_code == 201

    refused = form(browser, "POST", "subscriber[email]=v3@example.com")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "600"  # the limit's own window
    assert refused.json()["error"]
    assert Subscriber.objects.count() == 2


@pytest.mark.usefixtures("one_window")
def test_too_many_subscriptions_for_one_mailbox_are_refused(browser, components, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = (1, 3600)
    assert form(browser, "POST", "subscriber[email]=ana@example.com").status_code == 201

    assert form(browser, "POST", "subscriber[email]=ANA@example.com").status_code == 429


def test_the_subscriber_leaves_with_their_id(browser, components):
    subscriber = subscriptions.subscribe(email="ana@example.com")

    response = form(browser, "DELETE", f"subscriber[id]={subscriber.pk}")

    assert response.status_code == 200
    assert response.json()["subscriber"]["id"] == subscriber.pk
    assert Subscriber.objects.get().state == "unsubscribed"


def test_the_id_may_come_in_the_query_string(browser, components):
    subscriber = subscriptions.subscribe(email="ana@example.com")

    response = browser.delete(f"{URL}?id={subscriber.pk}")

    assert response.status_code == 200
    assert Subscriber.objects.get().state == "unsubscribed"


def test_an_address_alone_unsubscribes_nobody(browser, components):
    subscriptions.subscribe(email="ana@example.com")

    response = form(browser, "DELETE", "subscriber[email]=ana@example.com")

    assert response.status_code == 422
    assert response.json()["errors"]
    assert Subscriber.objects.get().state == "unconfirmed"


def test_an_unknown_id_is_a_json_404(browser, components):
    response = form(browser, "DELETE", "id=aaaaaaaaaaaa")

    assert response.status_code == 404
    assert response.json()["error"]


def test_a_webhook_subscriber_cannot_be_removed_here(browser, components, settings):
    settings.ALLOW_PRIVATE_ADDRESSES = True
    hook = subscriptions.subscribe(email="ops@example.com", endpoint="http://127.0.0.1:9/hook")

    assert form(browser, "DELETE", f"id={hook.pk}").status_code == 404
    assert Subscriber.objects.get().state != "unsubscribed"


def test_other_methods_are_refused_in_json(browser, db):
    response = browser.put(URL, "", content_type="application/json")

    assert response.status_code == 405
    assert response.json()["error"]
