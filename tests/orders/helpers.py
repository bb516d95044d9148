from __future__ import annotations

from typing import Any

from orders.models import Order, SyncStatus
from synco.models import Shop
from synco.shopify.types import parse_order


def queued_order(shop: Shop, node: dict[str, Any]) -> Order:
    """A stored Shopify order already queued for sync (as the Sync button leaves it)."""
    return stored_order(shop, node, SyncStatus.QUEUED)


def stored_order(
    shop: Shop, node: dict[str, Any], status: str = SyncStatus.NOT_SYNCED, *, eligible: bool = True
) -> Order:
    """A Shopify order as the import stores it (eligible unless told otherwise: the sync refuses the others)."""
    parsed = parse_order(node)
    return Order.objects.create(
        shop=shop,
        shopify_id=parsed.id,
        gid=parsed.gid,
        name=parsed.name,
        created_at=parsed.created_at,
        updated_at=parsed.updated_at,
        total_price=parsed.total,
        currency=parsed.currency,
        payload=node,
        sync_status=status,
        eligible=eligible,
    )


def retry(order: Order) -> None:
    """What the Retry button does: claim the order again."""
    Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.QUEUED)
