"""A duty's page: the waiver (destructive, V.2) waits behind its own confirmation step, closed
at first and opened again with its errors when refused; its box is required."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .conftest import duty

pytestmark = pytest.mark.django_db

STEP = re.compile(r'<details class="confirm-step"( open)?>(.*?)</details>', re.S)


def test_the_waiver_is_a_step_away_and_reopens_with_its_errors(client, cast):
    obligation = duty("lf")
    client.force_login(cast["dolisa", "leader"])

    html = client.get(obligation.get_absolute_url()).content.decode()

    ((opened, step),) = STEP.findall(html)
    assert not opened
    assert 'class="action action-waive action-destructive"' in step
    box = re.search(r'<input [^>]*name="waive-confirm"[^>]*>', step).group(0)
    assert 'type="checkbox"' in box and "required" in box
    assert 'class="btn btn-danger"' in step

    url = reverse("reporting:waive", args=[obligation.pk])
    refused = client.post(url, {"waive-reason": "Không phát sinh"})  # not confirmed

    assert refused.status_code == 400
    ((opened, step),) = STEP.findall(refused.content.decode())
    assert opened == " open"
    assert "invalid-feedback" in step
