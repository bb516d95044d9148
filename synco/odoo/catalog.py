"""The catalogue in Odoo: attributes and their values, templates with their variants, in batches.

Every function here makes a fixed, small number of calls whatever the size of its batch (`load()` and
multi-record `create`/`write`/`search_read`), so a full import costs a few calls per hundred variants.
Functions take one OdooClient: a batch never mixes two shops' databases.

What real Odoo (17, 18, 19) does with these calls, and what callers must know:
* A template's attribute lines make one product.product per combination of their values (attributes created
  here have create_variant 'always'). Shopify may have fewer variants than combinations: the extra ones exist
  in Odoo and are for the caller to archive (archive_variants).
* Writing attribute lines (add_attribute_values) makes Odoo re-activate every archived variant whose
  combination is still possible: archive the extra ones again afterwards. Unarchiving a template
  (write_templates) leaves its variants archived: unarchive the wanted ones (write_variants 'active').
* Seen on a real Odoo 18.0 (tests/odoo/test_catalog_gateway.py runs against it with ODOO_TEST_URL set).
* A template with more than 1,000 new combinations is refused by Odoo (system parameter
  `product.dynamic_variant_limit`): create_templates reports it for that product.
* `load()` is all or nothing: one refused row rolls the whole call back. CatalogueLoadError names each refused
  record (`problems`) so the caller can leave those out and load the rest again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from synco.errors import PermanentGatewayError, SecretUnreadableError, TransientGatewayError
from synco.odoo import cache
from synco.odoo.client import OdooClient
from synco.odoo.errors import MISSING_RECORD_TEXTS, OdooLoginRefusedError, OdooMissingRecordError

logger = logging.getLogger(__name__)

# The per-database cache of attribute and value ids (synco/odoo/cache.py: five minutes).
ATTRIBUTE_CACHE = "catalog.attributes"
VARIANT_FIELDS = [
    "product_tmpl_id",
    "default_code",
    "barcode",
    "active",
    "product_template_attribute_value_ids",
]
SEARCHABLE_FIELDS = ("default_code", "barcode")
# Odoo's import texts for an id that points at nothing (`.id` of the record itself, or of a relation).
_MISSING_TEXTS = (*MISSING_RECORD_TEXTS, "Unknown database identifier")
_EVERYTHING = {"active_test": False}


@dataclass(frozen=True)
class OdooVariant:
    id: int
    template_id: int
    default_code: str
    barcode: str
    active: bool
    value_ids: tuple[int, ...]  # product.attribute.value ids (its combination)


@dataclass(frozen=True)
class TemplateSpec:
    """One Shopify product as a product.template to create."""

    xmlid: str  # "shopify.product_<shopkey>_<id>" (full, with the module)
    # Template fields as load() columns (name, list_price, description_sale, type / is_storable, weight, active,
    # ...; "field/.id" for a relation by database id). Every key is written: a value of "" or None clears it.
    values: dict[str, Any]
    # (product.attribute id, [product.attribute.value ids]) in option order; [] for a single-variant product
    lines: list[tuple[int, list[int]]] = field(default_factory=list)


@dataclass(frozen=True)
class LoadProblem:
    """One record Odoo refused in a load(): which (an external id or a database id), which field, why."""

    key: str | int
    label: str  # how a merchant recognises it: the product's name, its SKU
    field: str
    message: str


class CatalogueLoadError(PermanentGatewayError):
    """Odoo refused records of a catalogue load(); nothing of that load was saved."""

    def __init__(self, message: str, problems: Sequence[LoadProblem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class CatalogueMissingRecordError(CatalogueLoadError, OdooMissingRecordError):
    """A load() referred to a record (a product, an attribute value) that Odoo no longer has."""


class AttributeModeError(PermanentGatewayError):
    """An Odoo attribute with the option's name exists but does not create variants for each value."""


# -- attributes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What this process knows of a database's attributes: lowercased names to ids."""

    attributes: Mapping[str, int]
    values: Mapping[tuple[int, str], int]  # (attribute id, lowercased value name) -> value id


def _known(client: OdooClient) -> _Known:
    return cache.cached(client, ATTRIBUTE_CACHE, lambda: _Known({}, {}))


def _remember(
    client: OdooClient, attributes: Mapping[str, int], values: Mapping[tuple[int, str], int]
) -> None:
    known = _known(client)
    cache.store(
        client, ATTRIBUTE_CACHE, _Known({**known.attributes, **attributes}, {**known.values, **values})
    )


def forget_attributes(client: OdooClient) -> None:
    """Drop the cached attribute ids of the client's database (after a value was found missing)."""
    cache.store(client, ATTRIBUTE_CACHE, _Known({}, {}))


def _ilike_any(field_name: str, names: Iterable[str]) -> list[Any]:
    """A domain matching any of `names` case-insensitively. The patterns may match more than the names
    (LIKE's `%` and `_`, and `\\` turned into `_`): the caller keeps the exact matches."""
    leaves = [[field_name, "=ilike", name.strip().replace("\\", "_")] for name in sorted(set(names))]
    return ["|"] * (len(leaves) - 1) + leaves


def _key(name: Any) -> str:
    """How names are compared: ignoring case, and the spaces around them (Odoo trims what it stores)."""
    return str(name).strip().lower()


def _pick(rows: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The row whose name is `name`, else one whose name equals it ignoring case; lowest id first."""
    same = sorted((row for row in rows if _key(row["name"]) == _key(name)), key=lambda r: r["id"])
    exact = [row for row in same if row["name"] == name.strip()]
    chosen = exact or same
    return chosen[0] if chosen else None


def _find_attributes(client: OdooClient, names: Iterable[str]) -> dict[str, int]:
    """Lowercased name -> id of the attributes Odoo has (active ones), one search_read."""
    wanted = {_key(name): name for name in names}
    if not wanted:
        return {}
    rows = client.call(
        "product.attribute",
        "search_read",
        _ilike_any("name", wanted.values()),
        fields=["name", "create_variant"],
        order="id",
    )
    found: dict[str, int] = {}
    for lower, name in wanted.items():
        candidates = [row for row in rows if _key(row["name"]) == lower]
        if not candidates:
            continue
        making = [row for row in candidates if row.get("create_variant") == "always"]
        row = _pick(making, name)
        if row is None:
            modes = sorted({str(row.get("create_variant")) for row in candidates})
            raise AttributeModeError(
                f"Odoo's attribute '{candidates[0]['name']}' does not create a variant for each value "
                f"(Variant Creation: {', '.join(modes)}), so the Shopify option '{name}' cannot become "
                "variants with it. In Odoo, set its Variant Creation to 'Instantly' (possible while no "
                "product uses it) or rename it so that Synco creates its own."
            )
        found[lower] = int(row["id"])
    return found


def attribute_ids(client: OdooClient, names: Iterable[str]) -> dict[str, int]:
    """Name -> product.attribute id of the attributes Odoo has, matched ignoring case; none created.

    No call when ensure_attributes (or an earlier call) has already seen them all.
    """
    names = list(dict.fromkeys(names))
    known = _known(client)
    unknown = [name for name in names if _key(name) not in known.attributes]
    if unknown:
        found = _find_attributes(client, unknown)
        _remember(client, found, {})
        known = _known(client)
    return {name: known.attributes[_key(name)] for name in names if _key(name) in known.attributes}


def ensure_attributes(client: OdooClient, options: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], int]:
    """(option name, value) -> product.attribute.value id, creating what Odoo lacks; names match ignoring case
    (and spaces around them).

    At most 4 calls (attributes searched, missing attributes created with their values, values searched,
    missing values created; a 5th restores values the merchant archived), none once everything is cached.
    """
    for name, values in options.items():
        if not name.strip() or any(not str(value).strip() for value in values):
            raise PermanentGatewayError(
                f"An option name or value is empty (option '{name}'): Odoo needs both."
            )
    known = _known(client)

    def resolved() -> dict[tuple[str, str], int] | None:
        out = {}
        for name, values in options.items():
            attribute = known.attributes.get(_key(name))
            for value in values:
                value_id = known.values.get((attribute or 0, _key(value)))
                if attribute is None or value_id is None:
                    return None
                out[(name, value)] = value_id
        return out

    done = resolved()
    if done is not None:
        return done

    names = {_key(name): name for name in options}
    attributes = {lower: known.attributes[lower] for lower in names if lower in known.attributes}
    missing = [name for lower, name in names.items() if lower not in attributes]
    if missing:
        attributes.update(_find_attributes(client, missing))
    wanted_values: dict[str, dict[str, str]] = {}  # lowercased attribute -> lowercased value -> value
    for name, values in options.items():
        for value in values:
            wanted_values.setdefault(_key(name), {}).setdefault(_key(value), value)

    new = [lower for lower in names if lower not in attributes]
    if new:
        created = client.call(
            "product.attribute",
            "create",
            [
                {
                    "name": names[lower],
                    "create_variant": "always",
                    "value_ids": [(0, 0, {"name": value}) for value in wanted_values[lower].values()],
                }
                for lower in new
            ],
        )
        attributes.update(zip(new, (int(i) for i in created), strict=True))

    # The values of every attribute with a value not known yet (those just created included).
    open_attributes = sorted(
        {
            attributes[lower]
            for lower, values in wanted_values.items()
            for value in values
            if (attributes[lower], value) not in known.values
        }
    )
    rows = (
        client.call(
            "product.attribute.value",
            "search_read",
            [["attribute_id", "in", open_attributes]],
            fields=["name", "attribute_id", "active"],
            order="id",
            context=_EVERYTHING,
        )
        if open_attributes
        else []
    )
    by_attribute: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_attribute.setdefault(_many2one(row["attribute_id"]), []).append(row)
    values_found: dict[tuple[int, str], int] = {}
    to_create: list[tuple[int, str]] = []
    to_restore: list[int] = []
    for lower, wanted in wanted_values.items():
        attribute = attributes[lower]
        if attribute not in open_attributes:
            continue
        candidates = by_attribute.get(attribute, [])
        for value_lower, value in wanted.items():
            if (attribute, value_lower) in known.values:
                continue
            active = [row for row in candidates if row.get("active", True)]
            row = _pick(active, value) or _pick(candidates, value)
            if row is None:
                to_create.append((attribute, value))
                continue
            if not row.get("active", True):
                to_restore.append(int(row["id"]))
            values_found[(attribute, value_lower)] = int(row["id"])
    if to_create:
        created = client.call(
            "product.attribute.value",
            "create",
            [{"attribute_id": attribute, "name": value} for attribute, value in to_create],
        )
        values_found.update(
            ((attribute, _key(value)), int(value_id))
            for (attribute, value), value_id in zip(to_create, created, strict=True)
        )
    if to_restore:
        client.call("product.attribute.value", "write", sorted(set(to_restore)), {"active": True})
    _remember(client, attributes, values_found)
    every_value = {**known.values, **values_found}
    return {
        (name, value): every_value[(attributes[_key(name)], _key(value))]
        for name, values in options.items()
        for value in values
    }


# -- templates and variants ----------------------------------------------------------------------------


def _split_xmlid(xmlid: str) -> tuple[str, str]:
    module, dot, name = xmlid.partition(".")
    if not dot or not module or not name:
        raise ValueError(f"not a full external id (module.name): {xmlid!r}")
    return module, name


def templates_by_xmlid(client: OdooClient, xmlids: Iterable[str]) -> dict[str, int]:
    """Full external id -> product.template id, for those Odoo has (one call)."""
    wanted = {xmlid: _split_xmlid(xmlid) for xmlid in set(xmlids)}
    if not wanted:
        return {}
    rows = client.call(
        "ir.model.data",
        "search_read",
        [
            ["model", "=", "product.template"],
            ["module", "in", sorted({module for module, _ in wanted.values()})],
            ["name", "in", sorted({name for _, name in wanted.values()})],
        ],
        fields=["module", "name", "res_id"],
    )
    found = {(str(row["module"]), str(row["name"])): int(row["res_id"]) for row in rows}
    return {xmlid: found[key] for xmlid, key in wanted.items() if key in found}


def create_templates(client: OdooClient, specs: Sequence[TemplateSpec]) -> dict[str, int]:
    """External id -> template id for every spec, creating (with their variants) those Odoo lacks.

    Idempotent: external ids are looked up first (one call) and only the missing templates are loaded (one
    load() per distinct set of value keys: one when every spec has the same keys), so a retry after a lost
    answer never makes a second copy.
    """
    by_xmlid: dict[str, TemplateSpec] = {}
    for spec in specs:
        _split_xmlid(spec.xmlid)
        by_xmlid.setdefault(spec.xmlid, spec)
    existing = templates_by_xmlid(client, by_xmlid)
    result = dict(existing)
    missing = [spec for xmlid, spec in by_xmlid.items() if xmlid not in existing]
    for group in _grouped(missing, lambda spec: spec.values):
        columns = list(group[0].values)
        fields = [
            "id",
            *columns,
            "attribute_line_ids/attribute_id/.id",
            "attribute_line_ids/value_ids/.id",
        ]
        data: list[list[str]] = []
        rows_of: list[int] = []  # load row -> the record (spec) it belongs to
        for index, spec in enumerate(group):
            first = [spec.xmlid, *(_cell(spec.values[column]) for column in columns)]
            lines = spec.lines or [(0, [])]
            for number, (attribute, values) in enumerate(lines):
                own = first if number == 0 else [""] * len(first)
                line = [str(attribute), ",".join(str(v) for v in values)] if attribute else ["", ""]
                data.append([*own, *line])
                rows_of.append(index)
        labels = [(spec.xmlid, str(spec.values.get("name") or spec.xmlid)) for spec in group]
        try:
            ids = _load(client, "product.template", fields, data, labels, rows_of)
        except CatalogueMissingRecordError:
            forget_attributes(client)  # a cached attribute value may be the one Odoo no longer has
            raise
        result.update((spec.xmlid, template_id) for spec, template_id in zip(group, ids, strict=True))
    return result


def write_templates(client: OdooClient, rows: Mapping[int, Mapping[str, Any]]) -> None:
    """Write fields of existing templates (archived ones too): template id -> {load column: value}.

    One load() with '.id' per distinct set of keys; it creates nothing.
    """
    _write_by_id(client, "product.template", rows, lambda record_id, values: str(values.get("name") or ""))


def write_variants(client: OdooClient, rows: Mapping[int, Mapping[str, Any]]) -> None:
    """Write fields of existing variants (archived ones too): product.product id -> {default_code, barcode,
    standard_price, weight, active, ...}. One load() with '.id' per distinct set of keys; it creates nothing.
    A barcode another product already has is refused, naming both (CatalogueLoadError)."""

    def label(record_id: int, values: Mapping[str, Any]) -> str:
        parts = [f"SKU '{values['default_code']}'"] if values.get("default_code") else []
        if values.get("barcode"):
            parts.append(f"barcode '{values['barcode']}'")
        return ", ".join(parts)

    _write_by_id(client, "product.product", rows, label)


def _variants(client: OdooClient, rows: list[dict[str, Any]]) -> list[OdooVariant]:
    """Variants from product.product rows, their combinations read as product.attribute.value ids (1 call)."""
    ptav_ids = sorted({int(i) for row in rows for i in row.get("product_template_attribute_value_ids") or []})
    value_of: dict[int, int] = {}
    if ptav_ids:
        ptavs = client.call(
            "product.template.attribute.value",
            "search_read",
            [["id", "in", ptav_ids]],
            fields=["product_attribute_value_id"],
            context=_EVERYTHING,
        )
        value_of = {int(p["id"]): _many2one(p["product_attribute_value_id"]) for p in ptavs}
    variants = [
        OdooVariant(
            id=int(row["id"]),
            template_id=_many2one(row["product_tmpl_id"]),
            default_code=str(row.get("default_code") or ""),
            barcode=str(row.get("barcode") or ""),
            active=bool(row.get("active")),
            value_ids=tuple(
                sorted(value_of[int(i)] for i in row.get("product_template_attribute_value_ids") or [])
            ),
        )
        for row in rows
    ]
    return sorted(variants, key=lambda v: (v.template_id, v.id))


def read_variants(client: OdooClient, template_ids: Iterable[int]) -> list[OdooVariant]:
    """The variants of the templates, archived ones included (2 calls; none for no templates)."""
    wanted = sorted({int(i) for i in template_ids})
    if not wanted:
        return []
    rows = client.call(
        "product.product",
        "search_read",
        [["product_tmpl_id", "in", wanted]],
        fields=VARIANT_FIELDS,
        order="id",
        context=_EVERYTHING,
    )
    return _variants(client, rows)


def find_variants(client: OdooClient, field_name: str, values: Iterable[str]) -> list[OdooVariant]:
    """Variants (archived too) whose default_code or barcode is one of `values` (≤ 2 calls)."""
    if field_name not in SEARCHABLE_FIELDS:
        raise ValueError(f"variants are found by {' or '.join(SEARCHABLE_FIELDS)}, not {field_name!r}")
    wanted = sorted({value for value in values if value})
    if not wanted:
        return []
    rows = client.call(
        "product.product",
        "search_read",
        [[field_name, "in", wanted]],
        fields=VARIANT_FIELDS,
        order="id",
        context=_EVERYTHING,
    )
    return _variants(client, rows)


def find_duplicate_codes(client: OdooClient, codes: Iterable[str]) -> dict[str, list[int]]:
    """default_code -> product ids (archived included), for the codes more than one product has (1 call)."""
    wanted = sorted({code for code in codes if code})
    if not wanted:
        return {}
    rows = client.call(
        "product.product",
        "search_read",
        [["default_code", "in", wanted]],
        fields=["default_code"],
        order="id",
        context=_EVERYTHING,
    )
    by_code: dict[str, list[int]] = {}
    for row in rows:
        by_code.setdefault(str(row["default_code"]), []).append(int(row["id"]))
    return {code: ids for code, ids in by_code.items() if len(ids) > 1}


def set_price_extras(client: OdooClient, template_id_to_extras: Mapping[int, Mapping[int, Decimal]]) -> None:
    """Set each template's extra price per attribute value (template -> {value id: extra}); a variant's sale
    price is the template's plus its values' extras. 1 call to read, 1 load() for the extras that change."""
    wanted = {int(t): extras for t, extras in template_id_to_extras.items() if extras}
    if not wanted:
        return
    rows = client.call(
        "product.template.attribute.value",
        "search_read",
        [["product_tmpl_id", "in", sorted(wanted)]],
        fields=["product_tmpl_id", "product_attribute_value_id", "price_extra"],
        order="id",
        context=_EVERYTHING,
    )
    ptav: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for row in rows:
        key = (_many2one(row["product_tmpl_id"]), _many2one(row["product_attribute_value_id"]))
        # A value removed from a line and added again keeps its row: the newest one is the line's.
        ptav[key] = (int(row["id"]), Decimal(str(row.get("price_extra") or 0)))
    data: list[list[str]] = []
    labels: list[tuple[str | int, str]] = []
    absent = []
    for template_id, extras in sorted(wanted.items()):
        for value_id, extra in sorted(extras.items()):
            found = ptav.get((template_id, int(value_id)))
            if found is None:
                absent.append(f"value {value_id} of template {template_id}")
                continue
            if found[1] != Decimal(extra):
                data.append([str(found[0]), _cell(Decimal(extra))])
                labels.append((found[0], f"template {template_id}, value {value_id}"))
    if absent:
        raise PermanentGatewayError(
            "Odoo's products have no such attribute values (add them to the product first): "
            + ", ".join(absent)
        )
    if data:
        _load(
            client,
            "product.template.attribute.value",
            [".id", "price_extra"],
            data,
            labels,
            list(range(len(data))),
            context=_EVERYTHING,
        )


def add_attribute_values(
    client: OdooClient, template_id: int, lines: Sequence[tuple[int, Sequence[int]]]
) -> None:
    """Put option values on an existing template: values on its lines, new lines for new attributes; Odoo adds
    the new combinations as variants. 1 call to read the lines, 1 write if anything is new."""
    current = client.call(
        "product.template.attribute.line",
        "search_read",
        [["product_tmpl_id", "=", template_id]],
        fields=["attribute_id", "value_ids"],
        order="id",
    )
    line_of = {_many2one(row["attribute_id"]): row for row in current}
    commands: list[Any] = []
    for attribute, values in lines:
        row = line_of.get(int(attribute))
        if row is None:
            commands.append(
                (0, 0, {"attribute_id": int(attribute), "value_ids": [(6, 0, [int(v) for v in values])]})
            )
            continue
        have = {int(v) for v in row.get("value_ids") or []}
        new = [int(v) for v in dict.fromkeys(values) if int(v) not in have]
        if new:
            commands.append((1, int(row["id"]), {"value_ids": [(4, v) for v in new]}))
    if commands:
        client.call("product.template", "write", [template_id], {"attribute_line_ids": commands})


def archive_templates(client: OdooClient, ids: Iterable[int]) -> None:
    """Archive templates; Odoo archives their variants with them (1 call)."""
    wanted = sorted({int(i) for i in ids})
    if wanted:
        client.call("product.template", "write", wanted, {"active": False})


def archive_variants(client: OdooClient, ids: Iterable[int]) -> None:
    """Archive variants, their templates staying active (1 call)."""
    wanted = sorted({int(i) for i in ids})
    if wanted:
        client.call("product.product", "write", wanted, {"active": False})


# -- images -----------------------------------------------------------------------------------------


def write_template_images(client: OdooClient, images: Mapping[int, str | None]) -> dict[int, str]:
    """Set or clear templates' images: template id -> base64 image, or None to clear it.

    One write per distinct image (templates with the same image, and all the cleared ones, share a call): a
    load() would carry every image in one request and roll them all back for one bad file. Odoo derives the
    smaller copies (image_128, ...) and refuses a file it cannot open as an image. Returns the templates whose
    image Odoo refused (or that no longer exist) with Odoo's reason; passing faults are raised.
    """
    by_image: dict[str | None, list[int]] = {}
    for template_id, image in images.items():
        by_image.setdefault(image or None, []).append(int(template_id))
    refused: dict[int, str] = {}
    for image, template_ids in by_image.items():
        try:
            client.call("product.template", "write", sorted(template_ids), {"image_1920": image or False})
        except (TransientGatewayError, OdooLoginRefusedError, SecretUnreadableError):
            raise  # passing, or about the connection: not this image's fault
        except PermanentGatewayError as exc:
            refused.update(dict.fromkeys(template_ids, exc.message))
    return refused


# -- load() ----------------------------------------------------------------------------------------


def _grouped(items: Sequence[Any], values_of: Any) -> list[list[Any]]:
    """Items grouped by the keys of their values (a load() writes every column of every row)."""
    groups: dict[tuple[str, ...], list[Any]] = {}
    for item in items:
        groups.setdefault(tuple(sorted(values_of(item))), []).append(item)
    return list(groups.values())


def _write_by_id(
    client: OdooClient,
    model: str,
    rows: Mapping[int, Mapping[str, Any]],
    label: Any,
) -> None:
    items = [(int(record_id), values) for record_id, values in sorted(rows.items()) if values]
    for group in _grouped(items, lambda item: item[1]):
        columns = list(group[0][1])
        data = [
            [str(record_id), *(_cell(values[column]) for column in columns)] for record_id, values in group
        ]
        labels = [(record_id, label(record_id, values)) for record_id, values in group]
        _load(client, model, [".id", *columns], data, labels, list(range(len(data))), context=_EVERYTHING)


def _cell(value: Any) -> str:
    """A load() cell: Odoo's import reads text (booleans as 1/0; empty clears the field)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _load(
    client: OdooClient,
    model: str,
    fields: list[str],
    data: list[list[str]],
    labels: Sequence[tuple[str | int, str]],
    rows_of: Sequence[int],
    *,
    context: dict[str, Any] | None = None,
) -> list[int]:
    """One load(); the ids of its records in order, or a CatalogueLoadError naming each refused record."""
    result = client.call(model, "load", fields, data, context=context or {})
    messages = [m for m in result.get("messages") or [] if isinstance(m, dict)]
    ids = result.get("ids")
    errors = [m for m in messages if m.get("type") == "error"]
    if errors or ids in (None, False):
        raise _load_error(model, errors or messages, labels, rows_of)
    for message in messages:
        logger.info("odoo load warning", extra={"model": model, "message": str(message.get("message"))[:300]})
    if len(ids) != len(labels):
        raise PermanentGatewayError(
            f"Odoo's {model} import answered {len(ids)} records for {len(labels)}: nothing can be matched."
        )
    return [int(i) for i in ids]


def _load_error(
    model: str,
    messages: list[dict[str, Any]],
    labels: Sequence[tuple[str | int, str]],
    rows_of: Sequence[int],
) -> CatalogueLoadError:
    # When a batch fails as a whole, Odoo retries record by record and puts the batch's error first, with the
    # first record's position whatever record raised it: left out when a record's own message repeats it.
    if len(messages) > 1:
        first = messages[0]
        if any(
            m.get("message") == first.get("message") and _record_of(m, rows_of) != _record_of(first, rows_of)
            for m in messages[1:]
        ):
            messages = messages[1:]
    problems = []
    for message in messages:
        index = _record_of(message, rows_of)
        key, label = labels[index] if index is not None and 0 <= index < len(labels) else ("", "")
        problems.append(
            LoadProblem(
                key=key,
                label=label,
                field=str(message.get("field") or ""),
                message=_hinted(" ".join(str(message.get("message") or "").split())),
            )
        )
    described = "; ".join(_describe(model, problem) for problem in problems[:10])
    more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
    text = f"Odoo refused the {_NOUN.get(model, model)} import, nothing of it was saved: {described}{more}"
    if any(any(missing in problem.message for missing in _MISSING_TEXTS) for problem in problems):
        return CatalogueMissingRecordError(text, problems)
    return CatalogueLoadError(text, problems)


_NOUN = {
    "product.template": "product",
    "product.product": "variant",
    "product.template.attribute.value": "attribute extra price",
}


# What a merchant can do about a refusal whose text Odoo gives without a way out.
_HINTS = {
    "number of variants to generate is above allowed limit": (
        "Odoo makes at most 1,000 variants per product unless its system parameter "
        "product.dynamic_variant_limit is raised (Shopify allows 2,048)"
    ),
}


def _hinted(message: str) -> str:
    for text, hint in _HINTS.items():
        if text in message:
            return f"{message} ({hint})"
    return message


def _describe(model: str, problem: LoadProblem) -> str:
    if problem.key == "":
        return problem.message
    what = f"{_NOUN.get(model, model)} {problem.key}"
    if problem.label and problem.label != str(problem.key):
        what += f" ({problem.label})"
    return f"{what}: {problem.message}"


def _record_of(message: Mapping[str, Any], rows_of: Sequence[int]) -> int | None:
    """The record a load() message is about: its first row's, else its record number."""
    rows = message.get("rows")
    if isinstance(rows, dict) and isinstance(rows.get("from"), int) and 0 <= rows["from"] < len(rows_of):
        return rows_of[rows["from"]]
    record = message.get("record")
    return int(record) if isinstance(record, int) else None


def _many2one(value: Any) -> int:
    if isinstance(value, list | tuple):
        return int(value[0]) if value else 0
    return int(value or 0)
