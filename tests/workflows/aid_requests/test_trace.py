"""How far "a sector officer accepts a review" travels: the project's Python files whose code
runs between the view its URL names and the database (issue #9 asks for at most six; this
test pins where the path stands so that it can only get shorter)."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from workflows.aid_requests import services
from workflows.core.models import Notification

from .conftest import request_input

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR).resolve()

# The view, the door, the declaration vocabulary (nodes and actions), the notices it sends,
# the audit model; the process's service, routing and FSM; who holds which unit and role; the
# cache backend.
PATH = {
    "workflows/core/views.py",
    "workflows/core/transitions.py",
    "workflows/core/declaration.py",
    "workflows/core/notices.py",
    "workflows/core/notifications.py",
    "workflows/core/models.py",
    "workflows/aid_requests/services.py",
    "workflows/aid_requests/flows.py",
    "workflows/aid_requests/models.py",
    "agencies/models.py",
    "agencies/selectors.py",
    "config/cache.py",  # the Redis cache the matrix is read through, where REDIS_URL is set
}


def files_run_inside(view, call) -> set[str]:
    """The product files (not tests) whose functions run while `view` runs during `call()`
    (the middleware around every request is not this URL's path)."""
    target = inspect.unwrap(view).__code__
    seen: set[str] = set()
    inside: list = []

    def profile(frame, event, arg):
        if event == "call":
            if frame.f_code is target:
                inside.append(frame)
            if inside:
                seen.add(frame.f_code.co_filename)
        elif event == "return" and inside and frame is inside[-1]:
            inside.pop()

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    files = set()
    for name in seen - {n for n in seen if n.startswith("<")}:  # frozen or generated code
        path = Path(name).resolve()
        if path.is_relative_to(ROOT) and ".venv" not in path.parts:
            relative = path.relative_to(ROOT)
            if relative.parts[0] not in ("tests", "bench"):
                files.add(relative.as_posix())
    return files


def test_accepting_the_last_review_runs_code_of_no_more_project_files_than_listed(client, cast):
    aid = services.create_request(user=cast.drafter, data=request_input(category="nutrition"))
    services.submit(user=cast.drafter, request_id=aid.pk)
    services.sign_off(user=cast.district_leader, request_id=aid.pk)
    services.accept_review(user=cast.doet, request_id=aid.pk)  # the first of the two reviews
    client.force_login(cast.doh)
    client.get(reverse("aid_requests:detail", args=[aid.pk]))  # warm what any page warms

    url = reverse("aid_requests:act", args=[aid.pk, "accept_review"])
    files = files_run_inside(resolve(url).func, lambda: client.post(url, {}))

    aid.refresh_from_db()
    assert aid.status == "accepted"
    assert Notification.objects.filter(recipient=cast.dolisa_officer).exists()  # DOLISA told
    assert "workflows/core/views.py" in files and "workflows/aid_requests/models.py" in files
    assert files <= PATH, sorted(files - PATH)
