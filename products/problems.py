"""The mapping page's problems: what stands between a Shopify variant and one Odoo product, and the fixes.

`row_problems` is pure (what a row's state, SKU and barcode mean); the queries read a fixed number of times
whatever the catalogue's size; the fixes (link, ignore, unignore) validate against Odoo and log what they did.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from products.models import ProductLink, ProductMapping
from products.services import DELIVERY_PRODUCT_CODE, FALLBACK_SHIPPING_CODE
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco.errors import GatewayError
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient

State = ProductMapping.State
# Rows a merchant set aside (ignored) or that are gone from Shopify (deleted) have no problem to fix.
SET_ASIDE = (State.IGNORED, State.DELETED)
# The on-demand "in Odoo, not in Shopify" check reads this many Odoo products per click.
ODOO_ONLY_PAGE = 200
MAX_REFERENCE_LENGTH = 255

LINK, CREATE, IGNORE = "link", "create", "ignore"


class FixError(Exception):
    """A fix that cannot be applied, with the sentence that tells the merchant why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    kind: str  # missing, conflict, duplicate_sku, duplicate_barcode, no_sku, note
    text: str
    # A blocking problem keeps "Products matched" to do; a note (orders are unaffected) does not.
    blocking: bool
    fixes: tuple[str, ...]


def row_problems(
    *,
    state: str,
    sku: str,
    barcode: str,
    problem: str,
    duplicate_sku: bool = False,
    duplicate_barcode: bool = False,
) -> list[Problem]:
    """What is wrong with one Shopify variant's link to Odoo, each with the fixes that apply (pure)."""
    if state in SET_ASIDE:
        return []
    found: list[Problem] = []
    if state == State.MISSING:
        text = problem or (
            f"No Odoo product has the SKU '{sku}'." if sku else "No Odoo product matches this variant."
        )
        found.append(Problem("missing", text, True, (LINK, CREATE, IGNORE)))
    elif state == State.CONFLICT:
        # Creating would make the second copy the matching refuses to guess between: link the right one instead.
        text = problem or "Several Odoo products match this variant: Synco does not guess which one."
        found.append(Problem("conflict", text, True, (LINK, IGNORE)))
    elif problem:
        # Linked, with something worth knowing (e.g. prices Odoo's attribute extras cannot hold).
        found.append(Problem("note", problem, False, ()))
    fixes = (IGNORE,) if state == State.LINKED else (LINK, IGNORE)
    # A conflict's reason already says when the SKU or barcode is on several Shopify variants.
    duplicate_sku = duplicate_sku and state != State.CONFLICT
    duplicate_barcode = duplicate_barcode and state != State.CONFLICT
    if duplicate_sku and sku:
        found.append(
            Problem(
                "duplicate_sku",
                f"Another Shopify variant has the SKU '{sku}' too: orders for either would get the same Odoo "
                "product. Give one of them its own SKU in Shopify, or ignore it here.",
                True,
                fixes,
            )
        )
    if duplicate_barcode and barcode:
        found.append(
            Problem(
                "duplicate_barcode",
                f"Another Shopify variant has the barcode '{barcode}' too: Odoo allows a barcode on one product "
                "only. Correct it in Shopify, or ignore one of them here.",
                True,
                fixes,
            )
        )
    if not sku and (state != State.LINKED or not barcode):
        text = (
            "No SKU in Shopify: orders can find it in Odoo only by its barcode."
            if barcode
            else "Neither a SKU nor a barcode in Shopify: an order line for it cannot be matched to Odoo. Add a "
            "SKU in Shopify, or ignore it here."
        )
        found.append(Problem("no_sku", text, state != State.LINKED or not barcode, fixes))
    return found


# -- queries -----------------------------------------------------------------------------------------


def _in_play(shop: Shop) -> QuerySet[ProductMapping]:
    return ProductMapping.objects.filter(shop=shop).exclude(state__in=SET_ASIDE)


def _duplicated(shop: Shop, field: str) -> QuerySet[Any]:
    """The SKUs (or barcodes) more than one variant in play has, as a subquery."""
    return (
        _in_play(shop)
        .exclude(**{field: ""})
        .values(field)
        .annotate(variants=Count("pk"))
        .filter(variants__gt=1)
        .values(field)
    )


def problem_condition(shop: Shop) -> Q:
    """The rows with at least one blocking problem (the `row_problems` rules as one condition)."""
    return ~Q(state__in=SET_ASIDE) & (
        Q(state__in=(State.MISSING, State.CONFLICT))
        | Q(sku="", barcode="")
        | (Q(sku="") & ~Q(state=State.LINKED))
        | Q(sku__in=_duplicated(shop, "sku"))
        | Q(barcode__in=_duplicated(shop, "barcode"))
    )


def duplicates_among(shop: Shop, field: str, values: set[str]) -> set[str]:
    """Which of `values` (one page's SKUs or barcodes) more than one variant in play has (one query)."""
    wanted = {value for value in values if value}
    if not wanted:
        return set()
    rows = (
        _in_play(shop)
        .filter(**{f"{field}__in": wanted})
        .values(field)
        .annotate(variants=Count("pk"))
        .filter(variants__gt=1)
        .values_list(field, flat=True)
    )
    return set(rows)


@dataclass(frozen=True)
class Summary:
    total: int  # variants Shopify has (deleted ones left out)
    linked: int
    missing: int
    conflict: int
    ignored: int
    deleted: int
    unresolved: int  # variants with at least one blocking problem
    notes: int  # linked variants with a note (nothing to fix)
    duplicate_skus: int = 0  # variants (not in conflict already) whose SKU another variant has
    duplicate_barcodes: int = 0
    without_code: int = 0  # variants with neither SKU nor barcode, or unlinked without SKU

    def kinds(self) -> list[str]:
        """The problems, counted by kind, as the page lists them."""
        parts = [
            (self.missing, "missing in Odoo", "missing in Odoo"),
            (self.conflict, "conflict", "conflicts"),
            (self.duplicate_skus, "SKU on several Shopify variants", "SKUs on several Shopify variants"),
            (
                self.duplicate_barcodes,
                "barcode on several Shopify variants",
                "barcodes on several Shopify variants",
            ),
            (self.without_code, "variant without SKU", "variants without SKU"),
        ]
        return [f"{count:,} {one if count == 1 else many}" for count, one, many in parts if count]

    @property
    def clean(self) -> bool:
        return self.total > 0 and not self.unresolved


def get_summary(shop: Shop) -> Summary:
    """The mapping's counts in one query, whatever the catalogue's size."""
    row = ProductMapping.objects.filter(shop=shop).aggregate(
        n_all=Count("pk"),
        n_linked=Count("pk", filter=Q(state=State.LINKED)),
        n_missing=Count("pk", filter=Q(state=State.MISSING)),
        n_conflict=Count("pk", filter=Q(state=State.CONFLICT)),
        n_ignored=Count("pk", filter=Q(state=State.IGNORED)),
        n_deleted=Count("pk", filter=Q(state=State.DELETED)),
        n_unresolved=Count("pk", filter=problem_condition(shop)),
        n_notes=Count("pk", filter=Q(state=State.LINKED) & ~Q(problem="")),
        n_duplicate_skus=Count(
            "pk",
            filter=~Q(state__in=(*SET_ASIDE, State.CONFLICT))
            & ~Q(sku="")
            & Q(sku__in=_duplicated(shop, "sku")),
        ),
        n_duplicate_barcodes=Count(
            "pk",
            filter=~Q(state__in=(*SET_ASIDE, State.CONFLICT))
            & ~Q(barcode="")
            & Q(barcode__in=_duplicated(shop, "barcode")),
        ),
        n_without_code=Count(
            "pk", filter=~Q(state__in=SET_ASIDE) & Q(sku="") & (Q(barcode="") | ~Q(state=State.LINKED))
        ),
    )
    return Summary(
        total=row["n_all"] - row["n_deleted"],
        linked=row["n_linked"],
        missing=row["n_missing"],
        conflict=row["n_conflict"],
        ignored=row["n_ignored"],
        deleted=row["n_deleted"],
        unresolved=row["n_unresolved"],
        notes=row["n_notes"],
        duplicate_skus=row["n_duplicate_skus"],
        duplicate_barcodes=row["n_duplicate_barcodes"],
        without_code=row["n_without_code"],
    )


# -- the mapping page's rows ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without accents: "Café" -> "cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Each letter with the accented letters (either case) that fold to it, from Latin-1 and Latin Extended-A.
_VARIANTS: dict[str, str] = {}
for _code in range(0xC0, 0x180):
    _char = chr(_code)
    _base = _fold(_char)
    if len(_base) == 1 and _base.isascii() and _base.isalpha():
        _VARIANTS[_base] = _VARIANTS.get(_base, _base + _base.upper()) + _char


def search_pattern(search: str) -> str:
    """A regular expression that finds `search` whatever its case and accents ("cafe" finds "Café", "CAFÉ"
    finds "café"), in SQLite (Python's re) and PostgreSQL alike: every letter is a class of its variants."""
    parts = []
    for char in _fold(search):
        variants = _VARIANTS.get(char)
        parts.append(f"[{variants}]" if variants else re.escape(char))
    return "".join(parts)


def filtered_mappings(shop: Shop, state_filter: str, search: str) -> QuerySet[ProductMapping]:
    """The shop's variants under one filter and a search in titles, SKU and barcode (case and accents
    ignored)."""
    mappings = ProductMapping.objects.filter(shop=shop)
    if search:
        pattern = search_pattern(search)
        mappings = mappings.filter(
            Q(product_title__iregex=pattern)
            | Q(variant_title__iregex=pattern)
            | Q(sku__iregex=pattern)
            | Q(barcode__iregex=pattern)
        )
    if state_filter == "problems":
        return mappings.filter(problem_condition(shop))
    if state_filter in ("linked", "missing", "conflict", "ignored", "deleted"):
        return mappings.filter(state=state_filter)
    return mappings


def page_problems(shop: Shop, mappings: list[ProductMapping]) -> dict[int, list[Problem]]:
    """Each mapping's problems (by pk), for a page of any size in two queries (duplicated SKUs, barcodes)."""
    skus = duplicates_among(shop, "sku", {m.sku for m in mappings if m.state not in SET_ASIDE})
    barcodes = duplicates_among(shop, "barcode", {m.barcode for m in mappings if m.state not in SET_ASIDE})
    return {
        mapping.pk: row_problems(
            state=mapping.state,
            sku=mapping.sku,
            barcode=mapping.barcode,
            problem=mapping.problem,
            duplicate_sku=mapping.sku in skus,
            duplicate_barcode=mapping.barcode in barcodes,
        )
        for mapping in mappings
    }


# -- fixes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OdooProductChoice:
    id: int
    template_id: int | None
    name: str
    default_code: str
    barcode: str
    active: bool
    tax_ids: tuple[int, ...]


PRODUCT_FIELDS = ["id", "display_name", "default_code", "barcode", "active", "product_tmpl_id", "taxes_id"]


def _choice(row: dict[str, Any]) -> OdooProductChoice:
    template = row.get("product_tmpl_id")
    template_id = template[0] if isinstance(template, list | tuple) and template else template
    return OdooProductChoice(
        id=int(row["id"]),
        template_id=int(template_id) if template_id else None,
        name=str(row.get("display_name") or ""),
        default_code=str(row.get("default_code") or ""),
        barcode=str(row.get("barcode") or ""),
        active=bool(row.get("active", True)),
        tax_ids=tuple(int(t) for t in row.get("taxes_id") or []),
    )


def find_odoo_product(client: OdooClient, reference: str) -> OdooProductChoice:
    """The one Odoo product (archived too) a merchant means by an id ("42") or an internal reference."""
    reference = reference.strip()
    if not reference:
        raise FixError("Type the Odoo product's id or its internal reference.")
    if len(reference) > MAX_REFERENCE_LENGTH:
        raise FixError(f"An internal reference is at most {MAX_REFERENCE_LENGTH} characters.")
    by_id = re.fullmatch(r"[0-9]{1,9}", reference) is not None
    condition = ["id", "=", int(reference)] if by_id else ["default_code", "=", reference]
    try:
        rows = client.call(
            "product.product",
            "search_read",
            domain=[condition, ["active", "in", [True, False]]],
            fields=PRODUCT_FIELDS,
            limit=3,
        )
    except GatewayError as exc:
        raise FixError(f"Odoo could not be asked: {exc.message}") from exc
    if not rows and by_id:
        # A number can also be an internal reference ("1001").
        try:
            rows = client.call(
                "product.product",
                "search_read",
                domain=[["default_code", "=", reference], ["active", "in", [True, False]]],
                fields=PRODUCT_FIELDS,
                limit=3,
            )
        except GatewayError as exc:
            raise FixError(f"Odoo could not be asked: {exc.message}") from exc
    if not rows:
        what = (
            f"the id or internal reference '{reference}'"
            if by_id
            else f"the internal reference '{reference}'"
        )
        raise FixError(f"No Odoo product has {what}.")
    if len(rows) > 1:
        ids = ", ".join(str(row["id"]) for row in rows)
        raise FixError(
            f"Several Odoo products have the internal reference '{reference}' (ids {ids}): type the id of the "
            "one to link."
        )
    return _choice(rows[0])


SUGGESTIONS = 10
MIN_SUGGEST_LENGTH = 2


def suggest_odoo_products(client: OdooClient, text: str) -> list[OdooProductChoice]:
    """Up to SUGGESTIONS Odoo products (archived too) whose internal reference, name or barcode contains `text`:
    what the link box offers while the merchant types (one call)."""
    text = text.strip()[:MAX_REFERENCE_LENGTH]
    if len(text) < MIN_SUGGEST_LENGTH:
        return []
    try:
        rows = client.call(
            "product.product",
            "search_read",
            domain=[
                "|",
                "|",
                ["default_code", "ilike", text],
                ["name", "ilike", text],
                ["barcode", "ilike", text],
                ["active", "in", [True, False]],
            ],
            fields=PRODUCT_FIELDS,
            limit=SUGGESTIONS,
            order="default_code asc, id asc",
        )
    except GatewayError as exc:
        raise FixError(f"Odoo could not be asked: {exc.message}") from exc
    return [_choice(row) for row in rows]


def link_key(mapping: ProductMapping) -> str:
    """The ProductLink key orders look this variant up by (as products.services keys an order line)."""
    if mapping.sku:
        return mapping.sku
    return f"barcode:{mapping.barcode}" if mapping.barcode else ""


def variant_label(mapping: ProductMapping) -> str:
    title = mapping.product_title or f"Shopify product {mapping.shopify_product_id}"
    if mapping.variant_title and mapping.variant_title != "Default Title":
        title = f"{title} / {mapping.variant_title}"
    return title


@dataclass(frozen=True)
class Linked:
    product: OdooProductChoice
    # False when the variant's SKU (or barcode) is on another Shopify variant too: orders are not matched by it.
    order_link: bool


def link_mapping(client: OdooClient, mapping: ProductMapping, reference: str, *, who: str) -> Linked:
    """Link a Shopify variant to the Odoo product the merchant named, after Odoo confirmed it exists and no
    other variant has it."""
    product = find_odoo_product(client, reference)
    holder = (
        ProductMapping.objects.filter(shop_id=mapping.shop_id, odoo_product_id=product.id)
        .exclude(pk=mapping.pk)
        .exclude(state__in=SET_ASIDE)
        .first()
    )
    if holder is not None:
        raise FixError(
            f"The Odoo product '{product.name}' (id {product.id}) is already linked to the Shopify variant "
            f"'{variant_label(holder)}' (variant {holder.shopify_variant_id}): link that one elsewhere or ignore "
            "it first. Each Odoo product stands for one Shopify variant."
        )
    key = link_key(mapping)
    # A code another Shopify variant has too would send its orders to this product: no order link by it.
    shared = (
        bool(key)
        and _in_play(mapping.shop)
        .exclude(pk=mapping.pk)
        .filter(**({"sku": mapping.sku} if mapping.sku else {"sku": "", "barcode": mapping.barcode}))
        .exists()
    )
    attempt = start_attempt(
        shop_id=mapping.shop_id,
        operation="link_product",
        object_type=SyncAttempt.Object.PRODUCT,
        object_ref=(mapping.sku or str(mapping.shopify_variant_id))[:100],
    )
    with transaction.atomic():
        if mapping.odoo_product_id != product.id:
            # What Synco last wrote describes the previous product: the next import compares afresh.
            mapping.written = {}
        mapping.odoo_product_id = product.id
        mapping.odoo_template_id = product.template_id
        mapping.state = State.LINKED
        mapping.matched_by = "manual"
        mapping.problem = ""
        mapping.save(
            update_fields=[
                "odoo_product_id",
                "odoo_template_id",
                "state",
                "matched_by",
                "problem",
                "written",
                "updated_at",
            ]
        )
        if key and not shared:
            ProductLink.objects.update_or_create(
                shop_id=mapping.shop_id,
                sku=key,
                defaults={"odoo_product_id": product.id, "default_tax_ids": list(product.tax_ids)},
            )
    archived = " (archived in Odoo)" if not product.active else ""
    unlinked = f" Orders are not matched by '{key}': another Shopify variant has it too." if shared else ""
    finish_attempt(
        attempt,
        succeeded=True,
        message=f"{who} linked the Shopify variant '{variant_label(mapping)}' (variant {mapping.shopify_variant_id}) "
        f"to the Odoo product '{product.name}' (id {product.id}){archived}.{unlinked}",
        odoo_model="product.product",
        odoo_id=product.id,
        rpc_calls=1,
        summary={
            "variant": mapping.shopify_variant_id,
            "sku": mapping.sku,
            "product": product.id,
            "order_link": bool(key) and not shared,
        },
    )
    return Linked(product, order_link=bool(key) and not shared)


def ignore_mapping(mapping: ProductMapping) -> None:
    """Set a variant aside: it no longer counts as a problem (reversible with `unignore_mapping`)."""
    if mapping.state == State.DELETED:
        raise FixError("This variant was deleted in Shopify: there is nothing to ignore.")
    ProductMapping.objects.filter(pk=mapping.pk).update(state=State.IGNORED)
    mapping.state = State.IGNORED


# How the matcher's reasons begin (products/imports.py): they tell what an ignored variant was.
MISSING_REASONS = ("No Odoo product", "The variant has neither")
NOTE_REASONS = ("Prices differ",)


def state_after_unignore(mapping: ProductMapping) -> str:
    """What an ignored variant is again, from the reason the matcher recorded (the next import checks it
    again either way): a conflict stays a conflict, a missing product missing, a link a link."""
    problem = mapping.problem
    if problem and not problem.startswith(MISSING_REASONS + NOTE_REASONS):
        return State.CONFLICT
    if mapping.odoo_product_id and not problem.startswith(MISSING_REASONS):
        return State.LINKED
    return State.MISSING


def unignore_mapping(mapping: ProductMapping) -> None:
    if mapping.state != State.IGNORED:
        raise FixError("This variant is not ignored.")
    state = state_after_unignore(mapping)
    ProductMapping.objects.filter(pk=mapping.pk).update(state=state)
    mapping.state = state


# -- in Odoo, not in Shopify -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OdooOnlyPage:
    products: list[OdooProductChoice]  # Odoo products with an internal reference no Shopify variant has
    checked: int  # Odoo products with an internal reference read on this page
    after_id: int  # where this page started (exclusive)
    next_after_id: int | None  # where the next page starts, None at the end
    total: int  # Odoo products with an internal reference


def own_product_codes(shop: Shop) -> list[str]:
    """The service products orders use for shipping, discounts, tips ... (no Shopify variant is meant to have
    them)."""
    rules = OrderRules.objects.filter(shop=shop).first() or OrderRules(shop=shop)
    return sorted(
        {
            DELIVERY_PRODUCT_CODE,
            FALLBACK_SHIPPING_CODE,
            rules.discount_product_code,
            rules.tip_product_code,
            rules.gift_card_product_code,
            rules.custom_item_product_code,
            rules.rounding_product_code,
        }
    )


def odoo_only_products(
    client: OdooClient, shop: Shop, after_id: int = 0, limit: int = ODOO_ONLY_PAGE
) -> OdooOnlyPage:
    """One page of Odoo products (archived and Synco's own service products left out) whose internal reference
    no Shopify variant has: two Odoo calls and two queries, whatever the catalogue's size."""
    domain: list[Any] = [["default_code", "!=", False], ["default_code", "not in", own_product_codes(shop)]]
    try:
        total = int(client.call("product.product", "search_count", domain))
        rows = client.call(
            "product.product",
            "search_read",
            domain=[*domain, ["id", ">", after_id]],
            fields=PRODUCT_FIELDS,
            limit=limit,
            order="id asc",
        )
    except GatewayError as exc:
        raise FixError(f"Odoo could not be asked: {exc.message}") from exc
    products = [_choice(row) for row in rows]
    codes = {product.default_code for product in products if product.default_code}
    known = set(
        ProductMapping.objects.filter(shop=shop, sku__in=codes)
        .exclude(state=State.DELETED)
        .values_list("sku", flat=True)
    )
    return OdooOnlyPage(
        products=[product for product in products if product.default_code not in known],
        checked=len(products),
        after_id=after_id,
        next_after_id=products[-1].id if len(products) == limit else None,
        total=total,
    )
