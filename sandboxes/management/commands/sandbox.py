"""Take one of `make run`'s sandboxes down and bring it back while everything else keeps running."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandboxes.control import SANDBOX_NAMES, SandboxControlError, bring_up, control, sandbox, take_down
from sandboxes.outage import OUTAGE_MODES

MODE_HELP = (
    "refuse: nothing listens, connections are refused (a stopped server; the default); "
    "unavailable: every request gets 503 (a proxy in front of a stopped server); "
    "drop: connections are closed without an answer"
)


class Command(BaseCommand):
    help = "Play an outage of a running sandbox (down), end it (up), or show it (status)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=SANDBOX_NAMES)
        parser.add_argument("action", choices=("down", "up", "status"))
        parser.add_argument("--mode", choices=OUTAGE_MODES, default="refuse", help=MODE_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        box = sandbox(options["name"])
        try:
            if options["action"] == "down":
                take_down(box, options["mode"])
                self.stdout.write(f"The {box.label} at {box.url} is down ({_describe(options['mode'])}).")
            elif options["action"] == "up":
                bring_up(box)
                self.stdout.write(f"The {box.label} at {box.url} is up again.")
            else:
                answer = control(box, timeout=5.0)
                state = "down (refusing connections) or not running" if answer is None else None
                if answer is not None:
                    mode = answer.get("outage")
                    state = f"down ({_describe(mode)})" if mode else "up"
                self.stdout.write(f"The {box.label} at {box.url} is {state}.")
        except SandboxControlError as exc:
            raise CommandError(str(exc)) from exc


def _describe(mode: str) -> str:
    return {
        "refuse": "connections refused",
        "unavailable": "every request answered 503",
        "drop": "connections closed without an answer",
    }[mode]
