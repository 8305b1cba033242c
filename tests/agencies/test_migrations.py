"""Data migrations: a database made by an older release keeps working after `migrate`."""

from __future__ import annotations

import datetime as dt

import pytest

BEFORE = [("agencies", "0002_plan_data_details")]
AFTER = [("agencies", "0003_plan_review_wait_days")]


def test_a_plan_loaded_before_review_wait_days_gets_the_wait_the_flows_used(migrator):
    old, chosen = migrator.plans(
        migrator.migrate(BEFORE),
        {"old-plan": {"escalation_every_days": 7}, "chosen-plan": {"review_wait_days": 4}},
    )
    Plan = migrator.migrate(AFTER).get_model("agencies", "Plan")
    assert Plan.objects.get(pk=old.pk).rules == {"escalation_every_days": 7, "review_wait_days": 10}
    assert Plan.objects.get(pk=chosen.pk).rules == {"review_wait_days": 4}


def test_memberships_with_an_empty_period_are_removed_before_the_constraint(migrator):
    """Such a row held no day: removing it takes no right away, and the constraint can apply."""
    before, after = (
        [("agencies", "0003_plan_review_wait_days")],
        [("agencies", "0004_membership_ends_after_it_starts")],
    )
    old = migrator.migrate(before)
    (plan,) = migrator.plans(old, {"p": {}})
    unit = old.get_model("agencies", "Unit").objects.create(
        plan=plan, code="dolisa", kind="department", name_vi="Sở", valid_from=dt.date(2019, 1, 1)
    )
    role = old.get_model("agencies", "Role").objects.create(code="officer", name_vi="Chuyên viên")
    user = old.get_model("auth", "User").objects.create(username="officer")
    Membership = old.get_model("agencies", "Membership")
    kept, one_day, _empty = (
        Membership.objects.create(
            user=user, unit=unit, role=role, valid_from=start, valid_to=end
        ).pk
        for start, end in [
            (dt.date(2020, 1, 1), None),
            (dt.date(2020, 1, 1), dt.date(2020, 1, 1)),
            (dt.date(2020, 1, 1), dt.date(2019, 12, 31)),
        ]
    )

    Membership = migrator.migrate(after).get_model("agencies", "Membership")
    assert set(Membership.objects.values_list("pk", flat=True)) == {kept, one_day}


def test_codes_stay_unique_per_plan_after_the_constraints_take_their_models_names(migrator):
    """0008 renames the funding sources' and duties' constraints (PlanCoded names them by
    model): rows kept, and a code given twice in one plan is still refused."""
    from django.db import IntegrityError, transaction

    before = [("agencies", "0007_codes_unique_per_plan")]
    after = [("agencies", "0008_plan_coded_constraint_names")]
    (plan,) = migrator.plans(migrator.migrate(before), {"p": {}})
    FundingSource = migrator.migrate(before).get_model("agencies", "FundingSource")
    kept = FundingSource.objects.create(plan_id=plan.pk, code="budget", name_vi="Ngân sách").pk

    FundingSource = migrator.migrate(after).get_model("agencies", "FundingSource")
    assert list(FundingSource.objects.values_list("pk", flat=True)) == [kept]
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingSource.objects.create(plan_id=plan.pk, code="budget", name_vi="Ngân sách khác")
