"""`make screenshots`: the real pages on a fresh SQLite database with the demo data `make run`
seeds (migrate, both plans, seed_demo, generate_obligations), as the demo users, desktop
(1280 px) and phone (375 px), saved under docs/screenshots/.

Run as a module: python -m tests.browser.screenshots"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
OUT = BASE / "docs" / "screenshots"
PLANS = ("agencies/plans/ninh-thuan-372.yaml", "agencies/plans/khanh-hoa-2026-example.yaml")
PASSWORD = "demo12345"  # seed_demo's published demo password
# (file name, user or None for the login page, path, width)
SHOTS = (
    ("login-phone", None, "/accounts/login/", 375),
    ("inbox-desktop", "c-bac-ai-tay.officer", "/tasks/", 1280),
    ("inbox-phone", "c-bac-ai-tay.officer", "/tasks/", 375),
    ("request-desktop", "c-bac-ai-tay.officer", "/requests/1/", 1280),
    ("request-phone", "c-bac-ai-tay.officer", "/requests/1/", 375),
    ("duties-desktop", "c-bac-ai-tay.officer", "/reports/", 1280),
    ("dashboard-desktop", "kh-doh.supervisor", "/reports/dashboard/", 1280),
    ("dashboard-phone", "kh-doh.supervisor", "/reports/dashboard/", 375),
    ("commendations-desktop", "kh-ppc.leader", "/commendations/", 1280),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    py = sys.executable
    folder = tempfile.mkdtemp(prefix="hotro-shots-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
    }

    def manage(*args: str) -> None:
        subprocess.run(
            [py, "manage.py", *args], cwd=BASE, env=env, check=True, stdout=subprocess.DEVNULL
        )

    manage("migrate", "--noinput")
    for plan in PLANS:
        manage("loadplan", plan)
    manage("seed_demo")
    manage("generate_obligations")
    port = _free_port()
    server = subprocess.Popen(
        [py, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=BASE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/health/", timeout=1)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)
        _shoot(url)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _shoot(url: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, user, path, width in SHOTS:
            page = browser.new_page(
                locale="vi-VN", viewport={"width": width, "height": 900 if width > 1000 else 800}
            )
            if user:
                page.goto(url + "/accounts/login/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", PASSWORD)
                page.click("main form[action$='/accounts/login/'] button[type=submit]")
                page.wait_for_load_state()
            page.goto(url + path)
            page.wait_for_load_state("load")
            page.screenshot(path=OUT / f"{name}.png", full_page=False)
            page.close()
            sys.stdout.write(f"{OUT / name}.png\n")
        browser.close()


if __name__ == "__main__":
    main()
