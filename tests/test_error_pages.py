"""The site's own error pages, with DEBUG off: 400, 403, 404, 405 (a GET on a POST-only
action) and 500 in Vietnamese, or English when chosen, inside the site's frame, each saying
where to go next; the door's refusals in the same frame; viewflow's own screens never shown."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import escape
from viewflow.workflow.flow.views import DetailProcessView
from viewflow.workflow.models import Task

import config.urls
from tests.workflows.aid_requests import conftest as aid_requests
from workflows.aid_requests.flows import AidRequestFlow

# The aid request cast on its work day, as fixtures of this module.
cast = aid_requests.cast
new_request = aid_requests.new_request
work_day = aid_requests.work_day

FRAME = '<header class="site-header">'
VIEWFLOW_SCREEN = "vf-page-lockscreen"
# Each page's heading, as the Vietnamese reader sees it.
VIETNAMESE = {
    "Bad request": "Yêu cầu không hợp lệ",
    "Access refused": "Không được phép truy cập",
    "Action refused": "Thao tác bị từ chối",
    "Page not found": "Không tìm thấy trang",
    "Not an address to open": "Địa chỉ này không dùng để mở trực tiếp",
    "Server error": "Lỗi máy chủ",
    "The form was not accepted": "Biểu mẫu không được chấp nhận",
}


def fails(request):
    """A page whose code raises, as a bug would."""
    raise RuntimeError("a bug")


# The product's URLs, a failing page, and a viewflow view that refuses who may not view
# processes (viewflow's process page, which the product does not mount).
urlpatterns = [
    *config.urls.urlpatterns,
    path("fails/", fails),
    path(
        "viewflow/process/<int:process_pk>/",
        DetailProcessView.as_view(flow_class=AidRequestFlow),
    ),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


@pytest.fixture(params=["vi", "en"])
def language(request, client):
    """Vietnamese by default; English through the language switch's cookie."""
    if request.param == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return request.param


def text(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def assert_our_page(response, status: int, language: str, title: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert FRAME in html
    assert f"<h1>{title if language == 'en' else VIETNAMESE[title]}</h1>" in html
    assert VIEWFLOW_SCREEN not in html
    return html


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html", "500.html"])
def test_the_error_templates_are_ours_not_viewflows(name):
    assert get_template(name).origin.name == str(settings.BASE_DIR / "templates" / name)


def test_a_record_not_found_says_where_to_go(client, cast, language):
    client.force_login(cast.drafter)

    html = assert_our_page(client.get("/requests/999999/"), 404, language, "Page not found")
    assert f'href="{reverse("tasks:inbox")}"' in html
    assert f'href="{reverse("home")}"' in html


def test_an_unknown_address_signed_out(client, language):
    html = assert_our_page(client.get("/no-such-page/"), 404, language, "Page not found")

    assert f'href="{reverse("tasks:inbox")}"' not in html
    assert f'href="{reverse("home")}"' in html


def test_a_page_of_other_units_is_refused_with_sign_in_as_another_user(client, cast, language):
    client.force_login(cast.drafter)  # a district officer: the consolidation is DOLISA's

    url = reverse("reporting:consolidation", args=[2023])
    html = assert_our_page(client.get(url), 403, language, "Access refused")

    assert text(language, "Sign in as another user") in html
    assert f'href="{reverse("login")}?next={url}"' in html
    assert f'href="{reverse("tasks:inbox")}"' in html


def test_the_admin_refuses_a_staff_member_without_the_permission_in_our_frame(
    client, cast, language
):
    officer = cast.drafter
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)

    response = client.get(reverse("admin:viewflow_task_changelist"))

    assert_our_page(response, 403, language, "Access refused")


def test_a_viewflow_view_that_refuses_shows_our_403(client, cast, new_request, language):
    aid = new_request()
    client.force_login(cast.district_officer)

    response = client.get(f"/viewflow/process/{aid.process_id}/")

    assert_our_page(response, 403, language, "Access refused")


def test_the_doors_refusal_is_in_the_frame_with_its_message(client, cast, new_request, language):
    aid = new_request()
    task = Task.objects.get(process_id=aid.process_id, flow_task_type="HUMAN")
    client.force_login(cast.district_officer)  # an officer, not a supervisor of the unit

    response = client.get(reverse("tasks:reassign", args=[task.pk]))

    html = assert_our_page(response, 403, language, "Action refused")
    message = text(language, "Only a supervisor of the task's unit may reassign it.")
    assert escape(message) in html


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("get", reverse("reporting:consolidation_open", args=[2023]), "POST"),
        ("post", reverse("health"), "GET"),
    ],
)
def test_a_method_the_address_does_not_take_gets_our_405(
    client, cast, language, method, url, allow
):
    client.force_login(cast.drafter)

    response = getattr(client, method)(url)

    html = assert_our_page(response, 405, language, "Not an address to open")
    assert response["Allow"] == allow
    assert f'href="{reverse("tasks:inbox")}"' in html


def test_a_bad_request_gets_our_400(client, language):
    response = client.get(reverse("login"), HTTP_HOST="not-our-site.example")

    assert_our_page(response, 400, language, "Bad request")


def test_a_server_error_gets_our_500_without_the_request(client, cast, language):
    client.raise_request_exception = False
    client.force_login(cast.drafter)

    html = assert_our_page(client.get("/fails/"), 500, language, "Server error")

    assert 'href="/static/css/hotro.css"' in html
    assert f'href="{reverse("home")}"' in html
    # rendered without the request: nothing about the user who met the error
    assert cast.drafter.get_username() not in html


CSRF_EXPLANATION = (
    "For your safety, the server refused this form: it was open too long, was opened before you"
    " signed in or out, or came from another site. Nothing was changed. Go back, reload the page"
    " and send it again; your browser must accept this site's cookies."
)


@pytest.fixture
def csrf_client(language):
    """A browser whose forms are checked for their CSRF token, as in production."""
    client = Client(enforce_csrf_checks=True)
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_form_without_its_csrf_token_gets_our_403_signed_out(csrf_client, language):
    response = csrf_client.post(reverse("login"), {"username": "x", "password": "y"})

    html = assert_our_page(response, 403, language, "The form was not accepted")
    assert text(language, CSRF_EXPLANATION) in html
    assert f'href="{reverse("home")}"' in html
    assert f'href="{reverse("tasks:inbox")}"' not in html
    assert "CSRF" not in html  # Django's technical reason is for the log, not the reader
    assert 'style="' not in html and "<script>" not in html


def test_a_stale_form_of_a_signed_in_officer_gets_our_403_with_a_way_back(
    csrf_client, cast, new_request, language
):
    aid = new_request()
    csrf_client.force_login(cast.drafter)
    page = f"http://testserver{aid.get_absolute_url()}"

    response = csrf_client.post(
        reverse("aid_requests:act", args=[aid.pk, "withdraw"]),
        {"withdraw-confirm": "on"},
        HTTP_REFERER=page,
    )

    html = assert_our_page(response, 403, language, "The form was not accepted")
    assert f'href="{page}"' in html
    assert f'href="{reverse("tasks:inbox")}"' in html
    aid.refresh_from_db()
    assert aid.status == "draft"  # nothing was done


def test_a_foreign_referer_is_not_offered_as_the_way_back(csrf_client, language):
    response = csrf_client.post(
        reverse("login"), {"username": "x"}, HTTP_REFERER="https://evil.example/form"
    )

    html = assert_our_page(response, 403, language, "The form was not accepted")
    assert "evil.example" not in html
