"""Generated input (hypothesis) posted to every form of the product and generated query strings
sent to every list: whatever a person or a script types (huge, negative, non-numeric, unicode,
very long, empty), the answer is a page, a field error or a refusal, never a server error
(issue #11; the ceilings are workflows/core/bounds.py). On PostgreSQL a number over its column
raises DataError: exactly the 500 this looks for."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import Category, FundingSource, ObligationDefinition, Unit
from tests.workflows.aid_requests import conftest as aid
from tests.workflows.reporting import conftest as rep
from workflows.aid_requests import services as aid_services
from workflows.aid_requests.actions import AID_REQUEST
from workflows.aid_requests.models import AidRequest
from workflows.aid_requests.services import Line
from workflows.commendations import services as commendation_services
from workflows.commendations.actions import COMMENDATION
from workflows.commendations.models import NomineeKind
from workflows.commendations.services import Nomination
from workflows.core.bounds import MAX_COUNT, MAX_LINES, MAX_VND
from workflows.core.declaration import Action, ProcessDeclaration
from workflows.reporting import services as report_services
from workflows.reporting.actions import CONSOLIDATION, REPORT, WAIVE
from workflows.reporting.services import ChildrenLine, ReportInput, ResourceLine

pytestmark = pytest.mark.django_db

# Fast enough for CI on two cores; no example database written into the checkout.
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VN = dt.timezone(dt.timedelta(hours=7))
COMMENDATION_DAY = dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN)

# --- what a person or a script may type ---------------------------------------------------

# The ceilings and the columns' own limits, each with its neighbours.
EDGES = sorted(
    {
        edge + step
        for edge in (0, MAX_COUNT, MAX_VND, 2**31 - 1, 2**63 - 1, 2**64)
        for step in (-1, 0, 1)
    }
    | {10**40, -(2**63) - 1}
)
# Numbers a form may be sent: any, the edges above, and up to the width of two bigints.
NUMBERS = st.one_of(st.integers(), st.sampled_from(EDGES), st.integers(0, 2**64)).map(str)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # any encodable text
LONG = st.text(st.characters(exclude_categories=("Cs",)), min_size=256, max_size=3000)
ODD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "²",
        "١٢٣",
        "1e9",
        "NaN",
        "-0",
        " 7 ",
        "3.5",
        "1.000.000",
        "1,5",
        "0x1F",
        "9" * 5000,
        "0" * 5000 + "1",
        "x" * 5000,
        "30/02/2023",
        "31/12/9999",
        "01/01/0001",
    ]
)


# A field: its valid value, and what to send instead when the example garbles it.
Field = tuple[str, st.SearchStrategy[str]]


NOT_A_NUMBER = st.one_of(NUMBERS, ODD, TEXT)
# Each number field is also sent each of these once, the others valid (hypothesis alone may
# not pick them in its examples): past each ceiling, and past each column.
EDGE_VALUES = (-1, MAX_COUNT + 1, MAX_VND + 1, 2**31, 2**63, 10**40)


def number(valid) -> Field:
    return str(valid), NOT_A_NUMBER


def edges(fields: dict[str, Field]) -> list[dict]:
    """The form once for each number field at each edge value, every other field valid."""
    valid = {key: value for key, (value, _bad) in fields.items()}
    return [
        valid | {key: str(edge)}
        for key, (_value, bad) in fields.items()
        if bad is NOT_A_NUMBER
        for edge in EDGE_VALUES
    ]


def text(valid: str) -> Field:
    return valid, st.one_of(TEXT, LONG, ODD)


def day(valid: str) -> Field:
    return valid, st.one_of(st.dates().map(lambda d: d.strftime("%d/%m/%Y")), ODD, TEXT)


def field_values(field: forms.Field, valid: str) -> Field:
    """One form field: its valid value, or anything of the field's kind and beyond."""
    if isinstance(field, forms.IntegerField | forms.ModelChoiceField):
        return number(valid)
    if isinstance(field, forms.DateField):
        return day(valid)
    if isinstance(field, forms.BooleanField):
        return valid, st.one_of(st.sampled_from(["", "on", "false", "0"]), TEXT)
    return text(valid)


def either(field: Field) -> st.SearchStrategy[str]:
    return st.one_of(st.just(field[0]), field[1])


def values(fields: dict[str, Field]) -> st.SearchStrategy[dict]:
    """A form's data with some fields garbled and the others valid, so that what a field lets
    through reaches the service behind it (garbling all at once seldom gets past the form)."""

    @st.composite
    def build(draw) -> dict:
        garbled = draw(st.sets(st.sampled_from(sorted(fields)))) if fields else set()
        return {key: draw(bad) if key in garbled else valid for key, (valid, bad) in fields.items()}

    return build()


# A formset's count of lines: mostly the lines sent (None), else small, garbled or beyond the
# ceiling (each of those builds MAX_LINES forms: kept rare, for time).
TOTAL_FORMS = st.one_of(
    st.none(),
    st.none(),
    st.none(),
    st.integers(-3, 8).map(str),
    ODD,
    st.sampled_from([str(MAX_LINES + 1), str(2**64)]),
)


def formset(prefix: str, line: st.SearchStrategy[dict], *, max_size: int = 3):
    """A formset's lines and its management form, itself sometimes garbled."""

    @st.composite
    def build(draw) -> dict:
        lines = draw(st.lists(line, max_size=max_size))
        count = str(len(lines))
        data = {
            f"{prefix}-TOTAL_FORMS": draw(TOTAL_FORMS) or count,
            f"{prefix}-INITIAL_FORMS": draw(st.one_of(st.just("0"), ODD)),
        }
        for i, values in enumerate(lines):
            data |= {f"{prefix}-{i}-{k}": v for k, v in values.items()}
        return data

    return build()


def merged(*parts: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.tuples(*parts).map(lambda dicts: {k: v for d in dicts for k, v in d.items()})


def answered(client: Client, method: str, url: str, data: dict) -> int:
    """One request, its writes rolled back so every example meets the same records."""
    with transaction.atomic():
        response = getattr(client, method)(url, data)
        transaction.set_rollback(True)
    assert response.status_code < 500, (url, data)
    return response.status_code


# --- the demo users and records at every step, through the real services -----------------


class Demo:
    """The seed_demo logins, `<unit>.<role>`, by (unit, role) as the folder casts are read."""

    def __getitem__(self, key: tuple[str, str]):
        return get_user_model().objects.get(username=f"{key[0]}.{key[1]}")

    def __call__(self, username: str):
        return get_user_model().objects.get(username=username)


@pytest.fixture
def demo(plan) -> Demo:
    call_command("seed_demo", stdout=io.StringIO())
    return Demo()


def aid_cast(demo: Demo) -> aid.Cast:
    return aid.Cast(
        drafter=demo("d-bac-ai.officer"),
        district_officer=demo("d-bac-ai.supervisor"),
        district_leader=demo("d-bac-ai.leader"),
        doet=demo("doet.officer"),
        doh=demo("doh.officer"),
        dcst=demo("dcst.officer"),
        emc=demo("emc.officer"),
        dolisa_officer=demo("dolisa.officer"),
        dolisa_leader=demo("dolisa.leader"),
        ppc_leader=demo("ppc.leader"),
        everyone={},
    )


MILK = (Line("Sữa cho trẻ mầm non", 120, 250_000),)


def aid_request(demo: Demo, *, lines: tuple[Line, ...] = MILK):
    cast = aid_cast(demo)
    return cast, aid_services.create_request(user=cast.drafter, data=aid.request_input(lines=lines))


def aid_at(move: Callable | None, **kwargs) -> Callable[[Demo], AidRequest]:
    def make(demo: Demo) -> AidRequest:
        cast, request = aid_request(demo, **kwargs)
        return move(cast, request) if move else request

    return make


def request_submitted(cast, request):
    return aid_services.submit(user=cast.drafter, request_id=request.pk)


def report_submitted(cast, report):
    return report_services.submit(user=cast["d-bac-ai", "officer"], report_id=report.pk)


def delivered(cast, request):
    aid.to_delivery(cast, request)
    return aid_services.record_delivery(
        user=cast.drafter,
        request_id=request.pk,
        delivered_on=dt.date(2023, 3, 1),
        children_reached=100,
        note="Đã trao",
    )


def report_at(move: Callable | None, *, annexes=()) -> Callable[[Demo], object]:
    def make(demo: Demo):
        report_services.generate_obligations()
        cast = rep.Cast(everyone=demo)  # type: ignore[arg-type]
        data = rep.figures(children=(("health", "c-phuoc-dai", 40),))
        if move is rep.accepted:
            return rep.accepted(cast, "d-bac-ai", data, annexes=annexes)
        report = rep.draft(cast, "d-bac-ai", data)
        return move(cast, report) if move else report

    return make


def provincial_at(steps: int) -> Callable[[Demo], object]:
    """The year's consolidation, every unit report waived, moved `steps` actions on."""

    def make(demo: Demo):
        report_services.generate_obligations()
        for obligation in report_services.consolidation_gaps(year=2023):
            report_services.waive_obligation(
                user=demo("dolisa.leader"), obligation_id=obligation.pk, reason="Không phát sinh"
            )
        provincial = report_services.open_consolidation(user=demo("dolisa.officer"), year=2023)
        report_services.update_consolidation(
            user=demo("dolisa.officer"), provincial_id=provincial.pk, narrative="Tổng hợp 2023"
        )
        moves = [
            lambda: report_services.submit_consolidation(
                user=demo("dolisa.officer"), provincial_id=provincial.pk
            ),
            lambda: report_services.approve_consolidation(
                user=demo("dolisa.leader"), provincial_id=provincial.pk
            ),
        ]
        for move in moves[:steps]:
            move()
        return provincial

    return make


def commendation_at(proposed: bool) -> Callable[[Demo], object]:
    def make(demo: Demo):
        officer = demo("dolisa.officer")
        commendation = commendation_services.create_commendation(
            user=officer,
            data=Nomination(
                year=2024,
                nominee_name="Công ty TNHH Điện gió Phước Hữu",
                nominee_kind=NomineeKind.BUSINESS,
                contribution="Tặng 300 suất áo ấm cho trẻ em xã Phước Bình.",
                value_vnd=450_000_000,
            ),
        )
        if proposed:
            commendation_services.propose(user=officer, commendation_id=commendation.pk)
        return commendation

    return make


@dataclass(frozen=True)
class Step:
    """A record at one step of a process, the demo user who acts there, on a day of its work,
    and the actions to post (default: the step's declared actions that have no page)."""

    declaration: ProcessDeclaration
    step: str
    user: str
    day: dt.datetime
    record: Callable[[Demo], object]
    outside: tuple[str, ...] = ()

    def actions(self) -> list[Action]:
        declared = self.declaration.steps[self.step].actions if self.step else ()
        found = [a for a in declared if a.page is None]
        return found + [a for a in self.declaration.outside if a.name in self.outside]

    def __str__(self) -> str:
        return f"{self.declaration.url_namespace}-{self.step or 'outside'}-{self.user}"


STEPS = [
    Step(AID_REQUEST, "draft", "d-bac-ai.officer", aid.WORK_DAY, aid_at(None)),
    Step(AID_REQUEST, "sign_off", "d-bac-ai.leader", aid.WORK_DAY, aid_at(request_submitted)),
    Step(AID_REQUEST, "review", "doet.officer", aid.WORK_DAY, aid_at(aid.to_review)),
    Step(AID_REQUEST, "consolidate", "dolisa.officer", aid.WORK_DAY, aid_at(aid.to_consolidation)),
    Step(AID_REQUEST, "approve", "dolisa.leader", aid.WORK_DAY, aid_at(aid.to_approval)),
    Step(
        AID_REQUEST,
        "approve_ppc",
        "ppc.leader",
        aid.WORK_DAY,
        aid_at(aid.to_approval, lines=(Line("Học bổng", 1_000, 1_000_000),)),
    ),
    Step(AID_REQUEST, "deliver", "d-bac-ai.officer", aid.WORK_DAY, aid_at(aid.to_delivery)),
    Step(AID_REQUEST, "confirm_delivery", "dolisa.officer", aid.WORK_DAY, aid_at(delivered)),
    Step(REPORT, "draft", "d-bac-ai.officer", rep.WORK_DAY, report_at(None)),
    Step(REPORT, "", "dolisa.leader", rep.WORK_DAY, report_at(None), outside=("waive",)),
    Step(REPORT, "sign_off", "d-bac-ai.leader", rep.WORK_DAY, report_at(report_submitted)),
    Step(REPORT, "annex_review", "doh.officer", rep.WORK_DAY, report_at(rep.to_review)),
    Step(
        REPORT,
        "review",
        "dolisa.officer",
        rep.WORK_DAY,
        lambda demo: report_services.accept_annex(
            user=demo("doh.officer"), report_id=report_at(rep.to_review)(demo).pk
        ),
    ),
    Step(
        REPORT,
        "",
        "dolisa.officer",
        rep.WORK_DAY,
        report_at(rep.accepted, annexes=("doh",)),
        outside=("reopen",),
    ),
    Step(CONSOLIDATION, "consolidate", "dolisa.officer", rep.WORK_DAY, provincial_at(0)),
    Step(CONSOLIDATION, "approve", "dolisa.leader", rep.WORK_DAY, provincial_at(1)),
    Step(CONSOLIDATION, "", "dolisa.officer", rep.WORK_DAY, provincial_at(1), outside=("reopen",)),
    Step(CONSOLIDATION, "acknowledge", "ppc.leader", rep.WORK_DAY, provincial_at(2)),
    Step(COMMENDATION, "propose", "dolisa.officer", COMMENDATION_DAY, commendation_at(False)),
    Step(COMMENDATION, "approve", "ppc.leader", COMMENDATION_DAY, commendation_at(True)),
]

# A valid value of the fields whose default (empty, or a short text) is not one.
VALID = {
    "funding_source": lambda: str(FundingSource.objects.get(code="donor_pledge").pk),
    "delivered_on": lambda: "01/03/2023",
    "children_reached": lambda: "78",
    "decision_number": lambda: "1234/QĐ-UBND",
    "decision_date": lambda: "14/03/2025",
    "confirm": lambda: "on",
}


def action_form(action: Action) -> dict[str, Field]:
    """The action's form as the generic action page reads it (prefixed with its name)."""
    fields = dict(action.form_class.base_fields)
    if action.destructive:
        fields["confirm"] = forms.BooleanField()
    return {
        f"{action.name}-{name}": field_values(
            field, VALID[name]() if name in VALID else ("Đạt yêu cầu" if field.required else "")
        )
        for name, field in fields.items()
        if not isinstance(field, forms.FileField)
    }


@pytest.mark.parametrize("step", STEPS, ids=str)
def test_every_action_form_answers_without_a_server_error(demo, step: Step):
    with time_machine.travel(step.day, tick=False):
        record = step.record(demo)
        client = Client()
        client.force_login(demo(step.user))
        namespace = step.declaration.url_namespace
        urls = {
            a.name: reverse(f"{namespace}:act", args=[record.pk, a.name]) for a in step.actions()
        }
        assert urls, step
        for action in step.actions():
            fields = action_form(action)
            valid = {key: value for key, (value, _bad) in fields.items()}
            # The user holds the step: valid input goes through, and every number at its edges
            # reaches the service.
            assert answered(client, "post", urls[action.name], valid) == 302, action.name
            for data in edges(fields):
                answered(client, "post", urls[action.name], data)

        # As many examples for each action as a form of its own page gets.
        @settings(EXAMPLES, max_examples=EXAMPLES.max_examples * len(urls))
        @given(
            st.sampled_from(step.actions()).flatmap(
                lambda a: st.tuples(st.just(a), values(action_form(a)))
            )
        )
        def post(chosen):
            action, data = chosen
            answered(client, "post", urls[action.name], data)

        post()


# --- the full forms: a request with its lines, a report with its figures, a proposal --------


@dataclass(frozen=True)
class Form:
    """A form's fields and its formsets' line fields (by prefix), each with a valid value."""

    fields: dict[str, Field]
    formsets: dict[str, dict[str, Field]] = dataclasses.field(default_factory=dict)
    once: bool = False  # a create form, with its one-time token (workflows.core.once)

    def data(self) -> st.SearchStrategy[dict]:
        parts = [values(self.fields), *(formset(p, values(f)) for p, f in self.formsets.items())]
        if self.once:
            token = st.one_of(st.uuids().map(str), ODD, TEXT)
            parts.append(st.fixed_dictionaries({}, optional={"once_token": token}))
        return merged(*parts)

    def one_line(self) -> dict[str, Field]:
        """Every field, with one line of each formset, as one form."""
        flat = dict(self.fields)
        for prefix, line in self.formsets.items():
            flat |= {f"{prefix}-TOTAL_FORMS": number(1), f"{prefix}-INITIAL_FORMS": number(0)}
            flat |= {f"{prefix}-0-{key}": field for key, field in line.items()}
        return flat


def request_form() -> Form:
    groups = st.lists(st.tuples(either(text("Raglai")), either(number(30))), max_size=3).map(
        lambda pairs: "\n".join(f"{name}: {count}" for name, count in pairs)
    )
    return Form(
        {
            "district": number(Unit.objects.get(code="d-bac-ai").pk),
            "commune": number(Unit.objects.get(code="c-phuoc-dai").pk),
            "category": number(Category.objects.get(code="nutrition").pk),
            "year": number(2023),
            "children_preschool": number(120),
            "children_primary": number(0),
            "children_other": number(0),
            "ethnic_breakdown": ("Raglai: 70", st.one_of(groups, ODD, TEXT)),
            "justification": text("Trẻ suy dinh dưỡng thể thấp còi."),
        },
        {"lines": {"item": text("Sữa"), "quantity": number(120), "unit_cost": number(250_000)}},
    )


def report_form() -> Form:
    return Form(
        {"narrative": text("Kết quả vận động năm 2023."), "activities_held": number(3)},
        {
            "resources": {
                "source": number(FundingSource.objects.get(code="donor_pledge").pk),
                "cash_vnd": number(50_000_000),
                "in_kind_vnd": number(""),
            },
            "children": {
                "category": number(Category.objects.get(code="health").pk),
                "commune": number(Unit.objects.get(code="c-phuoc-dai").pk),
                "children": number(40),
            },
        },
    )


def nomination_form() -> Form:
    return Form(
        {
            "year": number(2024),
            "nominee_name": text("Công ty TNHH Điện gió Phước Hữu"),
            "nominee_kind": text(NomineeKind.BUSINESS.value),
            "contribution": text("Tặng 300 suất áo ấm."),
            "value_vnd": number(450_000_000),
        }
    )


def created(form: Callable[[], Form]) -> Callable[[], Form]:
    return lambda: dataclasses.replace(form(), once=True)


@dataclass(frozen=True)
class Page:
    """A form on its own page, the demo user who fills it, on a day of its work."""

    name: str
    user: str
    day: dt.datetime
    url: Callable[[Demo], str]
    form: Callable[[], Form]

    def __str__(self) -> str:
        return self.name


def _report_url(demo: Demo) -> str:
    return reverse("reporting:edit", args=[report_at(None)(demo).pk])


PAGES = [
    Page(
        "request-create",
        "d-bac-ai.officer",
        aid.WORK_DAY,
        lambda demo: reverse("aid_requests:create"),
        created(request_form),
    ),
    Page(
        "request-edit",
        "d-bac-ai.officer",
        aid.WORK_DAY,
        lambda demo: reverse("aid_requests:edit", args=[aid_at(None)(demo).pk]),
        request_form,
    ),
    Page(
        "report-create",
        "d-bac-ai.officer",
        rep.WORK_DAY,
        lambda demo: reverse("reporting:create", args=[rep.duty("d-bac-ai").pk]),
        created(report_form),
    ),
    Page("report-edit", "d-bac-ai.officer", rep.WORK_DAY, _report_url, report_form),
    Page(
        "obligation-waive",
        "dolisa.leader",
        rep.WORK_DAY,
        lambda demo: reverse("reporting:waive", args=[rep.duty("d-ninh-son").pk]),
        lambda: Form(action_form(WAIVE)),
    ),
    Page(
        "commendation-create",
        "dolisa.officer",
        COMMENDATION_DAY,
        lambda demo: reverse("commendations:create"),
        created(nomination_form),
    ),
    Page(
        "commendation-edit",
        "dolisa.officer",
        COMMENDATION_DAY,
        lambda demo: reverse("commendations:edit", args=[commendation_at(False)(demo).pk]),
        nomination_form,
    ),
    Page(
        "login",
        "",
        COMMENDATION_DAY,
        lambda demo: reverse("login"),
        lambda: Form({"username": text("dolisa.officer"), "password": text("demo12345")}),
    ),
]


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_every_full_form_answers_without_a_server_error(demo, page: Page):
    with time_machine.travel(page.day, tick=False):
        report_services.generate_obligations()  # the plan's duties, as Celery beat makes them
        url, form = page.url(demo), page.form()

        def client() -> Client:
            signed_in = Client()
            if page.user:
                signed_in.force_login(demo(page.user))
            return signed_in

        valid = {key: value for key, (value, _bad) in form.one_line().items()}
        assert answered(client(), "post", url, valid) == 302  # valid input goes through
        for data in edges(form.one_line()):
            answered(client(), "post", url, data)

        @EXAMPLES
        @given(form.data())
        def post(data):
            answered(client(), "post", url, data)

        post()


# --- every list, the dashboard's filters and their exports, with generated query strings ---

LISTS = [
    ("tasks:inbox", "dolisa.officer"),
    ("tasks:archive", "dolisa.officer"),
    ("aid_requests:list", "d-bac-ai.officer"),
    ("commendations:list", "dolisa.officer"),
    ("reporting:obligations", "d-bac-ai.officer"),
    ("reporting:notifications", "d-bac-ai.officer"),
    ("reporting:dashboard", "dolisa.leader"),
    ("reporting:dashboard_csv", "dolisa.leader"),
    ("reporting:dashboard_xlsx", "dolisa.leader"),
]


def query() -> st.SearchStrategy[dict]:
    definitions = list(ObligationDefinition.objects.values_list("code", flat=True))
    known = {
        "page": either(number(2)),
        "overdue": st.one_of(st.just("1"), ODD, TEXT),
        "year": either(number(2023)),
        "kind": st.one_of(st.just("district"), ODD, TEXT),
        "definition": st.one_of(st.sampled_from(definitions), ODD, TEXT),
    }
    return merged(
        st.fixed_dictionaries({}, optional=known),
        st.dictionaries(TEXT.filter(lambda k: k not in known), TEXT, max_size=2),
    )


@pytest.mark.parametrize(("name", "user"), LISTS)
def test_every_list_answers_any_query_without_a_server_error(demo, name: str, user: str):
    with time_machine.travel(rep.WORK_DAY, tick=False):
        report_services.generate_obligations()
        for _ in range(3):  # more than one page of the user's inbox and lists
            aid_request(demo)
        client = Client()
        client.force_login(demo(user))
        url = reverse(name)

        @EXAMPLES
        @given(query())
        def get(params):
            answered(client, "get", url, params)

        get()


# --- the services themselves: what an API call, a Celery task or the admin could pass -------

INTEGERS = st.one_of(st.integers(), st.sampled_from(EDGES))
# Text a form lets through (its CharField refuses NUL; a browser cannot send a lone surrogate).
PLAIN = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")


def refused_or_stored(write: Callable[[], object]) -> object | None:
    """A service given any whole number refuses it with a field error or stores it; a number
    its column cannot hold would raise DataError or OverflowError here instead."""
    with transaction.atomic():
        try:
            return write()
        except ValidationError as exc:
            assert exc.message_dict, exc
            return None
        finally:
            transaction.set_rollback(True)


def test_a_request_is_refused_or_fits_its_columns(demo):
    with time_machine.travel(aid.WORK_DAY, tick=False):
        cast = aid_cast(demo)

        @EXAMPLES
        @given(
            st.lists(st.tuples(INTEGERS, INTEGERS), min_size=1, max_size=3),
            INTEGERS,
            INTEGERS,
            st.text(PLAIN, max_size=300),
        )
        def create(lines, children, raglai, item):
            data = aid.request_input(
                lines=tuple(Line(item or "Sữa", q, c) for q, c in lines),
                children_preschool=children,
            )
            data = dataclasses.replace(data, ethnic_breakdown={"Raglai": raglai})
            stored = refused_or_stored(
                lambda: aid_services.create_request(user=cast.drafter, data=data)
            )
            if stored is not None:
                assert stored.requested_total <= MAX_VND

        create()


def test_a_delivery_is_refused_or_fits_its_column(demo):
    with time_machine.travel(aid.WORK_DAY, tick=False):
        cast, request = aid_request(demo)
        aid.to_delivery(cast, request)

        @EXAMPLES
        @given(INTEGERS)
        def deliver(children):
            refused_or_stored(
                lambda: aid_services.record_delivery(
                    user=cast.drafter,
                    request_id=request.pk,
                    delivered_on=dt.date(2023, 3, 1),
                    children_reached=children,
                )
            )

        deliver()


def test_a_report_is_refused_or_fits_its_columns(demo):
    with time_machine.travel(rep.WORK_DAY, tick=False):
        report_services.generate_obligations()
        officer, obligation = demo("d-bac-ai.officer"), rep.duty("d-bac-ai")
        sources = list(FundingSource.objects.order_by("code")[:2])
        health = Category.objects.get(code="health")
        commune = Unit.objects.get(code="c-phuoc-dai")

        @EXAMPLES
        @given(st.lists(st.tuples(INTEGERS, INTEGERS), max_size=2), INTEGERS, INTEGERS)
        def create(amounts, children, activities):
            data = ReportInput(
                narrative="Kết quả",
                activities_held=activities,
                resources=[
                    ResourceLine(source=source, cash_vnd=cash, in_kind_vnd=in_kind)
                    for source, (cash, in_kind) in zip(sources, amounts, strict=False)
                ],
                children=[ChildrenLine(category=health, commune=commune, children=children)],
            )
            refused_or_stored(
                lambda: report_services.create_report(
                    user=officer, obligation_id=obligation.pk, data=data
                )
            )

        create()


def test_a_commendation_is_refused_or_fits_its_columns(demo):
    with time_machine.travel(COMMENDATION_DAY, tick=False):
        officer, leader = demo("dolisa.officer"), demo("ppc.leader")
        proposed = commendation_at(True)(demo)

        @EXAMPLES
        @given(
            INTEGERS,
            INTEGERS,
            st.text(PLAIN, min_size=1, max_size=400),
            st.text(PLAIN, max_size=200),
        )
        def write(year, value, name, decision):
            nomination = Nomination(
                year=year,
                nominee_name=name,
                nominee_kind=NomineeKind.BUSINESS,
                contribution="Tặng áo ấm.",
                value_vnd=value,
            )
            refused_or_stored(
                lambda: commendation_services.create_commendation(user=officer, data=nomination)
            )
            refused_or_stored(
                lambda: commendation_services.approve(
                    user=leader,
                    commendation_id=proposed.pk,
                    decision_number=decision,
                    decision_date=dt.date(2025, 3, 14),
                )
            )

        write()
