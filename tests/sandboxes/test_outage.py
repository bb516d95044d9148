"""A sandbox plays an outage and comes back while its process keeps running (issue 18: under `make run`, stopping
one process stops every process), driven as a developer does: `manage.py sandbox <name> down|up|status`."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sandboxes.odoo import start_in_thread as start_odoo
from sandboxes.shopify.server import start_in_thread as start_shopify
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

ROOT = Path(__file__).resolve().parents[2]
ORDERS = '{"query": "{ orders(first: 250) { nodes { id } } }"}'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any] | str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = body if isinstance(body, str) else json.dumps(body)
    request = urllib.request.Request(
        url, data=data.encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def _odoo_version(url: str) -> dict[str, Any]:
    """Odoo's common.version over a new connection (what a client does after the server came back)."""
    connection = http.client.HTTPConnection(url.removeprefix("http://"), timeout=5)
    body = '<?xml version="1.0"?><methodCall><methodName>version</methodName><params/></methodCall>'
    try:
        connection.request("POST", "/xmlrpc/2/common", body, {"Content-Type": "text/xml"})
        response = connection.getresponse()
        return {"status": response.status, "body": response.read().decode()}
    finally:
        connection.close()


def _odoo_call(url: str, model: str, method: str, args: list[Any]) -> Any:
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    return models.execute_kw("synco_demo", 2, "admin", model, method, args, {})


def _graphql(url: str) -> tuple[int, bytes]:
    return _post(
        f"{url}/admin/api/2026-10/graphql.json", ORDERS, {"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN}
    )


def test_it_refuses_connections_while_down_and_keeps_its_data_when_it_comes_back(tmp_path: Path) -> None:
    # given an Odoo sandbox holding a partner created through its API
    server, url = start_odoo(state_path=tmp_path / "odoo.json", port=0)
    try:
        partner = _odoo_call(url, "res.partner", "create", [{"name": "Kept Across The Outage"}])

        # when it is taken down over its control endpoint
        status, body = _post(f"{url}/sandbox/control", {"outage": "refuse"})

        # then the answer came, and then nothing listens: a new connection is refused
        assert status == 200 and json.loads(body)["outage"] == "refuse"
        with pytest.raises(ConnectionRefusedError):
            _odoo_version(url)

        # when it comes back (the signal path: the control endpoint cannot be reached)
        server.set_outage(None)

        # then the same address answers, with the same database
        assert _odoo_version(url)["status"] == 200
        assert _odoo_call(url, "res.partner", "search", [[["name", "=", "Kept Across The Outage"]]]) == [
            partner
        ]
        assert server.control()["outage"] is None
    finally:
        server.shutdown_and_save()


def test_a_503_outage_answers_every_call_but_the_control_endpoint(tmp_path: Path) -> None:
    server, url = start_shopify(state_path=None, port=0, seed_orders=3)
    try:
        assert _graphql(url)[0] == 200

        _post(f"{url}/sandbox/control", {"outage": "unavailable"})

        assert _graphql(url)[0] == 503
        assert _post(f"{url}/sandbox/control", {})[0] == 200  # the way back stays open
        status, body = _post(f"{url}/sandbox/control", {"outage": None})
        assert status == 200 and json.loads(body)["outage"] is None
        assert _graphql(url)[0] == 200
    finally:
        server.shutdown_sandbox()


def test_an_unknown_outage_mode_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    server, url = start_odoo(state_path=None, port=0)
    try:
        status, body = _post(f"{url}/sandbox/control", {"outage": "flood"})

        assert status == 400
        assert json.loads(body)["error"] == (
            "unknown outage 'flood': one of refuse, unavailable, drop, or null to end it"
        )
        assert server.outage is None
    finally:
        server.shutdown_and_save()


def test_reseeding_a_running_shopify_sandbox_replaces_its_orders_and_saves_them(tmp_path: Path) -> None:
    # given a running Shopify sandbox with its state file and 3 orders
    state = tmp_path / "shopify.json"
    server, url = start_shopify(state_path=state, port=0, seed_orders=3)
    try:
        assert len(json.loads(_graphql(url)[1])["data"]["orders"]["nodes"]) == 3

        # when seed_demo --reset asks it to start over with 5
        status, body = _post(f"{url}/sandbox/control", {"reseed": {"orders": 5, "shop": DEMO_SHOP_DOMAIN}})

        # then it serves 5 orders at once, for the demo token it returns, and its state file says so
        assert status == 200 and json.loads(body)["access_token"] == DEMO_ACCESS_TOKEN
        assert len(json.loads(_graphql(url)[1])["data"]["orders"]["nodes"]) == 5
        server.store.flush()
        assert len(json.loads(state.read_text())["orders"][DEMO_SHOP_DOMAIN]) == 5
    finally:
        server.shutdown_sandbox()


def test_reseeding_refuses_a_bad_order_count() -> None:
    server, url = start_shopify(state_path=None, port=0, seed_orders=2)
    try:
        status, body = _post(f"{url}/sandbox/control", {"reseed": {"orders": "many"}})

        assert status == 400
        assert json.loads(body)["errors"] == "reseed: orders must be a whole number from 0 to 100000"
        assert len(json.loads(_graphql(url)[1])["data"]["orders"]["nodes"]) == 2
    finally:
        server.shutdown_sandbox()


@pytest.fixture
def odoo_process(tmp_path: Path, settings: Any) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The Odoo sandbox as `make run` starts it (its own process, a pid file), and the settings that find it."""
    port = _free_port()
    settings.SANDBOX_ODOO_PORT = port
    settings.VAR_DIR = tmp_path
    pid_file = tmp_path / "sandbox" / "odoo.pid"
    command = [
        sys.executable,
        "-m",
        "sandboxes.odoo",
        "--port",
        str(port),
        "--state",
        str(tmp_path / "odoo.json"),
    ]
    process = subprocess.Popen(
        [*command, "--pid-file", str(pid_file)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not (tmp_path / "sandbox" / "odoo.pid").exists() or not _answers(url):
        assert time.monotonic() < deadline, "the Odoo sandbox did not start"
        time.sleep(0.1)
    yield process, url
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return _odoo_version(url)["status"] == 200
    except OSError:
        return False


def _command(*args: str) -> str:
    out = StringIO()
    call_command("sandbox", *args, stdout=out)
    return out.getvalue().strip()


def test_the_sandbox_command_takes_a_running_sandbox_down_and_brings_it_back(odoo_process) -> None:
    process, url = odoo_process

    # when the developer takes the Odoo sandbox down
    said = _command("odoo", "down")

    # then connections are refused, and its process is still running
    assert said == f"The Odoo sandbox at {url} is down (connections refused)."
    with pytest.raises(ConnectionRefusedError):
        _odoo_version(url)
    assert process.poll() is None
    assert (
        _command("odoo", "status")
        == f"The Odoo sandbox at {url} is down (refusing connections) or not running."
    )

    # when they bring it back (nothing listens: a signal through the pid file)
    said = _command("odoo", "up")

    # then it answers on the same address
    assert said == f"The Odoo sandbox at {url} is up again."
    assert _odoo_version(url)["status"] == 200
    assert _command("odoo", "status") == f"The Odoo sandbox at {url} is up."

    # and a 503 outage is reached and ended over HTTP
    assert _command("odoo", "down", "--mode", "unavailable").endswith("(every request answered 503).")
    assert _odoo_version(url)["status"] == 503
    _command("odoo", "up")
    assert _odoo_version(url)["status"] == 200
    assert process.poll() is None


def test_the_sandbox_command_says_when_the_sandbox_is_not_running(settings: Any, tmp_path: Path) -> None:
    settings.SANDBOX_ODOO_PORT = _free_port()
    settings.VAR_DIR = tmp_path

    with pytest.raises(CommandError) as caught:
        _command("odoo", "up")

    assert str(caught.value) == (
        f"The Odoo sandbox is not running (nothing listens at http://127.0.0.1:{settings.SANDBOX_ODOO_PORT}, "
        f"no live process in {tmp_path / 'sandbox' / 'odoo.pid'}): start it with `make run`."
    )


def test_a_stale_pid_file_is_not_signalled(settings: Any, tmp_path: Path) -> None:
    # given a pid file left by a sandbox that is gone, its id now this test's own process
    settings.SANDBOX_ODOO_PORT = _free_port()
    settings.VAR_DIR = tmp_path
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "odoo.pid").write_text(f"{os.getpid()}\n")

    with pytest.raises(CommandError, match="is not running"):
        _command("odoo", "up")  # SIGUSR2 to pytest would have killed it


def test_seed_demo_refuses_to_seed_through_a_sandbox_playing_an_outage(settings: Any, tmp_path: Path) -> None:
    # given make run's Odoo sandbox answering 503 (make sandbox-down NAME=odoo MODE=unavailable)
    server, url = start_odoo(state_path=None, port=0)
    try:
        server.set_outage("unavailable")
        settings.SANDBOX_ODOO_PORT = int(url.rsplit(":", 1)[1])
        settings.SANDBOX_SHOPIFY_PORT = _free_port()
        settings.VAR_DIR = tmp_path

        # when the developer starts the demo over
        with pytest.raises(CommandError) as caught:
            call_command("seed_demo", "--reset")

        # then it says why and what to do, and the sandbox kept its outage
        assert str(caught.value) == (
            f"The Odoo sandbox at {url} is playing an outage (unavailable): bring it back first with "
            "`make sandbox-up NAME=odoo`."
        )
        assert server.outage == "unavailable"
    finally:
        server.shutdown_and_save()


def test_seed_demo_says_how_to_run_it_when_loopback_odoo_is_not_allowed(settings: Any) -> None:
    settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = False

    with pytest.raises(CommandError, match=r"run `make demo-reset` \(or `make run`\), which sets it"):
        call_command("seed_demo", "--reset")


@pytest.mark.django_db
def test_seed_demo_without_make_run_opens_on_a_checked_connection_and_follows_a_new_odoo_port(
    settings: Any, tmp_path: Path
) -> None:
    from synco.models import OdooConnection, OrderRules

    # given no sandbox running: seed_demo starts both itself, on the ports make run will use
    settings.VAR_DIR = tmp_path
    settings.SANDBOX_SHOPIFY_PORT, settings.SANDBOX_ODOO_PORT = _free_port(), _free_port()
    out = StringIO()

    call_command("seed_demo", "--orders", "3", stdout=out)

    # then the demo shop's connection names that Odoo port and passed Test connection, its rules are set
    connection = OdooConnection.objects.get(shop__domain=DEMO_SHOP_DOMAIN)
    assert connection.url == f"http://127.0.0.1:{settings.SANDBOX_ODOO_PORT}"
    assert connection.last_check_ok is True and connection.last_checked_at is not None
    assert OrderRules.objects.get(shop=connection.shop).saved_at is not None
    assert "Odoo connection checked: " in out.getvalue()
    # and nothing listens any more once it is done (make run's own sandboxes take the ports)
    assert not _answers(f"http://127.0.0.1:{settings.SANDBOX_ODOO_PORT}")

    # when make run is started again with another Odoo port
    settings.SANDBOX_ODOO_PORT = _free_port()
    call_command("seed_demo", stdout=StringIO())

    # then the demo's connection follows it and is checked there
    connection.refresh_from_db()
    assert connection.url == f"http://127.0.0.1:{settings.SANDBOX_ODOO_PORT}"
    assert connection.last_check_ok is True
