"""Deadlines with the clock moved: "before 30/12" ends with 29/12 in Vietnam time, reminders on
the plan's days to the unit's officers, escalation on the due day and every 7 days after to
the supervisors, nothing after submission, each notice sent once."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.core import mail
from django.core.management import call_command

from agencies.models import ObligationDefinition, Plan, Unit
from agencies.selectors import successors_of
from workflows.core.models import Notification
from workflows.core.notifications import notification_key
from workflows.core.tasks import fire_timers, send_notifications
from workflows.reporting import reminders, services
from workflows.reporting.models import Obligation, ObligationState
from workflows.reporting.reminders import OVERDUE, REMINDER, REVIEW_WAITING

from .conftest import VN, draft, duty, to_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_in_new_york():
    """The server's clock zone is not Vietnam's: deadlines must not move with it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def days(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += dt.timedelta(days=1)


def scan_daily(work_day, start: dt.date, end: dt.date, *, hour: int = 8) -> None:
    for day in days(start, end):
        work_day.move_to(dt.datetime.combine(day, dt.time(hour), tzinfo=VN))
        reminders.scan_obligations()


def notices(obligation, kind: str) -> list[tuple[dt.date, str]]:
    rows = Notification.objects.filter(subject_id=obligation.pk, kind=kind).select_related(
        "recipient"
    )
    return sorted((n.day, n.recipient.username) for n in rows)


@pytest.mark.parametrize(
    ("signed", "state"),
    [
        (dt.datetime(2023, 12, 29, 23, 59, 59, tzinfo=VN), ObligationState.ON_TIME),
        (dt.datetime(2023, 12, 30, 0, 0, 0, tzinfo=VN), ObligationState.LATE),
    ],
)
def test_before_30_12_ends_with_29_12_in_vietnam(cast, work_day, server_in_new_york, signed, state):
    report = draft(cast, "d-bac-ai")
    work_day.move_to(signed)
    to_review(cast, report)
    obligation = duty("d-bac-ai")
    assert obligation.due_at == dt.datetime(2023, 12, 30, tzinfo=VN)
    assert obligation.submitted_at == signed
    assert obligation.state(at=signed) == state


def test_reminders_on_the_plan_days_to_the_units_officers(cast, make_member, work_day):
    second_officer = make_member("d-bac-ai", "officer", username="d-bac-ai.officer2")
    scan_daily(work_day, dt.date(2023, 12, 10), dt.date(2023, 12, 29))
    scan_daily(work_day, dt.date(2023, 12, 16), dt.date(2023, 12, 16), hour=20)  # run twice
    officers = sorted(["d-bac-ai.officer", second_officer.username])
    assert notices(duty("d-bac-ai"), REMINDER) == [
        (day, officer)
        for day in (dt.date(2023, 12, 16), dt.date(2023, 12, 23), dt.date(2023, 12, 29))
        for officer in officers
    ]
    assert notices(duty("d-ninh-son"), REMINDER) == [
        (day, "d-ninh-son.officer")
        for day in (dt.date(2023, 12, 16), dt.date(2023, 12, 23), dt.date(2023, 12, 29))
    ]


def test_overdue_on_the_due_day_then_every_7_days_until_submitted(cast, work_day):
    report = draft(cast, "d-ninh-son")
    # Just before midnight in Vietnam (already 30/12 nowhere else that matters): not overdue.
    work_day.move_to(dt.datetime(2023, 12, 29, 23, 50, tzinfo=VN))
    reminders.scan_obligations()
    assert notices(duty("d-ninh-son"), OVERDUE) == []
    scan_daily(work_day, dt.date(2023, 12, 30), dt.date(2024, 1, 15), hour=0)
    supervisors = ["d-ninh-son.supervisor", "dolisa.supervisor"]
    expected = [
        (day, who)
        for day in (dt.date(2023, 12, 30), dt.date(2024, 1, 6), dt.date(2024, 1, 13))
        for who in supervisors
    ]
    assert notices(duty("d-ninh-son"), OVERDUE) == expected

    work_day.move_to(dt.datetime(2024, 1, 16, 9, 0, tzinfo=VN))
    to_review(cast, report)
    scan_daily(work_day, dt.date(2024, 1, 17), dt.date(2024, 2, 1))
    assert notices(duty("d-ninh-son"), OVERDUE) == expected  # nothing after submission
    assert duty("d-ninh-son").state(at=dt.datetime(2024, 2, 1, tzinfo=VN)) == ObligationState.LATE


def test_a_missed_day_is_caught_up_once(cast, work_day):
    scan_daily(work_day, dt.date(2024, 1, 2), dt.date(2024, 1, 7))  # runs stopped 30/12–01/01
    assert notices(duty("wu"), OVERDUE) == [
        (day, who)
        for day in (dt.date(2023, 12, 30), dt.date(2024, 1, 6))  # the schedule is kept
        for who in ("dolisa.supervisor", "wu.supervisor")
    ]


def test_each_notice_is_emailed_once_and_a_crash_leaves_it_for_the_retry(
    cast, work_day, django_capture_on_commit_callbacks
):
    work_day.move_to(dt.datetime(2023, 12, 30, 1, 0, tzinfo=VN))
    with django_capture_on_commit_callbacks(execute=False):
        reminders.scan_obligations()  # recorded, then the worker died before sending
    assert mail.outbox == []
    unsent = Notification.objects.filter(sent_at__isnull=True)
    recipients = set(unsent.values_list("recipient__email", flat=True))
    assert "dolisa.supervisor" in {n.recipient.username for n in unsent}

    with django_capture_on_commit_callbacks(execute=True):
        reminders.scan_obligations()  # the retry records nothing new and sends what is left
    assert sorted(m.to[0] for m in mail.outbox) == sorted(recipients)  # one digest each
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.scan_obligations()
    assert send_notifications.apply().get() == 0
    assert len(mail.outbox) == len(recipients)
    digest = next(m for m in mail.outbox if m.to[0] == cast["dolisa", "supervisor"].email)
    assert "Tỉnh Đoàn" in digest.body and "/reports/obligations/" in digest.body


def test_generator_is_idempotent_and_matches_the_plan(cast, work_day):
    work_day.move_to(dt.datetime(2026, 3, 1, 9, 0, tzinfo=VN))
    services.generate_obligations()
    assert services.generate_obligations() == 0
    counts = {}
    for obligation in Obligation.objects.select_related("definition"):
        key = (obligation.definition.code, obligation.year)
        counts[key] = counts.get(key, 0) + 1
    # 7 districts, 7 departments (DOLISA consolidates instead), 4 mass organisations. Units
    # that ended on 30/06/2025 owe no 2025 report of their own: those that took over their work
    # owe it (the districts' to the new communes, a department's to Khánh Hòa's).
    report = ObligationDefinition.objects.get(code="yearly_results_report")
    due = dt.date(2025, 12, 30)
    ended = Unit.objects.filter(
        kind__in=report.unit_kinds, valid_to__gte=dt.date(2025, 1, 1), valid_to__lt=due
    ).exclude(pk__in=report.excluded_units.all())
    taken_over = {
        (successor.code, unit.code)
        for unit in ended
        for successor in successors_of(unit, on=due, duty=report.code)
    }
    from_districts = {pair for pair in taken_over if pair[1].startswith("d-")}
    assert len(from_districts) >= 7 and all(code.startswith("c-") for code, _ in from_districts)
    expected = {("district_implementation_plan", 2019): 7}
    expected |= {("district_yearly_plan", year): 7 for year in range(2020, 2026)}
    expected |= {("yearly_results_report", year): 18 for year in range(2019, 2025)}
    expected |= {("yearly_results_report", 2025): 11 + len(taken_over)}
    expected |= {("provincial_yearly_report", year): 1 for year in range(2019, 2026)}
    assert counts == expected
    reports = Obligation.objects.filter(definition__code="yearly_results_report", year=2025)
    assert (
        set(reports.exclude(took_over_from=None).values_list("unit__code", "took_over_from__code"))
        == taken_over
    )
    assert duty("dolisa", 2024, "provincial_yearly_report").due_on == dt.date(2025, 1, 15)
    # DOLISA's child-related duties passed to Sở Y tế (01/03/2025), then Khánh Hòa's (01/07).
    assert duty("kh-doh", 2025, "provincial_yearly_report").due_on == dt.date(2026, 1, 15)


def test_a_unit_that_ceases_keeps_its_old_duties_and_gets_no_new_ones(
    plan, work_day, tmp_path, settings
):
    work_day.move_to(dt.datetime(2020, 2, 1, 9, 0, tzinfo=VN))
    services.generate_obligations()
    assert duty("d-bac-ai", 2021).due_on == dt.date(2021, 12, 30)
    assert not Obligation.objects.filter(year=2022).exists()

    # The plan data now ends Bác Ái's district committee on 30/06/2022.
    source = (settings.BASE_DIR / "agencies" / "plans" / "ninh-thuan-372.yaml").read_text()
    line = "{code: d-bac-ai, kind: district, parent: ppc, valid_from: 2019-01-01, valid_to: "
    assert source.count(line + "2025-06-30") == 1
    changed = tmp_path / "plan.yaml"
    changed.write_text(source.replace(line + "2025-06-30", line + "2022-06-30"))
    work_day.move_to(dt.datetime(2023, 3, 1, 9, 0, tzinfo=VN))
    call_command("loadplan", str(changed), verbosity=0)
    services.generate_obligations()

    bac_ai = Obligation.objects.filter(
        unit__code="d-bac-ai", definition__code="yearly_results_report"
    )
    assert sorted(bac_ai.values_list("year", flat=True)) == [2019, 2020, 2021]
    assert duty("d-ninh-son", 2022).due_on == dt.date(2022, 12, 30)
    assert duty("d-bac-ai", 2022, "district_yearly_plan").due_on == dt.date(2022, 1, 31)


def test_a_review_waiting_too_long_is_brought_to_the_supervisors(
    cast, work_day, django_capture_on_commit_callbacks
):
    report = to_review(cast, draft(cast, "wu"))
    work_day.shift(dt.timedelta(days=9, hours=23))
    assert fire_timers.apply().get() == 0
    work_day.shift(dt.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert fire_timers.apply().get() == 1
    waiting = Notification.objects.filter(kind=REVIEW_WAITING)
    assert [(n.recipient.username, n.subject) for n in waiting] == [("dolisa.supervisor", report)]
    # The steps before also told their assignees (the door's notices): this mail is the one.
    told = [m.to for m in mail.outbox if m.subject == waiting.get().title]
    assert told == [[cast["dolisa", "supervisor"].email]]
    # The review itself still waits for DOLISA; deciding it ends the process as usual.
    services.accept(user=cast["dolisa", "officer"], report_id=report.pk)
    report.process.refresh_from_db()
    assert report.process.status == "DONE"


def test_how_long_a_review_may_wait_is_the_plans_rule(cast, work_day):
    plan = Plan.objects.get()
    plan.rules["review_wait_days"] = 3
    plan.save()
    to_review(cast, draft(cast, "wu"))
    work_day.shift(dt.timedelta(days=2, hours=23))
    assert fire_timers.apply().get() == 0
    work_day.shift(dt.timedelta(hours=2))
    assert fire_timers.apply().get() == 1


def test_notice_texts_name_the_duty_unit_and_days_in_the_plans_language(cast, work_day, settings):
    """Texts are built in SQL from a rendering per duty and due day: each row must still carry
    its own unit's name, the right count of days and a link to its own duty."""
    obligation = duty("d-ninh-son")
    what, unit = obligation.definition, obligation.unit
    work_day.move_to(dt.datetime(2023, 12, 23, 8, 0, tzinfo=VN))
    reminders.scan_obligations()
    reminder = Notification.objects.get(subject_id=obligation.pk, kind=REMINDER)
    assert reminder.title == f"Nhắc hạn: {what.name_vi} 2023 phải nộp trước ngày 30/12/2023"
    assert reminder.body.startswith(f"{unit.name_vi} ")
    assert "7 ngày" in reminder.body
    assert reminder.url == obligation.get_absolute_url()
    assert reminder.key == notification_key(
        subject=obligation,
        kind=REMINDER,
        day=dt.date(2023, 12, 23),
        recipient_id=reminder.recipient_id,
    )

    settings.LANGUAGE_CODE = "en"
    work_day.move_to(dt.datetime(2023, 12, 31, 8, 0, tzinfo=VN))  # one day late, missed 30/12
    reminders.scan_obligations()
    told = Notification.objects.filter(subject_id=obligation.pk, kind=OVERDUE)
    assert {n.day for n in told} == {dt.date(2023, 12, 30)}
    english_unit = unit.name_en or unit.name_vi
    assert {n.title for n in told} == {f"Overdue: {what.name_en} 2023 of {english_unit}"}
    assert {n.body for n in told} == {
        (
            f"{what.name_en} for 2023 of {english_unit} was due before 30/12/2023 and has not been "
            f"submitted: 1 day overdue (clause {what.clause.code})."
        )
    }
    other = Notification.objects.filter(kind=OVERDUE, subject_id=duty("d-bac-ai").pk).first()
    assert other.title.endswith(duty("d-bac-ai").unit.name_en or duty("d-bac-ai").unit.name_vi)
