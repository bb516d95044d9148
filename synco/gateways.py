"""Build gateway clients from a shop's stored settings, and run Test connection against them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from synco import queue
from synco.crypto import is_unreadable
from synco.errors import GatewayError, OdooNotConnectedError, PermanentGatewayError, SecretUnreadableError
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo.checks import Check, run_connection_checks
from synco.odoo.client import OdooClient, OdooSettings
from synco.odoo.destination import OutboundPolicy, parse_odoo_url
from synco.odoo.json2 import looks_like_api_key
from synco.shopify import tokens
from synco.shopify.client import ShopifyClient, ShopifySettings


def odoo_settings(connection: OdooConnection) -> OdooSettings:
    if connection.secret_unreadable:
        raise SecretUnreadableError(
            "Synco can no longer read the stored Odoo password or API key (its encryption key changed): "
            "enter it again in Settings to reconnect Odoo."
        )
    if not connection.host:
        raise PermanentGatewayError(
            f"The Odoo URL '{connection.url}' has no host name: check it in Settings."
        )
    policy = odoo_outbound_policy()
    # Refused before anything is sent: a URL Synco may not reach (the address is checked again after DNS).
    address = parse_odoo_url(connection.url, policy)
    return OdooSettings(
        host=address.host,
        port=address.port,
        use_tls=address.use_tls,
        database=connection.database,
        login=connection.login,
        secret=connection.secret,
        protocol=connection.protocol,
        timeout=settings.SYNCO_ODOO_CALL_DEADLINE,
        policy=policy,
    )


def odoo_outbound_policy() -> OutboundPolicy:
    """Where Odoo URLs may point: https, public addresses, port 443 or SYNCO_ODOO_ALLOWED_PORTS."""
    return OutboundPolicy(
        allow_loopback=settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP,
        allowed_ports=frozenset(settings.SYNCO_ODOO_ALLOWED_PORTS),
    )


def odoo_client_for(shop: Shop) -> OdooClient:
    connection = OdooConnection.objects.filter(shop=shop).first()
    if connection is None:
        raise OdooNotConnectedError()
    return OdooClient(odoo_settings(connection))


def store_grant(shop: Shop, grant: tokens.Grant) -> None:
    shop.access_token = grant.access_token
    shop.access_scopes = grant.scope or shop.access_scopes
    shop.access_token_expires_at = grant.expires_at
    if grant.refresh_token:
        shop.refresh_token = grant.refresh_token
        shop.refresh_token_expires_at = grant.refresh_expires_at
    elif is_unreadable(shop.refresh_token):
        # A refresh token of an older grant that the key no longer decrypts: this grant replaces it.
        shop.refresh_token = ""
        shop.refresh_token_expires_at = None
    shop.save(
        update_fields=[
            "access_token",
            "access_scopes",
            "access_token_expires_at",
            "refresh_token",
            "refresh_token_expires_at",
        ]
    )


def install_from_session_token(domain: str, id_token: str) -> Shop:
    """Shopify-managed installation: the first embedded load exchanges the ID token for an offline token."""
    grant = tokens.exchange_id_token(
        shop=domain,
        id_token=id_token,
        api_key=settings.SHOPIFY_API_KEY,
        secret=settings.SHOPIFY_API_SECRET,
        admin_origin=settings.SHOPIFY_ADMIN_ORIGIN,
        now=timezone.now(),
        timeout=settings.SHOPIFY_TIMEOUT_SECONDS,
    )
    return _install(domain, grant)


def install_from_code(domain: str, code: str) -> Shop:
    """The authorization-code fallback: the callback's code becomes an expiring offline token."""
    grant = tokens.exchange_code(
        shop=domain,
        code=code,
        api_key=settings.SHOPIFY_API_KEY,
        secret=settings.SHOPIFY_API_SECRET,
        admin_origin=settings.SHOPIFY_ADMIN_ORIGIN,
        now=timezone.now(),
        timeout=settings.SHOPIFY_TIMEOUT_SECONDS,
    )
    return _install(domain, grant)


def _install(domain: str, grant: tokens.Grant) -> Shop:
    """Create or reinstate the shop with its new token (a reinstall after uninstall starts syncing again)."""
    shop, _ = Shop.objects.get_or_create(domain=domain)
    Shop.objects.filter(pk=shop.pk).update(uninstalled_at=None)
    shop.uninstalled_at = None
    store_grant(shop, grant)
    OrderRules.objects.get_or_create(shop=shop)
    # The shop's time zone (its invoice dates, its pages): asked once the install has committed.
    queue.delay_on_commit("orders.tasks.refresh_shop_timezone_task", shop.pk)
    return shop


def fresh_access_token(shop: Shop) -> str:
    """The shop's access token, refreshed first when it expires within a few minutes."""
    _require_readable_token(shop)
    expires = shop.access_token_expires_at
    if expires is None or expires - tokens.REFRESH_MARGIN > timezone.now() or not shop.refresh_token:
        return shop.access_token
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if (
            locked.access_token_expires_at
            and locked.access_token_expires_at - tokens.REFRESH_MARGIN > timezone.now()
        ):
            return locked.access_token  # another worker refreshed it meanwhile
        _require_readable_token(locked)
        grant = tokens.refresh(
            shop=locked.domain,
            refresh_token=locked.refresh_token,
            api_key=settings.SHOPIFY_API_KEY,
            secret=settings.SHOPIFY_API_SECRET,
            admin_origin=settings.SHOPIFY_ADMIN_ORIGIN,
            now=timezone.now(),
            timeout=settings.SHOPIFY_TIMEOUT_SECONDS,
        )
        store_grant(locked, grant)
    return grant.access_token


def _require_readable_token(shop: Shop) -> None:
    if shop.token_unreadable:
        raise SecretUnreadableError(
            f"Synco can no longer read the stored Shopify access token of {shop.domain} (its encryption key "
            "changed): open the app from the Shopify admin again, or reinstall it."
        )


def shopify_client_for(shop: Shop) -> ShopifyClient:
    _require_readable_token(shop)
    if not shop.access_token:
        raise PermanentGatewayError(f"{shop.domain} has no Shopify access token: reinstall the app.")
    return ShopifyClient(
        ShopifySettings(
            domain=shop.domain,
            token=fresh_access_token(shop),
            api_version=settings.SHOPIFY_API_VERSION,
            admin_origin=settings.SHOPIFY_ADMIN_ORIGIN,
            timeout=settings.SHOPIFY_TIMEOUT_SECONDS,
        )
    )


def check_connection(connection: OdooConnection) -> list[Check]:
    """Run every check against these settings (saved or not); nothing is stored here."""
    try:
        # One short budget for all the checks together: a silent or trickling server cannot hold the request.
        client = OdooClient(odoo_settings(connection), total_seconds=settings.SYNCO_ODOO_CHECK_DEADLINE)
    except GatewayError as exc:
        return [Check("Server reachable", False, exc.message)]
    try:
        checks = run_connection_checks(client, key_accepted_at=connection.api_key_accepted_at)
    finally:
        client.close()
    _remember_accepted_key(connection, checks)
    return checks


def _remember_accepted_key(connection: OdooConnection, checks: list[Check]) -> None:
    """The stored API key just logged in: remember when, so a later refusal can say it expired or was revoked.
    Only for the stored secret (Test connection also checks what is typed in the form, unsaved)."""
    logged_in = any(check.name == "Database and login" and check.ok for check in checks)
    if not (logged_in and connection.pk and looks_like_api_key(connection.secret)):
        return
    stored = OdooConnection.objects.filter(pk=connection.pk).first()
    if stored is None or stored.secret != connection.secret:
        return
    now = timezone.now()
    OdooConnection.objects.filter(pk=connection.pk).update(api_key_accepted_at=now)
    connection.api_key_accepted_at = now
