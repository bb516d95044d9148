"""Access rights of the seeded users: admin may do everything, ``sales-none`` has no Sales rights."""

from __future__ import annotations

from .errors import AccessError
from .versions import DEFAULT_VERSION, OdooProfile, profile_for

ADMIN_UID = 2
SALES_NONE_UID = 6

OPERATION_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}

# model -> operation -> the kind of groups Odoo lists when it refuses it to the user without Sales rights
# (the group names differ between versions: OdooProfile.access_groups).
_SALES_NONE_DENIED: dict[str, dict[str, str]] = {
    "sale.order": {"read": "sale", "write": "sale_write", "create": "sale_write", "unlink": "sale_write"},
    "sale.order.line": {
        "read": "sale",
        "write": "sale_write",
        "create": "sale_write",
        "unlink": "sale_write",
    },
    "product.product": {"create": "product", "write": "product", "unlink": "product"},
    "product.template": {"create": "product", "write": "product", "unlink": "product"},
}

# Refused to everyone (Odoo: "No group currently allows this operation").
_NOBODY: dict[str, set[str]] = {"stock.quant": {"unlink"}}


def access_error(
    uid: int, model: str, description: str, operation: str, profile: OdooProfile | None = None
) -> AccessError | None:
    """The AccessError Odoo would raise for this operation, or None when it is allowed."""
    verb = OPERATION_VERBS.get(operation, "access")
    head = f"You are not allowed to {verb} '{description}' ({model}) records.\n\n"
    tail = "\n\nContact your administrator to request access if necessary."
    if operation in _NOBODY.get(model, set()):
        return AccessError(head + "No group currently allows this operation." + tail)
    if uid == SALES_NONE_UID:
        kind = _SALES_NONE_DENIED.get(model, {}).get(operation)
        if kind:
            groups = (profile or profile_for(DEFAULT_VERSION)).access_groups[kind]
            listing = "\n".join(f"\t- {group}" for group in groups)
            return AccessError(
                head + "This operation is allowed for the following groups:\n" + listing + tail
            )
    return None
