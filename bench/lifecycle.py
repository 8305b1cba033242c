"""Aid-request lifecycles driven through the real services, every human step through the door:
the templates the generator clones and the work P1 times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Category, FundingSource, Plan, Unit
from agencies.selectors import actors_for, target_communes
from workflows.aid_requests import services
from workflows.aid_requests.flows import PROCESS
from workflows.aid_requests.services import Line, RequestInput

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The benchmark's "today": districts still exist (until 30/06/2025), every commune of 861/QĐ-TTg
# is a target, and 2025's requests are in flight while 2021–2024 are history.
BENCH_DAY = dt.datetime(2025, 3, 14, 9, 0, tzinfo=VIETNAM)
BENCH_YEAR = BENCH_DAY.year


def bench_clock() -> time_machine.travel:
    """Travel to BENCH_DAY with the clock ticking; time.perf_counter is not touched."""
    return time_machine.travel(BENCH_DAY, tick=True)


# Human steps in the order a request meets them; a lifecycle can stop before any of them.
STEPS = ("submit", "sign_off", "review", "consolidate", "approve", "deliver", "confirm")


@dataclass
class Cast:
    """The Ninh Thuận officers who act on requests (made by `seed_demo`, `<unit>.<role>`)."""

    users: dict[str, object]
    reviewers: dict[str, list[object]]
    categories: dict[str, Category]
    funding_source: FundingSource
    districts: dict[str, list[Unit]]

    @classmethod
    def load(cls, plan: Plan, *, on: dt.date) -> Cast:
        """Read the plan's cast and, per district with target communes, its communes."""
        members = get_user_model().objects.filter(memberships__unit__plan=plan).distinct()
        users = {u.username: u for u in members}
        categories = {c.code: c for c in Category.objects.filter(plan=plan)}
        reviewers = {
            code: [
                users[f"{actor.unit.code}.{actor.role}"]
                for actor in actors_for(
                    process=PROCESS, step="review", on=on, category_code=code, plan=plan
                )
            ]
            for code in categories
        }
        districts: dict[str, list[Unit]] = {}
        for commune in target_communes(on=on).filter(plan=plan).select_related("parent"):
            districts.setdefault(commune.parent.code, []).append(commune)
        return cls(
            users=users,
            reviewers=reviewers,
            categories=categories,
            funding_source=FundingSource.objects.get(plan=plan, code="donor_pledge"),
            districts=dict(sorted(districts.items())),
        )

    def user(self, unit_code: str, role: str):
        return self.users[f"{unit_code}.{role}"]


@dataclass(frozen=True)
class Ticket:
    """One request to drive: where, what, and how far."""

    commune: Unit
    category: str
    outcome: str = "closed"

    @property
    def district(self) -> Unit:
        return self.commune.parent


def request_input(cast: Cast, ticket: Ticket) -> RequestInput:
    """A plausible request: a few dozen children, one line well under the PPC threshold."""
    return RequestInput(
        district=ticket.district,
        commune=ticket.commune,
        category=cast.categories[ticket.category],
        year=BENCH_YEAR,
        justification="Nhu cầu hỗ trợ trẻ em theo khảo sát của xã (dữ liệu benchmark).",
        lines=(Line("Hỗ trợ theo danh mục", 60, 350_000),),
        children_primary=60,
    )


def _steps_until(stop: str | None) -> tuple[str, ...]:
    return STEPS if stop is None else STEPS[: STEPS.index(stop)]


def _calls(cast: Cast, ticket: Ticket, pk: int, step: str) -> list[Callable[[], object]]:
    """The service calls of a step: one per reviewer at review, one otherwise."""
    district = ticket.district.code
    dolisa_officer = cast.user("dolisa", "officer")
    if step == "review":
        return [
            partial(services.accept_review, user=reviewer, request_id=pk)
            for reviewer in cast.reviewers[ticket.category]
        ]
    call = {
        "submit": partial(services.submit, user=cast.user(district, "officer")),
        "sign_off": partial(services.sign_off, user=cast.user(district, "leader")),
        "consolidate": partial(
            services.consolidate,
            user=dolisa_officer,
            funding_source=cast.funding_source,
            resolution="justified",
            note="Khác đối tượng trẻ với các yêu cầu trước (dữ liệu benchmark).",
        ),
        "approve": partial(services.approve, user=cast.user("dolisa", "leader")),
        "deliver": partial(
            services.record_delivery,
            user=cast.user(district, "officer"),
            delivered_on=timezone.localdate(),
            children_reached=58,
        ),
        "confirm": partial(services.confirm_delivery, user=dolisa_officer),
    }[step]
    return [partial(call, request_id=pk)]


Around = Callable[[str], AbstractContextManager]


def _run_steps(cast: Cast, ticket: Ticket, pk: int, steps: tuple[str, ...], around: Around) -> int:
    done = 0
    for step in steps:
        for call in _calls(cast, ticket, pk, step):
            with around(step):
                call()
            done += 1
    return done


def _plain(step: str) -> AbstractContextManager:
    """The default `around`: nothing around the call."""
    return nullcontext()


def drive(cast: Cast, ticket: Ticket, *, around: Around = _plain) -> tuple[int, int]:
    """Create the request and take it as far as its outcome says, each service call inside
    `around(action name)`. Returns (request id, human steps completed)."""
    with around("create"):
        pk = services.create_request(
            user=cast.user(ticket.district.code, "officer"), data=request_input(cast, ticket)
        ).pk
    district = ticket.district.code
    kind, _, stop = ticket.outcome.partition(":")
    if kind == "closed":
        return pk, _run_steps(cast, ticket, pk, STEPS, around)
    if kind == "open":
        return pk, _run_steps(cast, ticket, pk, _steps_until(stop), around)
    if kind == "withdrawn":
        with around("withdraw"):
            services.withdraw(user=cast.user(district, "officer"), request_id=pk)
        return pk, 1
    if kind == "rejected":
        done = _run_steps(cast, ticket, pk, ("submit", "sign_off"), around)
        with around("reject"):
            services.reject(
                user=cast.reviewers[ticket.category][0],
                request_id=pk,
                reason="Không thuộc phạm vi hỗ trợ (dữ liệu benchmark).",
            )
        return pk, done + 1
    if kind == "returned":
        done = _run_steps(cast, ticket, pk, ("submit",), around)
        with around("return"):
            services.return_for_revision(
                user=cast.user(district, "leader"),
                request_id=pk,
                reason="Bổ sung số liệu (dữ liệu benchmark).",
            )
        return pk, done + 1 + _run_steps(cast, ticket, pk, STEPS, around)
    raise ValueError(f"unknown outcome {ticket.outcome!r}")
