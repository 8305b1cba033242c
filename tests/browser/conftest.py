"""Playwright driving Debian's chromium against the live test server (principle 5)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

from tests.workflows.aid_requests.conftest import cast, work_day  # noqa: F401 (fixtures)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser_page(live_server, settings, tmp_path):
    """A fresh headless chromium page; skipped where chromium is absent, except in CI."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed")
    # The server runs at a travelled-to date: keep cookies session-only so the browser,
    # on the real clock, does not see them as expired.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(locale="vi-VN")
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        yield page
        shots = os.environ.get("BROWSER_SCREENSHOTS")  # a folder to keep the last page in
        page.screenshot(path=Path(shots or tmp_path) / "last.png", full_page=True)
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection (asgiref
        # contexts): close it here, or the test database cannot be dropped at the end.
        connections.close_all()


def log_in(page, username: str, password: str = "x") -> None:  # noqa: S107 (test password)
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form[action$='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


# Additions for the page sweep, the journeys on today's date and the screenshots.
PLAN_FILES = ("ninh-thuan-372.yaml", "khanh-hoa-2026-example.yaml")


def seed_demo_data() -> None:
    """The plans, demo accounts, demo work and duties, as `make run` makes them (today's date)."""
    import io

    from django.conf import settings
    from django.core.management import call_command

    for name in PLAN_FILES:
        call_command("loadplan", str(settings.BASE_DIR / "agencies" / "plans" / name), verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("generate_obligations", stdout=io.StringIO())


@pytest.fixture
def demo_data():
    seed_demo_data()


def overflowing(page) -> list[str]:
    """The elements reaching past the viewport's right edge (what makes a page scroll sideways)."""
    return page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth, out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > w + 1) {
              const inner = [...el.children].some(c => c.getBoundingClientRect().right > w + 1);
              const cls = typeof el.className === 'string' && el.className.trim()
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
              if (!inner) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                cls + ' right=' + Math.round(r.right));
            }
          }
          return out.slice(0, 5);
        }"""
    )
