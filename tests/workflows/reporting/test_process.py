"""The report process end to end through its services: submit, return, resubmit, accept, waive,
consolidate, approve, acknowledge, re-open (issue: reporting obligations)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from workflows.core.errors import Conflict, PermissionDenied, RuleViolation
from workflows.core.timeline import timeline_for
from workflows.reporting import services
from workflows.reporting.models import (
    AnnexReview,
    ObligationState,
    ProvincialStatus,
    Report,
    Status,
)
from workflows.reporting.selectors import consolidation_gaps

from .conftest import WORK_DAY, accepted, draft, duty, figures, to_review

pytestmark = pytest.mark.django_db


def open_steps(record) -> list[tuple[str, str]]:
    tasks = Task.objects.filter(
        process_id=record.process_id,
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
    )
    return sorted((t.flow_task.name, t.data["actor"]["unit"]) for t in tasks)


def waive_the_rest(cast, year: int = 2023) -> None:
    for obligation in consolidation_gaps(year=year):
        services.waive_obligation(
            user=cast["dolisa", "leader"],
            obligation_id=obligation.pk,
            reason="Đơn vị không phát sinh hoạt động trong năm.",
        )


def test_submit_return_resubmit_accept(cast, work_day):
    data = figures(children=(("health", "c-phuoc-dai", 40),))
    report = draft(cast, "d-bac-ai", data)
    assert report.status == Status.DRAFT
    assert open_steps(report) == [("draft", "d-bac-ai")]
    services.submit(user=cast["d-bac-ai", "officer"], report_id=report.pk)
    with pytest.raises(PermissionDenied):  # officers do not sign off
        services.sign_off(user=cast["d-bac-ai", "officer"], report_id=report.pk)

    report = services.sign_off(user=cast["d-bac-ai", "leader"], report_id=report.pk)
    assert report.status == Status.UNDER_REVIEW
    # Health figures: DOH reviews the health annex before DOLISA decides (IV.3).
    assert open_steps(report) == [("annex_review", "doh")]
    obligation = duty("d-bac-ai")
    first_submission = obligation.submitted_at
    assert first_submission == WORK_DAY
    assert obligation.state(at=WORK_DAY) == ObligationState.ON_TIME

    services.accept_annex(user=cast["doh", "officer"], report_id=report.pk, comment="Đạt")
    assert open_steps(report) == [("review", "dolisa")]
    with pytest.raises(ValidationError):
        services.return_for_revision(
            user=cast["dolisa", "officer"], report_id=report.pk, reason=" "
        )
    report = services.return_for_revision(
        user=cast["dolisa", "officer"],
        report_id=report.pk,
        reason="Thiếu số liệu trẻ em xã Phước Thành",
    )
    assert report.status == Status.RETURNED
    draft_task = Task.objects.get(
        process_id=report.process_id, flow_task_type="HUMAN", status=STATUS.ASSIGNED
    )
    assert draft_task.flow_task.name == "draft"
    assert draft_task.owner == cast["d-bac-ai", "officer"]  # back to the drafter's inbox

    work_day.shift(dt.timedelta(days=2))
    services.update_draft(
        user=cast["d-bac-ai", "officer"],
        report_id=report.pk,
        data=figures(children=(("health", "c-phuoc-dai", 40), ("study", "c-phuoc-thanh", 12))),
    )
    report = to_review(cast, report)
    assert report.review_round == 2
    assert open_steps(report) == [("annex_review", "doet"), ("annex_review", "doh")]
    services.accept_annex(user=cast["doh", "officer"], report_id=report.pk)
    services.accept_annex(user=cast["doet", "officer"], report_id=report.pk)
    report = services.accept(user=cast["dolisa", "officer"], report_id=report.pk)
    assert report.status == Status.ACCEPTED
    assert open_steps(report) == []
    report.process.refresh_from_db()
    assert report.process.status == STATUS.DONE
    assert duty("d-bac-ai").submitted_at == first_submission  # received on time, kept

    assert [(r.round, r.unit.code, r.decision) for r in report.annex_reviews.all()] == [
        (1, "doh", AnnexReview.Decision.ACCEPTED),
        (2, "doh", AnnexReview.Decision.ACCEPTED),
        (2, "doet", AnnexReview.Decision.ACCEPTED),
    ]
    assert [e.action for e in timeline_for(report)] == [
        "create",
        "submit",
        "sign_off",
        "accept_annex",
        "return",
        "edit",
        "submit",
        "sign_off",
        "accept_annex",
        "accept_annex",
        "accept",
    ]
    sign_off = timeline_for(report).filter(action="sign_off").first()
    assert (sign_off.unit.code, sign_off.role, sign_off.clause) == ("d-bac-ai", "leader", "IV.12.b")


def test_an_annex_return_cancels_the_other_annex_reviews(cast):
    data = figures(children=(("nutrition", "c-phuoc-dai", 30),))
    report = to_review(cast, draft(cast, "d-bac-ai", data))
    assert open_steps(report) == [("annex_review", "doet"), ("annex_review", "doh")]
    services.return_for_revision(user=cast["doet", "officer"], report_id=report.pk, reason="Sai số")
    report.refresh_from_db()
    assert report.status == Status.RETURNED
    assert open_steps(report) == [("draft", "d-bac-ai")]


def test_only_members_named_by_the_matrix_act(cast):
    report = draft(cast, "d-bac-ai")
    with pytest.raises(PermissionDenied):  # another district's officer
        services.create_report(
            user=cast["d-ninh-son", "officer"],
            obligation_id=duty("d-bac-ai", 2024).pk,
            data=figures(children=()),
        )
    with pytest.raises(Conflict):  # one report per duty
        draft(cast, "d-bac-ai")
    with pytest.raises(PermissionDenied):
        services.waive_obligation(
            user=cast["dolisa", "officer"], obligation_id=duty("wu").pk, reason="x"
        )
    with pytest.raises(ValidationError):  # a district reports its own communes
        services.create_report(
            user=cast["d-ninh-son", "officer"],
            obligation_id=duty("d-ninh-son").pk,
            data=figures(children=(("health", "c-phuoc-dai", 5),)),
        )
    services.submit(user=cast["d-bac-ai", "officer"], report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.sign_off(user=cast["dolisa", "leader"], report_id=report.pk)


def test_consolidate_approve_acknowledge_and_reopen(cast):
    bac_ai = accepted(
        cast,
        "d-bac-ai",
        figures(cash=50_000_000, in_kind=20_000_000, children=(("health", "c-phuoc-dai", 40),)),
        annexes=("doh",),
    )
    accepted(
        cast,
        "d-ninh-son",
        figures(cash=30_000_000, in_kind=0, children=(("health", "c-ma-noi", 25),), activities=2),
        annexes=("doh",),
    )
    accepted(
        cast,
        "wu",
        figures(cash=5_000_000, in_kind=1_000_000, children=(("winter", "c-phuoc-dai", 10),)),
        annexes=("emc",),
    )
    provincial = services.open_consolidation(user=cast["dolisa", "officer"], year=2023)
    assert provincial.status == ProvincialStatus.CONSOLIDATING
    assert open_steps(provincial) == [("consolidate", "dolisa")]
    with pytest.raises(Conflict):  # an opened consolidation is decided, not waived
        services.waive_obligation(
            user=cast["dolisa", "leader"],
            obligation_id=duty("dolisa", code="provincial_yearly_report").pk,
            reason="x",
        )
    services.update_consolidation(
        user=cast["dolisa", "officer"], provincial_id=provincial.pk, narrative="Tổng hợp 2023"
    )
    with pytest.raises(RuleViolation, match=r"V\.1"):  # 15 units neither accepted nor waived
        services.submit_consolidation(user=cast["dolisa", "officer"], provincial_id=provincial.pk)
    with pytest.raises(PermissionDenied):  # only DOLISA's leader waives (V.2)
        services.waive_obligation(
            user=cast["d-bac-ai", "leader"], obligation_id=duty("dof").pk, reason="x"
        )
    with pytest.raises(Conflict):  # accepted reports are not waived
        services.waive_obligation(
            user=cast["dolisa", "leader"], obligation_id=duty("d-bac-ai").pk, reason="x"
        )
    waive_the_rest(cast)
    assert not consolidation_gaps(year=2023).exists()

    provincial = services.submit_consolidation(
        user=cast["dolisa", "officer"], provincial_id=provincial.pk
    )
    figures_now = provincial.figures
    assert figures_now["reports"] == 3
    assert figures_now["cash_vnd"] == 50_000_000 + 30_000_000 + 5_000_000
    assert figures_now["in_kind_vnd"] == 20_000_000 + 0 + 1_000_000
    assert figures_now["children_total"] == 40 + 25 + 10
    assert figures_now["activities_held"] == 3 + 2 + 3
    children = [
        (c["category_code"], c["commune_code"], c["total"]) for c in figures_now["children"]
    ]
    assert children == [
        ("health", "c-ma-noi", 25),
        ("health", "c-phuoc-dai", 40),
        ("winter", "c-phuoc-dai", 10),
    ]
    assert [(r["code"], r["cash_vnd"], r["in_kind_vnd"]) for r in figures_now["resources"]] == [
        ("donor_pledge", 85_000_000, 21_000_000)
    ]

    provincial = services.approve_consolidation(
        user=cast["dolisa", "leader"], provincial_id=provincial.pk
    )
    assert provincial.status == ProvincialStatus.APPROVED
    assert duty("dolisa", code="provincial_yearly_report").submitted_at is not None
    assert open_steps(provincial) == [("acknowledge", "ppc")]
    provincial = services.acknowledge(user=cast["ppc", "leader"], provincial_id=provincial.pk)
    assert provincial.status == ProvincialStatus.ACKNOWLEDGED
    assert open_steps(provincial) == []

    # Re-opening an accepted unit report re-opens the consolidation.
    finished = provincial.process_id
    report = services.reopen(
        user=cast["dolisa", "officer"], report_id=bac_ai.pk, reason="Sai số liệu tiền mặt"
    )
    assert report.status == Status.RETURNED
    assert open_steps(report) == [("draft", "d-bac-ai")]
    provincial.refresh_from_db()
    assert provincial.status == ProvincialStatus.CONSOLIDATING
    assert open_steps(provincial) == [("consolidate", "dolisa")]
    reopened = timeline_for(provincial).last()
    assert (reopened.action, reopened.from_status, reopened.to_status) == (
        "reopen",
        ProvincialStatus.ACKNOWLEDGED,
        ProvincialStatus.CONSOLIDATING,
    )
    assert str(bac_ai) in reopened.comment and "Bác Ái" in reopened.comment
    assert (reopened.unit.code, reopened.role, reopened.clause) == ("dolisa", "officer", "V.2")
    assert reopened.process_id == provincial.process_id != finished  # the old one is kept
    with pytest.raises(RuleViolation, match="Bác Ái"):
        services.submit_consolidation(user=cast["dolisa", "officer"], provincial_id=provincial.pk)

    services.update_draft(
        user=cast["d-bac-ai", "officer"],
        report_id=report.pk,
        data=figures(
            cash=60_000_000, in_kind=20_000_000, children=(("health", "c-phuoc-dai", 40),)
        ),
    )
    to_review(cast, report)
    services.accept_annex(user=cast["doh", "officer"], report_id=report.pk)
    services.accept(user=cast["dolisa", "officer"], report_id=report.pk)
    provincial = services.submit_consolidation(
        user=cast["dolisa", "officer"], provincial_id=provincial.pk
    )
    assert provincial.figures["cash_vnd"] == 60_000_000 + 30_000_000 + 5_000_000


def test_reopening_while_the_leader_decides_cancels_the_approval(cast):
    report = accepted(cast, "d-bac-ai")
    waive_the_rest(cast)
    provincial = services.open_consolidation(user=cast["dolisa", "officer"], year=2023)
    services.update_consolidation(
        user=cast["dolisa", "officer"], provincial_id=provincial.pk, narrative="Tổng hợp"
    )
    services.submit_consolidation(user=cast["dolisa", "officer"], provincial_id=provincial.pk)
    assert open_steps(Report.objects.get(pk=report.pk)) == []
    services.reopen(user=cast["dolisa", "officer"], report_id=report.pk, reason="Kiểm tra lại")
    provincial.refresh_from_db()
    assert provincial.status == ProvincialStatus.CONSOLIDATING
    assert open_steps(provincial) == [("consolidate", "dolisa")]
    with pytest.raises(Conflict):  # the approval step was cancelled with the old process
        services.approve_consolidation(user=cast["dolisa", "leader"], provincial_id=provincial.pk)


def test_waiving_ends_a_draft(cast):
    report = draft(cast, "wu")
    services.waive_obligation(
        user=cast["dolisa", "leader"], obligation_id=duty("wu").pk, reason="Sáp nhập"
    )
    report.refresh_from_db()
    assert report.status == Status.WAIVED
    assert open_steps(report) == []
    assert duty("wu").state(at=WORK_DAY) == ObligationState.WAIVED
    with pytest.raises(Conflict):
        services.waive_obligation(
            user=cast["dolisa", "leader"], obligation_id=duty("wu").pk, reason="x"
        )
