"""The site's own page for a form refused by Django's CSRF check (settings.CSRF_FAILURE_VIEW):
in the reader's language (Vietnamese by default), in the site's frame, saying that nothing was
changed and what to do. The technical reason is not shown: Django's CSRF middleware already
logs it (django.security.csrf)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 with templates/403_csrf.html; a link back to the page the form came from when it
    is one of this site's (its Referer, checked like a `next`)."""
    referer = request.headers.get("referer", "")
    back = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "403_csrf.html", {"back": back}, status=403)
