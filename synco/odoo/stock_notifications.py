"""The Odoo automation rule that tells Synco when stock moves ("Send Webhook Notification", base_automation).

As verified on Odoo 18.0 (tests/contract/odoo/test_stock_notifications.py): a rule on stock.quant fires when an
internal quant's quantity or reservation changes, and POSTs JSON with `_model`, `_id` and the chosen fields
(`product_id`, `location_id` as bare ids) to the URL. A done move into or out of an internal location (a count,
a receipt, a delivery) changes that location's quant, so this one rule covers them and says the location the
per-location coalescing needs. Odoo 18 sends each POST inside the writing request, before its commit (1 s
timeout): a second rule on done moves only doubled what the warehouse waits for, and is switched off where an
earlier Synco created it (`LEGACY_RULES`). Synco creates or updates the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synco.errors import PermanentGatewayError
from synco.odoo.client import OdooClient

RULE_PREFIX = "Synco stock"
MODULE = "base_automation"
# (model, rule name, fields that trigger it, records it is for, fields sent)
RULES = (
    (
        "stock.quant",
        f"{RULE_PREFIX}: quants",
        ["quantity", "reserved_quantity"],
        "[('location_id.usage', '=', 'internal')]",
        ["product_id", "location_id"],
    ),
)
# Rules an earlier Synco created: archived (not deleted: the merchant's Odoo keeps its history).
LEGACY_RULES = (f"{RULE_PREFIX}: done moves",)


@dataclass(frozen=True)
class NotificationRules:
    rule_ids: tuple[int, ...]
    installed_module: bool
    created: int
    updated: int


def automation_installed(client: OdooClient) -> bool:
    rows = client.call("ir.module.module", "search_read", [["name", "=", MODULE]], fields=["state"], limit=1)
    return bool(rows) and rows[0].get("state") == "installed"


def ensure_automation_app(client: OdooClient, *, install: bool) -> bool:
    """Odoo's Automation Rules app (base_automation) is there for Synco's rules: installed now if asked (True),
    or already; otherwise a permanent error that says what to do."""
    rows = client.call("ir.module.module", "search_read", [["name", "=", MODULE]], fields=["state"], limit=1)
    if rows and rows[0].get("state") == "installed":
        return False
    if not install:
        raise PermanentGatewayError(
            "Odoo's Automation Rules app (base_automation) is not installed: install it in Odoo's Apps, or "
            "let Synco install it."
        )
    if not rows:
        raise PermanentGatewayError("This Odoo has no Automation Rules app (base_automation) to install.")
    client.call("ir.module.module", "button_immediate_install", [rows[0]["id"]])
    return True


def repoint_rules(client: OdooClient, names: Sequence[str], url: str) -> int:
    """Point the webhook actions of Synco's rules called `names` at `url` (a new token); creates none. Returns the
    rules found. The Automation Rules app must be installed (`automation_installed`)."""
    rows = client.call(
        "base.automation",
        "search_read",
        [["name", "in", list(names)]],
        fields=["action_server_ids"],
        context={"active_test": False},
    )
    actions = sorted({int(a) for row in rows for a in row.get("action_server_ids") or []})
    if actions:
        client.call("ir.actions.server", "write", actions, {"webhook_url": url})
    return len(rows)


def ensure_stock_notifications(client: OdooClient, url: str, *, install: bool = False) -> NotificationRules:
    """Create (or point at `url` again) the rules that notify Synco of stock changes; install the module if asked."""
    installed = ensure_automation_app(client, install=install)
    rule_ids: list[int] = []
    created = updated = 0
    for model, name, triggers, domain, fields in RULES:
        model_id = _model_id(client, model)
        existing = client.call(
            "base.automation",
            "search_read",
            [["name", "=", name]],
            fields=["action_server_ids"],
            context={"active_test": False},
        )
        if existing:
            rule = int(existing[0]["id"])
            actions = [int(a) for a in existing[0].get("action_server_ids") or []]
            if actions:
                client.call(
                    "ir.actions.server",
                    "write",
                    actions,
                    {"webhook_url": url, "webhook_field_ids": [(6, 0, _field_ids(client, model, fields))]},
                )
            client.call("base.automation", "write", [rule], {"active": True, "filter_domain": domain})
            updated += 1
        else:
            rule = int(
                client.call(
                    "base.automation",
                    "create",
                    {
                        "name": name,
                        "model_id": model_id,
                        "trigger": "on_create_or_write",
                        "trigger_field_ids": [(6, 0, _field_ids(client, model, triggers))],
                        "filter_domain": domain,
                        "action_server_ids": [
                            (
                                0,
                                0,
                                {
                                    "name": "Notify Synco",
                                    "model_id": model_id,
                                    "state": "webhook",
                                    "webhook_url": url,
                                    "webhook_field_ids": [(6, 0, _field_ids(client, model, fields))],
                                },
                            )
                        ],
                    },
                )
            )
            created += 1
        rule_ids.append(rule)
    archive_legacy_rules(client)
    return NotificationRules(tuple(rule_ids), installed, created, updated)


def archive_legacy_rules(client: OdooClient) -> int:
    """Switch off the rules an earlier Synco created and no longer uses; returns how many were active."""
    legacy = client.call("base.automation", "search", [["name", "in", list(LEGACY_RULES)]])
    if legacy:
        client.call("base.automation", "write", [int(i) for i in legacy], {"active": False})
    return len(legacy)


def repoint_stock_notifications(client: OdooClient, url: str) -> int:
    """Point Synco's existing rules at `url` (a new webhook token); creates none. Returns the rules re-pointed."""
    if not automation_installed(client):
        return 0
    repointed = repoint_rules(client, [name for _, name, _, _, _ in RULES], url)
    archive_legacy_rules(client)  # it would post with the old token, refused
    return repointed


def _model_id(client: OdooClient, model: str) -> int:
    ids = client.call("ir.model", "search", [["model", "=", model]], limit=1)
    if not ids:
        raise PermanentGatewayError(f"This Odoo has no model {model}: is the Inventory app installed?")
    return int(ids[0])


def _field_ids(client: OdooClient, model: str, names: list[str]) -> list[int]:
    rows = client.call(
        "ir.model.fields", "search_read", [["model", "=", model], ["name", "in", names]], fields=["name"]
    )
    found = {str(row["name"]): int(row["id"]) for row in rows}
    missing = [name for name in names if name not in found]
    if missing:
        raise PermanentGatewayError(f"Odoo's {model} has no field {', '.join(missing)}.")
    return [found[name] for name in names]
