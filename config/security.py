"""Sign-in hardening: lockout after repeated failures (django-axes), the client's address behind
the reverse proxy, the lockout page, a throttled password reset and a validator that refuses the
published demo password outside the demo."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from axes.backends import AxesStandaloneBackend  # type: ignore[import-untyped]
from axes.helpers import get_cool_off  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from. Behind TRUSTED_PROXY_COUNT reverse proxies, each of
    which appends the address it saw to X-Forwarded-For, it is that many entries from the right
    (entries further left are whatever the client chose to send). REMOTE_ADDR otherwise."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0] if hops else ""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def attempt_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes counts an attempt for (AXES_USERNAME_CALLABLE), cut to its column: a
    sign-in typed with a longer one is a failed attempt, not a DataError on PostgreSQL."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username"))
    return None if username is None else str(username)[:255]


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, first in AUTHENTICATION_BACKENDS: a locked-out username or address is refused
    before any password is compared. Every web sign-in (site and admin) passes the request;
    an authenticate() call without one (a shell, the test client's login()) is no attempt from
    an address and is left to the other backends instead of raising."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The lockout page in the site's frame (AXES_LOCKOUT_CALLABLE), for the site and the admin
    sign-in alike, with 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def _within_limit(key: str, limit: int, window: int) -> bool:
    """Count one more use of `key` in a fixed window; False once `limit` uses were counted.
    Without a cache (Redis gone, see config.cache) every use is allowed: a reset e-mail is not
    worth refusing service for."""
    if cache.get(key, 0) >= limit:
        return False
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
    return True


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, sending at most PASSWORD_RESET_RATE[0] e-mails per address and per
    e-mail address in PASSWORD_RESET_RATE[1] seconds; beyond that, a 429 page and no e-mail."""

    def post(self, request, *args, **kwargs):
        limit, window = settings.PASSWORD_RESET_RATE
        email = str(request.POST.get("email", "")).strip().lower()[:254]
        keys = [f"password-reset:ip:{client_ip(request)}"]
        if email:
            keys.append(f"password-reset:email:{email}")
        if not all(_within_limit(key, limit, window) for key in keys):
            logger.warning("Password reset throttled for %s", client_ip(request))
            return render(
                request,
                "registration/password_reset_throttled.html",
                {"minutes": window // 60},
                status=429,
            )
        return super().post(request, *args, **kwargs)


class NotDemoPasswordValidator:
    """Refuses the password README.md publishes for the demo accounts (seed_demo), unless the
    settings allow demo accounts (DEMO_ALLOWED: laptop, tests, benchmark)."""

    def validate(self, password: str, user: Any = None) -> None:
        from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

        if settings.DEMO_ALLOWED:
            return
        if password.strip().casefold() == DEMO_PASSWORD.casefold():
            raise ValidationError(
                _("This password is published for the demo accounts; choose another one."),
                code="password_is_demo",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be the published demo password.")
