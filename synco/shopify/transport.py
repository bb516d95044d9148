"""Kept-alive HTTP connections to Shopify: one httpx.Client per process, shared by every thread and shop.

A new connection costs a TCP and a TLS handshake (two to three round trips) before the first byte of a GraphQL
call; a backfill makes thousands of calls to the same origin. httpx.Client is thread-safe and pools its
connections per origin (scheme, host, port), so every ShopifyClient of the process (and every thread) reuses
the open connection to its shop's origin. One client for every shop rather than one per shop: its pool closes
the idle connections of every origin as they expire, so a worker that served hundreds of shops does not keep
hundreds of sockets. Redirects are never followed (the access token must not travel to another host). Each
request carries its own timeout (connect, read, write and pool wait all set to the caller's seconds).

After a fork (Celery's prefork pool) the child drops the parent's clients: a pooled socket must never be shared
by two processes.
"""

from __future__ import annotations

import os
import threading

import httpx

# Shopify's edge keeps an idle connection open for a while; past this many seconds idle we open a new one
# rather than risk writing to a connection the server is closing. Rate-limit waits are under 20 s (a bucket
# refills fully in 20 s on every plan), so a connection usually survives the wait between two pages.
KEEPALIVE_SECONDS = 30.0
# Over every origin; a worker process sends one request at a time, a threaded one a few.
MAX_CONNECTIONS = 50

_clients: dict[bool, httpx.Client] = {}
_lock = threading.Lock()


def timeout(seconds: float) -> httpx.Timeout:
    """The same bound on connecting, each read, each write and waiting for a pooled connection."""
    return httpx.Timeout(seconds)


def shared_client(*, trust_env: bool = True) -> httpx.Client:
    """The process's kept-alive client (created on first use).

    `trust_env` keeps what urllib did for the Admin API and bulk files (HTTPS_PROXY, NO_PROXY and
    SSL_CERT_FILE apply); image downloads pass False, as they always did.
    """
    key = trust_env
    with _lock:
        client = _clients.get(key)
        if client is None or client.is_closed:
            client = httpx.Client(
                follow_redirects=False,
                trust_env=trust_env,
                timeout=httpx.Timeout(20.0),
                limits=httpx.Limits(
                    max_connections=MAX_CONNECTIONS,
                    max_keepalive_connections=MAX_CONNECTIONS,
                    keepalive_expiry=KEEPALIVE_SECONDS,
                ),
            )
            _clients[key] = client
        return client


def close_all() -> None:
    """Close every kept-alive connection of this process (tests; a worker shutting down)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


def _forget_after_fork() -> None:
    # The child must not close the parent's sockets (that would cut the parent's connections): only forget them.
    global _lock
    _clients.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
