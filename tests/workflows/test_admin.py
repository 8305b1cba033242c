"""Admin pages show process records read-only: no state changes bypass the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
