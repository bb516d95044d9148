from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from synclogs.models import SyncAttempt
from synco.models import Shop

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def attempt(shop: Shop, ref: str = "#1001", **fields: Any) -> SyncAttempt:
    """A finished sync attempt row as the engine writes it."""
    values: dict[str, Any] = {
        "operation": "create_sale_order",
        "object_type": SyncAttempt.Object.ORDER,
        "status": SyncAttempt.Status.SUCCESS,
        "started_at": NOW,
        "duration_ms": 120,
        "rpc_calls": 3,
        "message": f"Created confirmed sale order SHOP{ref}.",
    }
    values.update(fields)
    return SyncAttempt.objects.create(shop=shop, object_ref=ref, **values)


def row_ids(html: str, prefix: str = "attempt") -> list[int]:
    """The ids of the table rows on a page, in order."""
    return [int(pk) for pk in re.findall(rf'<s-table-row id="{prefix}-(\d+)"', html)]
