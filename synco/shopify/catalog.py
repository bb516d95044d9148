"""Shopify products, variants and customers: GraphQL documents, calls and parsing (issue 16).

Every function takes the shop's `ShopifyClient` (its `execute` waits out the cost budget, retries throttling
and classifies failures) and returns our own frozen types; `parse_product` and `parse_customer` are pure.
Nothing here knows Odoo or the database. Webhook bodies are only triggers: handlers fetch the object again
with `fetch_product` / `fetch_customer` (the REST `id` of the body).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from synco.errors import PermanentGatewayError, TransientGatewayError

if TYPE_CHECKING:
    from synco.shopify.client import ShopifyClient

# Shopify's largest page; a product holds up to 2,048 variants (2026-10), read 250 at a time.
VARIANTS_PAGE = 250
# Requested cost (sandboxes/shopify/cost.py, Shopify's model): a page of 25 products with 250 variants each
# is 2 + 6 x 62 = 374 points; a product by id 62; a page of 250 more variants 58.
PRODUCTS_PAGE = 25
ADDRESSES_PAGE = 50
MORE_ADDRESSES_PAGE = 250
COMPANY_LOCATIONS = 25
# A page of 50 customers with 50 addresses and 25 company locations each: 2 + 7 x 24 = 170 points; one
# customer by id 24.
CUSTOMERS_PAGE = 50

# Exact conversion factors to kilograms (the international avoirdupois pound is 0.45359237 kg by definition).
KILOGRAMS_PER_UNIT = {
    "GRAMS": Decimal("0.001"),
    "KILOGRAMS": Decimal("1"),
    "OUNCES": Decimal("0.028349523125"),
    "POUNDS": Decimal("0.45359237"),
}

# ------------------------------------------------------------------------------------------ documents

PRODUCT_HEAD = """
  id title descriptionHtml productType vendor status updatedAt
  options { name position values }
  featuredMedia { preview { image { url } } }
"""

VARIANT = """
  id title sku barcode price position
  selectedOptions { name value }
  inventoryItem { id tracked requiresShipping unitCost { amount } measurement { weight { unit value } } }
"""

VARIANTS_CONNECTION = f"""
  variants(first: {VARIANTS_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT} }} }}
"""

PRODUCT_BY_ID = f"""
query ProductById($id: ID!) {{
  product(id: $id) {{ {PRODUCT_HEAD} {VARIANTS_CONNECTION} }}
}}
"""

PRODUCT_VARIANTS = f"""
query ProductVariants($id: ID!, $after: String) {{
  product(id: $id) {{
    variants(first: {VARIANTS_PAGE}, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT} }} }}
  }}
}}
"""

PRODUCTS_PAGE_QUERY = f"""
query ProductsPage($first: Int!, $after: String, $query: String) {{
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {PRODUCT_HEAD} {VARIANTS_CONNECTION} }}
  }}
}}
"""

ADDRESS = "id firstName lastName company address1 address2 city zip provinceCode countryCodeV2 phone"

# E-mail marketing from its current place (`defaultEmailAddress.marketingState`; `Customer.emailMarketingConsent`
# is deprecated in 2026-10). SMS marketing still from `Customer.smsMarketingConsent` (deprecated in 2026-10 for
# `defaultPhoneNumber.smsMarketingConsent.state`, which the sandbox does not serve yet); the parser reads
# either shape.
CUSTOMER_HEAD = f"""
  id firstName lastName note taxExempt taxExemptions updatedAt
  defaultEmailAddress {{ emailAddress marketingState }}
  defaultPhoneNumber {{ phoneNumber }}
  smsMarketingConsent {{ marketingState }}
  defaultAddress {{ {ADDRESS} }}
"""

COMPANIES = f"""
  companyContactProfiles {{ company {{ id name locations(first: {COMPANY_LOCATIONS}) {{ nodes {{ name }} }} }} }}
"""

CUSTOMER_BY_ID = f"""
query CustomerById($id: ID!) {{
  customer(id: $id) {{
    {CUSTOMER_HEAD} {COMPANIES}
    addressesV2(first: {ADDRESSES_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {ADDRESS} }} }}
  }}
}}
"""

CUSTOMER_ADDRESSES = f"""
query CustomerAddresses($id: ID!, $after: String) {{
  customer(id: $id) {{
    addressesV2(first: {MORE_ADDRESSES_PAGE}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }} nodes {{ {ADDRESS} }}
    }}
  }}
}}
"""

CUSTOMERS_PAGE_QUERY = f"""
query CustomersPage($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {CUSTOMER_HEAD} {COMPANIES}
      addressesV2(first: {ADDRESSES_PAGE}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {ADDRESS} }} }}
    }}
  }}
}}
"""

# Bulk queries: connections without page arguments and through `edges { node }`; their nodes come back as
# JSONL rows of their own with __parentId. A connection inside a list field is refused there, so a bulk
# customer carries its companies without their locations (`CompanyRef.location_names` is then empty).
BULK_PRODUCTS = (
    f"{{ products(sortKey: ID) {{ edges {{ node {{ {PRODUCT_HEAD}"
    f" variants {{ edges {{ node {{ {VARIANT} }} }} }} }} }} }} }}"
)
BULK_CUSTOMERS = (
    f"{{ customers(sortKey: ID) {{ edges {{ node {{ {CUSTOMER_HEAD}"
    " companyContactProfiles { company { id name } }"
    f" addressesV2 {{ edges {{ node {{ {ADDRESS} }} }} }} }} }} }} }}"
)
# Child row GID type -> the connection of the root node it belongs to.
PRODUCT_CHILDREN = {"ProductVariant": "variants"}
CUSTOMER_CHILDREN = {"MailingAddress": "addressesV2"}

DOCUMENTS = {
    "ProductById": PRODUCT_BY_ID,
    "ProductVariants": PRODUCT_VARIANTS,
    "ProductsPage": PRODUCTS_PAGE_QUERY,
    "CustomerById": CUSTOMER_BY_ID,
    "CustomerAddresses": CUSTOMER_ADDRESSES,
    "CustomersPage": CUSTOMERS_PAGE_QUERY,
}
BULK_QUERIES = {"products": BULK_PRODUCTS, "customers": BULK_CUSTOMERS}

# ---------------------------------------------------------------------------------------------- types


@dataclass(frozen=True)
class ProductOption:
    name: str
    values: tuple[str, ...]  # in Shopify's order


@dataclass(frozen=True)
class ShopifyVariant:
    id: int
    gid: str
    product_id: int
    title: str
    sku: str
    barcode: str
    price: Decimal
    cost: Decimal | None  # inventoryItem.unitCost.amount; None when Shopify has no cost
    weight_kg: Decimal | None  # inventoryItem.measurement.weight converted exactly to kg; None when unset
    options: tuple[tuple[str, str], ...]  # selectedOptions (name, value) in the product's option order
    inventory_item_id: int
    tracked: bool
    requires_shipping: bool
    position: int


@dataclass(frozen=True)
class ShopifyProduct:
    id: int
    gid: str
    title: str
    description_html: str
    product_type: str
    vendor: str
    status: str  # "ACTIVE" | "ARCHIVED" | "DRAFT" (| "UNLISTED", 2026-10)
    options: tuple[ProductOption, ...]  # () for a product with only Shopify's "Title"/"Default Title"
    variants: tuple[ShopifyVariant, ...]  # in position order
    image_url: str
    updated_at: datetime


@dataclass(frozen=True)
class CustomerAddress:
    id: int
    first_name: str
    last_name: str
    company: str
    address1: str
    address2: str
    city: str
    zip: str
    province_code: str
    country_code: str
    phone: str
    default: bool


@dataclass(frozen=True)
class CompanyRef:
    """A B2B company the customer is a contact of."""

    id: int
    name: str
    location_names: tuple[str, ...]


@dataclass(frozen=True)
class ShopifyCustomerRecord:
    id: int
    gid: str
    first_name: str
    last_name: str
    email: str
    phone: str
    tax_exempt: bool
    tax_exemptions: tuple[str, ...]
    # defaultEmailAddress.marketingState (SUBSCRIBED, NOT_SUBSCRIBED, PENDING, UNSUBSCRIBED, INVALID) or "".
    email_marketing: str
    # smsMarketingConsent.marketingState (SUBSCRIBED, NOT_SUBSCRIBED, PENDING, UNSUBSCRIBED, REDACTED) or "";
    # the newer consent's NEVER_SUBSCRIBED reads as NOT_SUBSCRIBED.
    sms_marketing: str
    addresses: tuple[CustomerAddress, ...]  # the default address first
    companies: tuple[CompanyRef, ...]
    note: str
    updated_at: datetime


class CatalogParseError(PermanentGatewayError):
    """A Shopify product or customer could not be read; the message names it (by id), the field and why."""

    resource = "object"

    def __init__(self, gid: str, detail: str, title: str = "") -> None:
        number = gid.rsplit("/", 1)[-1].split("?", 1)[0] if gid else ""
        label = f"Shopify {self.resource} {number}" if number else f"A Shopify {self.resource} without an id"
        super().__init__(f"{label}{f' ({title})' if title else ''}: {detail}")
        self.gid = gid
        self.detail = detail


class ProductParseError(CatalogParseError):
    resource = "product"


class CustomerParseError(CatalogParseError):
    resource = "customer"


ErrorHandler = Callable[[CatalogParseError], None]
_Parsed = TypeVar("_Parsed")


class _BadField(ValueError):
    """One field of a node is missing or unreadable (the message is its path and the reason)."""


# ---------------------------------------------------------------------------------------------- calls


def product_gid(product_id: int) -> str:
    return f"gid://shopify/Product/{int(product_id)}"


def customer_gid(customer_id: int) -> str:
    return f"gid://shopify/Customer/{int(customer_id)}"


def fetch_product(client: ShopifyClient, product_id: int) -> ShopifyProduct | None:
    """One product with all its variants (250 a page); None when Shopify has no such product (deleted)."""
    data = client.execute(PRODUCT_BY_ID, {"id": product_gid(product_id)})
    node = data.get("product")
    if not node or not _with_all_variants(client, node):
        return None
    return parse_product(node)


def iter_products(
    client: ShopifyClient, *, query: str | None = None, on_error: ErrorHandler | None = None
) -> Iterator[ShopifyProduct]:
    """Every product matching `query` (e.g. "updated_at:>'2026-12-01T00:00:00Z'"), oldest update first,
    page by page, each with all its variants. A malformed product raises `ProductParseError`, or is handed
    to `on_error` and skipped."""
    for node in _iter_connection(client, PRODUCTS_PAGE_QUERY, "products", PRODUCTS_PAGE, query):
        if _with_all_variants(client, node):  # a product deleted while it was read is left to its webhook
            yield from _parsed(parse_product, node, on_error)


def start_bulk_products(client: ShopifyClient) -> str:
    """Start the bulk operation over every product and its variants; returns the BulkOperation GID."""
    return client.run_bulk_query(BULK_PRODUCTS, "product")


def iter_bulk_products(
    client: ShopifyClient, url: str, *, on_error: ErrorHandler | None = None
) -> Iterator[ShopifyProduct]:
    """Stream a finished bulk product result (JSONL, variants grouped under their product by __parentId)."""
    for node in client.iter_bulk_nodes(url, PRODUCT_CHILDREN):
        yield from _parsed(parse_product, node, on_error)


def fetch_customer(client: ShopifyClient, customer_id: int) -> ShopifyCustomerRecord | None:
    """One customer with all its addresses and companies; None when Shopify has no such customer."""
    data = client.execute(CUSTOMER_BY_ID, {"id": customer_gid(customer_id)})
    node = data.get("customer")
    if not node or not _with_all_addresses(client, node):
        return None
    return parse_customer(node)


def iter_customers(
    client: ShopifyClient, *, query: str | None = None, on_error: ErrorHandler | None = None
) -> Iterator[ShopifyCustomerRecord]:
    """Every customer matching `query`, oldest update first, page by page, with all their addresses."""
    for node in _iter_connection(client, CUSTOMERS_PAGE_QUERY, "customers", CUSTOMERS_PAGE, query):
        if _with_all_addresses(client, node):
            yield from _parsed(parse_customer, node, on_error)


def start_bulk_customers(client: ShopifyClient) -> str:
    """Start the bulk operation over every customer and their addresses; returns the BulkOperation GID."""
    return client.run_bulk_query(BULK_CUSTOMERS, "customer")


def iter_bulk_customers(
    client: ShopifyClient, url: str, *, on_error: ErrorHandler | None = None
) -> Iterator[ShopifyCustomerRecord]:
    """Stream a finished bulk customer result (JSONL, addresses grouped under their customer)."""
    for node in client.iter_bulk_nodes(url, CUSTOMER_CHILDREN):
        yield from _parsed(parse_customer, node, on_error)


def _parsed(
    parse: Callable[[dict[str, Any]], _Parsed], node: dict[str, Any], on_error: ErrorHandler | None
) -> Iterator[_Parsed]:
    try:
        yield parse(node)
    except CatalogParseError as exc:
        if on_error is None:
            raise
        on_error(exc)


def _iter_connection(
    client: ShopifyClient, document: str, root: str, first: int, query: str | None
) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        data = client.execute(document, {"first": first, "after": after, "query": query})
        connection = data.get(root) or {}
        yield from connection.get("nodes") or []  # parsing says what is wrong with a node that is not one
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = _next_cursor(info, after, f"the {root} pages")


def _next_cursor(info: dict[str, Any], previous: str | None, what: str) -> str:
    cursor = info.get("endCursor")
    if not cursor or cursor == previous:
        # Asking again with the same cursor would read the same page forever.
        raise TransientGatewayError(f"Shopify sent {what} without a next cursor; it will be retried.")
    return str(cursor)


def _with_all_more(
    client: ShopifyClient, node: dict[str, Any], document: str, root: str, connection: str
) -> bool:
    """Fetch the rest of a nested connection page by page and merge it into `node`; False when the parent
    disappeared meanwhile (deleted)."""
    page = node.get(connection) if isinstance(node, dict) else None
    if not isinstance(page, dict):
        return True  # nothing to complete (or a malformed node: parsing names it)
    info = page.get("pageInfo") or {}
    after: str | None = None
    while info.get("hasNextPage"):
        after = _next_cursor(info, after, f"the {connection} of {node.get('id')}")
        data = client.execute(document, {"id": node.get("id"), "after": after})
        parent = data.get(root)
        if not parent:
            return False
        more = parent.get(connection) or {}
        page.setdefault("nodes", []).extend(more.get("nodes") or [])
        info = more.get("pageInfo") or {}
    page["pageInfo"] = {"hasNextPage": False, "endCursor": info.get("endCursor")}
    return True


def _with_all_variants(client: ShopifyClient, node: dict[str, Any]) -> bool:
    return _with_all_more(client, node, PRODUCT_VARIANTS, "product", "variants")


def _with_all_addresses(client: ShopifyClient, node: dict[str, Any]) -> bool:
    return _with_all_more(client, node, CUSTOMER_ADDRESSES, "customer", "addressesV2")


# -------------------------------------------------------------------------------------------- parsing


def parse_product(node: dict[str, Any]) -> ShopifyProduct:
    """Parse one Product node (page, by id or bulk row with its variants grouped) into a ShopifyProduct."""
    gid = _text(node.get("id")) if isinstance(node, dict) else ""
    title = _text(node.get("title")) if isinstance(node, dict) else ""
    try:
        return _product(node)
    except _BadField as exc:
        raise ProductParseError(gid, str(exc), title) from exc
    except (AttributeError, KeyError, TypeError) as exc:  # a shape no check above foresaw
        raise ProductParseError(gid, f"unexpected shape ({type(exc).__name__}: {exc})", title) from exc


def parse_customer(node: dict[str, Any]) -> ShopifyCustomerRecord:
    """Parse one Customer node (page, by id or bulk row with its addresses grouped); errors name only its id."""
    gid = _text(node.get("id")) if isinstance(node, dict) else ""
    try:
        return _customer(node)
    except _BadField as exc:
        raise CustomerParseError(gid, str(exc)) from exc
    except (AttributeError, KeyError, TypeError) as exc:
        raise CustomerParseError(gid, f"unexpected shape ({type(exc).__name__}: {exc})") from exc


def _product(node: Any) -> ShopifyProduct:
    node = _object(node, "the product")
    gid = _text(node.get("id"))
    product_id = _legacy_id(gid, "id")
    title = _text(node.get("title"))
    if not title:
        raise _BadField("title is missing")
    options = _options(node.get("options"))
    default_only = _only_default_title(options)
    order = {option.name: index for index, option in enumerate(options)}
    variants = [
        _variant(raw, index, product_id, order, default_only)
        for index, raw in enumerate(_nodes(node.get("variants"), "variants"))
    ]
    variants.sort(key=lambda variant: variant.position)
    media = _object(node.get("featuredMedia"), "featuredMedia")
    image = _object(
        _object(media.get("preview"), "featuredMedia.preview").get("image"), "featuredMedia.image"
    )
    legacy_image = _object(node.get("featuredImage"), "featuredImage")
    return ShopifyProduct(
        id=product_id,
        gid=gid,
        title=title,
        description_html=_text(node.get("descriptionHtml")),
        product_type=_text(node.get("productType")),
        vendor=_text(node.get("vendor")),
        status=_text(node.get("status")),
        options=() if default_only else options,
        variants=tuple(variants),
        image_url=_text(image.get("url")) or _text(legacy_image.get("url")),
        updated_at=_datetime(node.get("updatedAt"), "updatedAt"),
    )


def _options(raw: Any) -> tuple[ProductOption, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _BadField("options is not a list")
    options = []
    for index, item in enumerate(raw):
        item = _object(item, f"options[{index}]")
        name = _text(item.get("name"))
        if not name:
            raise _BadField(f"options[{index}].name is missing")
        values = item.get("values")
        if values is None:  # optionValues is the newer shape of the same list
            values = [v.get("name") for v in item.get("optionValues") or [] if isinstance(v, dict)]
        if not isinstance(values, list):
            raise _BadField(f"options[{index}].values is not a list")
        position = item.get("position")
        options.append(
            (
                position if isinstance(position, int) else index + 1,
                ProductOption(name=name, values=tuple(_text(value) for value in values if value is not None)),
            )
        )
    options.sort(key=lambda pair: pair[0])
    return tuple(option for _, option in options)


def _only_default_title(options: tuple[ProductOption, ...]) -> bool:
    """Shopify gives a product without options one option "Title" with the value "Default Title"."""
    return len(options) == 1 and options[0].name == "Title" and options[0].values == ("Default Title",)


def _variant(
    raw: Any, index: int, product_id: int, order: dict[str, int], default_only: bool
) -> ShopifyVariant:
    path = f"variants[{index}]"
    raw = _object(raw, path)
    gid = _text(raw.get("id"))
    item = _object(raw.get("inventoryItem"), f"{path}.inventoryItem")
    selected = []
    for k, option in enumerate(raw.get("selectedOptions") or []):
        option = _object(option, f"{path}.selectedOptions[{k}]")
        selected.append((_text(option.get("name")), _text(option.get("value"))))
    # Python's sort is stable: options the product does not list keep their order, after the listed ones.
    selected.sort(key=lambda pair: order.get(pair[0], len(order)))
    position = raw.get("position")
    measurement = _object(item.get("measurement"), f"{path}.inventoryItem.measurement")
    return ShopifyVariant(
        id=_legacy_id(gid, f"{path}.id"),
        gid=gid,
        product_id=product_id,
        title=_text(raw.get("title")),
        sku=_text(raw.get("sku")).strip(),
        barcode=_text(raw.get("barcode")).strip(),
        price=_required_decimal(raw.get("price"), f"{path}.price"),
        cost=_decimal(
            _object(item.get("unitCost"), f"{path}.inventoryItem.unitCost").get("amount"), f"{path}.cost"
        ),
        weight_kg=_weight_kg(measurement.get("weight"), f"{path}.inventoryItem.measurement.weight"),
        options=() if default_only else tuple(selected),
        inventory_item_id=_legacy_id(_text(item.get("id")), f"{path}.inventoryItem.id"),
        tracked=bool(item.get("tracked", False)),
        requires_shipping=bool(item.get("requiresShipping", True)),
        position=position if isinstance(position, int) and not isinstance(position, bool) else index + 1,
    )


def _weight_kg(raw: Any, path: str) -> Decimal | None:
    if raw is None:
        return None
    weight = _object(raw, path)
    value = _decimal(weight.get("value"), f"{path}.value")
    if value is None:
        return None
    unit = _text(weight.get("unit"))
    factor = KILOGRAMS_PER_UNIT.get(unit)
    if factor is None:
        raise _BadField(f"{path}.unit '{unit}' is not a weight unit")
    return _plain(value * factor)


def _plain(number: Decimal) -> Decimal:
    """Without trailing zeros (350 g is 0.35 kg, not 0.3500) and never in exponent form (10, not 1E+1)."""
    normal = number.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def _customer(node: Any) -> ShopifyCustomerRecord:
    node = _object(node, "the customer")
    gid = _text(node.get("id"))
    email = _object(node.get("defaultEmailAddress"), "defaultEmailAddress")
    phone = _object(node.get("defaultPhoneNumber"), "defaultPhoneNumber")
    sms = _object(phone.get("smsMarketingConsent"), "defaultPhoneNumber.smsMarketingConsent")
    # The consent objects deprecated in 2026-10 (still served; the SMS one is what the query asks for).
    old_email = _object(node.get("emailMarketingConsent"), "emailMarketingConsent")
    old_sms = _object(node.get("smsMarketingConsent"), "smsMarketingConsent")
    exemptions = node.get("taxExemptions") or []
    if not isinstance(exemptions, list):
        raise _BadField("taxExemptions is not a list")
    return ShopifyCustomerRecord(
        id=_legacy_id(gid, "id"),
        gid=gid,
        first_name=_text(node.get("firstName")),
        last_name=_text(node.get("lastName")),
        email=_text(email.get("emailAddress")) or _text(node.get("email")),
        phone=_text(phone.get("phoneNumber")) or _text(node.get("phone")),
        tax_exempt=bool(node.get("taxExempt")),
        tax_exemptions=tuple(_text(exemption) for exemption in exemptions if exemption),
        email_marketing=_text(email.get("marketingState")) or _text(old_email.get("marketingState")),
        sms_marketing=_sms_state(_text(sms.get("state")) or _text(old_sms.get("marketingState"))),
        addresses=_addresses(node),
        companies=_companies(node.get("companyContactProfiles")),
        note=_text(node.get("note")),
        updated_at=_datetime(node.get("updatedAt"), "updatedAt"),
    )


def _sms_state(state: str) -> str:
    """One vocabulary for both consent shapes: the newer one says NEVER_SUBSCRIBED for NOT_SUBSCRIBED."""
    return "NOT_SUBSCRIBED" if state == "NEVER_SUBSCRIBED" else state


def _addresses(node: dict[str, Any]) -> tuple[CustomerAddress, ...]:
    default_raw = node.get("defaultAddress")
    default = _address(default_raw, "defaultAddress", default=True) if default_raw else None
    out = [default] if default else []
    raw = node.get("addressesV2")
    if raw is None:
        raw = node.get("addresses")  # the deprecated list (250 at most)
    for index, item in enumerate(_nodes(raw, "addressesV2")):
        address = _address(item, f"addressesV2[{index}]", default=False)
        if default is None or address.id != default.id:
            out.append(address)
    return tuple(out)


def _address(raw: Any, path: str, *, default: bool) -> CustomerAddress:
    raw = _object(raw, path)
    return CustomerAddress(
        id=_legacy_id(_text(raw.get("id")), f"{path}.id"),
        first_name=_text(raw.get("firstName")),
        last_name=_text(raw.get("lastName")),
        company=_text(raw.get("company")),
        address1=_text(raw.get("address1")),
        address2=_text(raw.get("address2")),
        city=_text(raw.get("city")),
        zip=_text(raw.get("zip")),
        province_code=_text(raw.get("provinceCode")),
        country_code=_text(raw.get("countryCodeV2")) or _text(raw.get("countryCode")),
        phone=_text(raw.get("phone")),
        default=default,
    )


def _companies(raw: Any) -> tuple[CompanyRef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _BadField("companyContactProfiles is not a list")
    out: list[CompanyRef] = []
    for index, profile in enumerate(raw):
        path = f"companyContactProfiles[{index}].company"
        company = _object(_object(profile, f"companyContactProfiles[{index}]").get("company"), path)
        if not company:
            continue
        ref = CompanyRef(
            id=_legacy_id(_text(company.get("id")), f"{path}.id"),
            name=_text(company.get("name")),
            location_names=tuple(
                _text(_object(location, f"{path}.locations[{k}]").get("name"))
                for k, location in enumerate(_nodes(company.get("locations"), f"{path}.locations"))
            ),
        )
        if all(existing.id != ref.id for existing in out):
            out.append(ref)
    return tuple(out)


# ------------------------------------------------------------------------------------------- helpers


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _object(value: Any, path: str) -> dict[str, Any]:
    """A nested object, {} when null; anything else is malformed."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _BadField(f"{path} is not an object")
    return value


def _nodes(raw: Any, path: str) -> list[Any]:
    """A connection's nodes (`nodes`, `edges { node }`, or the grouped bulk rows), or a plain list."""
    if raw is None:
        return []
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, dict):
        raise _BadField(f"{path} is not a connection")
    if "nodes" in raw:
        nodes = raw.get("nodes") or []
        if not isinstance(nodes, list):
            raise _BadField(f"{path}.nodes is not a list")
        return nodes
    return [
        edge.get("node") for edge in raw.get("edges") or [] if isinstance(edge, dict) and edge.get("node")
    ]


def _legacy_id(gid: str, path: str) -> int:
    if not gid:
        raise _BadField(f"{path} is missing")
    tail = gid.rsplit("/", 1)[-1].split("?", 1)[0]
    if not gid.startswith("gid://shopify/") or not tail.isdigit():
        raise _BadField(f"{path} '{gid}' is not a Shopify id")
    return int(tail)


def _decimal(value: Any, path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _BadField(f"{path} '{value}' is not a number")
    try:
        # str() first: a JSON float like 0.1 becomes Decimal("0.1"), not its binary approximation.
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise _BadField(f"{path} '{value}' is not a number") from exc
    if not number.is_finite():
        raise _BadField(f"{path} '{value}' is not a number")
    return number


def _required_decimal(value: Any, path: str) -> Decimal:
    number = _decimal(value, path)
    if number is None:
        raise _BadField(f"{path} is missing")
    return number


def _datetime(value: Any, path: str) -> datetime:
    if not value:
        raise _BadField(f"{path} is missing")
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise _BadField(f"{path} '{value}' is not a date") from exc
    if parsed.tzinfo is None:
        raise _BadField(f"{path} '{value}' has no time zone")
    return parsed
