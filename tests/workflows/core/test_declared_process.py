"""Acceptance of "one declaration per process": a new process is added by declaring it.

tests/declared holds a two-step process and nothing else: models.py (26 lines), flows.py (22)
and actions.py (30), 78 lines in all (test_the_declared_process_stays_small counts them), plus
its AppConfig (apps.py, 9 lines) and the generated migration. It has no view, template, form,
selector or service module. Its matrix rows are plan data (tests/declared/plan.yaml, added to
the shipped plan file and loaded with loadplan). Its record and action pages come from
`process_urls(NOTE, page=True)`; the inbox, the permission by membership and the audit trail
(unit, role, clause) come from the shared core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import include, path, reverse
from viewflow.workflow.models import Task

from agencies.models import Unit
from agencies.services import grant_membership
from config.urls import urlpatterns as product_urlpatterns
from tests.conftest import PLAN_FILE
from tests.declared.actions import NOTE
from tests.declared.models import Note
from workflows.core.declaration import DECIDED
from workflows.core.errors import PermissionDenied
from workflows.core.models import Notification
from workflows.core.timeline import timeline_for
from workflows.core.transitions import may_start, start
from workflows.core.views import process_urls

DECLARED = Path(__file__).resolve().parents[2] / "declared"

# The product's URLs and the note's generic record and action pages.
urlpatterns = [
    *product_urlpatterns,
    path("notes/", include((process_urls(NOTE, page=True), "declared"))),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def people(tmp_path) -> dict:
    """The plan with the note's rows loaded; a writer and a signer of its unit, someone of
    another unit, and a former writer whose membership has ended."""
    data = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    for section, rows in yaml.safe_load((DECLARED / "plan.yaml").read_text("utf-8")).items():
        data[section] = [*data[section], *rows]
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    call_command("loadplan", str(plan_file), verbosity=0)
    memberships = {
        "writer": ("desk", "officer", None),
        "signer": ("desk", "leader", None),
        "stranger": ("other-desk", "officer", None),
        "former": ("desk", "officer", dt.date(2020, 12, 31)),
    }
    users = {}
    for name, (unit, role, valid_to) in memberships.items():
        users[name] = get_user_model().objects.create_user(username=name, password="x")
        grant_membership(
            user=users[name],
            unit=Unit.objects.get(code=unit),
            role=role,
            valid_from=dt.date(2019, 1, 1),
            valid_to=valid_to,
        )
    return users


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inbox_rows(user) -> list[tuple]:
    page = client_of(user).get(reverse("tasks:inbox"))
    assert page.status_code == 200
    return [(str(r["process"]), str(r["step"]), r["subject"]) for r in page.context["rows"]]


def act_url(note: Note, action: str) -> str:
    return reverse("declared:act", args=[note.pk, action])


def written(people) -> Note:
    """A note started through the core, as any process's create service does."""
    actor = may_start(model=Note, user=people["writer"])
    with transaction.atomic():
        note = Note.objects.create(text="Biên bản bàn giao quà cho trẻ em")
        start(record=note, user=people["writer"], actor=actor)
    return note


def test_only_a_member_of_the_first_steps_unit_and_role_starts_one(people):
    for who in ("signer", "stranger", "former"):
        with pytest.raises(PermissionDenied):
            may_start(model=Note, user=people[who])
    assert may_start(model=Note, user=people["writer"]).unit.code == "desk"


def test_a_declared_process_gets_inbox_action_pages_permissions_and_audit(people):
    writer, signer = people["writer"], people["signer"]
    note = written(people)

    assert inbox_rows(writer) == [("Note", "Writing", note)]  # declared title and step label
    assert "<td>Note</td>" in client_of(writer).get("/tasks/").content.decode()
    for who in ("signer", "stranger", "former"):
        assert inbox_rows(people[who]) == []

    hand_in = act_url(note, "hand_in")
    page = client_of(writer).get(hand_in)
    assert page.status_code == 200
    assert "<h1>Hand in</h1>" in page.content.decode()
    assert 'name="hand_in-comment"' in page.content.decode()
    for who in ("signer", "stranger", "former"):
        assert client_of(people[who]).get(hand_in).status_code == 403
        assert client_of(people[who]).post(hand_in, {"hand_in-comment": ""}).status_code == 403
    note.refresh_from_db()
    assert note.status == "draft"

    done = client_of(writer).post(hand_in, {"hand_in-comment": "Đã đủ chữ ký nhận."})
    assert (done.status_code, done["Location"]) == (302, f"/notes/{note.pk}/")
    note.refresh_from_db()
    assert note.status == "handed_in"
    assert inbox_rows(writer) == []
    assert inbox_rows(signer) == [("Note", "Signature", note)]

    countersign = act_url(note, "countersign")
    assert client_of(writer).get(countersign).status_code == 403
    assert client_of(signer).get(countersign).status_code == 200
    assert client_of(signer).post(countersign, {"countersign-comment": ""}).status_code == 302
    note.refresh_from_db()
    note.process.refresh_from_db()
    assert (note.status, note.process.status) == ("signed", "DONE")
    assert not Task.objects.filter(process=note.process, status__in=["NEW", "ASSIGNED"]).exists()

    events = [
        (
            e.action,
            e.actor.username,
            e.unit.code,
            e.role,
            e.clause,
            e.step,
            e.from_status,
            e.to_status,
            e.comment,
        )
        for e in timeline_for(note)
    ]
    assert events == [
        ("create", "writer", "desk", "officer", "T.1", "", "", "draft", ""),
        ("hand_in", "writer", "desk", "officer", "T.1", "write", "draft", "handed_in",
         "Đã đủ chữ ký nhận."),
        ("countersign", "signer", "desk", "leader", "T.1", "sign", "handed_in", "signed", ""),
    ]  # fmt: skip
    assert NOTE.action_labels["hand_in"] == "Hand in"  # what the timeline shows for each
    # The signature ended the process: its author is told of the decision, its signer not.
    assert [n.kind for n in Notification.objects.filter(recipient=writer)] == [DECIDED]
    assert not Notification.objects.filter(recipient=signer, kind=DECIDED).exists()


def test_the_declared_process_stays_small():
    """Model, flow and step declarations: under 80 lines, as the docstring above counts."""
    counts = {
        name: len((DECLARED / name).read_text(encoding="utf-8").splitlines())
        for name in ("models.py", "flows.py", "actions.py")
    }
    assert counts == {"models.py": 26, "flows.py": 22, "actions.py": 30}
    assert sum(counts.values()) < 80
    assert sorted(p.name for p in DECLARED.glob("*.py")) == [
        "__init__.py", "actions.py", "apps.py", "flows.py", "models.py",
    ]  # fmt: skip
