"""The administration reads in Vietnamese: Django's admin, viewflow and django-axes labels
that their own catalogues leave in English are translated in ours (LOCALE_PATHS first)."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.urls import reverse
from viewflow.workflow.models import Task

from tests.workflows.aid_requests.conftest import WORK_DAY, request_input
from workflows.aid_requests import services

pytestmark = pytest.mark.django_db

# Labels of the pages, not data: a flow's class path or a node's name stays as the code has it.
ENGLISH = [
    "Skip to main content",
    "Toggle theme",
    "Model name",
    "Add link",
    "Change or view list link",
    "Show counts",
    "Workflow",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Flow",
    "flow",
    "Type",
    "Created",
    "Assigned",
    "Started",
    "Finished",
    "Scheduled",
    "Token",
    "Status",
    "Canceled",
    "Done",
    "Error",
    "New",
    "Revived",
    "Owner",
    "Permission",
    "Process",
    "Task",
    "Tasks",
]


def visible_text(response) -> str:
    """What a reader sees (screen readers included): the page without tags, scripts, styles."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"(?s)<[^>]+>", " ", page)))


@pytest.fixture
def task(make_member):
    """A request on a work day: a finished start task and an open draft task to list."""
    with time_machine.travel(WORK_DAY, tick=False):
        drafter = make_member("d-bac-ai", "officer")
        aid = services.create_request(user=drafter, data=request_input())
    return Task.objects.get(process_id=aid.process_id, flow_task__endswith="start")


@pytest.mark.parametrize(
    "page",
    [
        ("admin:index", False),
        ("admin:viewflow_task_changelist", False),
        ("admin:viewflow_process_changelist", False),
        ("admin:viewflow_task_change", True),
    ],
)
def test_the_admin_shows_no_english_label(admin_client, task, page):
    name, of_the_task = page
    url = reverse(name, args=[task.pk] if of_the_task else [])

    text = visible_text(admin_client.get(url))

    assert "Quy trình" in text
    english = [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]
    assert english == []
