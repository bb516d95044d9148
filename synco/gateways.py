"""Build gateway clients from a shop's stored settings."""

from __future__ import annotations

from django.conf import settings

from synco.errors import PermanentGatewayError
from synco.models import OdooConnection, Shop
from synco.odoo.client import OdooClient, OdooSettings
from synco.shopify.client import ShopifyClient, ShopifySettings


def odoo_settings(connection: OdooConnection) -> OdooSettings:
    if not connection.host:
        raise PermanentGatewayError(
            f"The Odoo URL '{connection.url}' has no host name: check it in Settings."
        )
    return OdooSettings(
        host=connection.host,
        port=connection.port,
        use_tls=connection.uses_tls,
        database=connection.database,
        login=connection.login,
        secret=connection.secret,
        protocol=connection.protocol,
        timeout=settings.ODOO_TIMEOUT_SECONDS,
    )


def odoo_client_for(shop: Shop) -> OdooClient:
    connection = OdooConnection.objects.filter(shop=shop).first()
    if connection is None:
        raise PermanentGatewayError(
            "Odoo is not connected yet: enter its URL, database and login in Settings."
        )
    return OdooClient(odoo_settings(connection))


def shopify_client_for(shop: Shop) -> ShopifyClient:
    if not shop.access_token:
        raise PermanentGatewayError(f"{shop.domain} has no Shopify access token: reinstall the app.")
    return ShopifyClient(
        ShopifySettings(
            domain=shop.domain,
            token=shop.access_token,
            api_version=settings.SHOPIFY_API_VERSION,
            admin_origin=settings.SHOPIFY_ADMIN_ORIGIN,
            timeout=settings.SHOPIFY_TIMEOUT_SECONDS,
        )
    )
