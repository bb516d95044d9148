"""Synco's external ids in Odoo (module ``shopify``), scoped per shop.

Two shops on one Odoo database must never share a record by accident: every key that is not a Shopify id
(globally unique) carries the shop's key, derived from its myshopify domain. Keys that existed before
(`customer_<id>`, written while keys were shared) are still read for customers: Shopify customer ids are
unique across shops, so those can never belong to another shop.
"""

from __future__ import annotations

import hashlib
import re

MODULE = "shopify"


def shop_key(domain: str) -> str:
    """'synco-demo.myshopify.com' -> 'synco_demo': the myshopify handle in [a-z0-9_]; a domain whose handle
    changes when sanitised (or a custom domain) gets a short hash so two shops can never collide."""
    domain = domain.strip().lower()
    handle = domain.removesuffix(".myshopify.com")
    clean = re.sub(r"[^a-z0-9]+", "_", handle).strip("_")
    if handle.replace("-", "_") == clean and domain.endswith(".myshopify.com"):
        return clean
    digest = hashlib.sha256(domain.encode()).hexdigest()[:8]
    return f"{clean or 'shop'}_{digest}"


def product_xmlid(domain: str, shopify_product_id: int) -> str:
    return f"product_{shop_key(domain)}_{shopify_product_id}"


def customer_xmlid(domain: str, shopify_customer_id: int) -> str:
    return f"customer_{shop_key(domain)}_{shopify_customer_id}"


def legacy_customer_xmlid(shopify_customer_id: int) -> str:
    return f"customer_{shopify_customer_id}"


def company_xmlid(domain: str, shopify_company_id: int) -> str:
    return f"company_{shop_key(domain)}_{shopify_company_id}"


def guest_xmlid(domain: str) -> str:
    return f"customer_guest_{shop_key(domain)}"


def pricelist_xmlid(domain: str, currency: str) -> str:
    return f"pricelist_{shop_key(domain)}_{currency.lower()}"


def full(name: str) -> str:
    """The external id as Odoo's `load()` takes it: 'shopify.<name>'."""
    return f"{MODULE}.{name}"
