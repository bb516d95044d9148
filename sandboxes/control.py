"""Reaching the sandboxes `make run` started, from another process (`manage.py sandbox`, `manage.py seed_demo`).

Each sandbox answers ``POST /sandbox/control`` on its port; its process id is in ``var/sandbox/<name>.pid``
(the Procfile passes ``--pid-file``), which is how one that refuses connections is reached (a signal)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

SANDBOX_NAMES = ("odoo", "shopify")
LABELS = {"odoo": "Odoo sandbox", "shopify": "Shopify sandbox"}


class SandboxControlError(Exception):
    """The sandbox did not do what it was asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Sandbox:
    name: str
    port: int
    pid_file: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def label(self) -> str:
        return LABELS[self.name]


def sandbox(name: str) -> Sandbox:
    """The sandbox `make run` starts under this name, on the port the settings give it."""
    if name not in SANDBOX_NAMES:
        raise SandboxControlError(f"Unknown sandbox {name!r}: one of {', '.join(SANDBOX_NAMES)}.")
    port = settings.SANDBOX_ODOO_PORT if name == "odoo" else settings.SANDBOX_SHOPIFY_PORT
    return Sandbox(name, int(port), Path(settings.VAR_DIR) / "sandbox" / f"{name}.pid")


def control(box: Sandbox, timeout: float = 10.0, **options: Any) -> dict[str, Any] | None:
    """POST /sandbox/control with these options: the sandbox's answer, or None when nothing listens there."""
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1:<port>
        f"{box.url}/sandbox/control",
        data=json.dumps(options).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
            answer: dict[str, Any] = json.load(response)
            return answer
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:300]
        raise SandboxControlError(f"The {box.label} at {box.url} refused {options}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, ConnectionRefusedError):
            return None
        raise SandboxControlError(f"The {box.label} at {box.url} did not answer: {reason}") from exc


def running_pid(box: Sandbox) -> int | None:
    """The id of the sandbox's live process (from its pid file), or None when it is not running."""
    try:
        pid = int(box.pid_file.read_text(encoding="utf-8").strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists() and f"sandboxes.{box.name}" not in cmdline.read_bytes().decode(errors="replace"):
        return None  # a stale file: the id now belongs to another program
    return pid


def take_down(box: Sandbox, mode: str) -> dict[str, Any]:
    """Make the running sandbox play an outage (sandboxes/outage.py); its process keeps running."""
    answer = control(box, outage=mode)
    if answer is not None:
        return answer
    if running_pid(box) is None:
        raise SandboxControlError(
            f"The {box.label} is not running (nothing listens at {box.url}): start it with `make run`."
        )
    if mode == "refuse":
        return {"outage": "refuse"}  # already refusing connections
    bring_up(box)
    answer = control(box, outage=mode)
    assert answer is not None  # it just answered bring_up's check
    return answer


def bring_up(box: Sandbox, wait: float = 10.0) -> dict[str, Any]:
    """End the sandbox's outage, whatever its mode; a signal reopens a closed listening socket."""
    answer = control(box, outage=None)
    if answer is not None:
        return answer
    pid = running_pid(box)
    if pid is None:
        raise SandboxControlError(
            f"The {box.label} is not running (nothing listens at {box.url}, no live process in "
            f"{box.pid_file}): start it with `make run`."
        )
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        answer = control(box, timeout=2.0)
        if answer is not None:
            return answer
        time.sleep(0.1)
    raise SandboxControlError(f"The {box.label} (process {pid}) did not listen again within {wait:.0f} s.")
