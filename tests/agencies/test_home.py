"""The home page tells a user whose role has ended when it ended and who took over its work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

LAST_DISTRICT_DAY = dt.date(2025, 6, 30)


def test_a_former_district_officer_sees_when_the_role_ended_and_who_took_over(client, make_member):
    officer = make_member("d-bac-ai", "officer", valid_to=LAST_DISTRICT_DAY)
    make_member("c-bac-ai-tay", "officer", username="bac-ai-tay", valid_from=dt.date(2025, 7, 1))
    client.force_login(officer)

    with translation.override("vi"):
        page = client.get(reverse("home")).content.decode()

    assert "30/06/2025" in page
    assert "Bác Ái Tây" in page  # one of the new communes that took over the district's work
    assert "bac-ai-tay" in page  # who holds that work today


def test_a_current_role_is_not_listed_as_ended(client, make_member):
    officer = make_member("c-bac-ai-tay", "officer", valid_from=dt.date(2025, 7, 1))
    client.force_login(officer)

    page = client.get(reverse("home")).content.decode()

    assert "ended-roles" not in page
