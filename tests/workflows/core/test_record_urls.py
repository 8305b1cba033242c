"""A record's page link, reversed once per URL name (workflows.core.models.url_around_pk),
is still the page's URL for every record and under the site's script prefix."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from workflows.aid_requests.models import AidRequest
from workflows.commendations.models import Commendation


def test_each_record_links_its_own_page():
    for model, name in (
        (AidRequest, "aid_requests:detail"),
        (Commendation, "commendations:detail"),
    ):
        for pk in (1, 42, 987654321):
            assert model(pk=pk).get_absolute_url() == reverse(name, args=[pk])


def test_a_record_links_its_page_under_the_script_prefix_of_the_request():
    AidRequest(pk=1).get_absolute_url()  # known under the root prefix first
    set_script_prefix("/hotro/")
    try:
        url = AidRequest(pk=5).get_absolute_url()
        assert url.startswith("/hotro/") and url == reverse("aid_requests:detail", args=[5])
    finally:
        set_script_prefix("/")


def test_an_unsaved_record_has_no_page():
    with pytest.raises(NoReverseMatch):
        AidRequest().get_absolute_url()
