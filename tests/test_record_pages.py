"""The record, action and form pages as a phone and a desktop show them (issue #12): a
destructive action (withdraw, reject) behind its own confirmation step, a <details> that works
without script, whose form also needs its required confirmation box; the other actions one
click away; every table scrolling inside its own keyboard-reachable box; Bootstrap's form
markup with the errors beside their fields; no inline style or script (CSP)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from agencies.models import Category, Unit
from tests.workflows.aid_requests import conftest as aid_requests

cast = aid_requests.cast
new_request = aid_requests.new_request
work_day = aid_requests.work_day

pytestmark = pytest.mark.django_db


def page_of(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def confirm_steps(html: str) -> list[str]:
    return re.findall(r'<details class="confirm-step">(.*?)</details>', html, flags=re.S)


def form_of(html: str, action: str) -> str:
    found = re.search(rf'<form [^>]*class="action action-{action}[ "].*?</form>', html, re.S)
    assert found, f"no form of {action}"
    return found.group(0)


def field_tag(html: str, name: str) -> str:
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
    assert found, f"no {name}"
    return found.group(0)


def assert_phone_safe(html: str) -> None:
    main = html.split('<main id="content"', 1)[1]
    tables = main.count("<table")
    boxed = re.findall(r'<div class="table-responsive" tabindex="0">\s*<table', main)
    assert len(boxed) == tables
    assert 'style="' not in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/vendor/bootstrap/bootstrap.bundle.min.js">'
    ]


def test_the_drafters_withdrawal_waits_behind_its_confirmation_step(client, cast, new_request):
    aid = new_request()

    html = page_of(client, cast.drafter, aid.get_absolute_url())

    (step,) = confirm_steps(html)
    assert '<summary class="btn btn-outline-danger">' in step
    withdraw = form_of(step, "withdraw")
    assert "action-destructive" in withdraw and 'class="btn btn-danger"' in withdraw
    box = field_tag(withdraw, "withdraw-confirm")
    assert 'type="checkbox"' in box and "required" in box
    # the next step is not destructive: its button is on the page, not behind a step
    submit = form_of(html, "submit")
    assert submit not in step and 'class="btn btn-primary"' in submit
    assert_phone_safe(html)


def test_the_reviewers_rejection_is_a_step_away_and_the_rest_one_click(client, cast, new_request):
    aid = aid_requests.to_review(cast, new_request())

    html = page_of(client, cast.doet, aid.get_absolute_url())

    (step,) = confirm_steps(html)
    assert "action-reject" in step and "required" in field_tag(step, "reject-confirm")
    for action in ("accept_review", "return"):
        assert form_of(html, action) not in step
    assert '<span class="status status-under_review">' in html
    assert '<dl class="facts">' in html
    assert_phone_safe(html)


def test_a_destructive_actions_own_page_warns_and_asks_for_the_box(client, cast, new_request):
    aid = new_request()

    html = page_of(client, cast.drafter, reverse("aid_requests:act", args=[aid.pk, "withdraw"]))

    assert 'class="alert alert-warning" role="note"' in html
    withdraw = form_of(html, "withdraw")
    assert "required" in field_tag(withdraw, "withdraw-confirm")
    assert 'class="btn btn-danger"' in withdraw
    assert f'class="btn btn-outline-secondary" href="{aid.get_absolute_url()}"' in html
    assert_phone_safe(html)


def test_a_refused_form_shows_its_errors_beside_labelled_fields(client, cast):
    client.force_login(cast.drafter)
    form = {
        "district": Unit.objects.get(code="d-bac-ai").pk,
        "commune": Unit.objects.get(code="c-phuoc-dai").pk,
        "category": Category.objects.get(code="recreation").pk,
        "year": 1990,  # before the plan: refused
        "children_preschool": 0,
        "children_primary": 80,
        "children_other": 0,
        "justification": "Sân chơi cho trẻ",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-item": "Bộ đồ chơi",
        "lines-0-quantity": "",
        "lines-0-unit_cost": 5_000_000,
    }

    response = client.post(reverse("aid_requests:create"), form)

    html = response.content.decode()
    assert response.status_code == 400
    for name in ("year", "lines-0-quantity"):  # each refused field: marked, its error tied to it
        field = field_tag(html, name)
        assert "is-invalid" in field and f'aria-describedby="id_{name}_error"' in field
        error = html.split(f'<div id="id_{name}_error"', 1)[1].split("</div>\n", 1)[0]
        assert 'class="invalid-feedback d-block"' in error
    assert "is-invalid" not in field_tag(html, "lines-0-item")
    for name in ("item", "quantity", "unit_cost"):
        assert f'<label class="form-label" for="id_lines-0-{name}">' in html
    assert_phone_safe(html)
