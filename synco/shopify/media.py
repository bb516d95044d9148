"""Product images from Shopify's CDN: only Shopify's hosts, only images, never more than the merchant's limit.

The URL comes from Shopify's product data, so it is checked like any outside input before anything is sent:
https on cdn.shopify.com (or, in development, the Shopify sandbox's own loopback origin, passed in by the
caller), no redirect to another host, an image content type whose first bytes agree, and a size cap checked on
Content-Length first and then on the streamed body (never more than the cap plus one byte is read).
A product import downloads many images from the same CDN: they share the process's kept-alive connections
(synco.shopify.transport; no proxy from the environment, no redirect followed by the library).
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import transport

CDN_HOSTS = frozenset({"cdn.shopify.com"})
CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
MAX_REDIRECTS = 3
# Shopify's CDN picks the format by Accept: asking for JPEG, PNG or GIF (not WebP) gets a file Odoo makes its
# smaller copies of (it keeps a WebP as it is, full size, in image_128 too). A WebP it still sends is accepted.
ACCEPT = "image/jpeg, image/png, image/gif"
_CHUNK = 64 * 1024
_LOOPBACK_NAMES = frozenset({"localhost"})


class ImageRefusedError(PermanentGatewayError):
    """The image cannot be copied as it is (not Shopify's, not an image, gone): retrying will not help."""


class ImageTooLargeError(ImageRefusedError):
    """The image is over the merchant's size limit (`size` is None when the server did not say how big)."""

    def __init__(self, message: str, size: int | None, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class ImageDownloadError(TransientGatewayError):
    """Shopify's CDN did not answer in time or failed: the download may work later."""


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str
    port: int


def _origin(url: str) -> _Origin | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return _Origin(parts.scheme, parts.hostname.lower(), port)


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sandbox_origin(admin_origin: str) -> _Origin | None:
    """The Shopify sandbox's origin (http on a loopback address) when Synco runs against it; never a real host."""
    origin = _origin(admin_origin) if admin_origin else None
    if origin is None or origin.scheme != "http" or not _is_loopback(origin.host):
        return None
    return origin


def is_allowed(url: str, admin_origin: str = "") -> bool:
    """Whether Synco may download this URL: https on Shopify's CDN, or the loopback Shopify sandbox."""
    origin = _origin(url)
    if origin is None:
        return False
    if origin.scheme == "https" and origin.host in CDN_HOSTS and origin.port == 443:
        return True
    sandbox = _sandbox_origin(admin_origin)
    return sandbox is not None and origin == sandbox


def describe_size(size: int) -> str:
    """A size as a merchant reads it: '3.2 MB', '850 KB'."""
    if size >= 1024 * 1024:
        text = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(size / 1024))} KB"


def _too_large(size: int | None, limit: int) -> ImageTooLargeError:
    limit_text = f"the {describe_size(limit)} limit set in Products > Settings"
    if size is None:
        return ImageTooLargeError(f"the image is over {limit_text}", size, limit)
    return ImageTooLargeError(f"the image is {describe_size(size)}, over {limit_text}", size, limit)


def _signature_matches(content_type: str, head: bytes) -> bool:
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "image/gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def fetch_image(url: str, max_bytes: int, *, timeout: float = 10, admin_origin: str = "") -> bytes:
    """Download a product image from Shopify's CDN, at most `max_bytes` long, within `timeout` seconds in all.

    `admin_origin` is settings.SHOPIFY_ADMIN_ORIGIN: when it is the loopback Shopify sandbox, images it serves
    are allowed too. Raises ImageRefusedError / ImageTooLargeError (permanent) or ImageDownloadError.
    """
    deadline = time.monotonic() + timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if not is_allowed(current, admin_origin):
            raise ImageRefusedError(
                f"the image is not on Shopify's CDN ({_host_of(current)}), so Synco does not download it"
                if current == url
                else f"Shopify's CDN sent the image on to another host ({_host_of(current)}); Synco "
                "does not follow it"
            )
        client = transport.shared_client(trust_env=False)
        try:
            with client.stream(
                "GET", current, headers={"Accept": ACCEPT}, timeout=transport.timeout(timeout)
            ) as r:
                if r.is_redirect:
                    location = r.headers.get("Location", "")
                    if not location:
                        raise ImageRefusedError("Shopify's CDN redirected the image without saying where")
                    current = urljoin(current, location)
                    continue
                return _read(r, max_bytes, deadline, timeout)
        except httpx.TimeoutException as exc:
            raise ImageDownloadError(
                f"Shopify's CDN did not send the image within {timeout:g} s; it will be tried again"
            ) from exc
        except httpx.TransportError as exc:
            raise ImageDownloadError(
                f"the image could not be downloaded from Shopify's CDN ({type(exc).__name__}); it will be "
                "tried again"
            ) from exc
    raise ImageRefusedError(f"Shopify's CDN redirected the image more than {MAX_REDIRECTS} times")


def _host_of(url: str) -> str:
    return urlsplit(url).hostname or url[:80]


def _read(response: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    status = response.status_code
    if status == 429 or status >= 500:
        raise ImageDownloadError(f"Shopify's CDN answered {status}; the image will be tried again")
    if status in (404, 410):
        raise ImageRefusedError(f"the image is no longer on Shopify's CDN ({status})")
    if status != 200:
        raise ImageRefusedError(f"Shopify's CDN refused the image ({status})")
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        raise ImageRefusedError(
            f"the file is not a JPEG, PNG, GIF or WebP image (Shopify's CDN sent {content_type or 'no type'})"
        )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _too_large(int(length), max_bytes)
    body = bytearray()
    for chunk in response.iter_bytes(_CHUNK):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise _too_large(int(length) if length.isdigit() else None, max_bytes)
        if time.monotonic() > deadline:
            raise ImageDownloadError(
                f"Shopify's CDN did not send the image within {timeout:g} s; it will be tried again"
            )
    if not body:
        raise ImageRefusedError("Shopify's CDN sent an empty image")
    if not _signature_matches(content_type, bytes(body[:16])):
        raise ImageRefusedError(f"the file is not the {content_type} image Shopify's CDN said it was")
    return bytes(body)
