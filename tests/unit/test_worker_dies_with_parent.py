"""The test Celery worker dies with the pytest that started it: an orphan would take the next run's tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.celery_worker import ROOT

PARENT = """
import subprocess, sys, time
sys.path.insert(0, {root!r})
from tests.celery_worker import _die_with_parent
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=_die_with_parent)
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie is dead, waiting to be reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_parent_takes_its_worker_along():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)

    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert not _alive(child)
