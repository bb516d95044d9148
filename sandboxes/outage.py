"""Taking a sandbox down and bringing it back while its process keeps running.

Under `make run` honcho stops every process as soon as one exits, so an outage is played by the running sandbox:

- ``refuse``: the listening socket is closed, as when the server is not running (clients: connection refused);
  the sandbox's process, its state and its already open connections stay. Only a signal brings it back
  (``SIGUSR2``; ``manage.py sandbox odoo up`` sends it), since nothing listens any more.
- ``unavailable``: a proxy in front of a stopped server: every request gets ``503 Service Unavailable``.
- ``drop``: the connection is closed without an answer (a crash mid-request, a proxy timeout).

In the last two modes ``POST /sandbox/control`` still answers (``{"outage": null}`` ends the outage).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from socketserver import BaseServer, TCPServer
from types import FrameType

OUTAGE_MODES = ("refuse", "unavailable", "drop")


def parse_outage(value: object) -> str | None:
    """The outage mode a control asks for: a mode name, or None/False/"" for none (True means "drop")."""
    if value is None or value is False or value == "":
        return None
    if value is True:
        return "drop"
    if isinstance(value, str) and value in OUTAGE_MODES:
        return value
    raise ValueError(f"unknown outage {value!r}: one of {', '.join(OUTAGE_MODES)}, or null to end it")


class Listener:
    """Runs a server's accept loop in a thread; closes its listening socket and opens it again on the same
    address (``allow_reuse_address`` lets it bind at once)."""

    def __init__(self, server: TCPServer, name: str) -> None:
        self.server = server
        self.name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.closed = False

    def start(self) -> None:
        # A short poll interval: shutdown() (closing, stopping) waits for the next poll.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop accepting and close the listening socket: new connections are refused."""
        with self._lock:
            if self.closed:
                return
            self.server.shutdown()  # never from the accept loop's own thread: requests run in their own
            self.server.socket.close()
            self.closed = True

    def reopen(self) -> None:
        """Listen again on the same address and accept connections."""
        with self._lock:
            if not self.closed:
                return
            server = self.server
            server.socket = socket.socket(server.address_family, server.socket_type)
            server.server_bind()
            server.server_activate()
            self.closed = False
            self.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def write_pid_file(path: Path) -> None:
    """Where ``manage.py sandbox <name> up`` finds the process to signal when its socket is closed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")


def remove_pid_file(path: Path) -> None:
    try:
        if path.read_text(encoding="utf-8").strip() == str(os.getpid()):
            path.unlink()
    except OSError:
        pass


def serve_until_stopped(
    server: BaseServer,
    listener: Listener,
    set_outage: Callable[[str | None], object],
    stop: threading.Event,
) -> None:
    """The sandbox process's main loop: accept in a thread; SIGTERM/SIGINT stop, SIGUSR1 refuses connections,
    SIGUSR2 ends any outage. Signal handlers only hand the work to a thread (they run in the main thread, which
    may be inside the very lock the work needs)."""

    def on_signal(work: Callable[[], object]) -> Callable[[int, FrameType | None], None]:
        def handler(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=work, daemon=True).start()

        return handler

    signal.signal(signal.SIGTERM, on_signal(stop.set))
    signal.signal(signal.SIGINT, on_signal(stop.set))
    signal.signal(signal.SIGUSR1, on_signal(lambda: set_outage("refuse")))
    signal.signal(signal.SIGUSR2, on_signal(lambda: set_outage(None)))
    listener.start()
    while not stop.wait(0.5):
        pass
    if not listener.closed:
        server.shutdown()
