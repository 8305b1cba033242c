"""The report process through its pages: forms, 403 for outsiders, 409 for conflicts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import Category, FundingSource, Unit
from workflows.reporting import services
from workflows.reporting.models import ProvincialReport, ProvincialStatus, Report, Status

from .conftest import draft, duty

pytestmark = pytest.mark.django_db


def act(client, record, action, data=None, *, url="reporting:act"):
    """Post an action's form to the generic action URL of a report (or, with its url, of a
    provincial report); the door picks the open task."""
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    return client.post(reverse(url, args=[record.pk, action]), payload)


def formset(prefix: str, rows: list[dict], extra: int) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": len(rows) + extra,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_report_journey_over_http(client, cast):
    obligation = duty("d-bac-ai")
    client.force_login(cast["d-bac-ai", "officer"])
    page = client.get(reverse("reporting:obligations")).content.decode()
    assert obligation.get_absolute_url() in page

    form = {
        "narrative": "Năm 2023 huyện đã vận động được các nguồn lực sau.",
        "activities_held": 4,
        **formset(
            "resources",
            [
                {
                    "source": FundingSource.objects.get(code="donor_pledge").pk,
                    "cash_vnd": 12_000_000,
                    "in_kind_vnd": 3_000_000,
                }
            ],
            extra=1,
        ),
        **formset(
            "children",
            [
                {
                    "category": Category.objects.get(code="recreation").pk,
                    "commune": Unit.objects.get(code="c-phuoc-tan").pk,
                    "children": 60,
                }
            ],
            extra=2,
        ),
    }
    response = client.post(reverse("reporting:create", args=[obligation.pk]), form)
    assert response.status_code == 302, response.content.decode()[-6000:]
    report = Report.objects.get(obligation=obligation)
    assert report.resources.get().cash_vnd == 12_000_000
    assert report.children.get().children == 60
    assert client.get(reverse("reporting:edit", args=[report.pk])).status_code == 200

    assert act(client, report, "submit").status_code == 302
    assert act(client, report, "submit").status_code == 409  # already done

    client.force_login(cast["d-ninh-son", "leader"])  # another district sees nothing
    assert client.get(report.get_absolute_url()).status_code == 404
    client.force_login(cast["dolisa", "leader"])
    assert act(client, report, "sign_off").status_code == 403

    client.force_login(cast["d-bac-ai", "leader"])
    assert act(client, report, "sign_off").status_code == 302
    # Recreation annex: DCST and the Ethnic Minorities Committee in parallel (IV.4, IV.8).
    for reviewer in ("dcst", "emc"):
        client.force_login(cast[reviewer, "officer"])
        detail = client.get(report.get_absolute_url()).content.decode()
        assert "accept_annex" in detail
        assert act(client, report, "accept_annex").status_code == 302

    client.force_login(cast["dolisa", "officer"])
    refused = act(client, report, "return", {"reason": ""})
    assert refused.status_code == 400
    assert act(client, report, "accept").status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED
    assert "reopen" in client.get(report.get_absolute_url()).content.decode()

    page = client.get(reverse("reporting:consolidation", args=[2023])).content.decode()
    assert "Bác Ái" not in page.split("<h2>")[1]  # accepted: not among the missing
    assert client.post(reverse("reporting:consolidation_open", args=[2023])).status_code == 302
    provincial = ProvincialReport.objects.get()
    response = act(client, provincial, "submit", {"comment": ""}, url="reporting:provincial:act")
    assert response.status_code == 409  # other units are neither accepted nor waived
    assert "V.1" in response.content.decode()

    client.force_login(cast["ppc", "leader"])
    page = client.get(reverse("reporting:consolidation", args=[2023]))
    assert page.status_code == 200
    assert page.context["provincial"].status == ProvincialStatus.CONSOLIDATING
    assert page.context["figures"]["cash_vnd"] == 12_000_000


def test_waive_page_only_for_dolisa_leaders(client, cast):
    obligation = duty("lf")
    client.force_login(cast["dolisa", "officer"])
    assert "action-waive" not in client.get(obligation.get_absolute_url()).content.decode()
    url = reverse("reporting:waive", args=[obligation.pk])
    assert client.post(url, {"waive-reason": "x", "waive-confirm": "on"}).status_code == 403

    client.force_login(cast["dolisa", "leader"])
    assert "action-waive" in client.get(obligation.get_absolute_url()).content.decode()
    assert client.post(url, {"waive-reason": ""}).status_code == 400
    assert client.post(url, {"waive-reason": "Không phát sinh"}).status_code == 400  # unconfirmed
    confirmed = {"waive-reason": "Không phát sinh", "waive-confirm": "on"}
    assert client.post(url, confirmed).status_code == 302
    assert duty("lf").waiver.reason == "Không phát sinh"
    page = client.get(obligation.get_absolute_url())
    assert page.status_code == 200
    assert "Không phát sinh" in page.content.decode()  # the waiver is on the timeline


def test_pages_for_supervisors_only(client, cast):
    client.force_login(cast["d-bac-ai", "officer"])
    assert client.get(reverse("reporting:dashboard")).status_code == 403
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).status_code == 403
    client.force_login(cast["d-bac-ai", "supervisor"])
    assert client.get(reverse("reporting:dashboard")).status_code == 200
    client.force_login(cast["ppc", "leader"])
    assert client.get(reverse("reporting:unit", args=["d-bac-ai"])).status_code == 200


def test_shared_inbox_lists_report_tasks_without_a_query_per_row(
    client, cast, django_assert_max_num_queries
):
    for unit in ("d-bac-ai", "d-ninh-son", "wu"):
        report = draft(cast, unit)
        services.submit(user=cast[unit, "officer"], report_id=report.pk)
        services.sign_off(user=cast[unit, "leader"], report_id=report.pk)
    client.force_login(cast["dolisa", "officer"])
    with django_assert_max_num_queries(13):  # the page's, the menu's and the bell's
        page = client.get(reverse("tasks:inbox")).content.decode()
    assert page.count("/reports/") >= 3 and "Ủy ban nhân dân huyện Ninh Sơn" in page


def test_the_edit_form_shows_why_the_report_was_returned(client, cast):
    report = draft(cast, "d-bac-ai")
    edit = reverse("reporting:edit", args=[report.pk])
    client.force_login(cast["d-bac-ai", "officer"])
    assert "return-reason" not in client.get(edit).content.decode()  # a draft never returned
    services.submit(user=cast["d-bac-ai", "officer"], report_id=report.pk)
    services.sign_off(user=cast["d-bac-ai", "leader"], report_id=report.pk)
    reason = "Thiếu số liệu trẻ em xã Phước Thành"
    services.return_for_revision(user=cast["dolisa", "officer"], report_id=report.pk, reason=reason)
    page = client.get(edit).content.decode()
    assert 'class="alert alert-warning return-reason"' in page
    assert "Trả lại để chỉnh sửa" in page and reason in page
