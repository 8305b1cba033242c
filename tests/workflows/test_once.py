"""A create form's one-time token: a double submit of the aid request, report or commendation
form makes one record and sends the second POST to it, one after the other or at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from agencies.models import Category, FundingSource, Unit
from workflows.aid_requests.models import AidRequest
from workflows.commendations import services as commendations
from workflows.commendations.models import Commendation
from workflows.core.once import FIELD, CreateToken, create_once
from workflows.reporting import services as reporting
from workflows.reporting.models import Obligation, Report

VN = dt.timezone(dt.timedelta(hours=7))


def aid_request_form() -> dict:
    return {
        "district": Unit.objects.get(code="d-bac-ai").pk,
        "commune": Unit.objects.get(code="c-phuoc-dai").pk,
        "category": Category.objects.get(code="recreation").pk,
        "year": 2023,
        "children_preschool": 0,
        "children_primary": 80,
        "children_other": 0,
        "justification": "Sân chơi cho trẻ",
        "ethnic_breakdown": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-item": "Bộ đồ chơi",
        "lines-0-quantity": 4,
        "lines-0-unit_cost": 5_000_000,
    }


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
        "children-TOTAL_FORMS": 0,
        "children-INITIAL_FORMS": 0,
        "children-MIN_NUM_FORMS": 0,
        "children-MAX_NUM_FORMS": 1000,
    }


def commendation_form() -> dict:
    return {
        "year": 2024,
        "nominee_name": "Công ty TNHH Điện gió Phước Hữu",
        "nominee_kind": "business",
        "contribution": "Tặng 300 suất áo ấm cho trẻ em xã Phước Bình.",
        "value_vnd": 450_000_000,
    }


def report_url() -> str:
    reporting.generate_obligations()
    duty = Obligation.objects.get(
        unit__code="d-bac-ai", year=2023, definition__code="yearly_results_report"
    )
    return reverse("reporting:create", args=[duty.pk])


@dataclass(frozen=True)
class Case:
    """One create form: on which day, by whom, where, with what, making which record."""

    day: dt.datetime
    member: tuple[str, str]
    url: Callable[[], str]
    form: Callable[[], dict]
    model: type[Model]


CASES = {
    "aid request": Case(
        dt.datetime(2023, 3, 15, 9, 0, tzinfo=VN),
        ("d-bac-ai", "officer"),
        lambda: reverse("aid_requests:create"),
        aid_request_form,
        AidRequest,
    ),
    "report": Case(
        dt.datetime(2023, 12, 1, 9, 0, tzinfo=VN),
        ("d-bac-ai", "officer"),
        report_url,
        report_form,
        Report,
    ),
    "commendation": Case(
        dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN),
        ("dolisa", "officer"),
        lambda: reverse("commendations:create"),
        commendation_form,
        Commendation,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_same_form_sent_twice_makes_one_record(case, client, make_member):
    with time_machine.travel(case.day, tick=False):
        client.force_login(make_member(*case.member))
        url = case.url()
        page = client.get(url)
        token = page.context["once_token"]
        assert f'name="{FIELD}" value="{token}"' in page.content.decode()
        data = {**case.form(), FIELD: token}

        first = client.post(url, data)
        second = client.post(url, data, follow=True)

        record = case.model._default_manager.get()
        assert first.status_code == 302 and first["Location"] == record.get_absolute_url()
        assert second.redirect_chain == [(record.get_absolute_url(), 302)]
        assert "Biểu mẫu này đã được gửi" in second.content.decode()
        # Another page of the form is another submission.
        fresh = client.get(url).context["once_token"]
        assert fresh != token


@pytest.mark.django_db
def test_a_form_shown_again_with_its_errors_keeps_its_token(client, make_member):
    case = CASES["aid request"]
    with time_machine.travel(case.day, tick=False):
        client.force_login(make_member(*case.member))
        token = client.get(case.url()).context["once_token"]
        refused = client.post(case.url(), {**case.form(), "justification": "", FIELD: token})
        assert refused.status_code == 400 and refused.context["once_token"] == token
        assert client.post(case.url(), {**case.form(), FIELD: token}).status_code == 302
        assert AidRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_create_leaves_its_token_unclaimed(rf, make_member):
    with time_machine.travel(CASES["commendation"].day, tick=False):
        officer = make_member("dolisa", "officer")
        request = rf.post("/", {FIELD: "0b7c4a52-61a8-4d7e-9a43-2f3f0d3a9c11"})
        request.user = officer

        outside_the_plan = commendations.Nomination(**{**commendation_form(), "year": 1990})
        with pytest.raises(ValidationError):
            create_once(
                request,
                lambda: commendations.create_commendation(user=officer, data=outside_the_plan),
            )
        assert not CreateToken.objects.exists() and not Commendation.objects.exists()

        made = create_once(
            request,
            lambda: commendations.create_commendation(
                user=officer, data=commendations.Nomination(**commendation_form())
            ),
        )
        assert CreateToken.objects.get().url == made.get_absolute_url()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_the_same_moment_make_one_record(make_member):
    case = CASES["aid request"]
    with time_machine.travel(case.day, tick=False):
        officer = make_member(*case.member)
        url = case.url()
        clients = [Client(), Client()]
        for client in clients:
            client.force_login(officer)
        token = clients[0].get(url).context["once_token"]
        data = {**case.form(), FIELD: token}
        barrier = threading.Barrier(2)
        answers: list = []

        def send(client):
            try:
                barrier.wait(timeout=10)
                answers.append(client.post(url, data))
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        record = AidRequest.objects.get()
        assert [answer.status_code for answer in answers] == [302, 302]
        assert {answer["Location"] for answer in answers} == {record.get_absolute_url()}
