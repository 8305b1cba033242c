"""Demo accounts on a laptop: a login for each unit and role the loaded plans give work to, plus
a superuser, all with one published password (README.md); and, under the plan in force today,
aid requests waiting at every step of their process and commendations at each of theirs.

The demo requests and commendations are made through their processes' own services (the door),
never by writing rows, so the door's notices reach the bells as in real use; the command lives
in workflows as it reads both layers (agencies never imports workflows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from agencies.management.commands.plan_coverage import implemented_steps
from agencies.models import Membership, ObligationDefinition, Plan, Responsibility, Role, Unit
from agencies.selectors import target_communes, today
from agencies.services import grant_membership
from workflows.aid_requests import services
from workflows.aid_requests.models import AidRequest
from workflows.commendations import services as commendations
from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import Commendation, NomineeKind
from workflows.core.transitions import open_tasks

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published on purpose; production refuses the command
ADMIN_USERNAME = "admin"


def existing_units() -> QuerySet[Unit]:
    """Units but those loadplan ended before they started: they never existed."""
    return Unit.objects.exclude(valid_to__lt=F("valid_from"))


def _meeting(units: QuerySet[Unit], start: dt.date, end: dt.date | None) -> QuerySet[Unit]:
    """The units that exist at some time between start and end (open: no end)."""
    if end is not None:
        units = units.filter(valid_from__lte=end)
    return units.exclude(valid_to__lt=start)


def due_days(definition: ObligationDefinition) -> list[dt.date]:
    """Day D of each of the duty's periods: once, or each year from its first to its last."""
    if definition.recurrence == ObligationDefinition.Recurrence.ONCE:
        return [definition.due_before()]
    years = range(definition.first_year or 0, (definition.last_year or -1) + 1)  # both set
    return [definition.due_before(year) for year in years]


def _valid_on_any(days: list[dt.date]) -> Q:
    """Units that exist on one of the days at least."""
    found = Q(pk__in=[])
    for day in days:
        found |= Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return found


def acting_pairs() -> list[tuple[Unit, Role]]:
    """Each unit and role the matrix names for a step that an installed process implements (a
    row naming a kind of unit: every unit of that kind existing while the row applies), and the
    plan's supervisor role in every unit owing one of its duties (existing on a due day), whose
    supervisors are told when it is late: the accounts with work under the plans, sorted."""
    steps = implemented_steps()
    units = existing_units()
    pairs: set[tuple[int, int]] = set()
    rows = Responsibility.objects.exclude(valid_to__lt=F("valid_from")).select_related("unit")
    for row in rows:
        if f"{row.process}.{row.step}" not in steps:
            continue
        if row.unit_id is not None:
            holders = units.filter(pk=row.unit_id)
        else:
            holders = _meeting(units.filter(kind=row.unit_kind), row.valid_from, row.valid_to)
        pairs.update((pk, row.role_id) for pk in holders.values_list("pk", flat=True))
    roles = {role.code: role for role in Role.objects.all()}
    definitions = ObligationDefinition.objects.select_related("plan").prefetch_related(
        "units", "excluded_units"
    )
    for definition in definitions:
        supervisor = roles.get(str(definition.plan.rules.get("supervisor_role") or ""))
        if supervisor is None:
            continue
        named = [unit.pk for unit in definition.units.all()]
        if named:
            owing = units.filter(pk__in=named)
        else:
            owing = units.filter(kind__in=definition.unit_kinds).filter(
                _valid_on_any(due_days(definition))
            )
        owing = owing.exclude(pk__in=[unit.pk for unit in definition.excluded_units.all()])
        pairs.update((pk, supervisor.pk) for pk in owing.values_list("pk", flat=True))
    by_pk = Unit.objects.in_bulk({unit_id for unit_id, _role in pairs})
    roles_by_pk = {role.pk: role for role in roles.values()}
    found = [(by_pk[unit_id], roles_by_pk[role_id]) for unit_id, role_id in pairs]
    return sorted(found, key=lambda pair: (pair[0].kind, pair[0].code, pair[1].code))


@dataclass(frozen=True)
class DemoRequest:
    """A demo aid request: the commune that drafts it for itself, and the step it waits at."""

    commune: str
    category: str
    waits_at: str
    children: int = 120
    unit_cost: int = 250_000


# Two new communes of former Bác Ái (area III under 861/QĐ-TTg before 2025) with a request at
# every step, so that each account that acts on requests finds one in its inbox; one category
# per commune and step, as two requests for the same commune and category would overlap (II.4).
DEMO_REQUESTS = (
    DemoRequest("c-bac-ai-tay", "winter", "draft"),
    DemoRequest("c-bac-ai-tay", "recreation", "sign_off"),
    DemoRequest("c-bac-ai-tay", "health", "review"),
    DemoRequest("c-bac-ai-tay", "study", "consolidate"),
    DemoRequest("c-bac-ai", "health", "approve"),
    # Above the plan's PPC approval threshold (500.000.000 VND in both plans).
    DemoRequest("c-bac-ai", "study", "approve_ppc", children=1_200, unit_cost=450_000),
    DemoRequest("c-bac-ai", "winter", "deliver"),
    DemoRequest("c-bac-ai", "recreation", "confirm_delivery"),
)


@dataclass(frozen=True)
class DemoCommendation:
    """A demo commendation of this year: the nominee, what it mobilised, the step it waits at."""

    nominee_name: str
    nominee_kind: str
    contribution: str
    value_vnd: int
    waits_at: str


# One proposal in the drafter's hands and one waiting for the PPC's decision (II.5, IV.1.đ).
DEMO_COMMENDATIONS = (
    DemoCommendation(
        "Công ty TNHH Thực phẩm Biển Xanh Nha Trang",
        NomineeKind.BUSINESS,
        "Dữ liệu minh họa: tài trợ 600 suất học bổng và xe đạp cho trẻ em xã Bác Ái Tây.",
        420_000_000,
        "propose",
    ),
    DemoCommendation(
        "Liên đoàn Lao động tỉnh Khánh Hòa",
        NomineeKind.ORGANISATION,
        "Dữ liệu minh họa: vận động đoàn viên ủng hộ 1.500 suất quà và áo ấm cho trẻ em xã Bác Ái.",
        375_000_000,
        "approve",
    ),
)


def demo_plan(day: dt.date) -> Plan | None:
    """The plan in force on the day (its period includes the year) that supports every demo
    commune, if one is loaded (the 2026–2030 example: 372 ended in 2025)."""
    communes = {demo.commune for demo in DEMO_REQUESTS}
    for plan in Plan.objects.filter(period_start__lte=day.year, period_end__gte=day.year):
        supported = target_communes(plan=plan, on=day).filter(code__in=communes).count()
        if supported == len(communes):
            return plan
    return None


class Command(BaseCommand):
    help = (
        "Create demo users <unit>.<role> for every unit and role with work in the plans, a "
        f"superuser '{ADMIN_USERNAME}', all with password {DEMO_PASSWORD}, and demo aid requests "
        "under the plan in force today. Refused unless DEMO_ALLOWED."
    )

    def handle(self, *args, **options):
        if not settings.DEMO_ALLOWED:
            raise CommandError(
                _(
                    "Demo accounts have a published password; settings %(module)s do not allow "
                    "them (DEMO_ALLOWED is off)."
                )
                % {"module": settings.SETTINGS_MODULE}
            )
        pairs = acting_pairs()
        if not pairs:
            raise CommandError(_("No unit acts in the plan yet: run loadplan first."))

        with transaction.atomic():
            users, memberships, logins = self._seed(pairs)
            self._demo_requests()
            self._demo_commendations()

        if users or memberships:
            self.stdout.write(
                _("Created %(users)d users and %(memberships)d memberships.")
                % {"users": users, "memberships": memberships}
            )
        else:
            self.stdout.write(_("Nothing to create: the demo accounts already exist."))
        self._print_logins(logins)

    def _seed(self, pairs: list[tuple[Unit, Role]]):
        """Create what is missing; an existing user keeps its password and memberships."""
        user_model = get_user_model()
        users = memberships = 0
        logins: list[tuple[str, str, str]] = []
        if not user_model.objects.filter(username=ADMIN_USERNAME).exists():
            user_model.objects.create_superuser(
                ADMIN_USERNAME, f"{ADMIN_USERNAME}@demo.invalid", DEMO_PASSWORD
            )
            users += 1
        logins.append((ADMIN_USERNAME, _("administrator"), ""))
        wanted = [(unit, role, f"{unit.code}.{role.code}") for unit, role in pairs]
        usernames = [username for _unit, _role, username in wanted]
        password = make_password(DEMO_PASSWORD)  # hashed once: the users share a public password
        existing = user_model.objects.in_bulk(usernames, field_name="username")
        held = set(
            Membership.objects.filter(user__username__in=usernames).values_list(
                "user__username", "unit_id", "role_id"
            )
        )
        for unit, role, username in wanted:
            user = existing.get(username)
            if user is None:
                user = user_model.objects.create(
                    username=username,
                    email=f"{username}@demo.invalid",
                    password=password,
                    first_name=role.name_vi,
                    last_name=unit.name_vi[:150],
                )
                users += 1
            if (username, unit.pk, role.pk) not in held:
                grant_membership(
                    user=user,
                    unit=unit,
                    role=role,
                    valid_from=unit.valid_from,
                    valid_to=unit.valid_to,
                )
                memberships += 1
            logins.append((username, str(unit), str(role)))
        return users, memberships, logins

    def _demo_requests(self) -> None:
        """The demo requests, once (none while a demo commune's officer has drafted one), each
        taken to its step by the demo accounts the matrix names there."""
        day = today()
        plan = demo_plan(day)
        if plan is None:
            return
        users = get_user_model().objects
        drafters = users.filter(username__in={f"{d.commune}.officer" for d in DEMO_REQUESTS})
        if AidRequest.objects.filter(drafted_by__in=drafters).exists():
            return
        for demo in DEMO_REQUESTS:
            commune = Unit.objects.get(code=demo.commune)
            request = services.create_request(
                user=users.get(username=f"{demo.commune}.officer"),
                data=services.RequestInput(
                    district=commune,
                    commune=commune,
                    category=plan.categories.get(code=demo.category),
                    year=day.year,
                    justification="Dữ liệu minh họa: nhu cầu do xã đánh giá cho trẻ em của xã.",
                    lines=(services.Line("Suất hỗ trợ một trẻ", demo.children, demo.unit_cost),),
                    children_primary=demo.children,
                ),
            )
            self._take_to(request.pk, demo, plan=plan, day=day)

    @staticmethod
    def _take_to(request_id: int, demo: DemoRequest, *, plan: Plan, day: dt.date) -> None:
        """Act at each open task of the request until it waits at the demo's step."""
        act: dict[str, Callable[..., object]] = {
            "draft": services.submit,
            "sign_off": services.sign_off,
            "review": services.accept_review,
            "approve": services.approve,
            "approve_ppc": services.approve,
            "confirm_delivery": services.confirm_delivery,
            "consolidate": lambda **kw: services.consolidate(
                **kw, funding_source=plan.funding_sources.get(code="donor_pledge")
            ),
            "deliver": lambda **kw: services.record_delivery(
                **kw,
                delivered_on=day,
                children_reached=demo.children,
                note="Dữ liệu minh họa: đã trao cho trẻ em của xã.",
            ),
        }
        _walk(AidRequest, request_id, demo.waits_at, act, record_arg="request_id")

    def _demo_commendations(self) -> None:
        """The demo commendations, once (none while the demo proposer has written one), drafted
        by the demo account the matrix names at the first step today, each taken to its step."""
        day = today()
        plan = demo_plan(day)
        if plan is None:
            return
        first = next(iter(COMMENDATION.steps))
        row = (
            Responsibility.objects.valid_on(day)
            .filter(plan=plan, process=COMMENDATION.matrix_process, step=first, unit__isnull=False)
            .select_related("unit", "role")
            .order_by("pk")
            .first()
        )
        if row is None or row.unit is None:
            return
        proposer = get_user_model().objects.get(username=f"{row.unit.code}.{row.role.code}")
        if Commendation.objects.filter(proposed_by=proposer).exists():
            return
        act: dict[str, Callable[..., object]] = {"propose": commendations.propose}
        for demo in DEMO_COMMENDATIONS:
            commendation = commendations.create_commendation(
                user=proposer,
                data=commendations.Nomination(
                    year=day.year,
                    nominee_name=demo.nominee_name,
                    nominee_kind=demo.nominee_kind,
                    contribution=demo.contribution,
                    value_vnd=demo.value_vnd,
                ),
            )
            _walk(
                Commendation,
                commendation.pk,
                demo.waits_at,
                act,
                record_arg=COMMENDATION.record_arg,
            )

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(_("Demo logins, password %(password)s:") % {"password": DEMO_PASSWORD})
        header = (_("username"), _("unit"), _("role"))
        widths = [max(len(row[i]) for row in [header, *logins]) for i in range(2)]
        for row in [header, *logins]:
            self.stdout.write(f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip())


def _walk(
    model: type[AidRequest] | type[Commendation],
    pk: int,
    waits_at: str,
    act: dict[str, Callable[..., object]],
    *,
    record_arg: str,
) -> None:
    """Act at each open task, as the demo account of its unit and role, until the record
    waits at the step (or its process has ended)."""
    users = get_user_model().objects
    while True:
        process_id = model.objects.get(pk=pk).process_id
        tasks = list(open_tasks(process_id).order_by("pk"))
        if not tasks or tasks[0].flow_task.name == waits_at:
            return
        for task in tasks:
            actor = task.data["actor"]
            user = users.get(username=f"{actor['unit']}.{actor['role']}")
            act[task.flow_task.name](user=user, **{record_arg: pk})
