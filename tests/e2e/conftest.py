"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The demo data (`seed_demo()`, paid through localstripe) is seeded once per session and
restored for every test that asks for `demo`, so each such test starts from the same state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django import DjangoDbBlocker

from invoicedesk.devtools.demo import seed_demo
from invoicedesk.devtools.localstripe import LocalStripe, free_port
from tests.e2e.seeding import FAST_PASSWORD_HASHERS, WORKER_AT_COMMIT, dump_database, load_database, stripe_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without these flags Chromium keeps dialling Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # A missing browser fails the run: browser tests never skip silently.
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run `make browser` or set CHROMIUM")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    locale = getattr(request, "param", "en-US")
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    artifacts = Path(os.environ.get("E2E_ARTIFACTS", "var/e2e"))
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="session")
def demo_stripe_server() -> Iterator[LocalStripe]:
    """A localstripe of the demo's own, never reset: it keeps the seeded PaymentIntents and charges all session.

    (`stripe_server` resets the shared one for every test that uses it, the pay test among them.)
    Refunds made by one test stay here for the tests after it.
    """
    server = LocalStripe(port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_snapshot(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, demo_stripe_server: LocalStripe
) -> list[dict[str, Any]]:
    """Seed the demo once and dump the whole database, then empty it again for the tests that follow."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            **stripe_settings(demo_stripe_server), PASSWORD_HASHERS=FAST_PASSWORD_HASHERS, TASKS=WORKER_AT_COMMIT
        ),
    ):
        try:
            seed_demo()
            return dump_database()
        finally:
            call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
            with connection.cursor() as cursor:  # procrastinate's tables are not Django's to flush
                cursor.execute("DELETE FROM procrastinate_jobs")
            connection.close()


@pytest.fixture
def demo(
    transactional_db: None, demo_snapshot: list[dict[str, Any]], demo_stripe_server: LocalStripe, settings: Any
) -> None:
    """The database exactly as seed_demo() left it, and the app talking to the localstripe that holds its payments.

    The transactional test's teardown flushes whatever the test changed; the next test loads the snapshot again.
    Not serialized_rollback: Playwright runs an event loop in this thread, and while one runs Django hands
    out other connection objects than the one its test setup keeps the serialized contents on, so the
    marker silently restores nothing. The flush here skips post_migrate: the snapshot brings its own
    content types and permissions, with their ids.
    """
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    load_database(demo_snapshot)
    for name, value in stripe_settings(demo_stripe_server).items():
        setattr(settings, name, value)
