"""Browser tests: Debian's Chromium, driven by Playwright, against the live app, both sandboxes and a worker.

The app runs in pytest-django's `live_server` (a thread of this process) on the transactional test database,
so the Celery worker subprocess (`redis_worker`) and the test itself see the same rows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.celery_worker import WorkerProcess, start_worker
from tests.conftest import MERCHANT_PASSWORD, MERCHANT_USERNAME

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
# Waiting for the Celery worker: it starts with the test and talks to Odoo over HTTP.
WORKER_TIMEOUT_MS = 30_000
# Transient failures give up after two attempts, a few seconds apart, so a test sees "Waiting to retry" then
# "Failed". The worker and the web (live_server, whose page shows "Try 2 of 2") must agree.
ENGINE_SETTINGS = {"SYNCO_MAX_ATTEMPTS": 2, "SYNCO_RETRY_BASE_SECONDS": 3}

_saved_screenshots: list[Path] = []
FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole package; each test gets its own context (cookies, storage)."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: `apt-get install -y chromium chromium-driver` to run the browser tests"
        )
        if os.environ.get("SYNCO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SYNCO_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API runs an asyncio event loop in this thread, so Django sees a "running loop" and
    # refuses ORM calls from the test (SynchronousOnlyOperation). The test really is synchronous: the loop
    # only drives the browser while a Playwright call is in progress, never concurrently with our queries.
    # Set only while Playwright runs (package scope), so the rest of the suite keeps Django's check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class SharedWorker:
    """One Celery worker for the browser tests (starting one takes seconds, and these tests wait on it).

    Restarted after a failed test: it may still hold retries that test scheduled (a countdown task is kept by
    the worker, not in the queue that is emptied before each test).
    """

    def __init__(self, log_dir: Path, shopify_origin: str) -> None:
        self.log_dir = log_dir
        self.env = {name: str(value) for name, value in ENGINE_SETTINGS.items()}
        self.env["SHOPIFY_ADMIN_ORIGIN"] = shopify_origin
        self.starts = 0
        self.process = self._start()

    def _start(self) -> WorkerProcess:
        self.starts += 1
        return start_worker(self.log_dir / f"celery-worker-{self.starts}.log", self.env)

    def restart(self) -> None:
        self.process.stop()
        self.process = self._start()


@pytest.fixture(scope="package")
def shared_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, shopify_server: Any
) -> Iterator[SharedWorker]:
    # The worker reaches both sandboxes: Odoo through each shop's connection, Shopify through this origin.
    shared = SharedWorker(tmp_path_factory.mktemp("browser-worker"), shopify_server.base_url)
    yield shared
    shared.process.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def redis_worker(
    shared_worker: SharedWorker, transactional_db: None, request: pytest.FixtureRequest
) -> Iterator[WorkerProcess]:
    """The shared worker, with an empty queue. Its per-process Odoo caches survive the sandbox's reset between
    tests: they hold only records of the sandbox's seed (same ids after every reset)."""
    from synco.celery import app as celery_app

    worker = shared_worker.process
    worker.assert_alive()
    celery_app.control.purge()
    start = len(worker.log())
    yield worker
    if request.node.stash.get(FAILED, False):
        # pytest shows this for the failed test: what the worker did during it, in its own words
        print(f"--- Celery worker log ({worker.log_path}) ---\n{worker.log()[start:][-6000:]}")
        shared_worker.restart()


@pytest.fixture(autouse=True)
def browser_test_settings(settings: Any, shopify_server: Any) -> None:
    for name, value in ENGINE_SETTINGS.items():
        setattr(settings, name, value)
    # Pages load Polaris web components from the Shopify sandbox's stand-in (no CDN here), as under `make run`.
    settings.SHOPIFY_POLARIS_URL = f"{shopify_server.base_url}/sandbox/polaris.js"
    # The login form is real; PBKDF2's million rounds per test are not what it tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def live_url(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def new_page(browser: Browser, live_url: str) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (desktop by default); all closed after the test."""
    contexts = []

    def open_page(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=live_url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(page: Page, username: str = MERCHANT_USERNAME, password: str = MERCHANT_PASSWORD) -> None:
    """Through the real login form, as a merchant outside the Shopify admin would."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login/"))


@pytest.fixture
def page(new_page: Callable[..., Page], merchant: Any) -> Page:
    """A desktop page logged in as the shop's merchant."""
    opened = new_page()
    log_in(opened)
    return opened


@pytest.fixture
def sandbox_admin(settings: Any, shopify: Any, live_url: str) -> Iterator[Any]:
    """The sandbox Shopify admin frames the live app (its real key and secret, the App Bridge stand-in)."""
    from sandboxes.shopify.oauth import DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_APP_URL

    settings.SHOPIFY_API_KEY, settings.SHOPIFY_API_SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
    settings.SHOPIFY_APP_BRIDGE_URL = f"{shopify.base_url}/sandbox/app-bridge.js"
    settings.SYNCO_EXTRA_FRAME_ANCESTORS = shopify.base_url
    shopify.control(app={"application_url": live_url})
    yield shopify
    shopify.control(app={"application_url": DEFAULT_APP_URL})


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    # Overwritten by name, never emptied: runs side by side in one checkout share the directory.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(screenshots_dir: Path) -> Callable[[Page, str], Path]:
    """Save a full-page PNG of what the browser shows, named for the page and the viewport width."""

    def take(page: Page, name: str) -> Path:
        width = page.viewport_size["width"] if page.viewport_size else 0
        path = screenshots_dir / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        _saved_screenshots.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _saved_screenshots:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_saved_screenshots)} screenshots saved in {SCREENSHOTS}/")
        for path in _saved_screenshots:
            terminalreporter.write_line(f"  {path.name}")
