from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

import httpx
import pytest

from sandboxes.odoo import start_in_thread

DB = "synco_demo"


def _create_partner_raw(odoo, name: str) -> http.client.HTTPResponse:
    body = xmlrpc.client.dumps((DB, 2, "admin", "res.partner", "create", [{"name": name}], {}), "execute_kw")
    connection = http.client.HTTPConnection("127.0.0.1", odoo.port, timeout=5)
    connection.request("POST", "/xmlrpc/2/object", body, {"Content-Type": "text/xml"})
    return connection.getresponse()


def test_it_fails_the_next_object_calls_with_http_503(odoo) -> None:
    httpx.post(f"{odoo.url}/sandbox/control", json={"fail_next": 2})
    for _ in range(2):
        with pytest.raises(xmlrpc.client.ProtocolError) as caught:
            odoo.call("res.partner", "search", [[]])
        assert caught.value.errcode == 503
    assert odoo.common.version()["server_serie"] == "18.0"
    assert odoo.call("res.partner", "search_count", [[]]) == 3


def test_it_drops_the_connection_after_a_committed_write(odoo) -> None:
    odoo.server.set_drop_after_write(1)
    odoo.call("res.partner", "search", [[]])  # reads are never dropped
    with pytest.raises(http.client.RemoteDisconnected):
        _create_partner_raw(odoo, "Dropped")
    assert odoo.call("res.partner", "search", [[["name", "=", "Dropped"]]]) == [7]
    assert _create_partner_raw(odoo, "Answered").status == 200


def test_it_adds_latency_to_every_call(odoo) -> None:
    odoo.server.control(latency_ms=150)
    started = time.monotonic()
    odoo.call("res.partner", "search", [[]])
    assert time.monotonic() - started >= 0.15


def test_it_can_be_taken_down_and_brought_back(odoo) -> None:
    assert httpx.post(f"{odoo.url}/sandbox/control", json={"down": True}).json()["down"] is True
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        odoo.call("res.partner", "search", [[]])
    httpx.post(f"{odoo.url}/sandbox/control", json={"down": False})
    assert odoo.call("res.partner", "search_count", [[]]) == 3


def test_it_resets_to_a_fresh_database(odoo) -> None:
    odoo.jane()
    httpx.post(f"{odoo.url}/sandbox/control", json={"reset": True})
    assert odoo.call("res.partner", "search", [[["name", "=", "Jane Doe"]]]) == []
    assert odoo.jane() == 7


def test_it_counts_calls_per_model_and_method(odoo) -> None:
    odoo.call("res.partner", "search", [[]])
    odoo.call("res.partner", "search", [[]])
    odoo.call("sale.order", "search_count", [[]])
    stats = httpx.get(f"{odoo.url}/sandbox/stats").json()
    assert stats["total"] == 3
    assert stats["calls"] == {"res.partner:search": 2, "sale.order:search_count": 1}
    httpx.post(f"{odoo.url}/sandbox/stats/reset")
    assert httpx.get(f"{odoo.url}/sandbox/stats").json()["total"] == 0


def test_it_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "odoo.json"
    server, url = start_in_thread(state_path=state)
    proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    partner = proxy.execute_kw(DB, 2, "admin", "res.partner", "create", [{"name": "Persistent"}])
    server.shutdown_and_save()
    assert json.loads(state.read_text())["version"] == 1
    server, url = start_in_thread(state_path=state)
    try:
        proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        assert proxy.execute_kw(DB, 2, "admin", "res.partner", "search", [[["name", "=", "Persistent"]]]) == [
            partner
        ]
        assert proxy.execute_kw(DB, 2, "admin", "res.partner", "create", [{"name": "Next"}]) == partner + 1
    finally:
        server.shutdown_and_save()


def test_it_saves_in_the_background_when_dirty(tmp_path: Path) -> None:
    state = tmp_path / "odoo.json"
    server, url = start_in_thread(state_path=state)
    try:
        proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        proxy.execute_kw(DB, 2, "admin", "res.partner", "create", [{"name": "Background"}])
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and (not state.exists() or "Background" not in state.read_text()):
            time.sleep(0.05)
        assert "Background" in state.read_text()
    finally:
        server.shutdown_and_save()


def test_it_answers_version_info_and_record_pages(odoo) -> None:
    answer = httpx.post(
        f"{odoo.url}/web/webclient/version_info", json={"jsonrpc": "2.0", "id": 3, "params": {}}
    )
    assert answer.json()["result"]["server_serie"] == "18.0"
    order = odoo.spec_order()
    page = httpx.get(f"{odoo.url}/odoo/sale.order/{order}")
    assert page.status_code == 200
    assert "SHOP#1001" in page.text
    assert "SHOP#1001" in httpx.get(f"{odoo.url}/odoo/sales/{order}").text
    assert "SHOP#1001" in httpx.get(f"{odoo.url}/web", params={"model": "sale.order", "id": order}).text
    assert "location.hash" in httpx.get(f"{odoo.url}/web").text
    assert httpx.get(f"{odoo.url}/odoo/sale.order/999").status_code == 404


def test_it_charges_the_password_hash_cost_only_when_asked() -> None:
    server, url = start_in_thread(auth_latency_ms=120)
    try:
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        started = time.monotonic()
        assert common.authenticate(DB, "admin", "admin", {}) == 2
        assert time.monotonic() - started >= 0.12
        proxy = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
        started = time.monotonic()
        proxy.execute_kw(DB, 2, "admin", "res.partner", "search", [[]])
        assert time.monotonic() - started < 0.1  # cached
        proxy.execute_kw(DB, 2, "admin", "product.product", "create", [{"name": "Drops the cache"}])
        started = time.monotonic()
        proxy.execute_kw(DB, 2, "admin", "res.partner", "search", [[]])
        assert time.monotonic() - started >= 0.12
    finally:
        server.shutdown_and_save()


def test_it_runs_as_a_command_and_saves_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "odoo.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "sandboxes.odoo", "--port", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("odoo sandbox listening on http://127.0.0.1:")
        assert line.endswith("(db synco_demo)")
        url = line.split(" ")[4]
        assert xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()["server_serie"] == "18.0"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert state.exists()
