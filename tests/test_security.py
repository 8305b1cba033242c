"""Refuses guessing and garbage: sign-in lockout on the site and admin login pages (django-axes),
a throttled password reset, no demo password outside the demo, security headers on every
response and a cap on the size of a request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from config.security import client_ip
from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

START = dt.datetime(2025, 3, 3, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))
PASSWORD = "the-right-one-2025"

pytestmark = pytest.mark.django_db


@pytest.fixture
def lan(django_user_model):
    return django_user_model.objects.create_user(
        "lan", email="lan@example.org", password=PASSWORD, is_staff=True
    )


def sign_in(client, page, username, password, address="10.1.1.1"):
    data = {"username": username, "password": password}
    if page == "admin:login":
        data["next"] = reverse("admin:index")
    return client.post(reverse(page), data, REMOTE_ADDR=address)


@pytest.mark.parametrize("page", ["login", "admin:login"])
def test_ten_wrong_passwords_lock_the_account_until_the_cool_off_ends(client, lan, page):
    with time_machine.travel(START, tick=False) as traveller:
        statuses = [sign_in(client, page, "lan", "wrong").status_code for _ in range(10)]
        refused = sign_in(client, page, "lan", PASSWORD)

        # the first four are ordinary failures; the fifth locks, in the site's frame
        assert statuses[:4] == [200] * 4 and set(statuses[4:]) == {429}
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "Tạm dừng đăng nhập" in html
        assert "Đăng nhập sai 5 lần" in html and "trong 15 phút" in html
        assert '<html lang="vi">' in html and "hotro.css" in html
        assert "_auth_user_id" not in client.session

        traveller.shift(dt.timedelta(minutes=14))
        assert sign_in(client, page, "lan", PASSWORD).status_code == 429

        traveller.shift(dt.timedelta(minutes=2))
        welcome = sign_in(client, page, "lan", PASSWORD)

        assert welcome.status_code == 302
        assert client.session["_auth_user_id"] == str(lan.pk)


def test_lockout_is_per_user_whatever_the_address(client, lan):
    for number in range(5):
        sign_in(client, "login", "lan", "wrong", address=f"10.2.0.{number}")

    assert sign_in(client, "login", "lan", PASSWORD, address="10.2.0.99").status_code == 429


def test_lockout_is_per_address_whatever_the_username(client, lan, django_user_model):
    django_user_model.objects.create_user("minh", password=PASSWORD)
    for number in range(5):
        sign_in(client, "login", f"guess{number}", "wrong", address="10.3.0.1")

    assert sign_in(client, "login", "minh", PASSWORD, address="10.3.0.1").status_code == 429
    # the same user from another address is not concerned
    assert sign_in(client, "login", "minh", PASSWORD, address="10.3.0.2").status_code == 302


def test_a_success_resets_the_count(client, lan):
    for _ in range(4):
        sign_in(client, "login", "lan", "wrong")
    assert sign_in(client, "login", "lan", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        assert sign_in(client, "login", "lan", "wrong").status_code == 200
    assert sign_in(client, "login", "lan", PASSWORD).status_code == 302


def test_an_administrator_can_lift_the_lock(client, lan):
    from axes.utils import reset

    for _ in range(5):
        sign_in(client, "login", "lan", "wrong")
    assert sign_in(client, "login", "lan", PASSWORD).status_code == 429

    reset(username="lan")
    reset(ip="10.1.1.1")

    assert sign_in(client, "login", "lan", PASSWORD).status_code == 302


def test_the_test_clients_login_still_works(lan, client):
    # authenticate() without a request (shell, test client) is no attempt from an address
    assert client.login(username="lan", password=PASSWORD)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.5"),
        (1, "1.2.3.4", "1.2.3.4"),
        # a client's own X-Forwarded-For entries are left of the proxy's
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (1, None, "10.0.0.5"),
        (1, "garbage", "10.0.0.5"),
    ],
)
def test_client_address_behind_the_proxy(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.5"}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_ip(rf.get("/", **meta)) == expected


@pytest.fixture
def reset_counters():
    """The reset counters live in the cache (Redis in CI): start and end without them."""
    keys = [
        "password-reset:ip:10.4.0.1",
        "password-reset:ip:10.4.0.2",
        "password-reset:email:lan@example.org",
        "password-reset:email:nobody@example.org",
    ]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def test_password_reset_is_throttled_per_address_and_per_email(
    client, lan, mailoutbox, reset_counters
):
    url = reverse("password_reset")
    for _ in range(5):
        response = client.post(url, {"email": "lan@example.org"}, REMOTE_ADDR="10.4.0.1")
        assert response.status_code == 302
    assert len(mailoutbox) == 5

    refused = client.post(url, {"email": "lan@example.org"}, REMOTE_ADDR="10.4.0.2")
    assert refused.status_code == 429
    assert "Quá nhiều yêu cầu đặt lại mật khẩu" in refused.content.decode()
    assert "sau 60 phút" in refused.content.decode()
    assert len(mailoutbox) == 5

    # the first address is used up too, whatever address it asks for
    other = client.post(url, {"email": "nobody@example.org"}, REMOTE_ADDR="10.4.0.1")
    assert other.status_code == 429


@override_settings(DEMO_ALLOWED=False)
@pytest.mark.parametrize("password", [DEMO_PASSWORD, DEMO_PASSWORD.upper(), f" {DEMO_PASSWORD} "])
def test_the_demo_password_is_refused_outside_the_demo(password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)

    assert [error.code for error in refused.value.error_list] == ["password_is_demo"]


def test_the_demo_password_is_allowed_where_demo_accounts_are(settings):
    assert settings.DEMO_ALLOWED
    validate_password(DEMO_PASSWORD)


@override_settings(DEMO_ALLOWED=False)
def test_setting_the_demo_password_in_the_admin_is_refused(client, lan):
    lan.is_superuser = True
    lan.save()
    client.force_login(lan)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[lan.pk]),
        {"password1": DEMO_PASSWORD, "password2": DEMO_PASSWORD},
    )

    assert response.status_code == 200
    assert "tài khoản dùng thử" in response.content.decode()
    lan.refresh_from_db()
    assert not lan.check_password(DEMO_PASSWORD)


def test_production_validates_passwords_against_the_demo_one():
    from config.settings import base

    names = [validator["NAME"] for validator in base.AUTH_PASSWORD_VALIDATORS]
    assert "config.security.NotDemoPasswordValidator" in names
    assert base.DEMO_ALLOWED is False


@pytest.mark.parametrize("url", ["/accounts/login/", "/health/", "/static/css/hotro.css", "/nope/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_signed_in_pages_carry_the_security_headers(client, lan):
    client.force_login(lan)

    for url in [reverse("home"), reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code == 200
        assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_request_size_limits_are_set(settings):
    assert settings.REQUEST_MAX_BYTES == 25 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 20


def test_a_body_above_the_cap_is_refused_with_413_before_it_is_read(client):
    response = client.post(
        reverse("login"),
        {"username": "lan", "password": "x"},
        CONTENT_LENGTH=str(25 * 1024 * 1024 + 1),
    )

    assert response.status_code == 413
    assert "25 MB" in response.content.decode()
    assert "Content-Security-Policy" in response


@override_settings(REQUEST_MAX_BYTES=64 * 1024)
def test_files_count_towards_the_cap(client, lan):
    small = SimpleUploadedFile("a.pdf", b"%PDF" + b"x" * 1000)
    big = SimpleUploadedFile("b.pdf", b"%PDF" + b"x" * 70 * 1024)

    assert client.post(reverse("login"), {"username": "lan", "f": small}).status_code == 200
    assert client.post(reverse("login"), {"username": "lan", "f": big}).status_code == 413


def test_a_garbled_content_length_is_refused(client):
    response = client.post(reverse("login"), {"username": "lan"}, CONTENT_LENGTH="12abc")

    assert response.status_code == 400
