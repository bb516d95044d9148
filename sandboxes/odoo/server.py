"""The Odoo sandbox's HTTP server: XML-RPC, JSON-RPC, record pages and the fault-injection controls.

It plays one Odoo version (17, 18 or 19: ``version=``, ``--version``; versions.py), 18 by default."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import socket
import threading
import time
import xmlrpc.client
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandboxes.outage import Listener, parse_outage, remove_pid_file, serve_until_stopped, write_pid_file

from . import json2, pages
from .models import build_registry
from .orm import Environment
from .rpc import (
    JSONRPC_CODE,
    dumps_result,
    fault_int,
    fault_string,
    json_error,
    json_response,
    log_failed_request,
)
from .seed import DEFAULT_API_KEY, database_version, seed_database
from .service import OdooService, is_write_method
from .state import Database, Persister
from .versions import DEFAULT_VERSION, SUPPORTED_VERSIONS, deprecation_warning, profile_for

logger = logging.getLogger(__name__)

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 - the sandbox's documented demo credentials
SALES_NONE_LOGIN = "sales-none"
SALES_NONE_PASSWORD = "sales-none"  # noqa: S105


class _Drop(Exception):
    """Close the connection without answering (a crash or a proxy timeout after the write)."""


class OdooSandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        state_path: Path | None = None,
        db_name: str = "synco_demo",
        api_key: str = DEFAULT_API_KEY,
        auth_latency_ms: int = 0,
        uninstalled_modules: tuple[str, ...] = (),
        verbose: bool = False,
        version: int = DEFAULT_VERSION,
    ) -> None:
        self.db_name = db_name
        self.api_key = api_key
        self.verbose = verbose
        self.uninstalled_modules = uninstalled_modules
        self.profile = profile_for(version)
        self.odoo_version: int = self.profile.major
        self.registry = build_registry(self.profile)
        self.db = Database()
        if state_path is not None and state_path.exists():
            self.db.load_json(state_path.read_text(encoding="utf-8"))
            saved = database_version(self.db)
            if saved is not None and saved != self.odoo_version:
                raise ValueError(
                    f"{state_path} holds an Odoo {saved} database: start the sandbox with --version {saved}, "
                    "or give it another --state file"
                )
        else:
            self.db.replace_with(self._fresh_database())
        self.service = OdooService(self.registry, self.db, db_name, auth_latency_ms=auth_latency_ms)
        self.persister = Persister(self.db, state_path) if state_path is not None else None
        self._controls_lock = threading.Lock()
        self.fail_next = 0
        self.latency_ms = 0
        self.drop_after_write = 0
        # None, or how the sandbox plays an outage: "refuse", "unavailable", "drop" (sandboxes/outage.py).
        self.outage: str | None = None
        self.calls: Counter[tuple[str, str]] = Counter()
        self.common_calls: Counter[str] = Counter()
        super().__init__(address, _Handler)
        self.listener = Listener(self, "odoo-sandbox")
        if self.persister is not None:
            self.persister.start()

    # -- life cycle ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def down(self) -> bool:
        return self.outage is not None

    def shutdown_and_save(self) -> None:
        self.shutdown()
        self.server_close()
        if self.persister is not None:
            self.persister.stop()

    def _fresh_database(self) -> Database:
        return seed_database(
            self.registry, api_key=self.api_key, uninstalled_modules=self.uninstalled_modules
        )

    # -- fault injection and statistics (also reachable over HTTP, see _Handler) -----------------
    def control(self, **settings: Any) -> dict[str, Any]:
        """Apply ``fail_next`` / ``latency_ms`` / ``drop_after_write`` / ``outage`` (or ``down``: true is "drop")
        / ``reset`` / ``api_access``; return the state."""
        unknown = set(settings) - {
            "fail_next",
            "latency_ms",
            "drop_after_write",
            "down",
            "outage",
            "reset",
            "api_access",
        }
        if unknown:
            raise ValueError(f"unknown control(s): {', '.join(sorted(unknown))}")
        if "outage" in settings or "down" in settings:
            self.set_outage(parse_outage(settings.get("outage", settings.get("down"))))
        if "api_access" in settings:
            self.service.api_access = bool(settings["api_access"])
        if settings.get("reset"):
            self.reset_database()
        with self._controls_lock:
            if "fail_next" in settings:
                self.fail_next = int(settings["fail_next"])
            if "latency_ms" in settings:
                self.latency_ms = int(settings["latency_ms"])
            if "drop_after_write" in settings:
                self.drop_after_write = int(settings["drop_after_write"])
            return {
                "fail_next": self.fail_next,
                "latency_ms": self.latency_ms,
                "drop_after_write": self.drop_after_write,
                "down": self.down,
                "outage": self.outage,
            }

    def set_fail_next(self, count: int) -> None:
        self.control(fail_next=count)

    def set_latency(self, milliseconds: int) -> None:
        self.control(latency_ms=milliseconds)

    def set_drop_after_write(self, count: int) -> None:
        self.control(drop_after_write=count)

    def set_down(self, down: bool) -> None:
        self.control(down=down)

    def set_outage(self, mode: str | None) -> None:
        """Play an outage (sandboxes/outage.py) or end it; "refuse" closes the listening socket."""
        with self._controls_lock:
            self.outage = mode
        if mode == "refuse":
            self.listener.close()
        else:
            self.listener.reopen()

    def reset_database(self) -> None:
        fresh = self._fresh_database()
        with self.db.lock:
            self.db.replace_with(fresh)
        self.service.drop_auth_cache()

    def stats(self) -> dict[str, Any]:
        with self._controls_lock:
            return {
                "total": sum(self.calls.values()),
                "calls": {
                    f"{model}:{method}": count for (model, method), count in sorted(self.calls.items())
                },
                "common": dict(sorted(self.common_calls.items())),
            }

    def reset_stats(self) -> None:
        with self._controls_lock:
            self.calls.clear()
            self.common_calls.clear()

    def env(self, uid: int = 2) -> Environment:
        """An environment on the sandbox's database, for tests and tools that inspect it directly."""
        return Environment(self.registry, self.db, uid)

    # -- used by the handler ---------------------------------------------------------------------
    def take_failure(self) -> bool:
        with self._controls_lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return True
            return False

    def take_drop(self) -> bool:
        with self._controls_lock:
            if self.drop_after_write > 0:
                self.drop_after_write -= 1
                return True
            return False

    def record_call(self, service: str, method: str, params: list[Any]) -> None:
        with self._controls_lock:
            if service == "object" and len(params) >= 5:
                self.calls[(str(params[3]), str(params[4]))] += 1
            elif service in ("common", "db"):
                self.common_calls[f"{service}.{method}"] += 1

    def run(self, service: str, method: str, params: list[Any]) -> Any:
        """Dispatch one RPC call, honouring latency, failure and drop injections."""
        self.record_call(service, method, params)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)
        try:
            result = self.service.dispatch(service, method, params)
        except Exception as error:
            setattr(error, JSONRPC_CODE, self.profile.jsonrpc_error_code)  # 200 until 18, 0 in 19
            raise
        if service == "object" and len(params) >= 5 and is_write_method(str(params[4])) and self.take_drop():
            raise _Drop()
        return result


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without TCP_NODELAY the body waits for the client's delayed ACK
    # (~40 ms per call on Linux), which no real Odoo (werkzeug) costs.
    disable_nagle_algorithm = True
    server: OdooSandboxServer
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.12.3"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    # -- plumbing --------------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _unavailable(self) -> None:
        body = (
            b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
            b"<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
            b"</body></html>"
        )
        self._send(503, body, "text/html")

    def _in_outage(self) -> bool:
        """Answer as the outage would (503 from the proxy, or no answer); False when there is none."""
        outage = self.server.outage
        if outage == "unavailable":
            self.close_connection = True
            self._unavailable()
        elif outage is not None:  # "drop", or a connection opened before the socket was closed ("refuse")
            self._drop_connection()
        return outage is not None

    # -- GET -------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/sandbox/stats":
            self._send_json(200, self.server.stats())
            return
        if url.path == "/sandbox/health":
            self._send_json(200, {"ok": True, "outage": self.server.outage})
            return
        if self._in_outage():
            return
        if json2.serves_get(url.path):
            self._reply(json2.get(self.server, self.path))
            return
        parts = [p for p in url.path.split("/") if p]
        env = self.server.env()
        if len(parts) == 3 and parts[0] == "odoo" and parts[2].isdigit():
            with self.server.db.lock:
                status, page = pages.record_page(env, pages.resolve_model(parts[1]), int(parts[2]))
            self._send(status, page.encode(), "text/html; charset=utf-8")
            return
        if url.path in ("/web", "/odoo", "/"):
            query = parse_qs(url.query)
            if "model" in query and "id" in query and query["id"][0].isdigit():
                with self.server.db.lock:
                    status, page = pages.record_page(env, query["model"][0], int(query["id"][0]))
                self._send(status, page.encode(), "text/html; charset=utf-8")
                return
            self._send(200, pages.HASH_REDIRECT.encode(), "text/html; charset=utf-8")
            return
        self._send(404, b"Not Found", "text/plain")

    # -- POST ------------------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if path == "/sandbox/control":
            try:
                state = self.server.control(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as error:
                self._send_json(400, {"error": str(error)})
                return
            self._send_json(200, state)
            return
        if path == "/sandbox/stats/reset":
            self.server.reset_stats()
            self._send_json(200, self.server.stats())
            return
        if self._in_outage():
            return
        if path.startswith("/xmlrpc/"):
            self._xmlrpc(path, body)
        elif path == "/jsonrpc":
            self._jsonrpc(body)
        elif json2.serves_post(path):
            self._json2(body)
        elif path == "/web/webclient/version_info":
            request = json.loads(body or b"{}")
            info = self.server.service.version_info()  # the version this sandbox plays
            self._send(200, json_response(request.get("id"), info), "application/json")
        else:
            self._send(404, b"Not Found", "text/plain")

    def _xmlrpc(self, path: str, body: bytes) -> None:
        deprecation_warning(path, self.server.profile)
        legacy = not path.startswith("/xmlrpc/2/")
        service = path[len("/xmlrpc/") :] if legacy else path[len("/xmlrpc/2/") :]
        if service == "object" and self.server.take_failure():
            self._unavailable()
            return
        try:
            params, method = xmlrpc.client.loads(body, use_datetime=True)
            result = self.server.run(service, method or "", list(params))
            response = dumps_result(result)
        except _Drop:
            self._drop_connection()
            return
        except Exception as error:
            logger.debug("odoo sandbox fault", exc_info=True)
            self._log_failure(error)
            response = fault_string(error) if legacy else fault_int(error)
        self._send(200, response.encode(), "text/xml; charset=utf-8")

    def _json2(self, body: bytes) -> None:
        if self.server.take_failure():
            self._unavailable()
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        self._reply(json2.post(self.server, self.path, headers, body))

    def _reply(self, reply: json2.Reply | None) -> None:
        """Write a JSON-2 answer with its own headers; ``None`` drops the connection instead."""
        if reply is None:
            self._drop_connection()
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _log_failure(self, error: BaseException) -> None:
        if self.server.profile.logs_request_errors:
            log_failed_request(error)

    def _jsonrpc(self, body: bytes) -> None:
        deprecation_warning("/jsonrpc", self.server.profile)
        request_id: Any = None
        try:
            request = json.loads(body)
            request_id = request.get("id")
            params = request.get("params") or {}
            service = params.get("service", "")
            if service == "object" and self.server.take_failure():
                self._unavailable()
                return
            result = self.server.run(service, params.get("method", ""), list(params.get("args") or []))
            payload = json_response(request_id, result)
        except _Drop:
            self._drop_connection()
            return
        except Exception as error:
            logger.debug("odoo sandbox error", exc_info=True)
            self._log_failure(error)
            payload = json_response(request_id, error=json_error(error))
        self._send(200, payload, "application/json")


def make_server(
    host: str,
    port: int,
    state_path: Path | None,
    db_name: str = "synco_demo",
    *,
    api_key: str = DEFAULT_API_KEY,
    auth_latency_ms: int = 0,
    uninstalled_modules: tuple[str, ...] = (),
    verbose: bool = False,
    version: int = DEFAULT_VERSION,
) -> OdooSandboxServer:
    """A sandbox playing Odoo ``version`` (17, 18 or 19), not yet serving."""
    return OdooSandboxServer(
        (host, port),
        state_path=state_path,
        db_name=db_name,
        api_key=api_key,
        auth_latency_ms=auth_latency_ms,
        uninstalled_modules=uninstalled_modules,
        verbose=verbose,
        version=version,
    )


def start_in_thread(
    state_path: Path | None = None, port: int = 0, **options: Any
) -> tuple[OdooSandboxServer, str]:
    """Start a sandbox on 127.0.0.1 (port 0: an ephemeral one) in a daemon thread; return it and its URL.

    ``options`` are make_server's, ``version=19`` among them."""
    server = make_server("127.0.0.1", port, state_path, **options)
    server.listener.start()
    return server, server.base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandboxes.odoo", description="A local Odoo sandbox (Odoo 17, 18 or 19)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8769)
    parser.add_argument("--state", type=Path, default=None, help="JSON file to load and save the database")
    parser.add_argument("--db", default="synco_demo", help="database name")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--auth-latency-ms", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--pid-file", type=Path, default=None, help="write the process id here (manage.py sandbox odoo up)"
    )
    parser.add_argument(
        "--version",
        type=int,
        choices=SUPPORTED_VERSIONS,
        default=DEFAULT_VERSION,
        help=f"the Odoo version to play (default {DEFAULT_VERSION})",
    )
    options = parser.parse_args(argv)
    server = make_server(
        options.host,
        options.port,
        options.state,
        options.db,
        api_key=options.api_key,
        auth_latency_ms=options.auth_latency_ms,
        verbose=options.verbose,
        version=options.version,
    )
    if options.pid_file is not None:
        write_pid_file(options.pid_file)
    host, port = server.server_address[:2]
    print(f"odoo sandbox listening on http://{host!s}:{port} (db {options.db})", flush=True)
    try:
        serve_until_stopped(server, server.listener, server.set_outage, threading.Event())
    finally:
        if options.pid_file is not None:
            remove_pid_file(options.pid_file)
    server.server_close()
    if server.persister is not None:
        server.persister.stop()
    return 0
