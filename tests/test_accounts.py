"""Sign in, home page with the user's current memberships, sign out by POST, in Vietnamese."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.base import Message
from django.template.loader import render_to_string
from django.urls import reverse

from agencies.models import Unit
from agencies.services import grant_membership

VN = dt.timezone(dt.timedelta(hours=7))
IN_PLAN = dt.datetime(2024, 5, 1, 9, tzinfo=VN)
AFTER_DISTRICTS = dt.datetime(2025, 7, 1, 9, tzinfo=VN)


@pytest.fixture
def bac_ai_officer(make_member):
    user = make_member("d-bac-ai", "officer", username="bac-ai.officer")
    user.first_name, user.last_name = "Lê Văn", "Tám"
    user.save()
    return user


def test_login_page_is_vietnamese(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html and "Mật khẩu" in html
    assert 'action="/i18n/setlang/"' in html


@pytest.mark.django_db
def test_wrong_password_is_explained_in_vietnamese(client, django_user_model):
    django_user_model.objects.create_user("lan", password="right-password")

    response = client.post(reverse("login"), {"username": "lan", "password": "wrong"})

    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@time_machine.travel(IN_PLAN, tick=False)
def test_login_leads_home_with_current_memberships(client, bac_ai_officer):
    response = client.post(
        reverse("login"), {"username": "bac-ai.officer", "password": "x"}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    district = Unit.objects.get(code="d-bac-ai")
    assert "Lê Văn Tám" in html
    assert html.count(district.name_vi) == 2  # header chip and the memberships table
    assert "Chuyên viên" in html
    assert "01/01/2019" in html and "30/06/2025" in html
    assert 'action="/accounts/logout/"' in html
    assert f'href="{reverse("tasks:inbox")}"' in html


@time_machine.travel(AFTER_DISTRICTS, tick=False)
def test_home_shows_no_role_once_the_district_has_ended(client, bac_ai_officer):
    client.force_login(bac_ai_officer)

    html = client.get(reverse("home")).content.decode()
    current, _, ended = html.partition('class="ended-roles"')

    assert Unit.objects.get(code="d-bac-ai").name_vi not in current  # not among today's roles
    assert "Hôm nay bạn không giữ vai trò nào" in current
    assert Unit.objects.get(code="d-bac-ai").name_vi in ended  # but said to have ended


@time_machine.travel(IN_PLAN, tick=False)
def test_header_lists_every_current_role(client, bac_ai_officer):
    grant_membership(
        user=bac_ai_officer,
        unit=Unit.objects.get(code="dolisa"),
        role="supervisor",
        valid_from=dt.date(2024, 1, 1),
    )
    client.force_login(bac_ai_officer)

    html = client.get(reverse("home")).content.decode()

    assert "Sở Lao động - Thương binh và Xã hội · Giám sát" in html
    assert "Ủy ban nhân dân huyện Bác Ái · Chuyên viên" in html


@pytest.mark.django_db
def test_logout_is_a_post(client, django_user_model):
    user = django_user_model.objects.create_user("lan", password="pw")
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_staff_see_the_administration_link(client, django_user_model):
    user = django_user_model.objects.create_user("lan", password="pw")
    client.force_login(user)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()

    user.is_staff = True
    user.save()
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


def test_messages_are_shown_on_every_page(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    html = render_to_string(
        "base.html", {"messages": [Message(25, "Đã lưu đề nghị AR-1.")]}, request=request
    )

    assert 'message success">Đã lưu đề nghị AR-1.</li>' in html
