"""The shared inbox: a bounded page, constant queries whatever the number of rows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .conftest import to_review

pytestmark = pytest.mark.django_db

BAC_AI = [
    "c-phuoc-dai",
    "c-phuoc-thanh",
    "c-phuoc-chinh",
    "c-phuoc-trung",
    "c-phuoc-tan",
    "c-phuoc-tien",
    "c-phuoc-thang",
    "c-phuoc-hoa",
    "c-phuoc-binh",
]


def test_inbox_pages_without_a_query_per_row(
    client, cast, new_request, django_assert_max_num_queries
):
    for commune in BAC_AI:
        for year in (2022, 2023, 2024):
            to_review(cast, new_request(commune=commune, year=year))
    client.force_login(cast.doet)
    # 13: the page's own and the menu's (may the user start a request, oversee reporting;
    # the bell's unread count)
    with django_assert_max_num_queries(13):
        first = client.get(reverse("tasks:inbox"))
    html = first.content.decode()
    assert len(re.findall(r'href="/requests/\d+/"', html)) == 25
    assert "?page=2" in html
    second = client.get(reverse("tasks:inbox"), {"page": 2}).content.decode()
    assert len(re.findall(r'href="/requests/\d+/"', second)) == 2
    assert "?page=3" not in second and "?page=1" in second
