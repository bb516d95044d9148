"""odoolib connectors with a timeout on every call and one kept-alive HTTP connection per service."""

from __future__ import annotations

import http.client
import itertools
import xmlrpc.client
from typing import Any

import httpx
import odoolib
from odoolib.rpc import Connector
from odoolib.tools import JsonRPCException


class _TimeoutTransport(xmlrpc.client.Transport):
    """xmlrpc.client.Transport keeps its HTTP connection open between requests; add a timeout."""

    def __init__(self, timeout: float, use_tls: bool) -> None:
        super().__init__()
        self._timeout = timeout
        self._use_tls = use_tls

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        # xmlrpc.client silently sends a request again when a kept-alive connection drops mid-call; for a
        # write whose response was lost that would run it twice. Send once; the caller's retry is idempotent.
        return self.single_request(host, handler, request_body, verbose)

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        if self._connection and host == self._connection[0] and self._connection[1] is not None:
            return self._connection[1]
        chost, self._extra_headers, _x509 = self.get_host_info(host)
        connection: http.client.HTTPConnection
        if self._use_tls:
            connection = http.client.HTTPSConnection(chost, timeout=self._timeout)
        else:
            connection = http.client.HTTPConnection(chost, timeout=self._timeout)
        self._connection = host, connection
        return connection


class XmlRpcConnector(Connector):
    """The legacy /xmlrpc/<service> endpoint that odoolib uses, with keep-alive and a timeout."""

    PROTOCOL = "xmlrpc"

    def __init__(self, hostname: str, port: int, *, timeout: float, use_tls: bool) -> None:
        scheme = "https" if use_tls else "http"
        self.url = f"{scheme}://{hostname}:{port}/xmlrpc"
        self._timeout = timeout
        self._use_tls = use_tls
        self._proxies: dict[str, xmlrpc.client.ServerProxy] = {}

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        proxy = self._proxies.get(service_name)
        if proxy is None:
            proxy = xmlrpc.client.ServerProxy(
                f"{self.url}/{service_name}",
                transport=_TimeoutTransport(self._timeout, self._use_tls),
                allow_none=True,
            )
            self._proxies[service_name] = proxy
        return getattr(proxy, method)(*args)

    def close(self) -> None:
        for proxy in self._proxies.values():
            proxy("close")()
        self._proxies.clear()


class JsonRpcConnector(Connector):
    """/jsonrpc through one httpx client (keep-alive) with a timeout; errors raise JsonRPCException."""

    PROTOCOL = "jsonrpc"

    def __init__(self, hostname: str, port: int, *, timeout: float, use_tls: bool) -> None:
        scheme = "https" if use_tls else "http"
        self.url = f"{scheme}://{hostname}:{port}/jsonrpc"
        self._client = httpx.Client(timeout=timeout)
        self._ids = itertools.count(1)

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service_name, "method": method, "args": list(args)},
            "id": next(self._ids),
        }
        response = self._client.post(self.url, json=payload)
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise JsonRPCException(body["error"])
        return body.get("result", False)

    def close(self) -> None:
        self._client.close()


def make_connection(
    *,
    host: str,
    port: int,
    use_tls: bool,
    protocol: str,
    database: str,
    login: str,
    secret: str,
    timeout: float,
) -> odoolib.Connection:
    """An odoolib Connection over our connector."""
    connector_class = JsonRpcConnector if protocol == "jsonrpc" else XmlRpcConnector
    connector = connector_class(host, port, timeout=timeout, use_tls=use_tls)
    return odoolib.Connection(connector, database, login, secret)
