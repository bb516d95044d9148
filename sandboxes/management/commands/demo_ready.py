"""`make run`'s last process: once web, worker, beat and both sandboxes answer, print the URLs and the login again
(the first banner has scrolled away under the process logs by then), then stay (honcho stops everything when one
of its processes ends)."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sandboxes.control import SandboxControlError, control, sandbox
from sandboxes.management.commands.seed_demo import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USER
from synco.celery import app as celery_app

READY_LINE = "Synco is ready"


class Command(BaseCommand):
    help = (
        "Wait until every `make run` process answers, print the URLs and the login, then wait to be stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--web-port", type=int, default=int(os.environ.get("SYNCO_PORT") or 8000))
        parser.add_argument(
            "--remind-every", type=float, default=30.0, help="seconds between 'still waiting for' lines"
        )
        parser.add_argument("--exit", action="store_true", help="exit once ready (tests) instead of staying")

    def handle(self, *args: Any, **options: Any) -> None:
        signal.signal(signal.SIGTERM, _quit)
        signal.signal(signal.SIGINT, _quit)
        started = time.time()
        web = f"http://127.0.0.1:{options['web_port']}"
        probes: dict[str, Callable[[], bool]] = {
            "web": lambda: _answers(f"{web}/health/"),
            "worker": _worker_answers,
            "beat": lambda: _beat_started(started),
            "shopify sandbox": lambda: _sandbox_answers("shopify"),
            "odoo sandbox": lambda: _sandbox_answers("odoo"),
        }
        waiting = list(probes)
        reminded = time.monotonic()
        while waiting:
            waiting = [name for name in waiting if not probes[name]()]
            if waiting and time.monotonic() - reminded >= options["remind_every"]:
                self.stdout.write(f"Still waiting for: {', '.join(waiting)}.")
                reminded = time.monotonic()
            if waiting:
                time.sleep(0.5)
        self.stdout.write(self._banner(web, time.time() - started))
        self.stdout.flush()
        if not options["exit"]:
            while True:
                signal.pause()

    @staticmethod
    def _banner(web: str, seconds: float) -> str:
        shopify, odoo = sandbox("shopify"), sandbox("odoo")
        admin = f"{shopify.url}/admin/apps/{settings.SHOPIFY_API_KEY}?shop={DEMO_DOMAIN}"
        rule = "=" * 78
        return "\n".join(
            [
                "",
                rule,
                f"  {READY_LINE} (every process answered in {seconds:.0f} s)",
                f"  Synco:                {web}/   log in as {DEMO_USER} / {DEMO_PASSWORD}",
                f"  In the Shopify admin: {admin}",
                f"  Odoo sandbox:         {odoo.url}/odoo   (database synco_demo, admin / admin)",
                "  Try an Odoo outage:   make sandbox-down NAME=odoo   then   make sandbox-up NAME=odoo",
                "  Ctrl+C stops everything.",
                rule,
                "",
            ]
        )


def _quit(_signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 only
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _sandbox_answers(name: str) -> bool:
    try:
        return control(sandbox(name), timeout=2.0) is not None
    except SandboxControlError:
        return False


def _worker_answers() -> bool:
    """A worker answers Celery's ping over the broker (it consumes its queues)."""
    try:
        return bool(celery_app.control.ping(timeout=1.0))
    except Exception:  # the broker not reachable yet is "not ready", whatever the transport raises
        return False


def _beat_started(since: float) -> bool:
    """Beat writes its schedule file when it starts (the name may get a suffix from the dbm module)."""
    schedule = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    return any(path.stat().st_mtime >= since - 5 for path in schedule.parent.glob(f"{schedule.name}*"))
