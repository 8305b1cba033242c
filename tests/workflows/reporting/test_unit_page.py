"""A unit's page says whose work it took over and to whom it passed its own, with the acts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

IN_PLAN = dt.datetime(2024, 5, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_a_former_districts_page_names_its_successors_and_the_act(plan, client, make_member):
    with time_machine.travel(IN_PLAN, tick=False):
        client.force_login(make_member("dolisa", "supervisor"))
        page = client.get(reverse("reporting:unit", args=["d-bac-ai"]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "72/2025/QH15" in text  # the district level removed: its work to the new communes
    assert "Bác Ái Tây" in text
    assert "01/07/2025" in text
