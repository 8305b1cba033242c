"""Membership services: periods fitted to the unit's life, refused when empty, and a database
constraint behind them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Membership, Role, Unit
from agencies.selectors import current_memberships, permissions_of
from agencies.services import change_membership, grant_membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(plan, django_user_model):
    return django_user_model.objects.create_user("officer")


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "field"),
    [
        (dt.date(2024, 6, 1), dt.date(2024, 5, 31), "valid_to"),
        (dt.date(2025, 7, 1), None, "valid_from"),  # the district level ended on 30/06/2025
        (dt.date(2018, 1, 1), dt.date(2018, 12, 31), "valid_from"),  # before the unit exists
    ],
)
def test_a_membership_with_no_day_is_refused(user, valid_from, valid_to, field):
    with pytest.raises(ValidationError) as refused:
        grant_membership(
            user=user,
            unit=Unit.objects.get(code="d-bac-ai"),
            role="officer",
            valid_from=valid_from,
            valid_to=valid_to,
        )

    assert list(refused.value.message_dict) == [field]
    assert not Membership.objects.exists()


def test_a_one_day_membership_is_allowed(user):
    day = dt.date(2024, 5, 1)
    unit = Unit.objects.get(code="dolisa")

    grant_membership(user=user, unit=unit, role="officer", valid_from=day, valid_to=day)

    assert permissions_of(user, on=day) == {"agencies.act.dolisa.officer"}
    assert permissions_of(user, on=day + dt.timedelta(days=1)) == set()


def test_the_database_refuses_an_end_before_the_start(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user,
            unit=Unit.objects.get(code="dolisa"),
            role=Role.objects.get(code="officer"),
            valid_from=dt.date(2024, 6, 1),
            valid_to=dt.date(2024, 5, 31),
        )


def test_changing_a_membership_applies_the_same_rules(user, django_user_model):
    district = Unit.objects.get(code="d-bac-ai")
    membership = grant_membership(
        user=user, unit=district, role="officer", valid_from=dt.date(2019, 1, 1)
    )
    other = django_user_model.objects.create_user("successor")

    with pytest.raises(ValidationError):
        change_membership(
            membership_id=membership.pk,
            user=user,
            unit=district,
            role="officer",
            valid_from=dt.date(2024, 6, 1),
            valid_to=dt.date(2024, 1, 1),
        )
    changed = change_membership(
        membership_id=membership.pk,
        user=other,
        unit=district,
        role="leader",
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2030, 12, 31),
    )

    assert (changed.valid_from, changed.valid_to) == (dt.date(2024, 1, 1), dt.date(2025, 6, 30))
    membership.refresh_from_db()
    assert (membership.user, membership.role.code) == (other, "leader")
    assert permissions_of(user, on=dt.date(2024, 5, 1)) == set()


def test_a_change_is_seen_at_once_by_the_user_object_that_asked(user):
    membership = grant_membership(
        user=user,
        unit=Unit.objects.get(code="wu"),  # a unit with no end: the membership holds today
        role="officer",
        valid_from=dt.date(2019, 1, 1),
    )
    assert current_memberships(user)

    change_membership(
        membership_id=membership.pk,
        user=user,
        unit=membership.unit,
        role="officer",
        valid_from=dt.date(2019, 1, 1),
        valid_to=dt.date(2020, 12, 31),
    )

    assert current_memberships(user) == []
