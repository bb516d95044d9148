"""Helpers for tests that drive real processes over HTTP."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable


class Browser:
    """A cookie-keeping HTTP client that logs in through Django's login form like a person would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, path: str, headers: dict[str, str] | None = None) -> str:
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        with self.opener.open(request, timeout=15) as response:
            return str(response.read().decode())

    def post(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> str:
        body = urllib.parse.urlencode(data or {}).encode()
        all_headers = {"X-CSRFToken": self._csrf(), "Referer": self.base_url + path, **(headers or {})}
        request = urllib.request.Request(self.base_url + path, data=body, headers=all_headers, method="POST")
        with self.opener.open(request, timeout=15) as response:
            return str(response.read().decode())

    def login(self, username: str, password: str) -> str:
        self.get("/login/")
        return self.post("/login/", {"username": username, "password": password, "next": "/orders/"})


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, urllib.error.URLError) as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error})")


def syncable_order_ids(html: str) -> list[int]:
    ids = [int(pk) for pk in re.findall(r'<s-table-row id="order-(\d+)" data-status="not_synced"', html)]
    assert ids, "no Not Synced order on the page"
    return ids
