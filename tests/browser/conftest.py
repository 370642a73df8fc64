"""Playwright driving Debian's Chromium; the browser is never downloaded."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from accounts.roles import sync_role_groups

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Tablet in portrait: the size nurses use at the chair.
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread, where Django then
    # refuses database access; the tests' own ORM calls are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
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
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def role_groups(transactional_db: None) -> None:
    # Browser tests run against a live server, so their database is flushed
    # after each test and loses what the data migrations made; make it again.
    sync_role_groups(apps)


@pytest.fixture
def console_errors() -> list[str]:
    """What the page logged as errors; a test that provokes failures clears it."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on(
        "console",
        lambda m: console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    yield page
    context.close()
    # A Content-Security-Policy violation, a missing file or a script error fails.
    assert console_errors == []


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
