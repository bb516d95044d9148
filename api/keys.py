"""Making, checking and revoking API keys. A key reads `synco_<prefix>_<secret>` and is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey
from synco.models import Shop
from synco.shopify_app.embedded import API_KEY_PREFIX

KEY_PREFIX = API_KEY_PREFIX
# last_used_at is written at most this often per key (an API loop must not write a row per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def create_key(shop: Shop, name: str, scope: str, created_by: str = "") -> tuple[ApiKey, str]:
    """A new key for the shop and its plain text, which is never stored and cannot be shown again."""
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    plain = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        shop=shop,
        name=name.strip(),
        prefix=prefix,
        key_hash=_digest(plain),
        scope=scope,
        created_by=created_by,
    )
    return key, plain


def find_key(token: str) -> ApiKey | None:
    """The active key this token is, or None (unknown, revoked, malformed, or the shop uninstalled)."""
    if not looks_like_key(token) or token.count("_") < 2:
        return None
    prefix = token[len(KEY_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("shop").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(token)):
        return None
    if key.shop.uninstalled_at is not None:
        return None
    return key


def touch(key: ApiKey) -> None:
    """Record that the key was used, at most once a minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def revoke(shop: Shop, key_id: int) -> bool:
    """Revoke one of the shop's keys; False if it is not the shop's or already revoked."""
    return bool(
        ApiKey.objects.filter(shop=shop, pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )
