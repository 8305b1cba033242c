"""Links between pages of a list keep the list's filters."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory


def render(path: str, template: str, **context) -> str:
    request = RequestFactory().get(path)
    return Template("{% load pages %}" + template).render(Context({"request": request, **context}))


def test_the_next_page_keeps_the_filters_and_replaces_the_page():
    assert render("/requests/?overdue=1&page=1", "{% page_url 2 %}") == "?overdue=1&amp;page=2"


def test_the_pager_of_the_inbox_keeps_them_too():
    html = render(
        "/tasks/?process=aid_request&page=2",
        '{% include "core/_pager.html" %}',
        page=2,
        previous_page=1,
        next_page=3,
    )
    assert 'href="?process=aid_request&amp;page=1"' in html
    assert 'href="?process=aid_request&amp;page=3"' in html
