"""The same process through HTTP: forms, 403 for outsiders, 409 for conflicts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Category, FundingSource, Unit
from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest, Status
from workflows.core.timeline import timeline_for

from .conftest import FULL_JOURNEY

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def act(client, aid, action, data=None):
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(reverse("aid_requests:act", args=[aid.pk, action]), payload)


def test_full_journey_over_http(client, cast):
    login(client, cast.drafter)
    form = {
        "district": Unit.objects.get(code="d-bac-ai").pk,
        "commune": Unit.objects.get(code="c-phuoc-dai").pk,
        "category": Category.objects.get(code="recreation").pk,
        "year": 2023,
        "children_preschool": 0,
        "children_primary": 80,
        "children_other": 0,
        "justification": "Sân chơi cho trẻ",
        "ethnic_breakdown": "Raglai: 70\nChăm: 10",
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-item": "Bộ đồ chơi",
        "lines-0-quantity": 4,
        "lines-0-unit_cost": 5_000_000,
        "lines-1-item": "",
        "lines-1-quantity": "",
        "lines-1-unit_cost": "",
    }
    response = client.post(reverse("aid_requests:create"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    aid = AidRequest.objects.get()
    assert aid.requested_total == 20_000_000
    assert aid.ethnic_breakdown == {"Raglai": 70, "Chăm": 10}

    detail = client.get(reverse("aid_requests:detail", args=[aid.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'class="action action-submit"' in html  # the drafter holds the draft task
    assert "action-sign_off" not in html

    assert act(client, aid, "submit").status_code == 302
    # Conflict: the draft step is already done, a second submit meets 409 and changes nothing.
    again = act(client, aid, "submit")
    assert again.status_code in (403, 409)

    login(client, cast.everyone["d-ninh-son", "leader"])
    assert act(client, aid, "sign_off").status_code == 404  # not even visible to another district
    login(client, cast.dolisa_leader)
    assert act(client, aid, "sign_off").status_code == 403

    login(client, cast.district_leader)
    assert act(client, aid, "sign_off").status_code == 302
    # Recreation is reviewed by DCST and the Ethnic Minorities Committee in parallel.
    for reviewer in (cast.dcst, cast.emc):
        login(client, reviewer)
        assert act(client, aid, "accept_review").status_code == 302

    login(client, cast.dolisa_officer)
    state_budget = FundingSource.objects.get(code="state_budget")
    refused = act(client, aid, "consolidate", {"funding_source": state_budget.pk})
    assert refused.status_code == 409
    assert "III.2" in refused.content.decode()
    pledge = FundingSource.objects.get(code="donor_pledge")
    assert act(client, aid, "consolidate", {"funding_source": pledge.pk}).status_code == 302

    login(client, cast.dolisa_leader)
    assert act(client, aid, "approve").status_code == 302
    login(client, cast.drafter)
    bad = act(
        client, aid, "deliver", {"delivered_on": "01/03/2023", "children_reached": 0, "note": "x"}
    )
    assert bad.status_code == 400
    ok = act(
        client,
        aid,
        "deliver",
        {"delivered_on": "01/03/2023", "children_reached": 78, "note": "Đã trao"},
    )
    assert ok.status_code == 302
    login(client, cast.dolisa_officer)
    inbox = client.get(reverse("tasks:inbox"))
    assert str(aid) in inbox.content.decode()
    assert act(client, aid, "confirm_delivery").status_code == 302
    archive = client.get(reverse("tasks:archive")).content.decode()
    assert f'<a href="{reverse("aid_requests:detail", args=[aid.pk])}">{aid}</a>' in archive

    aid.refresh_from_db()
    assert aid.status == Status.CLOSED
    page = client.get(reverse("aid_requests:detail", args=[aid.pk])).content.decode()
    for event in timeline_for(aid):
        assert f'data-action="{event.action}"' in page
    assert [e.action for e in timeline_for(aid)] == FULL_JOURNEY


def test_invalid_form_shows_errors_and_saves_nothing(client, cast):
    login(client, cast.drafter)
    response = client.post(
        reverse("aid_requests:create"),
        {
            "district": Unit.objects.get(code="d-bac-ai").pk,
            "commune": Unit.objects.get(code="c-phuoc-dai").pk,
            "category": Category.objects.get(code="health").pk,
            "year": 2023,
            "children_preschool": 0,
            "children_primary": 0,
            "children_other": 0,
            "justification": "x",
            "lines-TOTAL_FORMS": 1,
            "lines-INITIAL_FORMS": 0,
            "lines-MIN_NUM_FORMS": 1,
            "lines-MAX_NUM_FORMS": 1000,
            "lines-0-item": "Thuốc",
            "lines-0-quantity": 2,
            "lines-0-unit_cost": -5,
        },
    )
    assert response.status_code == 400
    assert not AidRequest.objects.exists()


def test_an_action_page_opens_for_the_holder_of_the_step_only(client, cast, new_request):
    aid = new_request()
    url = reverse("aid_requests:act", args=[aid.pk, "submit"])
    page = login(client, cast.drafter).get(url)
    assert page.status_code == 200
    assert 'name="submit-comment"' in page.content.decode()
    assert login(client, cast.district_leader).get(url).status_code == 403
    assert (
        login(client, cast.drafter)
        .get(reverse("aid_requests:act", args=[aid.pk, "no-such-action"]))
        .status_code
        == 404
    )


def test_a_destructive_action_needs_confirmation(client, cast, new_request):
    aid = new_request()
    login(client, cast.drafter)
    refused = act(client, aid, "withdraw", {"comment": "Trùng"})
    assert refused.status_code == 400
    aid.refresh_from_db()
    assert aid.status == Status.DRAFT
    assert act(client, aid, "withdraw", {"comment": "Trùng", "confirm": "on"}).status_code == 302
    aid.refresh_from_db()
    assert aid.status == Status.WITHDRAWN


def test_a_return_without_a_reason_changes_nothing(client, cast, new_request):
    aid = new_request()
    services.submit(user=cast.drafter, request_id=aid.pk)
    login(client, cast.district_leader)
    assert act(client, aid, "return", {"reason": "  "}).status_code == 400
    aid.refresh_from_db()
    assert aid.status == Status.SUBMITTED
