"""Declared reporting actions: outside ones audited through the door, pages for who may (V.2)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from viewflow.workflow import STATUS

from workflows.core.models import AuditEvent
from workflows.core.timeline import timeline_for
from workflows.reporting import services
from workflows.reporting.actions import CONSOLIDATION, REPORT
from workflows.reporting.models import ProvincialReport, Report, Status

from .conftest import accepted, draft, duty

pytestmark = pytest.mark.django_db


def actor_of(event: AuditEvent) -> tuple[str, str, str]:
    return (event.unit.code, event.role, event.clause)


def post(client, url: str, action: str, **fields):
    return client.post(url, {f"{action}-{name}": value for name, value in fields.items()})


def test_the_declarations_name_every_step_and_the_outside_actions():
    assert list(REPORT.steps) == ["draft", "sign_off", "annex_review", "review"]
    assert list(CONSOLIDATION.steps) == ["consolidate", "approve", "acknowledge"]
    outside = {a.name: (a.matrix_step, a.reason, a.destructive) for a in REPORT.outside}
    assert outside == {"waive": ("waive", True, True), "reopen": ("review", True, False)}
    assert REPORT.action("return").reason and CONSOLIDATION.action("return").reason
    assert REPORT.matrix_steps() | CONSOLIDATION.matrix_steps() == {
        f"report.{step}"
        for step in (
            *("draft", "sign_off", "annex_review", "review", "waive"),
            *("consolidate", "approve", "acknowledge"),
        )
    }


def test_waive_from_the_report_page_goes_through_the_door(client, cast):
    report = draft(cast, "wu")
    page_url = reverse("reporting:report", args=[report.pk])
    client.force_login(cast["dolisa", "officer"])  # reviews, but does not waive
    assert "action-waive" not in client.get(page_url).content.decode()
    url = reverse("reporting:act", args=[report.pk, "waive"])
    assert client.get(url).status_code == 403
    assert post(client, url, "waive", reason="Sáp nhập", confirm="on").status_code == 403

    client.force_login(cast["dolisa", "leader"])
    assert "action-waive" in client.get(page_url).content.decode()
    assert client.get(url).status_code == 200
    assert post(client, url, "waive", reason="Sáp nhập").status_code == 400  # not confirmed
    assert post(client, url, "waive", reason=" ", confirm="on").status_code == 400  # no reason
    response = post(client, url, "waive", reason="Sáp nhập", confirm="on")
    assert response.status_code == 302

    report.refresh_from_db()
    report.process.refresh_from_db()
    assert report.status == Status.WAIVED
    assert report.process.status == STATUS.CANCELED
    waived = timeline_for(report).get(action="waive")
    assert (waived.from_status, waived.to_status, waived.comment) == (
        Status.DRAFT,
        Status.WAIVED,
        "Sáp nhập",
    )
    assert actor_of(waived) == ("dolisa", "leader", "V.2")
    excused = timeline_for(duty("wu")).get(action="waive")
    assert actor_of(excused) == ("dolisa", "leader", "V.2")
    assert duty("wu").waiver.waived_by == cast["dolisa", "leader"]
    # A waived report offers nothing more, not even to who may waive.
    assert "action-waive" not in client.get(page_url).content.decode()


def test_a_duty_with_no_report_is_waived_on_its_own_page_audited(client, cast):
    obligation = duty("lf")
    services.waive_obligation(
        user=cast["dolisa", "leader"], obligation_id=obligation.pk, reason="Không phát sinh"
    )
    (event,) = timeline_for(obligation)
    assert (event.action, event.comment, event.process_id) == ("waive", "Không phát sinh", None)
    assert actor_of(event) == ("dolisa", "leader", "V.2")
    assert not Report.objects.filter(obligation=obligation).exists()


def test_reopen_is_offered_on_an_accepted_report_and_restarts_its_process(client, cast):
    report = accepted(cast, "wu")
    finished = report.process_id
    page_url = reverse("reporting:report", args=[report.pk])
    url = reverse("reporting:act", args=[report.pk, "reopen"])
    client.force_login(cast["dolisa", "leader"])  # holds no review row of the matrix
    assert "action-reopen" not in client.get(page_url).content.decode()
    assert client.get(url).status_code == 403

    client.force_login(cast["dolisa", "officer"])
    page = client.get(page_url).content.decode()
    assert "action-reopen" in page and "action-waive" not in page
    assert client.get(url).status_code == 200
    assert post(client, url, "reopen", reason="").status_code == 400
    assert post(client, url, "reopen", reason="Sai số liệu").status_code == 302

    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert report.process_id != finished
    reopened = timeline_for(report).get(action="reopen")
    assert reopened.process_id == report.process_id  # audited with the new process
    assert (reopened.from_status, reopened.to_status) == (Status.ACCEPTED, Status.RETURNED)
    assert actor_of(reopened) == ("dolisa", "officer", "V.2")
    # Nothing more to re-open: the report is back with its drafter.
    assert "action-reopen" not in client.get(page_url).content.decode()
    assert post(client, url, "reopen", reason="Lần nữa").status_code == 409


def test_an_action_page_opens_for_who_may_take_it_now(client, cast):
    report = draft(cast, "d-bac-ai")
    submit = reverse("reporting:act", args=[report.pk, "submit"])
    client.force_login(cast["d-bac-ai", "officer"])
    detail = client.get(reverse("reporting:report", args=[report.pk])).content.decode()
    edit = reverse("reporting:edit", args=[report.pk])
    # a page action: a link (a button's look)
    assert f'class="action-link action-edit btn btn-outline-primary" href="{edit}"' in detail
    assert f'action="{submit}"' in detail
    page = client.get(submit)
    assert page.status_code == 200
    assert page.context["action"].name == "submit" and 'name="submit-comment"' in (
        page.content.decode()
    )
    assert client.get(reverse("reporting:act", args=[report.pk, "edit"])).status_code == 404
    assert client.get(reverse("reporting:act", args=[report.pk, "nothing"])).status_code == 404

    client.force_login(cast["d-bac-ai", "leader"])  # sees the report, holds no draft task
    assert client.get(submit).status_code == 403
    assert client.get(edit).status_code == 403
    client.force_login(cast["d-ninh-son", "officer"])  # does not see it at all
    assert client.get(submit).status_code == 404

    client.force_login(cast["d-bac-ai", "officer"])
    assert client.post(submit, {"submit-comment": "Gửi"}).status_code == 302
    sign_off = reverse("reporting:act", args=[report.pk, "sign_off"])
    assert client.get(sign_off).status_code == 403  # the leader's step, not the drafter's
    client.force_login(cast["d-bac-ai", "leader"])
    assert client.get(sign_off).status_code == 200


def test_consolidation_actions_by_the_provincial_reports_id(client, cast):
    provincial = services.open_consolidation(user=cast["dolisa", "officer"], year=2023)
    edit = reverse("reporting:provincial:act", args=[provincial.pk, "edit"])
    client.force_login(cast["dolisa", "leader"])  # oversees, holds no consolidation task
    assert client.get(edit).status_code == 403
    client.force_login(cast["d-bac-ai", "officer"])  # no oversight: no provincial report
    assert client.get(edit).status_code == 404

    client.force_login(cast["dolisa", "officer"])
    page = client.get(reverse("reporting:consolidation", args=[2023])).content.decode()
    assert edit in page  # the narrative form posts to the generic action URL
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"edit-narrative": "Tổng hợp năm 2023"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:provincial:detail", args=[provincial.pk])
    assert client.get(response["Location"])["Location"] == reverse(
        "reporting:consolidation", args=[2023]
    )
    provincial = ProvincialReport.objects.get(pk=provincial.pk)
    assert provincial.narrative == "Tổng hợp năm 2023"
    assert timeline_for(provincial).last().action == "edit"
    # The form shows what was written.
    assert "Tổng hợp năm 2023" in client.get(edit).content.decode()
