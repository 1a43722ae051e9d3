"""Operators may enrol a TOTP device; with REQUIRE_OPERATOR_2FA on, the admin lets in only
those who signed in with a token from one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from statuspage.operators import signin

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
DEVICES = "/admin/otp_totp/totpdevice/"


@pytest.fixture
def two_factor_required(settings) -> Iterator[None]:
    """The admin as start-up leaves it with REQUIRE_OPERATOR_2FA on."""
    settings.REQUIRE_OPERATOR_2FA = True
    plain = admin.site.__class__
    signin.require_two_factor(admin.site)
    yield
    admin.site.__class__ = plain


@pytest.fixture
def phone(operator) -> TOTPDevice:
    return TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)


def token_from(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def sign_in(client: Client, **fields: str):
    return client.post(
        LOGIN,
        {"username": "olga", "password": "operator-password-1", "next": "/admin/", **fields},
    )


def test_without_a_token_the_admin_stays_closed(two_factor_required, phone, client):
    response = sign_in(client)
    assert response.status_code == 200  # the form again, now offering the operator's devices
    assert phone.persistent_id in response.text
    assert client.get("/admin/").status_code == 302


def test_a_wrong_token_is_refused(two_factor_required, phone, client):
    wrong = f"{(int(token_from(phone)) + 1) % 1_000_000:06d}"
    assert sign_in(client, otp_device=phone.persistent_id, otp_token=wrong).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_a_token_from_the_operators_device_opens_the_admin(two_factor_required, phone, client):
    response = sign_in(client, otp_device=phone.persistent_id, otp_token=token_from(phone))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_not_verified_by_a_device_is_sent_to_sign_in(
    two_factor_required, operator_client
):
    assert operator_client.get("/admin/").status_code == 302


def test_by_default_a_password_is_enough(phone, client):
    assert sign_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_an_operator_enrols_a_device_for_themselves_and_sees_its_qr_code(operator_client, operator):
    response = operator_client.post(
        f"{DEVICES}add/",
        {
            "name": "phone",
            "confirmed": "on",
            "key": "3132333435363738393031323334353637383930",
            "step": "30",
            "t0": "0",
            "digits": "6",
            "tolerance": "1",
            "drift": "0",
            "throttling_failure_count": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    device = TOTPDevice.objects.get()
    assert device.user == operator
    config = operator_client.get(f"{DEVICES}{device.pk}/config/")
    assert config.status_code == 200
    assert "otpauth://totp/" in config.text
    qrcode = operator_client.get(f"{DEVICES}{device.pk}/qrcode/")
    assert qrcode["Content-Type"] == "image/svg+xml"


def test_an_operator_never_sees_another_persons_device(operator_client):
    theirs = TOTPDevice.objects.create(
        user=User.objects.create_user("tom", password=None, is_staff=True), name="tom's phone"
    )
    assert operator_client.get(DEVICES).context["cl"].result_count == 0
    assert operator_client.get(f"{DEVICES}{theirs.pk}/config/").status_code == 404
    assert operator_client.get(f"{DEVICES}{theirs.pk}/qrcode/").status_code == 404
    assert operator_client.get(f"{DEVICES}999/config/").status_code == 404
