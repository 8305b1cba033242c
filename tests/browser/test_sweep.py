"""Every page of the menu and every kind of record page, as each demo account of its rightful
role sees it today, on a phone (375 px) and a desktop (1280 px): no sideways scroll, no console
error, no 4xx/5xx; and no serious or critical axe-core violation on the login, inbox, request,
report form and dashboard pages."""

from __future__ import annotations

import re

import pytest

from agencies.selectors import today
from workflows.core.management.commands.seed_demo import DEMO_PASSWORD

from .conftest import log_in, overflowing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = ({"width": 375, "height": 800}, {"width": 1280, "height": 900})

# Who opens what: the menu's pages, then the record pages each role reaches from them.
RECORD_LINKS = [
    re.compile(p)
    for p in (
        r"^/requests/\d+/$",
        r"^/reports/obligations/\d+/$",
        r"^/reports/obligations/\d+/report/$",
        r"^/reports/\d+/$",
        r"^/reports/units/[\w-]+/$",
        r"^/reports/province/\d{4}/$",
        r"^/reports/notifications/$",
        r"^/commendations/\d+/$",
        r"^/tasks/archive/$",
    )
]
ACCOUNTS = [
    "c-bac-ai-tay.officer",  # commune officer: drafts requests, owes reports
    "kh-doet.officer",  # sector reviewer
    "kh-doh.officer",  # DOLISA's successor in the example plan: consolidates
    "kh-doh.supervisor",  # follows the plan's reporting (dashboard)
    "c-bac-ai.leader",  # approves at the commune
    "kh-ppc.leader",  # the PPC's leader
    "admin",  # staff
]
AXE_PAGES = [
    re.compile(p)
    for p in (r"^/accounts/login/", r"^/tasks/$", r"^/requests/\d+/$", r"/report/$", r"dashboard/$")
]


class Watch:
    """Console errors, page errors and 4xx/5xx responses of the page since the last visit."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"),
        )

    def take(self) -> list[str]:
        found, self.problems = self.problems, []
        return found


def _links(page) -> tuple[list[str], list[str]]:
    base = page.base_url
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    menu = page.eval_on_selector_all(
        "nav a.nav-link[href], header a[href]", "els => els.map(a => a.getAttribute('href'))"
    )
    local = [h.removeprefix(base) for h in hrefs if h.startswith(("/", base))]
    menu = [h.removeprefix(base) for h in menu if h.startswith("/") and not h.startswith("/admin")]
    return menu, local


def _check(page, watch, path: str, failures: list[str], axe_done: set) -> list[str]:
    """Open the path at each viewport; record each failure; return the page's local links."""
    from axe_playwright_python.sync_playwright import Axe

    links: list[str] = []
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        page.goto(page.base_url + path)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        where = f"{path} @{viewport['width']}"
        if width > viewport["width"]:
            failures.append(f"{where}: scrollWidth {width} ({', '.join(overflowing(page))})")
        for problem in watch.take():
            failures.append(f"{where}: {problem}")
        kind = next((p.pattern for p in AXE_PAGES if p.search(path)), None)
        if kind and (kind, viewport["width"]) not in axe_done:
            axe_done.add((kind, viewport["width"]))
            results = Axe().run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    failures.append(f"{where}: axe {violation['id']} {targets}")
        links = _links(page)[1]
    return links


@pytest.fixture
def demo_records(demo_data):
    """A submitted report and a proposed commendation, through the services, today."""
    from django.contrib.auth import get_user_model

    from workflows.commendations import services as commendations
    from workflows.reporting import services as reporting
    from workflows.reporting.models import Obligation

    users = get_user_model().objects
    officer = users.get(username="c-bac-ai-tay.officer")
    obligation = Obligation.objects.get(
        unit__code="c-bac-ai-tay", definition__code="commune_implementation_plan", year=2026
    )
    report = reporting.create_report(
        user=officer,
        obligation_id=obligation.pk,
        data=reporting.ReportInput(narrative="Kế hoạch triển khai của xã", activities_held=3),
    )
    reporting.submit(user=officer, report_id=report.pk)
    proposer = users.get(username="kh-doh.officer")
    commendation = commendations.create_commendation(
        user=proposer,
        data=commendations.Nomination(
            year=today().year,
            nominee_name="Hội Chữ thập đỏ xã Bác Ái Tây",
            nominee_kind="organisation",
            contribution="Vận động 300 suất quà cho trẻ em.",
            value_vnd=90_000_000,
        ),
    )
    commendations.propose(user=proposer, commendation_id=commendation.pk)


def test_every_page_at_phone_and_desktop_width(browser_page, demo_records):
    page = browser_page
    watch = Watch(page)
    failures: list[str] = []
    axe_done: set = set()
    seen_kinds: set[str] = set()

    page.goto(page.base_url + "/accounts/login/")
    _check(page, watch, "/accounts/login/", failures, axe_done)

    for username in ACCOUNTS:
        log_in(page, username, DEMO_PASSWORD)
        watch.take()
        page.set_viewport_size(VIEWPORTS[1])
        page.goto(page.base_url + "/")
        menu, _local = _links(page)
        menu = list(dict.fromkeys(["/", *menu, "/reports/notifications/", "/tasks/archive/"]))
        menu = [p for p in menu if not p.endswith((".csv", ".xlsx"))]
        visited: set[str] = set()
        queue = list(menu)
        while queue:
            path = queue.pop(0).split("#")[0]
            if (
                path in visited
                or not path.startswith("/")
                or path.startswith(
                    ("/admin", "/accounts/logout", "/i18n", "/static", "/tasks/files")
                )
            ):
                continue
            visited.add(path)
            links = _check(page, watch, path, failures, axe_done)
            for href in links:
                href = href.split("?")[0].split("#")[0]
                kind = next((p.pattern for p in RECORD_LINKS if p.match(href)), None)
                if kind and (username, kind) not in seen_kinds:
                    seen_kinds.add((username, kind))
                    queue.append(href)

    kinds = {kind for _user, kind in seen_kinds}
    missing = [p.pattern for p in RECORD_LINKS if p.pattern not in kinds]
    assert not missing, f"no demo account reached these page kinds: {missing}"
    assert len(axe_done) == len(AXE_PAGES) * len(VIEWPORTS), sorted(axe_done)
    assert not failures, "\n".join(failures)
    assert today().year >= 2026
