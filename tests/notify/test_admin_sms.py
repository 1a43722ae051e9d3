"""The Subscriber admin takes an SMS subscriber's number (checked as the API and the form check
it, through the service), and lists SMS templates; adding a subscriber skips confirmation, so
only those allowed to do that through the API may."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from statuspage.notify.models import SmsTemplate, Subscriber


@pytest.fixture
def importer(operator) -> Client:
    """An operator also allowed to add subscribers without confirmation."""
    for codename in ("add_subscriber", "add_subscriber_without_confirmation"):
        operator.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(User.objects.get(pk=operator.pk))
    return client


def add(client: Client, **fields):
    return client.post(
        "/admin/notify/subscriber/add/", {"language": "zh-hans", "_save": "Save", **fields}
    )


def test_an_sms_subscriber_is_added_active_with_its_number_in_e164(importer, texts, components):
    page = importer.get("/admin/notify/subscriber/add/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="phone"' in body and "Mainland numbers need no +86" in body
    assert "recent deliveries" not in body.lower()
    response = add(importer, mode="sms", phone="138 0013 8000", components=[components["app"].pk])
    assert response.status_code == 302, response.context["adminform"].form.errors
    subscriber = Subscriber.objects.get()
    assert (subscriber.mode, str(subscriber.phone), subscriber.state) == (
        "sms",
        "+8613800138000",
        "active",
    )
    assert list(subscriber.components.all()) == [components["app"]]
    assert texts == []  # the operator vouches: no code
    listing = importer.get("/admin/notify/subscriber/?q=13800138000").content.decode()
    assert "+8613800138000" in listing


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"mode": "sms", "phone": "138 0013 800a"}, "phone", "not a phone number"),
        ({"mode": "sms", "phone": "+1 202 555 0143"}, "phone", "numbers in CN only"),
        ({"mode": "sms", "phone": ""}, "phone", "not a phone number"),
        ({"mode": "email", "phone": "13800138000", "email": "a@example.com"}, "mode",
         "for SMS subscribers only"),
        ({"mode": "email"}, "email", "Enter an email address"),
        ({"mode": "robot", "chat_app": "dingtalk", "email": "a@example.com",
          "endpoint": "https://oapi.dingtalk.com/robot/send?access_token=x"}, "chat_secret",
         "signing secret"),
    ],
)  # fmt: skip
def test_bad_input_is_an_error_on_its_field_and_nothing_is_written(
    importer, texts, fields, field, words
):
    response = add(importer, **fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in " ".join(errors[field]), errors
    assert not Subscriber.objects.exists()


def test_without_an_sms_provider_the_admin_refuses_a_number(importer, settings):
    settings.SMS_URL = ""
    response = add(importer, mode="sms", phone="13800138000")
    assert "not available" in " ".join(response.context["adminform"].form.errors["phone"])
    assert not Subscriber.objects.exists()


def test_operators_cannot_add_subscribers_and_so_skip_confirmation(operator_client):
    assert operator_client.get("/admin/notify/subscriber/add/").status_code == 403


def test_an_sms_subscribers_number_can_be_corrected(importer, texts):
    add(importer, mode="sms", phone="13800138000")
    subscriber = Subscriber.objects.get()
    url = f"/admin/notify/subscriber/{subscriber.pk}/change/"
    assert "+8613800138000" in importer.get(url).content.decode()
    response = importer.post(url, {"mode": "sms", "phone": "139-0013-9000", "language": "en"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    subscriber.refresh_from_db()
    assert str(subscriber.phone) == "+8613900139000"


def test_sms_templates_are_listed_by_kind_language_and_code(admin_client, db):
    SmsTemplate.objects.create(
        kind="code", language="zh-hans", template_code="SMS_123456789",
        text="您的验证码是${code}", variables={"code": "code"},
    )  # fmt: skip
    listing = admin_client.get("/admin/notify/smstemplate/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "SMS_123456789" in body and "验证码" in body  # the console's language
    page = admin_client.get("/admin/notify/smstemplate/add/").content.decode()
    for name in ("kind", "language", "template_code", "text", "variables"):
        assert f'name="{name}"' in page
