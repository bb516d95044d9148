"""Tiny HTML pages so that "open in Odoo" links work against the sandbox."""

from __future__ import annotations

import html
from typing import Any

from .orm import Environment

# Odoo 18 URLs use app paths such as /odoo/sales/12; map the common ones to models.
URL_ALIASES = {
    "sales": "sale.order",
    "action-sale.action_orders": "sale.order",
    "action-sale.action_quotations": "sale.order",
    "contacts": "res.partner",
    "customers": "res.partner",
    "inventory": "stock.picking",
    "invoicing": "account.move",
    "action-account.action_move_out_invoice_type": "account.move",
    "products": "product.template",
    "action-stock.action_picking_tree_all": "stock.picking",
}

HASH_REDIRECT = """<!doctype html>
<html><head><meta charset="utf-8"><title>Odoo sandbox</title></head>
<body><p>Odoo sandbox</p>
<script>
const params = new URLSearchParams(location.hash.replace(/^#/, ''));
if (params.get('model') && params.get('id')) {
  location.replace('/odoo/' + encodeURIComponent(params.get('model')) + '/' + encodeURIComponent(params.get('id')));
}
</script></body></html>
"""


def resolve_model(segment: str) -> str:
    return URL_ALIASES.get(segment, segment)


def record_page(env: Environment, model: str, record_id: int) -> tuple[int, str]:
    if model not in env:
        return 404, _page("Not found", f"<p>Unknown model {html.escape(model)}</p>")
    records = env[model]
    if not records.exists_id(record_id):
        return 404, _page("Not found", f"<p>{html.escape(model)} {record_id} does not exist.</p>")
    rows = []
    for name, field in records.fields_by_name.items():
        if field.type in ("one2many", "many2many", "html") or name in ("id",):
            continue
        value: Any = field.to_read(env, records.value(record_id, name))
        if isinstance(value, list):
            value = value[1] if len(value) == 2 else value
        if value is False or value == "":
            continue
        rows.append(f"<tr><th>{html.escape(field.string)}</th><td>{html.escape(str(value))}</td></tr>")
    title = f"{records._description}: {records.display_name_of(record_id)}"
    body = (
        f"<h1>{html.escape(title)}</h1><p><code>{html.escape(model)}</code> id {record_id}</p>"
        f"<table>{''.join(rows)}</table>"
    )
    return 200, _page(title, body)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)} - Odoo sandbox</title>'
        f"</head><body>{body}</body></html>"
    )
