"""The sandbox admin's products and customers pages, and the JSON control endpoints for the catalogue.

    GET  /store/{shop}/admin/products[?page=N&q=title]   products with their variants, with forms
    POST /store/{shop}/admin/products    form: action=add_product (title, description_html, product_type, vendor,
                                               status, option1_name, option1_values "S, M, L", ... option3_*,
                                               price, sku_prefix)
                                         | update_product (product_id, title, description_html, status)
                                         | update_variant (variant_id, price, sku, barcode, cost)
                                         | delete_product (product_id)
    GET  /store/{shop}/admin/customers[?page=N&q=text]   customers with their addresses, with forms
    POST /store/{shop}/admin/customers   form: action=update_customer (customer_id, first_name, last_name, email,
                                               phone, note, tax_exempt)
                                         | update_address (customer_id, address_id, address1, address2, city,
                                               zip, province_code, country_code, phone, company)
    then 303 back to the page

What the merchant does here goes through the same server methods as the tests and the JSON endpoints
(`add_product`, `update_variant`, ...), so the app receives the signed products/* and customers/* webhooks
Shopify would send.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sandboxes.shopify import customers, products

Json = dict[str, Any]
PAGE_SIZE = 25
CUSTOMER_FORM_FIELDS = ("first_name", "last_name", "email", "phone", "note")
ADDRESS_FORM_FIELDS = (
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "province_code",
    "country_code",
    "phone",
)


# ------------------------------------------------------------------------------------- control


def _options(raw: Any) -> list[tuple[str, list[str]]]:
    """Options as [["Size", ["S", "M"]]] or [{"name": "Size", "values": ["S", "M"]}]."""
    out = []
    for option in raw or []:
        if isinstance(option, dict):
            out.append((str(option["name"]), [str(v) for v in option.get("values") or []]))
        else:
            name, values = option
            out.append((str(name), [str(v) for v in values]))
    return out


def _spec(raw: Json) -> Json:
    if not isinstance(raw, dict):
        raise ValueError("each product must be a JSON object")
    return dict(raw) | {"options": _options(raw.get("options"))}


def control(server: Any, path: str, payload: Json) -> Json:
    """One JSON control call (see the server's docstring); returns its answer."""
    shop = payload.pop("shop", None)
    emit = payload.pop("emit", None)
    target = payload.pop("address", None)
    if path == "/sandbox/products":
        specs = payload.get("products")
        if not isinstance(specs, list):
            raise ValueError("products must be a list")
        quantities = {int(k): int(v) for k, v in (payload.get("quantities") or {}).items()}
        added = server.add_products(
            [_spec(s) for s in specs], shop, quantities=quantities or None, emit=bool(emit), address=target
        )
        return {
            "created": len(added),
            "products": [
                {
                    "id": p["id"],
                    "variants": [
                        {"id": v["id"], "sku": v["sku"], "inventory_item_id": v["inventory_item_id"]}
                        for v in p["variants"]
                    ],
                }
                for p in added
            ],
        }
    flags = {"emit": True if emit is None else bool(emit), "address": target}
    if path == "/sandbox/products/update":
        product_id = int(payload.pop("product_id"))
        return products.rest_product(server.update_product(product_id, shop, **flags, **payload))
    if path == "/sandbox/variants/update":
        variant_id = int(payload.pop("variant_id"))
        return products.rest_product(server.update_variant(variant_id, shop, **flags, **payload))
    if path == "/sandbox/products/delete":
        removed = server.delete_product(int(payload["product_id"]), shop, **flags)
        return {"deleted": int(removed["id"])}
    if path == "/sandbox/customers":
        rows = payload.get("customers")
        if not isinstance(rows, list):
            raise ValueError("customers must be a list")
        added = []
        for row in rows:
            row = dict(row)
            first, last, email = (
                str(row.pop("first_name", "")),
                str(row.pop("last_name", "")),
                str(row.pop("email")),
            )
            added.append(
                customers.rest_customer(server.add_customer(first, last, email, shop, **flags, **row))
            )
        return {"created": len(added), "customers": added}
    if path == "/sandbox/customers/update":
        customer_id = int(payload.pop("customer_id"))
        return customers.rest_customer(server.update_customer(customer_id, shop, **flags, **payload))
    if path == "/sandbox/customers/address":
        customer_id, address_id = int(payload.pop("customer_id")), int(payload.pop("address_id"))
        return customers.rest_customer(
            server.update_customer_address(customer_id, address_id, shop, **flags, **payload)
        )
    raise KeyError(f"unknown catalogue endpoint {path}")


# ---------------------------------------------------------------------------------------- forms


def handle_form(server: Any, shop: str, page: str, form: dict[str, str]) -> str:
    """Apply one form post; returns a short message for the page."""
    action = form.get("action", "")
    if page == "products":
        if action == "add_product":
            options = []
            for n in (1, 2, 3, 4):
                name = (form.get(f"option{n}_name") or "").strip()
                values = [v.strip() for v in (form.get(f"option{n}_values") or "").split(",") if v.strip()]
                if name or values:
                    options.append((name, values))
            prefix = (form.get("sku_prefix") or "").strip()
            combos: list[list[str]] = [[]]
            for _name, values in options:
                combos = [[*c, v] for c in combos for v in values]
            price = form.get("price") or "0"
            variants = [
                {
                    "options": combo,
                    "price": price,
                    "sku": "-".join([prefix, *combo]).upper() if prefix else "",
                    "cost": form.get("cost") or None,
                }
                for combo in combos
            ]
            p = server.add_product(
                form.get("title") or "",
                options,
                variants,
                shop,
                description_html=form.get("description_html") or "",
                product_type=form.get("product_type") or "",
                vendor=form.get("vendor") or products.DEFAULT_VENDOR,
                status=form.get("status") or "ACTIVE",
            )
            return f"Product {p['title']} created with {len(p['variants'])} variants."
        if action == "update_product":
            edits = {k: form[k] for k in ("title", "description_html", "status") if k in form}
            p = server.update_product(int(form["product_id"]), shop, **edits)
            return f"Product {p['title']} saved."
        if action == "update_variant":
            edits = {k: form[k] for k in ("price", "sku", "barcode", "cost") if k in form}
            p = server.update_variant(int(form["variant_id"]), shop, **edits)
            return f"Variant of {p['title']} saved."
        if action == "delete_product":
            removed = server.delete_product(int(form["product_id"]), shop)
            return f"Product {removed['title']} deleted."
    if page == "customers":
        if action == "update_customer":
            fields: dict[str, Any] = {k: form[k] for k in CUSTOMER_FORM_FIELDS if k in form}
            fields["tax_exempt"] = form.get("tax_exempt") in ("on", "true", "1")
            c = server.update_customer(int(form["customer_id"]), shop, **fields)
            return f"Customer {c.get('first_name') or ''} {c.get('last_name') or ''} saved."
        if action == "update_address":
            edits = {k: form[k] for k in ADDRESS_FORM_FIELDS if k in form}
            server.update_customer_address(int(form["customer_id"]), int(form["address_id"]), shop, **edits)
            return "Address saved."
    raise ValueError(f"unknown action {action!r}")


# ---------------------------------------------------------------------------------------- pages


def _page_number(query: Json) -> int:
    raw = str(query.get("page") or "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def _pager(page: str, number: int, total: int, q: str) -> str:
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    links = []
    if number > 1:
        links.append(f"<a href='?page={number - 1}&q={escape(q)}'>previous</a>")
    if number < pages:
        links.append(f"<a href='?page={number + 1}&q={escape(q)}'>next</a>")
    return f"<p>{total} {page} · page {number} of {pages} {' '.join(links)}</p>"


def _field(name: str, value: Any, width: str = "8em", label: str = "") -> str:
    text = "" if value is None else str(value)
    return f"<input name='{name}' value='{escape(text)}' style='width:{width}' aria-label='{escape(label or name)}'>"


def _layout(shop: str, title: str, message: str, body: str) -> str:
    note = f"<p role='status' class='note'>{escape(message)}</p>" if message else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(shop)} · {title} · Shopify sandbox</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 16px; }}
 table {{ border-collapse: collapse; margin-bottom: 12px; }}
 td, th {{ border: 1px solid #ccc; padding: 3px 6px; font-size: 13px; text-align: left; vertical-align: top; }}
 .note {{ background: #eef7ee; padding: 6px 10px; }}
 section {{ border-top: 2px solid #888; padding-top: 6px; margin-top: 12px; }}
</style></head><body>
<h1>Shopify sandbox admin · {escape(shop)} · {title}</h1>{note}
<p><a href="products">Products</a> · <a href="customers">Customers</a> · <a href="stock">Stock</a></p>
{body}
</body></html>
"""


def _variant_row(v: Json) -> str:
    title = str(v["title"])
    return (
        f"<tr><td>{escape(title)}</td><td>"
        f"<form method='post'><input type='hidden' name='action' value='update_variant'>"
        f"<input type='hidden' name='variant_id' value='{v['id']}'>"
        f"SKU {_field('sku', v['sku'], '12em', 'sku ' + title)} "
        f"barcode {_field('barcode', v['barcode'], '9em', 'barcode ' + title)} "
        f"price {_field('price', v['price'], '5em', 'price ' + title)} "
        f"cost {_field('cost', v.get('cost'), '5em', 'cost ' + title)} "
        f"<button>Save variant</button></form></td></tr>"
    )


def _product_section(p: Json) -> str:
    pid = int(p["id"])
    title = str(p["title"])
    statuses = "".join(
        f"<option{' selected' if s == p['status'] else ''}>{s}</option>" for s in products.STATUSES
    )
    options = "; ".join(f"{escape(o['name'])}: {escape(', '.join(o['values']))}" for o in p["options"]) or "—"
    rows = "".join(_variant_row(v) for v in p["variants"])
    return (
        f"<section id='product-{pid}'><h2>{escape(title)} <small>({pid}, {p['status']})</small></h2>"
        f"<form method='post'><input type='hidden' name='action' value='update_product'>"
        f"<input type='hidden' name='product_id' value='{pid}'>"
        f"Title {_field('title', title, '16em', 'title of ' + title)} "
        f"Description {_field('description_html', p['description_html'], '28em', 'description of ' + title)} "
        f"<select name='status' aria-label='status of {escape(title)}'>{statuses}</select> "
        f"<button>Save product</button></form>"
        f"<p>Options: {options} · type {escape(p['product_type'] or '—')} · vendor {escape(p['vendor'])}</p>"
        f"<table><tr><th>variant</th><th>edit</th></tr>{rows}</table>"
        f"<form method='post' onsubmit=\"return confirm('Delete this product?')\">"
        f"<input type='hidden' name='action' value='delete_product'><input type='hidden' name='product_id' value='{pid}'>"
        f"<button>Delete product</button></form></section>"
    )


def _products_page(server: Any, shop: str, query: Json) -> str:
    q = str(query.get("q") or "").strip().lower()
    found = [p for p in server.products(shop) if not q or q in p["title"].lower()]
    number = _page_number(query)
    shown = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    option_inputs = "".join(
        f"<label>Option {n} {_field(f'option{n}_name', '', '6em', f'option {n} name')}</label> "
        f"<label>values {_field(f'option{n}_values', '', '10em', f'option {n} values')}</label> "
        for n in (1, 2, 3)
    )
    add = (
        "<h2>Add a product</h2><form method='post'><input type='hidden' name='action' value='add_product'>"
        f"<label>Title {_field('title', '', '14em', 'new product title')}</label> "
        f"<label>Type {_field('product_type', '', '8em', 'new product type')}</label> "
        f"<label>Vendor {_field('vendor', products.DEFAULT_VENDOR, '10em', 'new product vendor')}</label><br>"
        f"<label>Description {_field('description_html', '', '30em', 'new product description')}</label><br>"
        f"{option_inputs}<br>"
        f"<label>Price {_field('price', '10.00', '5em', 'new product price')}</label> "
        f"<label>Cost {_field('cost', '', '5em', 'new product cost')}</label> "
        f"<label>SKU prefix {_field('sku_prefix', '', '8em', 'new product SKU prefix')}</label> "
        "<select name='status' aria-label='new product status'><option>ACTIVE</option><option>DRAFT</option>"
        "<option>ARCHIVED</option></select> <button>Add product</button></form>"
    )
    search = (
        f"<form method='get'><input name='q' value='{escape(q)}' aria-label='search products'>"
        "<button>Search</button></form>"
    )
    return (
        add
        + "<h2>Products</h2>"
        + search
        + _pager("products", number, len(found), q)
        + "".join(_product_section(p) for p in shown)
    )


def _customer_section(c: Json) -> str:
    cid = int(c["id"])
    name = f"{c.get('first_name') or ''} {c.get('last_name') or ''}".strip() or str(c.get("email") or cid)
    inputs = " ".join(
        f"{key.replace('_', ' ')} {_field(key, c.get(key), '10em', f'{key} of {name}')}"
        for key in CUSTOMER_FORM_FIELDS
    )
    checked = " checked" if c.get("tax_exempt") else ""
    addresses = "".join(
        f"<tr><td>{'default' if a.get('default') else ''}</td><td>"
        f"<form method='post'><input type='hidden' name='action' value='update_address'>"
        f"<input type='hidden' name='customer_id' value='{cid}'><input type='hidden' name='address_id' value='{a['id']}'>"
        + " ".join(
            _field(key, a.get(key), "7em", f"{key} of address {a['id']}") for key in ADDRESS_FORM_FIELDS
        )
        + " <button>Save address</button></form></td></tr>"
        for a in c.get("addresses") or []
    )
    consent = (c.get("email_marketing_consent") or {}).get("state") or "not_subscribed"
    return (
        f"<section id='customer-{cid}'><h2>{escape(name)} <small>({cid})</small></h2>"
        f"<form method='post'><input type='hidden' name='action' value='update_customer'>"
        f"<input type='hidden' name='customer_id' value='{cid}'>{inputs} "
        f"<label><input type='checkbox' name='tax_exempt'{checked}> tax exempt</label> "
        f"<button>Save customer</button></form>"
        f"<p>E-mail marketing: {escape(consent)} · companies: "
        f"{len(c.get('company_contacts') or [])}</p>"
        f"<table><tr><th></th><th>address</th></tr>{addresses}</table></section>"
    )


def _customers_page(server: Any, shop: str, query: Json) -> str:
    q = str(query.get("q") or "").strip().lower()
    found = [
        c
        for c in server.customers(shop)
        if not q or q in " ".join(str(c.get(k) or "") for k in ("first_name", "last_name", "email")).lower()
    ]
    number = _page_number(query)
    shown = found[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    search = (
        f"<form method='get'><input name='q' value='{escape(q)}' aria-label='search customers'>"
        "<button>Search</button></form>"
    )
    return (
        "<h2>Customers</h2>"
        + search
        + _pager("customers", number, len(found), q)
        + "".join(_customer_section(c) for c in shown)
    )


def render(server: Any, shop: str, page: str, query: Json) -> str:
    message = str(query.get("message") or "")
    if page == "products":
        return _layout(shop, "products", message, _products_page(server, shop, query))
    return _layout(shop, "customers", message, _customers_page(server, shop, query))
