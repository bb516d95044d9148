"""Access rights of the seeded users: admin may do everything, ``sales-none`` has no Sales rights."""

from __future__ import annotations

from .errors import AccessError

ADMIN_UID = 2
SALES_NONE_UID = 6

OPERATION_VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}

_SALE_GROUPS = (
    "Inventory/User",
    "Invoicing/Invoicing",
    "Sales/Administrator",
    "Sales/User: Own Documents Only",
    "Technical/Show Accounting Features - Readonly",
    "Technical/Show Full Accounting Features",
    "User types/Portal",
)
_SALE_WRITE_GROUPS = ("Sales/Administrator", "Sales/User: Own Documents Only")
_PRODUCT_GROUPS = (
    "Extra Rights/Product Creation",
    "Inventory/Administrator",
    "Invoicing/Administrator",
    "Sales/Administrator",
)

# model -> operations refused to the user without Sales rights, with the groups Odoo lists.
_SALES_NONE_DENIED: dict[str, dict[str, tuple[str, ...]]] = {
    "sale.order": {
        "read": _SALE_GROUPS,
        "write": _SALE_WRITE_GROUPS,
        "create": _SALE_WRITE_GROUPS,
        "unlink": _SALE_WRITE_GROUPS,
    },
    "sale.order.line": {
        "read": _SALE_GROUPS,
        "write": _SALE_WRITE_GROUPS,
        "create": _SALE_WRITE_GROUPS,
        "unlink": _SALE_WRITE_GROUPS,
    },
    "product.product": {"create": _PRODUCT_GROUPS, "write": _PRODUCT_GROUPS, "unlink": _PRODUCT_GROUPS},
    "product.template": {"create": _PRODUCT_GROUPS, "write": _PRODUCT_GROUPS, "unlink": _PRODUCT_GROUPS},
}

# Refused to everyone (Odoo: "No group currently allows this operation").
_NOBODY: dict[str, set[str]] = {"stock.quant": {"unlink"}}


def access_error(uid: int, model: str, description: str, operation: str) -> AccessError | None:
    """The AccessError Odoo would raise for this operation, or None when it is allowed."""
    verb = OPERATION_VERBS.get(operation, "access")
    head = f"You are not allowed to {verb} '{description}' ({model}) records.\n\n"
    tail = "\n\nContact your administrator to request access if necessary."
    if operation in _NOBODY.get(model, set()):
        return AccessError(head + "No group currently allows this operation." + tail)
    if uid == SALES_NONE_UID:
        groups = _SALES_NONE_DENIED.get(model, {}).get(operation)
        if groups:
            listing = "\n".join(f"\t- {group}" for group in groups)
            return AccessError(
                head + "This operation is allowed for the following groups:\n" + listing + tail
            )
    return None
