"""The Shopify sandbox's stand-in for cdn.shopify.com: product images made in code, served over HTTP.

Products keep Shopify-style image URLs (https://cdn.shopify.com/s/files/sandbox/<name>); the Admin API shows
them at the sandbox's own origin (GET /sandbox/cdn/<name>) so an app downloads a real image through the real
path. Each image is a PNG: a solid colour chosen from its name (small, like a product photo's thumbnail), or,
with ``?noise=<pixels>``, a square of random pixels that does not compress (to test size limits).
Like the real CDN, the bytes need not match the extension (Shopify serves WebP or PNG for a .jpg by Accept).
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from urllib.parse import parse_qs, urlsplit

STORED_PREFIX = "https://cdn.shopify.com/s/files/sandbox/"
PATH_PREFIX = "/sandbox/cdn/"
SIZE = 64
MAX_NOISE = 2048  # pixels a side: 12 MB, enough to pass any limit a merchant sets


def public_url(stored: str, base_url: str | None) -> str:
    """The URL the Admin API shows for a stored image URL: the sandbox's CDN route for the sandbox's images."""
    if base_url and stored.startswith(STORED_PREFIX):
        return f"{base_url.rstrip('/')}{PATH_PREFIX}{stored[len(STORED_PREFIX) :]}"
    return stored


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png(name: str, *, noise: int = 0) -> bytes:
    """A valid RGB PNG: SIZE x SIZE in one colour from `name`, or noise x noise random pixels."""
    side = min(max(noise, 1), MAX_NOISE) if noise else SIZE
    if noise:
        rng = random.Random(name)  # the same image for the same URL
        rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))
    else:
        colour = hashlib.sha256(name.encode()).digest()[:3]
        rows = (b"\x00" + colour * side) * side
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 6))
        + _chunk(b"IEND", b"")
    )


def image_for(path: str) -> bytes | None:
    """The image a GET /sandbox/cdn/<name>[?noise=N] serves; None for a path that names nothing."""
    parts = urlsplit(path)
    name = parts.path[len(PATH_PREFIX) :] if parts.path.startswith(PATH_PREFIX) else ""
    if not name or ".." in name:
        return None
    try:
        noise = int(parse_qs(parts.query).get("noise", ["0"])[-1])
    except ValueError:
        return None
    return png(name, noise=max(noise, 0))
