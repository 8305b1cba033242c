"""P1 measures what a web request does: the steps' notices are recorded in the step and their
sending is published for a worker (bench.sending), then done apart. Committed transactions, so
that the door's after-commit publish happens as in production."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from celery import current_app
from django.core import mail

from bench.counting import StatementCount, counting
from bench.generator import Scale, generate
from bench.lifecycle import BENCH_DAY, Cast, Ticket, bench_clock, drive
from bench.scenarios import throughput
from bench.sending import drain, published
from workflows.core.models import Notification
from workflows.core.notices import ASSIGNED

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(plan) -> Cast:
    generate(plan, Scale(1), categories=("nutrition",))
    mail.outbox.clear()
    with bench_clock():
        yield Cast.load(plan, on=BENCH_DAY.date())


def test_steps_publish_their_sending_and_the_worker_sends_it_after(cast):
    found = throughput.statements_of_lifecycles(cast)

    sending = found["sending"]
    assert sending["messages"] > 0  # one per committed step that recorded notices
    assert sending["emails"] == len(mail.outbox) > 0
    assert sending["statements"] > 0
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
    # Celery is eager again outside: the rest of the run (P3) sends inline.
    assert current_app.conf.task_always_eager is True


def test_no_step_sends_inside_the_measured_call(cast):
    counts: list[StatementCount] = []

    @contextmanager
    def counted(_action):
        with counting() as count:
            yield
        counts.append(count)

    with published():
        drive(cast, Ticket(commune=_commune(cast), category="nutrition"), around=counted)
    sql = [statement for count in counts for statement in count.sql]
    assert any("INSERT" in s and "workflows_core_notification" in s for s in sql)
    assert not any("UPDATE" in s and "workflows_core_notification" in s for s in sql)
    assert mail.outbox == []
    assert drain()["emails"] > 0 and mail.outbox


def test_a_sign_off_reads_both_reviewing_queues_in_one_statement(cast):
    """Nutrition is reviewed in parallel by DOET and DOH: each queue's members are told."""
    assert len(cast.reviewers["nutrition"]) == 2
    sign_offs: list[StatementCount] = []

    @contextmanager
    def counted(action):
        with counting() as count:
            yield
        if action == "sign_off":
            sign_offs.append(count)

    ticket = Ticket(commune=_commune(cast), category="nutrition", outcome="open:review")
    with published():
        drive(cast, ticket, around=counted)
    [count] = sign_offs
    audited = next(i for i, s in enumerate(count.sql) if "workflows_core_auditevent" in s)
    after_audit = count.sql[audited:]
    assert sum("agencies_membership" in s for s in after_audit) == 1
    told = set(
        Notification.objects.filter(kind=ASSIGNED).values_list("recipient__username", flat=True)
    )
    assert {user.username for user in cast.reviewers["nutrition"]} <= told
    drain()


def _commune(cast: Cast):
    return next(iter(cast.districts.values()))[0]


def test_inside_the_block_the_memory_broker_whatever_the_settings_name_then_theirs_again():
    conf = current_app.conf
    assert conf.task_always_eager is True
    url = conf.broker_url
    conf.broker_url = "redis://127.0.0.1:1/0"  # a closed port: publishing there would fail
    try:
        with published():
            assert conf.task_always_eager is False
            assert current_app.connection_for_write().transport_cls == "memory"
            current_app.send_task("bench.nothing")  # reaches the memory broker
        assert drain()["messages"] == 1
        assert conf.task_always_eager is True
        assert conf.broker_url == "redis://127.0.0.1:1/0"
    finally:
        conf.broker_url = url
