"""Where Synco may send an Odoo request: https to a public address on an allowed port, checked after DNS.

A merchant types the Odoo URL, so it must not reach Synco's own network (Redis, PostgreSQL, the app itself,
the cloud metadata service) nor carry the stored secret anywhere but to the public Odoo it was saved for.
`parse_odoo_url` and `refusal_for_address` are pure; `resolve` looks the host up once and checks every
address, and the transport connects to the address it returned (no second lookup an attacker could rebind).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from synco.errors import PermanentGatewayError

HTTPS_PORT = 443

# Never public, whatever `is_global` says in this Python version (3.11 calls 192.0.0.8 or 2002::/16 global).
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT, also Alibaba's metadata service 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, with the metadata service 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "::1/128",
        "100::/64",
        "2001::/23",  # IETF protocol assignments, Teredo included
        "2001:db8::/32",
        "fc00::/7",  # unique local, with AWS's metadata service fd00:ec2::254
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[..., Sequence[tuple[Any, ...]]]


class DestinationRefusedError(PermanentGatewayError):
    """The Odoo URL points somewhere Synco does not connect to; the message says what to change."""


@dataclass(frozen=True)
class OutboundPolicy:
    """What outbound Odoo URLs may be: https on port 443 or an allowed port, to public addresses.

    `allow_loopback` is a development setting: the sandboxes listen on http://127.0.0.1:<any port>.
    """

    allow_loopback: bool = False
    allowed_ports: frozenset[int] = field(default_factory=lambda: frozenset({HTTPS_PORT}))

    def port_allowed(self, port: int) -> bool:
        return port == HTTPS_PORT or port in self.allowed_ports


@dataclass(frozen=True)
class OdooAddress:
    """The parts of an Odoo URL a connection needs."""

    scheme: str
    host: str
    port: int

    @property
    def use_tls(self) -> bool:
        return self.scheme == "https"

    @property
    def origin(self) -> tuple[str, str, int]:
        """What a stored secret is bound to: the same scheme, host and port."""
        return (self.scheme, self.host, self.port)


def parse_odoo_url(url: str, policy: OutboundPolicy) -> OdooAddress:
    """Check what can be checked without DNS: scheme, credentials, host, port, and an address typed as is."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise DestinationRefusedError("The Odoo URL is not a valid address: check it.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefusedError(
            "The Odoo URL must be an https:// address, e.g. https://mycompany.odoo.com"
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise DestinationRefusedError(
            "Remove the user name and password from the Odoo URL: enter the login and the password or API key "
            "in their own fields."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DestinationRefusedError("The Odoo URL has no host name: check it.")
    address = OdooAddress(scheme=scheme, host=host, port=port or (HTTPS_PORT if scheme == "https" else 80))
    literal = _ip_or_none(host)
    if literal is not None:
        refusal = refusal_for_address(literal, address, policy)
        if refusal:
            raise DestinationRefusedError(refusal)
    elif not policy.allow_loopback:
        # Without the development setting no host name may take http or another port: say so before DNS.
        refusal = _scheme_or_port_refusal(address, policy)
        if refusal:
            raise DestinationRefusedError(refusal)
    return address


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, the default port filled in; None when it cannot be read."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    return (scheme, host, port or (HTTPS_PORT if scheme == "https" else 80))


def refusal_for_address(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address, address: OdooAddress, policy: OutboundPolicy
) -> str | None:
    """Why Synco will not connect to `ip` for this URL, or None when it may."""
    ip = _embedded_ipv4(ip)
    if ip.is_loopback and policy.allow_loopback:
        return None
    if not is_public(ip):
        return (
            "The Odoo URL points to a private, local or reserved network address: Synco only connects to Odoo "
            "servers on the public internet."
        )
    return _scheme_or_port_refusal(address, policy)


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally reachable unicast address (IPv4 inside IPv6 is judged as the IPv4 it carries)."""
    ip = _embedded_ipv4(ip)
    if any(ip in network for network in _BLOCKED_NETWORKS if network.version == ip.version):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_link_local)


def resolve(
    address: OdooAddress, policy: OutboundPolicy, resolver: Resolver = socket.getaddrinfo
) -> list[str]:
    """Look the host up once; every address it has must be allowed. Returns them, to connect to in order.

    A name that also resolves to a private address is refused as a whole: the connection must not depend on
    which address the resolver lists first. Raises socket.gaierror when the name does not exist.
    """
    infos = resolver(address.host, address.port, type=socket.SOCK_STREAM)
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    for ip in found:
        refusal = refusal_for_address(ip, address, policy)
        if refusal:
            raise DestinationRefusedError(refusal)
    return [str(ip) for ip in found]


def _scheme_or_port_refusal(address: OdooAddress, policy: OutboundPolicy) -> str | None:
    if address.scheme != "https":
        return (
            "The Odoo URL must start with https://: Synco only sends the Odoo password or API key over an "
            "encrypted connection."
        )
    if not policy.port_allowed(address.port):
        others = sorted(port for port in policy.allowed_ports if port != HTTPS_PORT)
        allowed = ", ".join(str(port) for port in [HTTPS_PORT, *others])
        return (
            f"Synco connects to Odoo on port {allowed} only: remove :{address.port} from the URL, or ask "
            "Synco's operator to allow that port."
        )
    return None


def _ip_or_none(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip
