"""The menu offers a link only to who may use it: the reporting dashboard to who oversees
some unit's reporting, "new request" to who may start an aid request, the administration to
staff; and the site's icon at /favicon.ico."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.workflows.aid_requests import conftest as aid_requests
from workflows.reporting.selectors import can_oversee, oversight_scope

# The aid request cast on its work day, as fixtures of this module.
cast = aid_requests.cast
work_day = aid_requests.work_day

pytestmark = pytest.mark.django_db

DASHBOARD = f'href="{reverse("reporting:dashboard")}"'
NEW_REQUEST = f'href="{reverse("aid_requests:create")}"'
ADMIN = f'href="{reverse("admin:index")}"'


def page(client, user, url: str = "/") -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_district_officer_may_draft_but_has_no_dashboard(client, cast):
    html = page(client, cast.drafter)

    assert NEW_REQUEST in html
    assert DASHBOARD not in html
    assert ADMIN not in html


@pytest.mark.parametrize("reviewer", ["dolisa_officer", "doh"])
def test_a_provincial_reviewer_is_offered_no_new_request(client, cast, reviewer):
    user = getattr(cast, reviewer)

    for url in ("/", reverse("aid_requests:list")):
        assert NEW_REQUEST not in page(client, user, url)


def test_the_aid_request_list_offers_a_new_request_to_its_drafter(client, cast):
    assert NEW_REQUEST in page(client, cast.drafter, reverse("aid_requests:list"))


@pytest.mark.parametrize("unit", ["d-bac-ai", "dolisa"])
def test_a_supervisor_sees_the_dashboard(client, cast, unit):
    assert DASHBOARD in page(client, cast.everyone[unit, "supervisor"])


def test_the_administration_link_is_for_staff_only(client, cast):
    staff = cast.district_leader
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])

    assert ADMIN in page(client, staff)
    assert ADMIN not in page(client, cast.district_officer)


def test_someone_without_a_role_sees_neither_link(client, plan):
    nobody = get_user_model().objects.create_user(username="nobody", password="x")

    html = page(client, nobody)

    assert NEW_REQUEST not in html
    assert DASHBOARD not in html


@pytest.fixture
def static_files(settings):
    """Whitenoise serving the static folder as it serves collectstatic's output in production."""
    settings.WHITENOISE_USE_FINDERS = True


@pytest.mark.usefixtures("static_files")
def test_favicon_ico_is_the_sites_icon(client):
    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/static/favicon.ico", 302)]
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # ICO header


@pytest.mark.usefixtures("static_files")
def test_pages_name_the_svg_icon_and_it_is_served(client, cast):
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page(
        client, cast.drafter
    )

    response = client.get("/static/favicon.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")


def test_the_dashboard_check_agrees_with_the_oversight_scope(cast, make_member):
    """can_oversee answers from memberships and the matrix; the scope is the dashboard's."""
    nobody = get_user_model().objects.create_user(username="nobody", password="x")
    outside = make_member("dolisa", "officer", valid_to=dt.date(2020, 12, 31))
    users = [*cast.everyone.values(), nobody, outside]

    answers = {user.get_username(): can_oversee(user) for user in users}

    assert answers == {user.get_username(): oversight_scope(user).exists() for user in users}
    assert answers["d-bac-ai.supervisor"] and answers["dolisa.officer"]
    assert not answers["d-bac-ai.officer"] and not answers[outside.get_username()]
