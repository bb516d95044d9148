"""Validated deliveries in Odoo: the automation rule that tells Synco when one is done (or its tracking number
changes), and the sweep's read of done deliveries since a cursor.

As verified on Odoo 18.0 (tests/contract/odoo/test_delivery_notifications.py): a base_automation rule on
stock.picking, triggered by `state` (and `carrier_tracking_ref` when stock_delivery is installed) for done
outgoing transfers, POSTs `_model`, `_id` and the chosen fields (`sale_id` as a bare id) to the URL. The picking's
write_date is the writing transaction's start, to the second: the sweep overlaps its cursor and tolerates rows
it has seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from synco.odoo.client import OdooClient
from synco.odoo.stock_notifications import (
    _field_ids,
    _model_id,
    automation_installed,
    ensure_automation_app,
    repoint_rules,
)

RULE_NAME = "Synco deliveries: validated or tracking changed"
DONE_OUTGOING = "[('state', '=', 'done'), ('picking_type_code', '=', 'outgoing')]"


@dataclass(frozen=True)
class DeliveryRule:
    rule_id: int
    created: bool
    installed_module: bool
    watches_tracking: bool


@dataclass(frozen=True)
class DoneDelivery:
    id: int
    name: str
    sale_id: int  # 0 when the transfer belongs to no sale order
    tracking_ref: str
    write_date: str


def _tracking_field(client: OdooClient) -> bool:
    """`carrier_tracking_ref` exists only with stock_delivery (asked once per client)."""
    return "carrier_tracking_ref" in client._picking_carrier_fields()


def ensure_delivery_notifications(client: OdooClient, url: str, *, install: bool = False) -> DeliveryRule:
    """Create (or point at `url` again) the rule that notifies Synco of validated deliveries."""
    installed = ensure_automation_app(client, install=install)
    tracking = _tracking_field(client)
    triggers = ["state", "carrier_tracking_ref"] if tracking else ["state"]
    sent = ["sale_id", "state", *(["carrier_tracking_ref"] if tracking else [])]
    model_id = _model_id(client, "stock.picking")
    trigger_ids = _field_ids(client, "stock.picking", triggers)
    existing = client.call(
        "base.automation",
        "search_read",
        [["name", "=", RULE_NAME]],
        fields=["action_server_ids"],
        context={"active_test": False},
    )
    if existing:
        rule = int(existing[0]["id"])
        actions = [int(a) for a in existing[0].get("action_server_ids") or []]
        if actions:
            client.call("ir.actions.server", "write", actions, {"webhook_url": url})
        client.call(
            "base.automation",
            "write",
            [rule],
            {"active": True, "filter_domain": DONE_OUTGOING, "trigger_field_ids": [(6, 0, trigger_ids)]},
        )
        return DeliveryRule(rule, False, installed, tracking)
    rule = int(
        client.call(
            "base.automation",
            "create",
            {
                "name": RULE_NAME,
                "model_id": model_id,
                "trigger": "on_create_or_write",
                "trigger_field_ids": [(6, 0, trigger_ids)],
                "filter_domain": DONE_OUTGOING,
                "action_server_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Notify Synco",
                            "model_id": model_id,
                            "state": "webhook",
                            "webhook_url": url,
                            "webhook_field_ids": [(6, 0, _field_ids(client, "stock.picking", sent))],
                        },
                    )
                ],
            },
        )
    )
    return DeliveryRule(rule, True, installed, tracking)


def done_deliveries_since(
    client: OdooClient, since: str, after_id: int = 0, limit: int = 200
) -> list[DoneDelivery]:
    """Done outgoing transfers written at or after `since` ('YYYY-MM-DD HH:MM:SS', UTC), by (write_date, id);
    with `after_id`, those read as `since` only past that id (keyset paging). A tracking number written
    after validation moves write_date too."""
    domain: list[Any] = [["picking_type_code", "=", "outgoing"], ["state", "=", "done"]]
    if since:
        if after_id:
            # Odoo stores write_date with microseconds but reads it to the second: "= since" matches nothing and
            # "> since" matches the same rows again. The rows read as `since` are those of [since, since + 1 s).
            later = _next_second(since)
            domain += [
                "|",
                ["write_date", ">=", later],
                "&",
                "&",
                ["write_date", ">=", since],
                ["write_date", "<", later],
                ["id", ">", after_id],
            ]
        else:
            domain.append(["write_date", ">=", since])
    fields = ["name", "sale_id", "write_date", *(["carrier_tracking_ref"] if _tracking_field(client) else [])]
    rows = client.call(
        "stock.picking", "search_read", domain, fields=fields, order="write_date, id", limit=limit
    )
    return [
        DoneDelivery(
            id=int(row["id"]),
            name=str(row.get("name") or ""),
            sale_id=_many2one(row.get("sale_id")),
            tracking_ref=str(row.get("carrier_tracking_ref") or ""),
            write_date=str(row.get("write_date") or ""),
        )
        for row in rows
    ]


def _next_second(moment: str) -> str:
    parsed = datetime.strptime(moment[:19], "%Y-%m-%d %H:%M:%S")
    return (parsed + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")


def _many2one(value: Any) -> int:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else 0
    return int(value or 0)


def repoint_delivery_notifications(client: OdooClient, url: str) -> int:
    """Point Synco's existing delivery rule at `url` (a new webhook token); creates none. Returns the rules
    re-pointed (0 or 1)."""
    if not automation_installed(client):
        return 0
    return repoint_rules(client, [RULE_NAME], url)
