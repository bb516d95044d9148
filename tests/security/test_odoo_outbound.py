"""Outbound calls to Odoo: the stored secret stays bound to its server, no SSRF, no port scan, total deadlines.

Every peer here is a real TCP server on 127.0.0.1 that records what reached it (connections, bytes): a
refused destination must leave it untouched, and a replayed secret must never appear in what it received.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import socketserver
import ssl
import threading
import time
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.models import OdooCheckSlot, OdooConnection, Shop
from synco.odoo.client import OdooClient, OdooSettings
from synco.odoo.destination import (
    DestinationRefusedError,
    OdooAddress,
    OutboundPolicy,
    is_public,
    parse_odoo_url,
    resolve,
)
from synco.odoo_check_slots import (
    CheckSlotUnavailableError,
    claim_check_slot,
    release_check_slot,
)
from tests.conftest import ODOO_PASSWORD

STORED_SECRET = ODOO_PASSWORD  # the `shop` fixture's stored Odoo password


# -- peers --------------------------------------------------------------------------------------------------


@dataclass
class Peer:
    """A TCP server on loopback; `mode` says how it answers, `received` keeps every byte sent to it."""

    mode: str
    port: int = 0
    connections: int = 0
    received: bytearray = field(default_factory=bytearray)
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _read_request(conn: socket.socket, peer: Peer) -> bytes | None:
    """One HTTP request (headers and Content-Length body), or None when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        peer.received.extend(chunk)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1)) if b"ength" in head else 0
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        peer.received.extend(chunk)
        body += chunk
    return body


def _xmlrpc_answer(body: bytes) -> bytes:
    """What an Odoo impostor answers: a version to look real, a uid to any login (it only wants the secret)."""
    _params, method = xmlrpc.client.loads(body)
    result: Any = {"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""]}
    if method in ("login", "authenticate"):
        result = 2
    elif method == "execute_kw":
        result = []
    payload = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True).encode()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
        + str(len(payload)).encode()
        + b"\r\n\r\n"
        + payload
    )


def _serve(conn: socket.socket, peer: Peer) -> None:
    peer.connections += 1
    if peer.mode == "close":
        return
    if peer.mode == "redis":  # what Redis says to an HTTP request line, then it hangs up
        conn.recv(65536)
        conn.sendall(b"-ERR unknown command 'POST'\r\n")
        return
    if peer.mode == "silent":
        peer.stop.wait(30)
        return
    while not peer.stop.is_set():
        body = _read_request(conn, peer)
        if body is None:
            return
        if peer.mode == "http404":
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nNot Found")
        elif peer.mode == "redirect":  # to the cloud metadata service
            conn.sendall(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://169.254.169.254/latest/meta-data/\r\n"
                b"Content-Length: 0\r\n\r\n"
            )
        elif peer.mode == "odoo":
            params, method = xmlrpc.client.loads(body)
            peer.calls.append((str(method), params))
            conn.sendall(_xmlrpc_answer(body))
        elif peer.mode == "trickle":  # a valid beginning, one byte every 0.5 s, never an end
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
                if peer.stop.wait(0.5):
                    return
                conn.sendall(bytes([byte]))


@pytest.fixture
def peers() -> Iterator[Any]:
    started: list[tuple[Peer, socketserver.ThreadingTCPServer]] = []

    def start(mode: str, tls: ssl.SSLContext | None = None) -> Peer:
        peer = Peer(mode)

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError):
                    conn = tls.wrap_socket(self.request, server_side=True) if tls else self.request
                    _serve(conn, peer)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        peer.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((peer, server))
        return peer

    yield start
    for peer, server in started:
        peer.stop.set()
        server.shutdown()
        server.server_close()


# -- helpers ------------------------------------------------------------------------------------------------


def _form(**overrides: Any) -> dict[str, str]:
    return {"database": "synco_demo", "login": "admin", "secret": "", "protocol": "xmlrpc", **overrides}


def _test_connection(client: Any, form: dict[str, str] | None = None) -> dict[str, tuple[bool, str]]:
    """Press Test connection; the checks shown, by name: (ok, detail)."""
    response = client.post(reverse("settings:odoo_check"), form or {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    found = re.findall(r'<li class="(ok|fail)">.*?<strong>(.*?)</strong> — (.*?)\n', html, re.S)
    return {name: (state == "ok", detail.strip()) for state, name, detail in found}


def _failed(checks: dict[str, tuple[bool, str]]) -> list[str]:
    return [name for name, (ok, _detail) in checks.items() if not ok]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket tries to connect to from the test's own thread (the test still connects for real).

    Synco's calls in these tests run in the test's thread (Django's test client, eager tasks). Other threads are
    left out: an earlier test's sandbox may still be sending its webhooks (the Odoo sandbox's stock and delivery
    rules, the Shopify sandbox's subscriptions point at SYNCO_PUBLIC_URL, port 8000), and that is the simulated
    peers' traffic, not Synco's."""
    seen: list[Any] = []
    real_connect = socket.socket.connect
    test_thread = threading.get_ident()

    def connect(self: socket.socket, address: Any) -> None:
        if threading.get_ident() == test_thread:
            seen.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _odoo_settings(
    url: str, policy: OutboundPolicy, *, timeout: float = 30.0, protocol: str = "xmlrpc"
) -> Any:
    address = parse_odoo_url(url, policy)
    return OdooSettings(
        host=address.host,
        port=address.port,
        use_tls=address.use_tls,
        database="synco_demo",
        login="admin",
        secret="not-sent-anywhere",
        protocol=protocol,
        timeout=timeout,
        policy=policy,
    )


LOOPBACK_DEV = OutboundPolicy(allow_loopback=True)
PRODUCTION = OutboundPolicy()


# -- the URL policy (pure) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data",
        "http://169.254.169.254",
        "https://10.0.0.1",
        "https://172.16.5.4",
        "https://192.168.1.1",
        "https://100.100.100.200",
        "https://[::1]",
        "https://127.0.0.1",
        "https://0.0.0.0",
        "https://[::]",
        "https://[fe80::1]",
        "https://[fd00:ec2::254]",
        "https://[::ffff:127.0.0.1]",
        "https://[::ffff:a9fe:a9fe]",
        "https://[64:ff9b::a9fe:a9fe]",
        "https://224.0.0.1",
        "https://255.255.255.255",
        "ftp://odoo.example.com",
        "file:///etc/passwd",
        "gopher://odoo.example.com:6379/_INFO",
        "https://user:pw@odoo.example.com",
        "https://admin@odoo.example.com",
        "http://odoo.example.com",
        "http://93.184.216.34",
        "https://93.184.216.34:6379",
        "https://odoo.example.com:5432",
        "https://odoo.example.com:8069",
        "https://odoo.example.com:99999",
        "https://:443",
    ],
)
def test_it_refuses_an_odoo_url_outside_the_policy_without_resolving_it(url: str) -> None:
    with pytest.raises(DestinationRefusedError):
        parse_odoo_url(url, PRODUCTION)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:8069",
        "http://169.254.169.254",
        "http://0.0.0.0:8069",
        "http://[::]:8069",
        "http://192.168.1.1",
        "http://93.184.216.34",
        "ftp://127.0.0.1",
        "http://user:pw@127.0.0.1:8069",
    ],
)
def test_the_development_setting_lets_only_loopback_through(url: str) -> None:
    with pytest.raises(DestinationRefusedError):
        parse_odoo_url(url, LOOPBACK_DEV)


@pytest.mark.parametrize(
    ("url", "policy", "expected"),
    [
        ("https://mycompany.odoo.com", PRODUCTION, OdooAddress("https", "mycompany.odoo.com", 443)),
        ("https://MyCompany.Odoo.com:443/", PRODUCTION, OdooAddress("https", "mycompany.odoo.com", 443)),
        ("https://93.184.216.34", PRODUCTION, OdooAddress("https", "93.184.216.34", 443)),
        (
            "https://odoo.example.com:8069",
            OutboundPolicy(allowed_ports=frozenset({8069})),
            OdooAddress("https", "odoo.example.com", 8069),
        ),
        ("http://127.0.0.1:8769", LOOPBACK_DEV, OdooAddress("http", "127.0.0.1", 8769)),
        ("http://[::1]:8769", LOOPBACK_DEV, OdooAddress("http", "::1", 8769)),
        ("http://localhost:8769", LOOPBACK_DEV, OdooAddress("http", "localhost", 8769)),
    ],
)
def test_it_accepts_https_to_a_public_host_and_loopback_in_development(
    url: str, policy: OutboundPolicy, expected: OdooAddress
) -> None:
    assert parse_odoo_url(url, policy) == expected


def _resolver(*addresses: str) -> Any:
    def getaddrinfo(host: str, port: int, **_kwargs: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in addresses
        ]

    return getaddrinfo


@pytest.mark.parametrize(
    "addresses",
    [
        ("127.0.0.1",),
        ("10.1.2.3",),
        ("169.254.169.254",),
        ("93.184.216.34", "10.0.0.7"),
        ("::1",),
        ("fd00::5",),
    ],
)
def test_it_refuses_a_host_name_that_resolves_to_any_private_address(addresses: tuple[str, ...]) -> None:
    address = parse_odoo_url("https://odoo.attacker.example", PRODUCTION)

    with pytest.raises(DestinationRefusedError):
        resolve(address, PRODUCTION, _resolver(*addresses))


def test_it_connects_to_the_public_addresses_the_name_resolved_to() -> None:
    address = parse_odoo_url("https://mycompany.odoo.com", PRODUCTION)

    assert resolve(address, PRODUCTION, _resolver("93.184.216.34", "2606:2800:220:1::1")) == [
        "93.184.216.34",
        "2606:2800:220:1::1",
    ]


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("100.64.0.1", False),
        ("192.0.0.8", False),
        ("198.18.0.1", False),
        ("2002:a00:1::1", False),  # 6to4 carrying 10.0.0.1
        ("2001:0:4136:e378::1", False),  # Teredo
        ("ff02::1", False),
    ],
)
def test_is_public_judges_each_range(ip: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(ip)) is public


# -- the stored secret stays with its server ---------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_saving_another_url_without_the_secret_is_refused_and_keeps_the_stored_one(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any
) -> None:
    trap = peers("odoo")
    before = OdooConnection.objects.get(shop=shop)

    response = merchant_client.post(reverse("settings:odoo"), _form(url=trap.url))

    assert response.status_code == 422
    after = OdooConnection.objects.get(shop=shop)
    assert (after.url, after.secret) == (before.url, STORED_SECRET)
    assert (trap.connections, bytes(trap.received)) == (0, b"")


@pytestmark_db
def test_test_connection_never_sends_the_stored_secret_to_another_url(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any
) -> None:
    trap = peers("odoo")  # answers like an Odoo, to be sent the login

    checks = _test_connection(merchant_client, _form(url=trap.url))

    assert _failed(checks) == ["Settings complete"]
    assert (trap.connections, bytes(trap.received)) == (0, b"")


@pytestmark_db
def test_another_url_gets_only_the_secret_typed_with_it(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any
) -> None:
    trap = peers("odoo")

    _test_connection(merchant_client, _form(url=trap.url, secret="typed-for-this-server"))

    assert trap.calls[:2] == [("version", ()), ("login", ("synco_demo", "admin", "typed-for-this-server"))]
    assert all(STORED_SECRET not in params[2:] for _method, params in trap.calls)


@pytestmark_db
def test_the_same_server_keeps_the_stored_secret_for_another_database_or_login(
    merchant_client: Any, shop: Shop, odoo: Any
) -> None:
    response = merchant_client.post(
        reverse("settings:odoo"), _form(url=f"http://127.0.0.1:{odoo.port}/odoo", login="someone-else")
    )

    assert response.status_code == 200
    connection = OdooConnection.objects.get(shop=shop)
    assert (connection.login, connection.secret) == ("someone-else", STORED_SECRET)


# -- no SSRF -----------------------------------------------------------------------------------------------


@pytestmark_db
@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1:6379",
        "http://192.168.1.1",
        "https://0.0.0.0:{port}",
        "ftp://127.0.0.1:{port}",
        "http://user:pw@127.0.0.1:{port}",
        "https://[::1]:{port}",
        "https://localhost:{port}",
        "https://127.0.0.1:{port}",
        "https://93.184.216.34:6379",
    ],
)
def test_test_connection_refuses_each_ssrf_target_before_connecting(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any, connects: list[Any], settings: Any, url: str
) -> None:
    settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = False  # production
    listener = peers("odoo")

    checks = _test_connection(merchant_client, _form(url=url.format(port=listener.port), secret="typed"))

    assert _failed(checks) == ["Settings complete"]
    assert (connects, listener.connections) == ([], 0)


@pytestmark_db
def test_a_name_resolving_to_loopback_on_an_allowed_port_is_refused_after_dns(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any, connects: list[Any], settings: Any
) -> None:
    settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = False
    listener = peers("odoo")
    settings.SYNCO_ODOO_ALLOWED_PORTS = [listener.port]  # the form lets it through: only DNS tells

    checks = _test_connection(
        merchant_client, _form(url=f"https://localhost:{listener.port}", secret="typed")
    )

    assert list(checks) == ["Server reachable"] and _failed(checks) == ["Server reachable"]
    assert (connects, listener.connections) == ([], 0)


@pytestmark_db
def test_a_stored_url_outside_the_policy_is_refused_for_syncing_too(
    shop: Shop, odoo: Any, connects: list[Any], settings: Any
) -> None:
    from synco.gateways import odoo_client_for

    OdooConnection.objects.filter(shop=shop).update(url="http://169.254.169.254")

    with pytest.raises(PermanentGatewayError):
        odoo_client_for(shop).server_version()

    settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP = False
    OdooConnection.objects.filter(shop=shop).update(url=f"http://127.0.0.1:{odoo.port}")
    with pytest.raises(PermanentGatewayError):
        odoo_client_for(shop).server_version()
    assert connects == []


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_a_redirect_is_never_followed(peers: Any, connects: list[Any], protocol: str) -> None:
    redirect = peers("redirect")
    client = OdooClient(_odoo_settings(redirect.url, LOOPBACK_DEV, protocol=protocol))

    with pytest.raises(PermanentGatewayError):
        client.server_version()

    assert connects == [("127.0.0.1", redirect.port)]


# -- no port scan ------------------------------------------------------------------------------------------


@pytestmark_db
def test_closed_and_open_but_not_odoo_ports_read_the_same(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any, unused_tcp_port: int, settings: Any
) -> None:
    settings.SYNCO_ODOO_CHECK_DEADLINE = 1.0
    urls = [f"http://127.0.0.1:{unused_tcp_port}"] + [
        peers(mode).url for mode in ("close", "redis", "http404", "redirect", "silent", "trickle")
    ]

    details = {
        url: _test_connection(merchant_client, _form(url=url, secret="typed"))["Server reachable"]
        for url in urls
    }

    assert len(set(details.values())) == 1
    assert next(iter(details.values()))[0] is False


# -- total deadlines ---------------------------------------------------------------------------------------


def _timed(func: Any) -> tuple[BaseException | None, float]:
    """Run `func` in a thread (a hang must not hang the suite); the exception it raised and how long it took."""
    outcome: list[BaseException | None] = [None]

    def run() -> None:
        try:
            func()
        except BaseException as exc:
            outcome[0] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=15)
    assert not thread.is_alive(), "the call outlived its deadline by far"
    return outcome[0], time.monotonic() - started


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(peers: Any, protocol: str) -> None:
    trickle = peers("trickle")
    client = OdooClient(_odoo_settings(trickle.url, LOOPBACK_DEV, timeout=1.5, protocol=protocol))

    error, elapsed = _timed(client.server_version)

    assert isinstance(error, TransientGatewayError)
    assert 1.4 < elapsed < 2.5
    assert len(trickle.received) > 0  # it was reached, and it was sending


def test_a_silent_server_cannot_hold_a_call_past_its_deadline(peers: Any) -> None:
    silent = peers("silent")
    client = OdooClient(_odoo_settings(silent.url, LOOPBACK_DEV, timeout=1.0))

    error, elapsed = _timed(client.server_version)

    assert isinstance(error, TransientGatewayError)
    assert elapsed < 1.8


def test_a_client_budget_bounds_all_its_calls_together(peers: Any) -> None:
    trickle = peers("trickle")
    client = OdooClient(_odoo_settings(trickle.url, LOOPBACK_DEV, timeout=30.0), total_seconds=1.0)

    def two_calls() -> None:
        for _ in range(2):
            with contextlib.suppress(TransientGatewayError):
                client.server_version()

    error, elapsed = _timed(two_calls)

    assert error is None
    assert elapsed < 1.8


@pytestmark_db
def test_test_connection_ends_within_its_deadline_against_a_trickling_server(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any, settings: Any
) -> None:
    settings.SYNCO_ODOO_CHECK_DEADLINE = 1.5
    trickle = peers("trickle")
    started = time.monotonic()

    checks = _test_connection(merchant_client, _form(url=trickle.url, secret="typed"))

    assert time.monotonic() - started < 3.0
    assert _failed(checks) == ["Server reachable"]
    assert OdooCheckSlot.objects.filter(shop=shop).count() == 0  # its place is given back


# -- https: the checked address, the URL's host name for SNI and the certificate -----------------------------


@pytest.fixture(scope="module")
def localhost_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A server context with a self-signed certificate for the name `localhost` only, and that certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "localhost.pem", folder / "localhost.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)


def test_https_reaches_the_checked_address_with_the_host_name_for_the_certificate(
    peers: Any, localhost_tls: tuple[ssl.SSLContext, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server_context, trusted = localhost_tls
    monkeypatch.setenv("SSL_CERT_FILE", trusted)  # OpenSSL's default trust store, read per context
    odoo = peers("odoo", tls=server_context)

    client = OdooClient(_odoo_settings(f"https://localhost:{odoo.port}", LOOPBACK_DEV))

    assert client.server_version() == "18.0"
    assert b"Host: localhost:" in odoo.received


@pytest.mark.parametrize("trusted", [True, False])
def test_https_refuses_a_certificate_that_is_not_for_the_url_or_not_trusted(
    peers: Any, localhost_tls: tuple[ssl.SSLContext, str], monkeypatch: pytest.MonkeyPatch, trusted: bool
) -> None:
    server_context, cert_file = localhost_tls
    if trusted:
        monkeypatch.setenv("SSL_CERT_FILE", cert_file)
    odoo = peers("odoo", tls=server_context)
    # trusted: the certificate names `localhost`, not 127.0.0.1; untrusted: nobody vouches for it
    url = f"https://127.0.0.1:{odoo.port}" if trusted else f"https://localhost:{odoo.port}"

    with pytest.raises(PermanentGatewayError):
        OdooClient(_odoo_settings(url, LOOPBACK_DEV)).server_version()
    assert odoo.calls == []


def test_a_trickling_https_server_cannot_hold_a_call_past_its_deadline(
    peers: Any, localhost_tls: tuple[ssl.SSLContext, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server_context, trusted = localhost_tls
    monkeypatch.setenv("SSL_CERT_FILE", trusted)
    trickle = peers("trickle", tls=server_context)
    client = OdooClient(_odoo_settings(f"https://localhost:{trickle.port}", LOOPBACK_DEV, timeout=1.5))

    error, elapsed = _timed(client.server_version)

    assert isinstance(error, TransientGatewayError)
    assert 1.4 < elapsed < 2.5


# -- Test connection: one per shop, a few overall ----------------------------------------------------------


@pytestmark_db
def test_a_second_test_connection_of_a_shop_waits_for_the_first(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any
) -> None:
    trap = peers("odoo")
    claim_check_slot(shop, now=timezone.now(), hold_seconds=60, capacity=3)  # one running elsewhere

    checks = _test_connection(merchant_client, _form(url=trap.url, secret="typed"))

    assert _failed(checks) == ["Test connection"]
    assert trap.connections == 0


@pytestmark_db
def test_at_most_the_configured_number_of_checks_run_at_once(
    merchant_client: Any, shop: Shop, odoo: Any, peers: Any, settings: Any
) -> None:
    settings.SYNCO_ODOO_CHECK_CONCURRENCY = 2
    trap = peers("odoo")
    others = [Shop.objects.create(domain=f"other-{n}.myshopify.com") for n in range(2)]
    slots = [claim_check_slot(other, now=timezone.now(), hold_seconds=60, capacity=2) for other in others]

    busy = _test_connection(merchant_client, _form(url=trap.url, secret="typed"))
    release_check_slot(others[0], slots[0])
    free = _test_connection(merchant_client, _form(url=trap.url, secret="typed"))

    assert _failed(busy) == ["Test connection"]
    assert "Test connection" not in free and free["Server reachable"] == (True, "Odoo 18.0")


@pytestmark_db
def test_a_place_left_by_a_dead_process_is_taken_back_when_it_expires(shop: Shop) -> None:
    now = timezone.now()
    claim_check_slot(shop, now=now, hold_seconds=15, capacity=1)
    with pytest.raises(CheckSlotUnavailableError):
        claim_check_slot(shop, now=now + timedelta(seconds=14), hold_seconds=15, capacity=1)

    assert claim_check_slot(shop, now=now + timedelta(seconds=16), hold_seconds=15, capacity=1) == 1


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_run_one_check(shop: Shop, merchant: Any, peers: Any, settings: Any) -> None:
    from django.db import connections
    from django.test import Client

    settings.SYNCO_ODOO_CHECK_DEADLINE = 2.0
    silent = peers("silent")
    results: list[dict[str, tuple[bool, str]]] = []

    def click() -> None:
        client = Client()
        client.force_login(merchant)
        try:
            results.append(_test_connection(client, _form(url=silent.url, secret="typed")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(_failed(result)[0] for result in results) == ["Server reachable", "Test connection"]
    assert silent.connections == 1
