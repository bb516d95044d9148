"""Product images from Shopify's CDN (synco/shopify/media.py): which hosts, which files, how big, how long.

A small local server plays a CDN that misbehaves (redirects, wrong types, lies about its size, stalls); the
Shopify sandbox's own CDN route is downloaded through the same function.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sandboxes.shopify import cdn
from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify.media import (
    ImageDownloadError,
    ImageRefusedError,
    ImageTooLargeError,
    describe_size,
    fetch_image,
    is_allowed,
)

PNG = cdn.png("tee.jpg")
BIG = cdn.png("big", noise=300)  # about 270 KB of random pixels


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _CdnServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str, length: bool = True, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:  # the client stopped reading (over its limit): expected here
            self.close_connection = True
            return
        if not length:
            self.close_connection = True

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        self.server.accepts.append(self.headers.get("Accept", ""))
        path = self.path
        if path == "/img.png":
            self._send(200, PNG, "image/png")
        elif path == "/big.png":
            self._send(200, BIG, "image/png")
        elif path == "/big-unsized.png":  # no Content-Length: only the streamed body tells
            self.protocol_version = "HTTP/1.0"
            self._send(200, BIG, "image/png", length=False)
        elif path == "/page.html":
            self._send(200, b"<html>hello</html>", "text/html; charset=utf-8")
        elif path == "/lying.png":
            self._send(200, b"<html>not an image</html>", "image/png")
        elif path == "/same-host":
            self._send(302, b"", "text/plain", Location="/img.png")
        elif path == "/other-host":
            self._send(302, b"", "text/plain", Location=self.server.elsewhere + "/img.png")
        elif path == "/loop":
            self._send(302, b"", "text/plain", Location="/loop")
        elif path == "/slow.png":
            time.sleep(1.5)
            self._send(200, PNG, "image/png")
        elif path == "/gone.png":
            self._send(404, b"Not Found", "text/plain")
        elif path == "/busy.png":
            self._send(503, b"busy", "text/plain")
        else:
            self._send(404, b"", "text/plain")


class _CdnServer(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]
    accepts: list[str]
    elsewhere: str


# The two servers of the current test: the CDN, and the other host its redirects point at.
_MAIN: list[Any] = [None]
_OTHER: list[Any] = [None]


@pytest.fixture
def cdn_server() -> Iterator[str]:
    servers = []
    for _ in range(2):
        server = _CdnServer(("127.0.0.1", 0), _Handler)
        server.requests = []
        server.accepts = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    main, other = servers
    main.elsewhere = f"http://127.0.0.1:{other.server_address[1]}"
    _OTHER[0] = other
    _MAIN[0] = main
    yield f"http://127.0.0.1:{main.server_address[1]}"
    for server in servers:
        server.shutdown()
        server.server_close()


def test_it_allows_only_https_on_shopifys_cdn_and_the_loopback_sandbox() -> None:
    sandbox = "http://127.0.0.1:8701"
    assert is_allowed("https://cdn.shopify.com/s/files/1/0/tee.jpg")
    assert not is_allowed("http://cdn.shopify.com/s/files/1/0/tee.jpg")  # not https
    assert not is_allowed("https://cdn.shopify.com:8443/s/files/tee.jpg")
    assert not is_allowed("https://cdn.shopify.com.evil.example/tee.jpg")
    assert not is_allowed("https://example.com/tee.jpg")
    assert not is_allowed("file:///etc/passwd")
    assert not is_allowed("http://127.0.0.1:8701/sandbox/cdn/tee.jpg")  # no sandbox configured
    assert is_allowed("http://127.0.0.1:8701/sandbox/cdn/tee.jpg", sandbox)
    assert not is_allowed("http://127.0.0.1:9999/sandbox/cdn/tee.jpg", sandbox)  # another port
    assert not is_allowed("http://10.0.0.5:8701/tee.jpg", "http://10.0.0.5:8701")  # not loopback
    assert not is_allowed("https://sandbox.example/tee.jpg", "https://sandbox.example")


def test_it_refuses_a_url_off_the_cdn_without_sending_anything(cdn_server: str) -> None:
    with pytest.raises(ImageRefusedError) as refused:
        fetch_image(f"{cdn_server}/img.png", 1024 * 1024)  # loopback, but not the configured sandbox
    assert (
        refused.value.message
        == "the image is not on Shopify's CDN (127.0.0.1), so Synco does not download it"
    )
    assert isinstance(refused.value, PermanentGatewayError)


def test_it_downloads_an_image_from_the_sandbox(cdn_server: str) -> None:
    assert fetch_image(f"{cdn_server}/img.png", 1024, admin_origin=cdn_server) == PNG
    # not WebP: Odoo keeps a WebP as it is instead of making its small copies
    assert _MAIN[0].accepts == ["image/jpeg, image/png, image/gif"]


def test_it_follows_a_redirect_on_the_same_host_only(cdn_server: str) -> None:
    assert fetch_image(f"{cdn_server}/same-host", 1024, admin_origin=cdn_server) == PNG
    with pytest.raises(ImageRefusedError) as refused:
        fetch_image(f"{cdn_server}/other-host", 1024, admin_origin=cdn_server)
    assert refused.value.message == (
        "Shopify's CDN sent the image on to another host (127.0.0.1); Synco does not follow it"
    )
    with pytest.raises(ImageRefusedError, match="redirected the image more than 3 times"):
        fetch_image(f"{cdn_server}/loop", 1024, admin_origin=cdn_server)


def test_a_redirect_to_another_host_is_never_requested(cdn_server: str) -> None:
    with pytest.raises(ImageRefusedError):
        fetch_image(f"{cdn_server}/other-host", 1024, admin_origin=cdn_server)
    assert _OTHER[0].requests == []


def test_it_refuses_what_is_not_an_image(cdn_server: str) -> None:
    with pytest.raises(ImageRefusedError) as refused:
        fetch_image(f"{cdn_server}/page.html", 1024, admin_origin=cdn_server)
    assert refused.value.message == (
        "the file is not a JPEG, PNG, GIF or WebP image (Shopify's CDN sent text/html)"
    )
    with pytest.raises(ImageRefusedError) as lying:
        fetch_image(f"{cdn_server}/lying.png", 1024, admin_origin=cdn_server)
    assert lying.value.message == "the file is not the image/png image Shopify's CDN said it was"


def test_it_refuses_an_image_over_the_limit_by_its_content_length(cdn_server: str) -> None:
    with pytest.raises(ImageTooLargeError) as too_large:
        fetch_image(f"{cdn_server}/big.png", 100 * 1024, admin_origin=cdn_server)
    assert too_large.value.size == len(BIG)
    assert too_large.value.limit == 100 * 1024
    assert too_large.value.message == (
        f"the image is {describe_size(len(BIG))}, over the 100 KB limit set in Products > Settings"
    )


def test_it_stops_reading_an_unsized_image_once_it_passes_the_limit(cdn_server: str) -> None:
    with pytest.raises(ImageTooLargeError) as too_large:
        fetch_image(f"{cdn_server}/big-unsized.png", 100 * 1024, admin_origin=cdn_server)
    assert too_large.value.size is None
    assert too_large.value.message == "the image is over the 100 KB limit set in Products > Settings"
    # exactly at the limit is allowed
    assert fetch_image(f"{cdn_server}/big-unsized.png", len(BIG), admin_origin=cdn_server) == BIG


def test_sizes_read_as_a_merchant_reads_them() -> None:
    assert describe_size(int(3.2 * 1024 * 1024)) == "3.2 MB"
    assert describe_size(1024 * 1024) == "1 MB"
    assert describe_size(850 * 1024) == "850 KB"
    assert describe_size(10) == "1 KB"


def test_a_stalled_cdn_is_a_passing_fault(cdn_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(ImageDownloadError) as slow:
        fetch_image(f"{cdn_server}/slow.png", 1024, timeout=0.3, admin_origin=cdn_server)
    assert time.monotonic() - started < 1.2
    assert isinstance(slow.value, TransientGatewayError)
    assert slow.value.message == "Shopify's CDN did not send the image within 0.3 s; it will be tried again"


def test_a_missing_image_is_permanent_and_a_busy_cdn_is_not(cdn_server: str) -> None:
    with pytest.raises(ImageRefusedError, match=r"no longer on Shopify's CDN \(404\)"):
        fetch_image(f"{cdn_server}/gone.png", 1024, admin_origin=cdn_server)
    with pytest.raises(ImageDownloadError, match="answered 503"):
        fetch_image(f"{cdn_server}/busy.png", 1024, admin_origin=cdn_server)


def test_a_closed_port_is_a_passing_fault() -> None:
    with pytest.raises(ImageDownloadError, match="could not be downloaded"):
        fetch_image("http://127.0.0.1:9/x.png", 1024, admin_origin="http://127.0.0.1:9")


def test_the_shopify_sandbox_serves_real_images_with_their_size(shopify_server: Any) -> None:
    base = shopify_server.base_url
    served = httpx.get(f"{base}/sandbox/cdn/trail-runner.jpg")
    assert (served.status_code, served.headers["Content-Type"]) == (200, "image/png")
    assert int(served.headers["Content-Length"]) == len(served.content) == len(cdn.png("trail-runner.jpg"))
    assert httpx.get(f"{base}/sandbox/cdn/").status_code == 404
    image = fetch_image(f"{base}/sandbox/cdn/trail-runner.jpg", 1024, admin_origin=base)
    assert image == cdn.png("trail-runner.jpg")
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ImageTooLargeError, match="over the 1 MB limit"):
        fetch_image(f"{base}/sandbox/cdn/huge.jpg?noise=700", 1024 * 1024, admin_origin=base)
