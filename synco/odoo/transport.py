"""odoolib connectors (XML-RPC, JSON-RPC, JSON-2): one kept-alive HTTP connection per service, pinned to a
checked address, with a deadline.

Every connection looks its host up once, checks each address against the outbound policy
(synco/odoo/destination.py) and connects to that very address, with the host name kept for SNI, certificate
checks and the Host header, so a DNS answer cannot change between the check and the connect.

Every call has a total deadline: a socket timeout only bounds each read, so a server trickling one byte every
few seconds would hold a worker (or a web thread) for as long as it likes. Before each connect, TLS handshake,
send and read the socket timeout is set to what is left of the call's deadline. Redirects are never followed
(a 3xx is an HTTP error like any other), so there is no second hop to check.
"""

from __future__ import annotations

import http.client
import itertools
import json
import select
import socket
import ssl
import time
import xmlrpc.client
from typing import Any, cast

import odoolib
from odoolib.rpc import Connector
from odoolib.tools import JsonRPCException

from synco.odoo import json2
from synco.odoo.destination import OdooAddress, OutboundPolicy, Resolver, resolve


class DeadlineExceededError(TimeoutError):
    """The whole call took longer than its deadline (however slowly the server kept sending)."""


class Deadline:
    """A point in time (monotonic) that one call must end by; shared by the connection and its socket."""

    def __init__(self) -> None:
        self.until = float("inf")
        self.seconds = 0.0

    def start(self, seconds: float, not_after: float | None = None) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds
        if not_after is not None:
            self.until = min(self.until, not_after)

    def remaining(self) -> float:
        left = self.until - time.monotonic()
        if left <= 0:
            raise DeadlineExceededError(f"no answer within {self.seconds:g} s")
        return left


class _DeadlineSocket(socket.socket):
    """A TCP socket whose every read and write may only use what is left of the call's deadline."""

    deadline: Deadline

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self.settimeout(self.deadline.remaining())
        return super().recv(bufsize, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.settimeout(self.deadline.remaining())
        return super().recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(self.deadline.remaining())
        super().sendall(data, flags)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """The TLS counterpart (ssl.SSLContext.sslsocket_class): reads and writes bounded by the deadline."""

    deadline: Deadline

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        self.settimeout(self.deadline.remaining())
        return super().recv_into(buffer, nbytes, flags)

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        self.settimeout(self.deadline.remaining())
        return super().recv(buflen, flags)

    def send(self, data: Any, flags: int = 0) -> int:
        self.settimeout(self.deadline.remaining())
        return super().send(data, flags)


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineSSLSocket
    return context


class PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to the address `resolve` approved, for one host, bounded by `deadline`."""

    def __init__(
        self, address: OdooAddress, policy: OutboundPolicy, deadline: Deadline, resolver: Resolver
    ) -> None:
        super().__init__(address.host, address.port)
        self.address = address
        self.policy = policy
        self.deadline = deadline
        self.resolver = resolver

    def connect(self) -> None:
        sock = self._connect_to_one(resolve(self.address, self.policy, self.resolver))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.address.use_tls:
                # The handshake's own timeout is a total one: what is left of the deadline.
                sock.settimeout(self.deadline.remaining())
                tls = cast(
                    _DeadlineSSLSocket, _tls_context().wrap_socket(sock, server_hostname=self.address.host)
                )
                tls.deadline = self.deadline
                self.sock = tls
            else:
                self.sock = sock
        except BaseException:
            sock.close()
            raise

    def _connect_to_one(self, addresses: list[str]) -> _DeadlineSocket:
        """The first of the checked addresses that accepts (like socket.create_connection, never re-resolving)."""
        failure: OSError | None = None
        for ip in addresses:
            sock = _DeadlineSocket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
            sock.deadline = self.deadline
            try:
                sock.settimeout(self.deadline.remaining())
                sock.connect((ip, self.address.port))
            except OSError as exc:
                sock.close()
                if isinstance(exc, DeadlineExceededError):
                    raise
                failure = exc
                continue
            return sock
        raise failure or OSError("no address to connect to")

    def ensure_fresh(self) -> None:
        """A kept-alive connection the server closed (or wrote to unasked) is dropped before it is reused."""
        if self.sock is not None:
            readable, _, _ = select.select([self.sock], [], [], 0)
            if readable:
                self.close()


class _PinnedTransport(xmlrpc.client.Transport):
    """xmlrpc.client.Transport over a PinnedConnection; it keeps the connection open between requests."""

    def __init__(self, connection: PinnedConnection) -> None:
        super().__init__()
        self._pinned = connection

    def request(self, host: Any, handler: str, request_body: Any, verbose: bool = False) -> Any:
        # xmlrpc.client silently sends a request again when a kept-alive connection drops mid-call; for a
        # write whose response was lost that would run it twice. Send once; the caller's retry is idempotent.
        self._pinned.ensure_fresh()
        return self.single_request(host, handler, request_body, verbose)

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        self._connection = host, self._pinned
        return self._pinned

    def close(self) -> None:
        self._pinned.close()


class _Connector(Connector):
    """What both connectors share: the pinned address, the policy and a deadline per call."""

    def __init__(
        self,
        address: OdooAddress,
        *,
        policy: OutboundPolicy,
        call_seconds: float,
        not_after: float | None,
        resolver: Resolver,
    ) -> None:
        self.address = address
        self.url = f"{address.scheme}://{address.host}:{address.port}"
        self._policy = policy
        self._call_seconds = call_seconds
        self._not_after = not_after
        self._resolver = resolver
        self._deadline = Deadline()

    def _connection(self) -> PinnedConnection:
        return PinnedConnection(self.address, self._policy, self._deadline, self._resolver)

    def _start_call(self) -> None:
        self._deadline.start(self._call_seconds, self._not_after)
        self._deadline.remaining()  # a budget already spent fails before any byte is sent


class XmlRpcConnector(_Connector):
    """The legacy /xmlrpc/<service> endpoint that odoolib uses."""

    PROTOCOL = "xmlrpc"

    def __init__(self, address: OdooAddress, **options: Any) -> None:
        super().__init__(address, **options)
        self._proxies: dict[str, tuple[xmlrpc.client.ServerProxy, _PinnedTransport]] = {}

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        entry = self._proxies.get(service_name)
        if entry is None:
            transport = _PinnedTransport(self._connection())
            proxy = xmlrpc.client.ServerProxy(
                f"{self.url}/xmlrpc/{service_name}", transport=transport, allow_none=True
            )
            entry = self._proxies[service_name] = (proxy, transport)
        self._start_call()
        return getattr(entry[0], method)(*args)

    def close(self) -> None:
        for _proxy, transport in self._proxies.values():
            transport.close()
        self._proxies.clear()


class _OneConnection(_Connector):
    """A connector that sends each request itself over one kept-alive PinnedConnection."""

    def __init__(self, address: OdooAddress, **options: Any) -> None:
        super().__init__(address, **options)
        self._http = self._connection()

    def _exchange(
        self, verb: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request within the call's deadline: the response (a redirect is an answer like any other) and
        its whole body. A connection that failed mid-exchange is closed, never reused."""
        self._start_call()
        self._http.ensure_fresh()
        try:
            self._http.request(verb, path, body, headers)
            response = self._http.getresponse()
            data = response.read()
        except BaseException:
            self._http.close()
            raise
        return response, data

    def close(self) -> None:
        self._http.close()


class JsonRpcConnector(_OneConnection):
    """/jsonrpc over one kept-alive PinnedConnection; Odoo's errors raise JsonRPCException."""

    PROTOCOL = "jsonrpc"

    def __init__(self, address: OdooAddress, **options: Any) -> None:
        super().__init__(address, **options)
        self._ids = itertools.count(1)

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service_name, "method": method, "args": list(args)},
            "id": next(self._ids),
        }
        body = json.dumps(payload).encode()
        response, data = self._exchange(
            "POST", "/jsonrpc", body, {"Content-Type": "application/json", "Accept": "application/json"}
        )
        if response.status != 200:
            raise xmlrpc.client.ProtocolError(f"{self.url}/jsonrpc", response.status, response.reason, {})
        answer = json.loads(data)
        if not isinstance(answer, dict):
            raise ValueError("not a JSON-RPC answer")
        if answer.get("error"):
            raise JsonRPCException(answer["error"])
        return answer.get("result", False)


class Json2Connector(_OneConnection):
    """Odoo 19's JSON-2 API over one kept-alive PinnedConnection (the translation: synco/odoo/json2.py)."""

    PROTOCOL = "json2"

    def send(self, service_name: str, method: str, *args: Any) -> Any:
        if service_name == "common" and method == "version":
            return self.version()
        if service_name == "common" and method in ("login", "authenticate"):
            database, login, key = args[:3]
            return self.key_user_id(database, login, key)
        if service_name == "object" and method == "execute_kw":
            database, _uid, key, model, name = args[:5]
            positional = args[5] if len(args) > 5 else ()
            named = args[6] if len(args) > 6 else None
            return self.execute(database, key, model, name, positional, named or {})
        raise json2.Json2SignatureError(f"JSON-2 has no {service_name}.{method}")

    def version(self) -> dict[str, Any]:
        """`GET /json/version`, in the shape of XML-RPC's `common.version()`."""
        return json2.version_of(*self._request("GET", "/json/version", None, {"Accept": "application/json"}))

    def key_user_id(self, database: str, login: str, key: str) -> int | bool:
        """The id of the key's user (False when the login names no user), as XML-RPC's login() answers."""
        uid = json2.uid_in_context(self.execute(database, key, "res.users", "context_get", (), {}))
        if uid is not None:
            return uid
        found = self.execute(database, key, "res.users", "search", ([["login", "=", login]],), {"limit": 1})
        return int(found[0]) if found else False

    def execute(
        self,
        database: str,
        key: str,
        model: str,
        method: str,
        args: tuple[Any, ...] | list[Any],
        kwargs: dict[str, Any],
    ) -> Any:
        """`POST /json/2/<model>/<method>` with every argument named; the JSON result (None for null)."""
        path, body, headers = json2.request_for(database, key, model, method, args, kwargs)
        result = json2.result_of(*self._request("POST", path, body, headers), key=key)
        return json2.xmlrpc_shaped(method, args, kwargs, result)

    def _request(
        self, verb: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, str, bytes]:
        """Status, content type (lower case) and body; a redirect is an answer like any other."""
        response, data = self._exchange(verb, path, body, headers)
        return response.status, (response.getheader("Content-Type") or "").lower(), data


def make_connection(
    *,
    address: OdooAddress,
    policy: OutboundPolicy,
    protocol: str,
    database: str,
    login: str,
    secret: str,
    call_seconds: float,
    not_after: float | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> odoolib.Connection:
    """An odoolib Connection over our connector; each call ends by `call_seconds` (and by `not_after`).

    `protocol` is the transport itself: "xmlrpc", "jsonrpc" or "json2" (the client resolves "auto").
    """
    connectors: dict[str, type[_Connector]] = {
        "xmlrpc": XmlRpcConnector,
        "jsonrpc": JsonRpcConnector,
        "json2": Json2Connector,
    }
    if protocol not in connectors:
        raise ValueError(f"unknown Odoo protocol {protocol!r}")
    connector = connectors[protocol](
        address, policy=policy, call_seconds=call_seconds, not_after=not_after, resolver=resolver
    )
    return odoolib.Connection(connector, database, login, secret)
