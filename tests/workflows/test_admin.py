"""Admin pages show process records, viewflow's processes and tasks read-only: no state
changes bypass the services, a task is reassigned through the door's page, and nothing that
is the work's history is deleted, nor is anyone who did the work."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from viewflow.workflow.models import Task

from tests.workflows.aid_requests.conftest import WORK_DAY, request_input
from workflows.aid_requests import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "workflows_core/auditevent",
        "workflows_core/notification",
        "aid_requests/aidrequest",
        "reporting/obligation",
        "reporting/report",
        "reporting/waiver",
        "reporting/provincialreport",
    ],
)
def test_admin_lists_but_does_not_edit(admin_client, model):
    app, name = model.split("/")
    assert admin_client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{app}_{name}_add")).status_code == 403


# viewflow's processes and tasks: shown, never changed, reassigned or erased here ------------------


@pytest.fixture
def drafted(make_member):
    """A request just created on a work day: its process and the draft task its drafter holds."""
    with time_machine.travel(WORK_DAY, tick=False):
        drafter = make_member("d-bac-ai", "officer")
        aid = services.create_request(user=drafter, data=request_input())
        yield aid, Task.objects.get(process_id=aid.process_id, flow_task_type="HUMAN")


def task_state(task: Task) -> dict:
    return Task.objects.filter(pk=task.pk).values().get()


def test_a_task_is_shown_read_only_with_its_record_and_the_reassign_page(admin_client, drafted):
    aid, task = drafted
    before = task_state(task)
    change = reverse("admin:viewflow_task_change", args=[task.pk])

    html = admin_client.get(change).content.decode()
    assert 'name="_save"' not in html
    for field in ("owner_permission", "owner", "status", "data", "flow_task", "token"):
        assert f'name="{field}"' not in html
    assert f'href="{aid.get_absolute_url()}"' in html
    assert f'href="{reverse("tasks:reassign", args=[task.pk])}"' in html
    assert reverse("admin:viewflow_task_delete", args=[task.pk]) not in html
    edited = {"owner_permission": "agencies.act.ppc.leader", "status": "DONE", "data": "{}"}
    assert admin_client.post(change, edited).status_code == 403
    assert task_state(task) == before


def test_a_task_cannot_be_added_or_deleted_in_the_admin(admin_client, drafted):
    _aid, task = drafted
    listing_url = reverse("admin:viewflow_task_changelist")
    delete = reverse("admin:viewflow_task_delete", args=[task.pk])

    listing = admin_client.get(listing_url, {"q": task.owner.username})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [task]
    assert 'name="action"' not in listing.content.decode()  # no "delete selected"
    assert admin_client.get(reverse("admin:viewflow_task_add")).status_code == 403
    refused = admin_client.get(delete)
    assert refused.status_code == 403
    assert "giao lại từ trang hồ sơ" in refused.content.decode()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [task.pk], "post": "yes"}
    admin_client.post(listing_url, bulk)
    assert Task.objects.filter(pk=task.pk).exists()


def test_a_process_is_shown_read_only_with_its_record_and_tasks(admin_client, drafted):
    aid, task = drafted
    process = aid.process
    change = reverse("admin:viewflow_process_change", args=[process.pk])

    html = admin_client.get(change).content.decode()
    assert 'name="_save"' not in html
    assert 'name="status"' not in html and 'name="task_set-0-status"' not in html
    assert f'href="{aid.get_absolute_url()}"' in html
    assert reverse("admin:viewflow_task_change", args=[task.pk]) in html
    assert admin_client.post(change, {"status": "CANCELED"}).status_code == 403
    delete = reverse("admin:viewflow_process_delete", args=[process.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    listing = admin_client.get(reverse("admin:viewflow_process_changelist"))
    assert 'name="action"' not in listing.content.decode()  # no "delete selected"
    process.refresh_from_db()
    assert process.status == "NEW"
    assert Task.objects.filter(pk=task.pk).exists()


def test_a_user_who_did_work_cannot_be_deleted(admin_client, drafted):
    """The drafter holds a task and is named by the request and its audit trail."""
    _aid, task = drafted
    delete = reverse("admin:auth_user_delete", args=[task.owner_id])

    refused = admin_client.get(delete)
    assert refused.status_code == 403
    html = refused.content.decode()
    assert all(kind in html for kind in ("Việc", "nhật ký", "đề nghị hỗ trợ", "phân công"))
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Task.objects.filter(pk=task.pk, owner_id=task.owner_id).exists()
