"""Failures at the edge of the system, classified once: retry it, or tell the merchant what to fix."""

from __future__ import annotations


class GatewayError(Exception):
    """A call to Shopify or Odoo failed; `message` is safe to show a merchant (no secrets, no tracebacks)."""

    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermanentGatewayError(GatewayError):
    """Retrying will not help until someone fixes data, settings or rights."""


class OdooNotConnectedError(PermanentGatewayError):
    """The shop has no Odoo connection yet: nothing can be asked of Odoo until Settings has one."""

    default_message = "Odoo is not connected yet: enter its URL, database and login in Settings."

    def __init__(self, message: str = default_message) -> None:
        super().__init__(message)


class TransientGatewayError(GatewayError):
    """Network, timeout, 5xx or throttling: the same call may succeed later."""

    transient = True


class SecretUnreadableError(PermanentGatewayError):
    """A stored Odoo secret or Shopify token cannot be decrypted with the configured keys (lost or wrong key).

    Permanent for the shop until the merchant re-enters the secret (or reinstalls) or the operator restores the
    key; work that failed only because of it (webhook receipts) is kept to be retried, not dropped.
    """
