"""Acceptance: with Redis gone (the cache and the Celery broker on a closed port, Celery not
eager) every declared action of the three processes succeeds through its page, every page
serves, /health/ says what is down, and the notices recorded meanwhile are sent exactly once by
the next sending run (docs/architecture.md, Background work)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

import agencies.selectors
from agencies.models import Category, FundingSource, Unit
from config.cache import ForgivingRedisCache
from tests.workflows.reporting import conftest as reporting_fixtures
from tests.workflows.reporting.conftest import VN, duty
from workflows.aid_requests.actions import AID_REQUEST
from workflows.aid_requests.models import AidRequest
from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import Commendation
from workflows.core.models import AuditEvent, Notification
from workflows.core.notifications import send_pending
from workflows.reporting import reminders, services
from workflows.reporting.actions import CONSOLIDATION, REPORT
from workflows.reporting.models import ProvincialReport, Report

# The reporting cast (officer, supervisor and leader of the units acting in all three
# processes) and its work day, as fixtures of this module.
cast = reporting_fixtures.cast
work_day = reporting_fixtures.work_day

GONE = "redis://127.0.0.1:1/0"  # nothing listens on port 1
SHORT = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def fresh_connections() -> None:
    """Celery's app keeps its broker's connection and producer pools: forget them, so that the
    next publish takes kombu's pools for the broker URL now configured."""
    current_app._pool = None
    current_app.amqp._producer_pool = None


@pytest.fixture
def redis_gone():
    """The cache and the broker of production settings, both unreachable; Celery publishes
    for real (not eager), with short timeouts. Everything is put back afterwards."""
    saved = {
        key: current_app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_connection_timeout")
    }
    caches = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": GONE,
            "OPTIONS": SHORT,
        }
    }
    # The matrix memo is keyed by a version kept in the cache, which now always reads 0: start
    # it afresh, so that no earlier test's rows are taken for this database's.
    agencies.selectors._matrix_memo.update(version=None, rows={})
    with override_settings(CACHES=caches, CELERY_BROKER_URL=GONE, CELERY_TASK_ALWAYS_EAGER=False):
        current_app.conf.update(
            broker_url=GONE, task_always_eager=False, broker_connection_timeout=0.5
        )
        fresh_connections()
        try:
            yield
        finally:
            current_app.conf.update(saved)
            fresh_connections()
    agencies.selectors._matrix_memo.update(version=None, rows={})


class Browser:
    """One signed-in person at a time, posting declared actions through their pages."""

    def __init__(self, cast):
        self.cast = cast
        self.client = Client()

    def as_(self, unit: str, role: str) -> Browser:
        self.client.force_login(self.cast[unit, role])
        return self

    def get(self, url: str):
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def post(self, url: str, data: dict | None = None):
        response = self.client.post(url, data or {})
        assert response.status_code == 302, (
            url,
            response.status_code,
            response.context and response.context.get("message"),
        )
        return response

    def act(self, record, action: str, data: dict | None = None):
        """The declared action's own page (`<record>/act/<action>/`), its form prefixed."""
        payload = {f"{action}-{key}": value for key, value in (data or {}).items()}
        return self.post(reverse(ACT_URLS[type(record)], args=[record.pk, action]), payload)


ACT_URLS = {
    AidRequest: "aid_requests:act",
    Commendation: "commendations:act",
    Report: "reporting:act",
    ProvincialReport: "reporting:provincial:act",
}


REASON = {"reason": "Cần bổ sung số liệu."}
CONFIRMED = {"reason": "Trùng lặp.", "confirm": "on"}


def aid_form(*, category: str = "nutrition") -> dict:
    return {
        "district": Unit.objects.get(code="d-bac-ai").pk,
        "commune": Unit.objects.get(code="c-phuoc-dai").pk,
        "category": Category.objects.get(code=category).pk,
        "year": 2023,
        "children_preschool": 120,
        "children_primary": 0,
        "children_other": 0,
        "justification": "Trẻ suy dinh dưỡng thể thấp còi tại các điểm trường.",
        "ethnic_breakdown": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-item": "Sữa cho trẻ mầm non",
        "lines-0-quantity": 120,
        "lines-0-unit_cost": 250_000,
    }


def new_aid_request(browser: Browser) -> AidRequest:
    browser.as_("d-bac-ai", "officer").post(reverse("aid_requests:create"), aid_form())
    return AidRequest.objects.latest("pk")


def aid_requests(browser: Browser) -> list:
    """A request all the way (nutrition: DOET and DOH review), one returned and withdrawn, one
    rejected."""
    aid = new_aid_request(browser)
    browser.post(
        reverse("aid_requests:edit", args=[aid.pk]),
        {**aid_form(), "lines-INITIAL_FORMS": 1, "lines-0-quantity": 110},
    )
    browser.act(aid, "submit")
    browser.as_("d-bac-ai", "leader")
    browser.act(aid, "sign_off")
    for reviewer in ("doet", "doh"):
        browser.as_(reviewer, "officer")
        browser.act(aid, "accept_review")
    browser.as_("dolisa", "officer")
    pledge = FundingSource.objects.get(code="donor_pledge")
    browser.act(aid, "consolidate", {"funding_source": pledge.pk})
    browser.as_("dolisa", "leader")
    browser.act(aid, "approve")
    browser.as_("d-bac-ai", "officer")
    delivery = {"delivered_on": "20/11/2023", "children_reached": 118, "note": "Đã trao sữa"}
    browser.act(aid, "deliver", delivery)
    browser.as_("dolisa", "officer")
    browser.act(aid, "return_delivery", {"reason": "Thiếu biên bản trao"})
    browser.as_("d-bac-ai", "officer")
    browser.act(aid, "deliver", delivery)
    browser.as_("dolisa", "officer")
    browser.act(aid, "confirm_delivery")

    returned = new_aid_request(browser)
    browser.act(returned, "submit")
    browser.as_("d-bac-ai", "leader")
    browser.act(returned, "return", REASON)
    browser.as_("d-bac-ai", "officer")
    browser.act(returned, "withdraw", {"confirm": "on"})

    rejected = new_aid_request(browser)
    browser.act(rejected, "submit")
    browser.as_("d-bac-ai", "leader")
    browser.act(rejected, "reject", CONFIRMED)
    return [aid, returned, rejected]


def commendation_form() -> dict:
    return {
        "year": 2023,
        "nominee_name": "Công ty TNHH Điện gió Phước Hữu",
        "nominee_kind": "business",
        "contribution": "Tặng 300 suất áo ấm cho trẻ em xã Phước Bình.",
        "value_vnd": 450_000_000,
    }


def new_commendation(browser: Browser) -> Commendation:
    browser.as_("dolisa", "officer").post(reverse("commendations:create"), commendation_form())
    return Commendation.objects.latest("pk")


def commendations(browser: Browser) -> list:
    """One edited, returned, proposed again and approved; one withdrawn; one rejected."""
    approved = new_commendation(browser)
    browser.post(reverse("commendations:edit", args=[approved.pk]), commendation_form())
    browser.act(approved, "propose")
    browser.as_("ppc", "leader")
    browser.act(approved, "return", REASON)
    browser.as_("dolisa", "officer")
    browser.act(approved, "propose")
    browser.as_("ppc", "leader")
    decision = {"decision_number": "1234/QĐ-UBND", "decision_date": "30/11/2023"}
    browser.act(approved, "approve", decision)

    withdrawn = new_commendation(browser)
    browser.act(withdrawn, "withdraw", {"confirm": "on"})
    rejected = new_commendation(browser)
    browser.act(rejected, "propose")
    browser.as_("ppc", "leader")
    browser.act(rejected, "reject", CONFIRMED)
    return [approved, withdrawn, rejected]


def report_form() -> dict:
    return {
        "narrative": "Năm 2023 huyện đã vận động được các nguồn lực sau.",
        "activities_held": 4,
        "resources-TOTAL_FORMS": 1,
        "resources-INITIAL_FORMS": 0,
        "resources-MIN_NUM_FORMS": 0,
        "resources-MAX_NUM_FORMS": 1000,
        "resources-0-source": FundingSource.objects.get(code="donor_pledge").pk,
        "resources-0-cash_vnd": 12_000_000,
        "resources-0-in_kind_vnd": 3_000_000,
        "children-TOTAL_FORMS": 1,
        "children-INITIAL_FORMS": 0,
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 1000,
        "children-0-category": Category.objects.get(code="recreation").pk,
        "children-0-commune": Unit.objects.get(code="c-phuoc-tan").pk,
        "children-0-children": 60,
    }


def reports(browser: Browser, cast) -> list:
    """Bác Ái's report edited, returned, signed off, its annexes (DCST, the Ethnic Minorities
    Committee) and DOLISA accepting it; Ninh Sơn's waived from its page, the other duties
    waived; the provincial report opened, returned, approved, acknowledged, then re-opened
    with Bác Ái's report."""
    browser.as_("d-bac-ai", "officer")
    browser.post(reverse("reporting:create", args=[duty("d-bac-ai").pk]), report_form())
    report = Report.objects.get(obligation=duty("d-bac-ai"))
    # The edit page sends its rows back as initial ones.
    corrected = {
        **report_form(),
        "resources-INITIAL_FORMS": 1,
        "children-INITIAL_FORMS": 1,
        "children-0-children": 61,
    }
    browser.post(reverse("reporting:edit", args=[report.pk]), corrected)
    browser.act(report, "submit")
    browser.as_("d-bac-ai", "leader")
    browser.act(report, "return", REASON)
    browser.as_("d-bac-ai", "officer")
    browser.act(report, "submit")
    browser.as_("d-bac-ai", "leader")
    browser.act(report, "sign_off")
    for reviewer in ("dcst", "emc"):
        browser.as_(reviewer, "officer")
        browser.act(report, "accept_annex")
    browser.as_("dolisa", "officer")
    browser.act(report, "accept")

    browser.as_("d-ninh-son", "officer")
    elsewhere = {**report_form(), "children-TOTAL_FORMS": 0}  # Bác Ái's commune is not its
    browser.post(reverse("reporting:create", args=[duty("d-ninh-son").pk]), elsewhere)
    waived = Report.objects.get(obligation=duty("d-ninh-son"))
    browser.as_("dolisa", "leader")
    browser.act(waived, "waive", CONFIRMED)
    browser.post(
        reverse("reporting:waive", args=[duty("wu").pk]),
        {"waive-reason": "Không phát sinh", "waive-confirm": "on"},
    )
    for obligation in services.consolidation_gaps(year=2023):
        services.waive_obligation(
            user=cast["dolisa", "leader"], obligation_id=obligation.pk, reason="Không phát sinh"
        )

    browser.as_("dolisa", "officer")
    browser.post(reverse("reporting:consolidation_open", args=[2023]))
    provincial = ProvincialReport.objects.get()
    browser.act(provincial, "edit", {"narrative": "Tổng hợp kết quả năm 2023."})
    browser.act(provincial, "submit")
    browser.as_("dolisa", "leader")
    browser.act(provincial, "return", REASON)
    browser.as_("dolisa", "officer")
    browser.act(provincial, "submit")
    browser.as_("dolisa", "leader")
    browser.act(provincial, "approve")
    browser.as_("ppc", "leader")
    browser.act(provincial, "acknowledge")
    browser.as_("dolisa", "officer")
    browser.act(report, "reopen", REASON)
    return [report, waived, provincial]


def audited_actions(model) -> set[str]:
    return set(
        AuditEvent.objects.filter(subject_type=ContentType.objects.get_for_model(model))
        .values_list("action", flat=True)
        .distinct()
    )


@pytest.mark.django_db(transaction=True)
def test_every_action_and_page_works_with_redis_gone_and_notices_go_out_once_after(
    cast, work_day, redis_gone, caplog
):
    assert isinstance(caches["default"], ForgivingRedisCache)
    browser = Browser(cast)
    # The reminders 14 days before the due day 30/12/2023, recorded while the broker is gone.
    work_day.move_to(dt.datetime(2023, 12, 16, 0, 20, tzinfo=VN))
    with caplog.at_level(logging.ERROR, logger="django.db.backends"):
        reminders.scan_obligations()
    recorded = Notification.objects.filter(sent_at__isnull=True).count()
    assert recorded > 0
    assert any("_queue_sending" in record.getMessage() for record in caplog.records)

    work_day.move_to(dt.datetime(2023, 12, 18, 9, 0, tzinfo=VN))
    requests = aid_requests(browser)
    proposals = commendations(browser)
    made = reports(browser, cast)

    for declaration in (AID_REQUEST, COMMENDATION, REPORT, CONSOLIDATION):
        declared = {action.name for action in declaration.actions()}
        assert declared <= audited_actions(declaration.model), declaration.title

    own = [
        reverse("tasks:inbox"),
        reverse("tasks:archive"),
        reverse("reporting:obligations"),
        reverse("reporting:notifications"),
    ]
    oversight = [
        reverse("reporting:dashboard"),
        reverse("reporting:dashboard_csv"),
        reverse("reporting:dashboard_xlsx"),
        reverse("reporting:unit", args=["d-bac-ai"]),
        reverse("reporting:obligation", args=[duty("d-bac-ai").pk]),
        reverse("reporting:consolidation", args=[2023]),
    ]
    records = [record.get_absolute_url() for record in [*requests, *proposals, *made[:2]]]
    pages = {
        ("dolisa", "officer"): [
            *own,
            *oversight,
            reverse("aid_requests:list"),
            reverse("commendations:list"),
            *records,
        ],
        ("dolisa", "supervisor"): oversight,
        ("d-bac-ai", "officer"): [
            *own,
            reverse("aid_requests:list"),
            *(aid.get_absolute_url() for aid in requests),
            made[0].get_absolute_url(),
        ],
    }
    for (unit, role), urls in pages.items():
        browser.as_(unit, role)
        for url in urls:
            browser.get(url)
    health = browser.client.get(reverse("health"))
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "error", "broker": "error"}

    # Nothing was sent while the broker was gone; the next sending run sends each notice once.
    assert mail.outbox == []
    recorded = Notification.objects.count()
    assert Notification.objects.filter(sent_at__isnull=True).count() == recorded
    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert send_pending() == len(recipients)
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(recipients)
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    assert send_pending() == 0 and len(mail.outbox) == len(recipients)
