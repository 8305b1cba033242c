"""Plan data, not code, says what is consolidated, who is reminded and oversees (V.1–2)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from agencies.models import Plan, Unit
from agencies.selectors import forget_memberships
from tests.conftest import PLAN_FILE
from workflows.core.errors import Conflict
from workflows.core.models import Notification
from workflows.reporting import forms, reminders, services
from workflows.reporting.actions import REPORT
from workflows.reporting.reminders import REMINDER
from workflows.reporting.selectors import (
    can_oversee,
    consolidation_gaps,
    provincial_figures,
    unit_reports,
)

from .conftest import VN, accepted, duty, figures, to_review

pytestmark = pytest.mark.django_db

DISTRICTS = 7
UNITS_REPORTING = 18  # 7 districts, 7 departments (not DOLISA), 4 mass organisations


def shipped() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def set_rule(name: str, value) -> Plan:
    plan = Plan.objects.get()
    plan.rules[name] = value
    plan.save()
    return plan


def test_the_process_requires_the_rules_it_reads(plan):
    assert set(REPORT.required_rules) <= set(plan.rules)
    assert plan.rules["unit_report_obligation"] == "yearly_results_report"
    assert plan.rules["provincial_report_obligation"] == "provincial_yearly_report"
    assert (plan.rules["reminder_role"], plan.rules["supervisor_role"]) == ("officer", "supervisor")


def test_the_rule_names_what_is_consolidated(cast):
    plan = Plan.objects.get()
    accepted(cast, "wu", figures(cash=5_000_000, in_kind=0, children=()))
    assert unit_reports(year=2023, plan=plan).count() == UNITS_REPORTING
    assert provincial_figures(year=2023, plan=plan)["cash_vnd"] == 5_000_000

    # Another reading of the plan: the districts' yearly plans are what DOLISA consolidates.
    plan = set_rule("unit_report_obligation", "district_yearly_plan")
    gaps = consolidation_gaps(year=2023, plan=plan)
    assert {o.definition.code for o in gaps} == {"district_yearly_plan"}
    assert gaps.count() == DISTRICTS
    assert provincial_figures(year=2023, plan=plan)["reports"] == 0  # wu's report no longer
    yearly_plan = duty("d-bac-ai", code="district_yearly_plan")
    report = services.create_report(
        user=cast["d-bac-ai", "officer"],
        obligation_id=yearly_plan.pk,
        data=figures(cash=7_000_000, in_kind=0, children=()),
    )
    to_review(cast, report)
    services.accept(user=cast["dolisa", "officer"], report_id=report.pk)
    counted = provincial_figures(year=2023, plan=plan)
    assert (counted["reports"], counted["cash_vnd"]) == (1, 7_000_000)
    assert "d-bac-ai" not in {o.unit.code for o in consolidation_gaps(year=2023, plan=plan)}


def test_the_rule_names_the_provincial_report(cast):
    # While the rule names it, the provincial report is made by consolidation, not drafted …
    provincial = duty("dolisa", code="provincial_yearly_report")
    with pytest.raises(Conflict):
        services.create_report(
            user=cast["dolisa", "officer"], obligation_id=provincial.pk, data=figures()
        )
    # … and a plan naming no such duty for the year has none to open.
    set_rule("provincial_report_obligation", "district_implementation_plan")
    with pytest.raises(Conflict, match="2023"):
        services.open_consolidation(user=cast["dolisa", "officer"], year=2023)


def test_reminders_go_to_the_role_the_rules_name(cast, work_day):
    set_rule("reminder_role", "leader")
    work_day.move_to(dt.datetime(2023, 12, 23, 8, 0, tzinfo=VN))
    reminders.scan_obligations()
    told = Notification.objects.filter(subject_id=duty("d-bac-ai").pk, kind=REMINDER)
    assert [n.recipient.username for n in told] == ["d-bac-ai.leader"]


def test_who_oversees_is_the_supervisor_role_the_rules_name(client, cast):
    supervisor, leader = cast["d-bac-ai", "supervisor"], cast["d-bac-ai", "leader"]
    assert can_oversee(supervisor) and not can_oversee(leader)
    set_rule("supervisor_role", "leader")
    for user in (supervisor, leader):  # a new request reads today's memberships afresh
        forget_memberships(user)
    assert can_oversee(leader) and not can_oversee(supervisor)
    client.force_login(leader)
    assert client.get(reverse("reporting:dashboard")).status_code == 200


def test_children_are_counted_under_the_reporting_unit_when_it_has_communes(cast):
    offered = forms.children_formset(None, unit=Unit.objects.get(code="d-bac-ai")).forms[0]
    district = {u.parent.code for u in offered.fields["commune"].queryset}
    assert district == {"d-bac-ai"}
    # A mass organisation has no commune under it: it reports any of the plan's communes.
    anywhere = forms.children_formset(None, unit=Unit.objects.get(code="wu")).forms[0]
    assert anywhere.fields["commune"].queryset.count() == 28
    services.create_report(
        user=cast["wu", "officer"],
        obligation_id=duty("wu").pk,
        data=figures(children=(("winter", "c-phuoc-dai", 10), ("health", "c-ma-noi", 3))),
    )
    with pytest.raises(ValidationError, match="is not a commune"), translation.override("en"):
        services.create_report(
            user=cast["d-ninh-son", "officer"],
            obligation_id=duty("d-ninh-son").pk,
            data=figures(children=(("health", "d-bac-ai", 5),)),
        )


def test_the_dashboard_offers_the_kinds_obligations_name_all_by_default(client, cast):
    client.force_login(cast["dolisa", "supervisor"])
    response = client.get(reverse("reporting:dashboard"), {"year": 2023})
    form = response.context["form"]
    assert form.cleaned_data["kind"] == ""
    assert [value for value, _label in form.fields["kind"].choices] == [
        "",
        "department",
        "mass_org",
        "district",
    ]
    kinds = {row.unit.kind for row in response.context["rows"]}
    assert kinds == {"department", "mass_org", "district"}
    assert response.context["total"].expected == UNITS_REPORTING + DISTRICTS + 1  # + DOLISA's


def load(data: dict, tmp_path) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = io.StringIO()
    call_command("loadplan", str(path), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda rules: rules.pop("supervisor_role"), 'rules: missing field "supervisor_role"'),
        (
            lambda rules: rules.update(unit_report_obligation="yearly_report"),
            'rules: unit_report_obligation "yearly_report" does not exist',
        ),
        (
            lambda rules: rules.update(reminder_role="clerk"),
            'rules: reminder_role "clerk" does not exist',
        ),
    ],
    ids=["missing", "unknown obligation", "unknown role"],
)
def test_loadplan_refuses_a_plan_without_the_reporting_rules(db, tmp_path, change, error):
    data = shipped()
    change(data["rules"])
    with pytest.raises(CommandError) as refused, translation.override("en"):
        load(data, tmp_path)
    assert error in str(refused.value)
    assert not Plan.objects.exists()
