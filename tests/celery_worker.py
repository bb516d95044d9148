"""A real Celery worker process on Redis, sharing the test database (end-to-end and browser tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the worker's process, before celery starts: the kernel kills it when pytest dies (a killed or crashed
    run), so no orphan worker stays on the test broker taking the next run's tasks. Linux only; elsewhere the
    worker is stopped by the test as before."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def database_url() -> str:
    """The URL of the test database (not the configured one): the worker must see what the test wrote."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    """The worker's process and its log file (read on failure: the worker's own words say what went wrong)."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def assert_alive(self) -> None:
        assert self.process.poll() is None, f"the Celery worker died:\n{self.log()[-4000:]}"

    def stop(self) -> None:
        # The test is over: no need for a warm shutdown (seconds per test); the next worker purges the queue.
        self.process.kill()
        self.process.wait()


@contextmanager
def celery_worker(log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[WorkerProcess]:
    """A worker for the duration of the block."""
    worker = start_worker(log_path, extra_env)
    try:
        yield worker
    finally:
        worker.stop()


def start_worker(log_path: Path, extra_env: dict[str, str] | None = None) -> WorkerProcess:
    """Start `celery worker` on the test broker (emptied first) and the test database."""
    from synco.celery import app as celery_app

    broker = settings.CELERY_BROKER_URL
    assert broker.startswith("redis://"), (
        f"the end-to-end tests need a Redis broker, got {broker!r}: run `make test` or set CELERY_BROKER_URL"
    )
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "synco.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "SYNCO_VAR_DIR": str(settings.VAR_DIR),
        "SYNCO_ENCRYPTION_KEY": ",".join(settings.SYNCO_ENCRYPTION_KEYS),
        "SECRET_KEY": settings.SECRET_KEY,
        **(extra_env or {}),
    }
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full pipe would block the worker.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "synco",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    return WorkerProcess(process, log_path)
