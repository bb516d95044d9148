"""The product mapping page (every Shopify variant and its Odoo product, the problems and their fixes), the
catalogue import panel and the catalogue settings. One URL serves a page or, for HTMX, its fragment."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from products import imports, problems
from products.forms import OWNER_FIELDS, STATE_FILTERS, CatalogueSettingsForm, LinkForm, MappingFilterForm
from products.models import CatalogueRun, CatalogueSettings, ProductMapping
from synco.errors import GatewayError
from synco.gateways import odoo_client_for
from synco.http import HtmxHttpRequest
from synco.models import OdooConnection, Shop
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

PAGE_SIZE = 50
# Far enough for any catalogue (2,000 pages of 50 is 100,000 variants); keeps OFFSET bounded.
MAX_PAGE = 2000
State = ProductMapping.State
FILTER_LABELS = {
    "all": "All",
    "problems": "Problems",
    "linked": "Linked",
    "missing": "Missing",
    "conflict": "Conflict",
    "ignored": "Ignored",
    "deleted": "Deleted in Shopify",
}
BADGES: dict[str, str] = {
    State.LINKED: "synced",
    State.MISSING: "failed",
    State.CONFLICT: "needs_review",
    State.IGNORED: "soft",
    State.DELETED: "soft",
}


def _toast(response: HttpResponse, message: str, level: str = "info", **events: object) -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}, **events})
    return response


def _who(request: HtmxHttpRequest) -> str:
    if request.user.is_authenticated:
        return request.user.get_username()
    return "A user in the Shopify admin"


def _odoo_connection(shop: Shop) -> OdooConnection | None:
    """The shop's connection without its secret: a page needs its URL for links, never the password."""
    return OdooConnection.objects.filter(shop=shop).defer("secret").first()


def _get_mapping_for_shop(request: HtmxHttpRequest, pk: int) -> ProductMapping:
    return get_object_or_404(ProductMapping, pk=pk, shop=current_shop(request))


# -- the rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    mapping: ProductMapping
    problems: list[problems.Problem]
    odoo_url: str
    badge: str

    @property
    def fixes(self) -> set[str]:
        return {fix for problem in self.problems for fix in problem.fixes}


def _rows(shop: Shop, mappings: list[ProductMapping], odoo: OdooConnection | None) -> list[Row]:
    """The page's rows with their problems: two queries (duplicated SKUs, barcodes) for any page size."""
    found = problems.page_problems(shop, mappings)
    return [
        Row(
            mapping=mapping,
            problems=found[mapping.pk],
            odoo_url=odoo.record_url("product.product", mapping.odoo_product_id)
            if odoo and mapping.odoo_product_id
            else "",
            badge=BADGES.get(mapping.state, "soft"),
        )
        for mapping in mappings
    ]


@dataclass(frozen=True)
class MappingPage:
    rows: list[Row]
    number: int
    total: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def _page_number(requested: str | None) -> int:
    if requested and re.fullmatch(r"[0-9]{1,6}", requested):
        return max(1, min(int(requested), MAX_PAGE))
    return 1


def _table_context(request: HtmxHttpRequest, shop: Shop) -> dict[str, object]:
    form = MappingFilterForm(request.GET)
    form.is_valid()
    state_filter = form.cleaned_data.get("state") or "all"
    search = form.cleaned_data.get("q") or ""
    mappings = problems.filtered_mappings(shop, state_filter, search)
    total = mappings.count()
    number = min(_page_number(request.GET.get("page")), max(1, -(-total // PAGE_SIZE)))
    offset = (number - 1) * PAGE_SIZE
    page_rows = list(
        mappings.order_by("product_title", "shopify_product_id", "shopify_variant_id").defer("written")[
            offset : offset + PAGE_SIZE
        ]
    )
    summary = problems.get_summary(shop)
    counts = {
        "all": summary.total + summary.deleted,
        "problems": summary.unresolved,
        "linked": summary.linked,
        "missing": summary.missing,
        "conflict": summary.conflict,
        "ignored": summary.ignored,
        "deleted": summary.deleted,
    }
    kept = urlencode({"q": search} if search else {})
    return {
        "shop": shop,
        "summary": summary,
        "state_filter": state_filter,
        "state_label": FILTER_LABELS[state_filter],
        "search": search,
        "filters": [(key, FILTER_LABELS[key], counts[key]) for key in STATE_FILTERS],
        "filter_query": kept,
        "page_query": urlencode({"state": state_filter, **({"q": search} if search else {})}),
        "page": MappingPage(rows=_rows(shop, page_rows, _odoo_connection(shop)), number=number, total=total),
    }


# -- the import panel ----------------------------------------------------------------------------------------


def _import_context(shop: Shop) -> dict[str, object]:
    run = (
        CatalogueRun.objects.filter(shop=shop, kind=CatalogueRun.Kind.PRODUCTS)
        .order_by("-created_at", "-pk")
        .first()
    )
    active = run is not None and run.status in CatalogueRun.ACTIVE
    percent = 0
    if run is not None and run.total:
        percent = min(100, round(100 * run.done / run.total))
    return {"run": run, "run_active": active, "run_percent": percent}


@shop_required
@require_GET
def import_panel(request: HtmxHttpRequest) -> HttpResponse:
    """The import panel, polled while a run is queued or running."""
    shop = current_shop(request)
    context = _import_context(shop)
    response = render(request, "products/_import_panel.html", context)
    if request.GET.get("polling") and not context["run_active"]:
        # The run the page was watching has finished: the table and the counts reload to show what came in.
        response["HX-Trigger"] = "productsImported"
    return response


@shop_required
@require_POST
def import_start(request: HtmxHttpRequest) -> HttpResponse:
    """Start a full import; refused, with the reason, while one is queued or running."""
    shop = current_shop(request)
    try:
        imports.start_product_import(shop.pk)
    except imports.ImportRefusedError as exc:
        response = render(request, "products/_import_panel.html", _import_context(shop))
        return _toast(response, f"Not started: {exc}", "warning")
    response = render(request, "products/_import_panel.html", _import_context(shop))
    return _toast(response, gettext("Importing the products from Shopify…"))


@shop_required
@require_POST
def import_stop(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    shop = current_shop(request)
    run = get_object_or_404(CatalogueRun, pk=pk, shop=shop, kind=CatalogueRun.Kind.PRODUCTS)
    if run.status not in CatalogueRun.ACTIVE:
        response = render(request, "products/_import_panel.html", _import_context(shop))
        return _toast(response, f"This import is already {run.get_status_display().lower()}.", "warning")
    imports.stop_product_import(run)
    response = render(request, "products/_import_panel.html", _import_context(shop))
    return _toast(response, gettext("Stopping the import after the products in hand."))


@shop_required
@require_POST
def import_resume(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Queue a stopped or failed import again: it continues after its checkpoint."""
    shop = current_shop(request)
    run = get_object_or_404(CatalogueRun, pk=pk, shop=shop, kind=CatalogueRun.Kind.PRODUCTS)
    try:
        resumed = imports.resume_product_import(run)
    except imports.ImportRefusedError as exc:
        response = render(request, "products/_import_panel.html", _import_context(shop))
        return _toast(response, f"Not resumed: {exc}", "warning")
    response = render(request, "products/_import_panel.html", _import_context(shop))
    if not resumed:
        return _toast(
            response, f"This import is {run.get_status_display().lower()}: nothing to resume.", "warning"
        )
    return _toast(response, gettext("Resuming the import where it stopped…"))


# -- the page ------------------------------------------------------------------------------------------------


@shop_required
@require_GET
def mapping_page(request: HtmxHttpRequest) -> HttpResponse:
    """Every Shopify variant with its Odoo product, its state and its problems; filters and pages."""
    shop = current_shop(request)
    context = _table_context(request, shop)
    if request.htmx and request.htmx.target == "product-table":
        return render(request, "products/_mapping_table.html", context)
    context.update(_import_context(shop))
    context.update(odoo=_odoo_connection(shop), odoo_only_page=problems.ODOO_ONLY_PAGE)
    return render(request, "products/mapping.html", context)


@shop_required
@require_GET
def summary_panel(request: HtmxHttpRequest) -> HttpResponse:
    shop = current_shop(request)
    return render(request, "products/_summary.html", {"summary": problems.get_summary(shop)})


def _row_response(
    request: HtmxHttpRequest, mapping: ProductMapping, message: str, level: str = "success", error: str = ""
) -> HttpResponse:
    shop = current_shop(request)
    mapping.refresh_from_db()
    row = _rows(shop, [mapping], _odoo_connection(shop))[0]
    response = render(request, "products/_mapping_row.html", {"row": row, "shop": shop, "error": error})
    if error:
        return _toast(response, error, "error")
    return _toast(response, message, level, productsChanged=True)


@shop_required
@require_POST
def link_product(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Fix: link the variant to the Odoo product the merchant names (an id or an internal reference)."""
    mapping = _get_mapping_for_shop(request, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _row_response(request, mapping, "", error=error)
    if mapping.state == State.DELETED:
        return _row_response(
            request, mapping, "", error="This variant was deleted in Shopify: nothing to link."
        )
    client = None
    try:
        client = odoo_client_for(mapping.shop)
        linked = problems.link_mapping(client, mapping, form.cleaned_data["reference"], who=_who(request))
    except problems.FixError as exc:
        return _row_response(request, mapping, "", error=exc.message)
    except GatewayError as exc:
        return _row_response(request, mapping, "", error=f"Odoo could not be asked: {exc.message}")
    finally:
        if client is not None:
            client.close()
    product = linked.product
    notes = " It is archived in Odoo." if not product.active else ""
    if not linked.order_link and (mapping.sku or mapping.barcode):
        notes += " Orders are not matched by its code while another Shopify variant has it too."
    return _row_response(
        request, mapping, f"Linked to the Odoo product '{product.name}' (id {product.id}).{notes}"
    )


@shop_required
@require_POST
def create_product(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Fix: import the variant's Shopify product again, creating what no Odoo product matches even when the
    shop does not create missing products (matched first: never a second copy)."""
    mapping = _get_mapping_for_shop(request, pk)
    if mapping.state != State.MISSING:
        state = mapping.get_state_display().lower()
        return _row_response(
            request, mapping, "", error=f"Only a missing product can be created; this variant is {state}."
        )
    try:
        imports.import_product_ids(mapping.shop_id, [mapping.shopify_product_id], create=True)
    except GatewayError as exc:
        return _row_response(request, mapping, "", error=f"Not created: {exc.message}")
    mapping.refresh_from_db()
    if mapping.state != State.LINKED or not mapping.odoo_product_id:
        reason = mapping.problem or f"the variant is still {mapping.get_state_display().lower()}."
        return _row_response(request, mapping, "", error=f"Not created: {reason}")
    how = "Created in Odoo" if mapping.matched_by == "created" else f"Linked by {mapping.matched_by}"
    return _row_response(request, mapping, f"{how}: Odoo product id {mapping.odoo_product_id}.")


@shop_required
@require_POST
def ignore_product(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    mapping = _get_mapping_for_shop(request, pk)
    try:
        problems.ignore_mapping(mapping)
    except problems.FixError as exc:
        return _row_response(request, mapping, "", error=exc.message)
    return _row_response(request, mapping, f"Ignored: {problems.variant_label(mapping)}.", "info")


@shop_required
@require_POST
def unignore_product(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    mapping = _get_mapping_for_shop(request, pk)
    try:
        problems.unignore_mapping(mapping)
    except problems.FixError as exc:
        return _row_response(request, mapping, "", error=exc.message)
    return _row_response(request, mapping, f"No longer ignored: {problems.variant_label(mapping)}.", "info")


@shop_required
@require_GET
def odoo_suggestions(request: HtmxHttpRequest) -> HttpResponse:
    """The link box's suggestions: Odoo products matching what the merchant typed, as <option>s."""
    shop = current_shop(request)
    text = request.GET.get("reference", "")
    suggestions: list[problems.OdooProductChoice] = []
    error = ""
    if len(text.strip()) >= problems.MIN_SUGGEST_LENGTH:
        client = None
        try:
            client = odoo_client_for(shop)
            suggestions = problems.suggest_odoo_products(client, text)
        except problems.FixError as exc:
            error = exc.message
        except GatewayError as exc:
            error = f"Odoo could not be asked: {exc.message}"
        finally:
            if client is not None:
                client.close()
    return render(request, "products/_odoo_suggestions.html", {"suggestions": suggestions, "error": error})


@shop_required
@require_GET
def odoo_only(request: HtmxHttpRequest) -> HttpResponse:
    """On demand: one page of Odoo products whose internal reference no Shopify variant has."""
    shop = current_shop(request)
    after = request.GET.get("after", "")
    after_id = int(after) if re.fullmatch(r"[0-9]{1,9}", after) else 0
    result: problems.OdooOnlyPage | None = None
    error = ""
    client = None
    try:
        client = odoo_client_for(shop)
        result = problems.odoo_only_products(client, shop, after_id)
    except problems.FixError as exc:
        error = exc.message
    except GatewayError as exc:
        error = f"Odoo could not be asked: {exc.message}"
    finally:
        if client is not None:
            client.close()
    odoo = _odoo_connection(shop)
    links = (
        [
            (product, odoo.record_url("product.product", product.id) if odoo else "")
            for product in result.products
        ]
        if result
        else []
    )
    return render(request, "products/_odoo_only.html", {"result": result, "links": links, "error": error})


# -- settings ------------------------------------------------------------------------------------------------


@shop_required
@require_http_methods(["GET", "POST"])
def catalogue_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Settings, Catalogue: which side owns each product field; images; whether missing products are created."""
    shop = current_shop(request)
    settings, _created = CatalogueSettings.objects.get_or_create(shop=shop)
    form = CatalogueSettingsForm(request.POST or None, instance=settings)
    saved = False
    if request.method == "POST" and form.is_valid():
        settings = form.save()
        saved = True
    status = 200 if request.method == "GET" or saved else 422
    context = {
        "shop": shop,
        "form": form,
        "owner_fields": [form[name] for name, _label in OWNER_FIELDS],
        "saved": saved,
        "settings": settings,
    }
    return render(request, "products/settings.html", context, status=status)
