"""Several duties waived in one POST: each through the door in its own transaction, each with
its own audit event, and a refused one stops no other (V.2)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from workflows.core.models import AuditEvent
from workflows.reporting import services
from workflows.reporting.models import Obligation, Waiver

from .conftest import UNIT_REPORT, draft, duty, to_review

pytestmark = pytest.mark.django_db
REASON = "Đơn vị không phát sinh hoạt động trong năm."


def _post(client, ids):
    data = {"obligations": [str(pk) for pk in ids], "reason": REASON, "confirm": "on"}
    return client.post(reverse("reporting:waive_many"), data)


def _waive_events(ids) -> list[int]:
    return list(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Obligation),
            subject_id__in=ids,
            action="waive",
        ).values_list("subject_id", flat=True)
    )


def test_ten_duties_waived_in_one_post_each_with_its_audit_event(client, cast):
    ids = list(
        Obligation.objects.filter(year=2023, definition__code=UNIT_REPORT)
        .order_by("unit__code")
        .values_list("pk", flat=True)[:10]
    )
    assert len(ids) == 10
    client.force_login(cast["dolisa", "leader"])
    response = _post(client, ids)
    assert response.status_code == 200
    assert sorted(_waive_events(ids)) == sorted(ids)
    assert set(Waiver.objects.values_list("obligation_id", "reason")) == {
        (pk, REASON) for pk in ids
    }
    assert response.content.decode().count('class="waived"') == 10


def test_a_refused_duty_stops_no_other(client, cast):
    waived, under_review, open_one, other = (
        duty(unit) for unit in ("d-bac-ai", "d-ninh-son", "doh", "doet")
    )
    services.waive_obligation(user=cast["dolisa", "leader"], obligation_id=waived.pk, reason="x")
    to_review(cast, draft(cast, "d-ninh-son"))
    client.force_login(cast["dolisa", "leader"])
    html = _post(client, [waived.pk, under_review.pk, open_one.pk, other.pk]).content.decode()
    assert set(Waiver.objects.values_list("obligation_id", flat=True)) == {
        waived.pk,
        open_one.pk,
        other.pk,
    }
    assert sorted(_waive_events([under_review.pk, open_one.pk, other.pk])) == sorted(
        [open_one.pk, other.pk]
    )
    assert html.count('class="waived"') == 2 and html.count('class="refused"') == 2
    assert "Nhiệm vụ báo cáo này đã được miễn nộp từ trước." in html


def test_who_may_not_waive_is_refused_for_each_duty(client, cast):
    ids = [duty("doh").pk, duty("doet").pk]
    client.force_login(cast["dolisa", "officer"])
    html = _post(client, ids).content.decode()
    assert not Waiver.objects.exists()
    assert html.count('class="refused"') == 2


def test_the_list_offers_checkboxes_only_to_who_may_waive(client, cast):
    client.force_login(cast["dolisa", "leader"])
    assert 'name="obligations"' in client.get(reverse("reporting:obligations")).content.decode()
    client.force_login(cast["d-bac-ai", "officer"])
    assert 'name="obligations"' not in client.get(reverse("reporting:obligations")).content.decode()
