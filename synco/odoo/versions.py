"""Version-specific Odoo names, in one table (DIALECTS): everything else asks the dialect.

Which row a server gets: its series from ``version()`` (``server_version`` '19.0+e-20251227' or
``server_version_info`` [19, 0, 0, 'final', 0, '']; Odoo Online reports 'saas~18.3+e' /
['saas~18', 3, 0, 'final', 0, '']), then the last row whose ``since`` is not after it. Majors outside
SUPPORTED_MAJORS are refused: their names are not known.

The SaaS rule. A ``saas~N.x`` build is a step from N.0 toward N+1.0: Odoo renames fields in its development
branch and each saas release ships what had landed by then. So a saas build is neither the N nor the N+1
dialect as a whole: the rows below start where Odoo's own pull requests (their release labels) put each
change Synco depends on. Those rows were never run against a server: ``verified`` says so, and Test
connection reads the server's own field names (``OdooClient.dialect_mismatches``) before anything is synced,
so a wrong guess is reported there instead of failing an order.

Verifying 17 (or a saas build) later is a change to its row: its names and its ``verified``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any


class UnsupportedOdooVersion(ValueError):
    """The server's Odoo version has no row in DIALECTS."""


SUPPORTED_MAJORS = (17, 18, 19)


@dataclass(frozen=True)
class OdooDialect:
    """The names and behaviours that differ between Odoo versions, for the calls Synco makes."""

    # The first series this row applies to: (17, 0) is 17.0, (18, 1) is saas~18.1.
    since: tuple[int, int]
    # Where these names were seen: "real <build>" (run against that server), or "source only: ..." (read in
    # Odoo's source or pull requests, never run), or "assumed: ...".
    verified: str
    sale_line_tax_field: str  # sale.order.line taxes: 'tax_id' (<= 18.0), 'tax_ids' (19)
    sale_line_uom_field: str  # sale.order.line unit: 'product_uom' (<= 18.0), 'product_uom_id' (19)
    user_groups_field: str  # res.users groups: 'groups_id' (<= 18.0), 'group_ids' (19)
    partner_has_mobile: bool  # res.partner.mobile: gone in 19 (only 'phone')
    stock_move_has_name: bool  # stock.move.name: gone in 19 (read 'reference' / 'description_picking')
    # stock.picking.move_ids_without_package: gone in 19. Synco reads and writes 'move_ids', which every
    # supported version has.
    picking_has_moves_without_package: bool
    # product.product values that make a product stock-tracked, and a service.
    storable_product: Mapping[str, Any]
    service_product: Mapping[str, Any]
    # How to ask "may the user <operation> <model>?": 'has_access' (ids [], operation) from 18.0, before it
    # 'check_access_rights' (operation, raise_exception=False). 18 logs check_access_rights as deprecated.
    access_check_method: str
    # The wizard a confirmed order's action_cancel may answer with instead of cancelling (18:
    # 'sale.order.cancel', skipped with context disable_cancel_warning); None: action_cancel cancels at once.
    cancel_wizard_model: str | None
    payment_memo_field: str  # account.payment's memo: 'ref' (17), 'memo' (18, 19)
    # How a tax says its amount is included in the price: 18 and 19 'price_include_override' ('tax_included' /
    # 'tax_excluded'; 'price_include' is computed and read-only there); 17 the boolean 'price_include'.
    tax_price_include_field: str
    # Under round_globally, a document none of whose taxes is price-excluded keeps the sum of its prices as its
    # total, the untaxed amount taking the rounding (19: 3 x 19.99 at 20 % included is 49.97 + 10.00 = 59.97);
    # 18 rounds the untaxed sum instead (49.98 + 10.00 = 59.98). Both seen on real 18.0 (July 2025) and 19.0
    # servers; Odoo's odoo/odoo#228437 (late 2025, from an 18.0 branch) may bring 19's rule to later 18.0
    # builds: not verified; the saas~18.x rows take 19's value (assumed). orders/money.py predicts totals with it.
    round_globally_keeps_included_total: bool
    # The invoice's payments: 18 and 19 'matched_payment_ids' on account.move (18's default setup books no
    # journal entry, so payment_state alone can miss a payment). None (17): the field is 18's; 17's payments
    # always post an entry, so payment_state follows them and is what Synco reads.
    invoice_payments_field: str | None
    # Methods refused remotely besides every '_'-prefixed one (19: XML-RPC faultCode 4, JSON-2 403).
    private_methods: frozenset[str]
    # 'model.method' ('*' any model) that run and commit but return None: over XML-RPC a fault (the caller
    # re-reads, OdooClient.call_allowing_none), over JSON-2 a plain null.
    none_fault_methods: frozenset[str]
    has_json2: bool  # POST /json/2/<model>/<method> with an API key
    xmlrpc_deprecated: bool  # the server logs a deprecation warning per XML-RPC / JSON-RPC request

    @property
    def major(self) -> int:
        """The major version this row belongs to (a saas~N.x row belongs to N)."""
        return self.since[0]

    @property
    def series(self) -> str:
        major, minor = self.since
        return f"saas~{major}.{minor}" if minor else f"{major}.0"

    def is_private(self, method: str) -> bool:
        return method.startswith("_") or method in self.private_methods

    @property
    def uses_has_access(self) -> bool:
        return self.access_check_method == "has_access"


def _frozen(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(values))


_NONE_FAULTS_18 = frozenset(
    {
        "sale.order.action_lock",
        "sale.order.action_unlock",
        "sale.order.action_quotation_sent",
        "sale.order.action_view_invoice",
        "sale.advance.payment.inv.create_invoices",  # when the order has no payment term
        "account.move.button_draft",
        "account.move.button_cancel",
        "stock.picking.do_unreserve",
        "stock.quant.action_apply_inventory",
        "*.check_access",
    }
)

_ODOO_18 = OdooDialect(
    since=(18, 0),
    verified="real 18.0+e-20241005 (shared/odoo18-external-api.md); 18.0-20250702 (tests/contract)",
    sale_line_tax_field="tax_id",
    sale_line_uom_field="product_uom",
    user_groups_field="groups_id",
    partner_has_mobile=True,
    stock_move_has_name=True,
    picking_has_moves_without_package=True,
    storable_product=_frozen({"type": "consu", "is_storable": True}),
    service_product=_frozen({"type": "service"}),
    access_check_method="has_access",
    cancel_wizard_model="sale.order.cancel",
    payment_memo_field="memo",
    tax_price_include_field="price_include_override",
    round_globally_keeps_included_total=False,
    invoice_payments_field="matched_payment_ids",
    private_methods=frozenset(),
    none_fault_methods=_NONE_FAULTS_18,
    has_json2=False,  # /json/2/... answers 303 to /web/login
    xmlrpc_deprecated=False,
)

_ODOO_19 = OdooDialect(
    since=(19, 0),
    verified="real 19.0+e-20251227 (shared/odoo19-external-api.md)",
    sale_line_tax_field="tax_ids",
    sale_line_uom_field="product_uom_id",
    user_groups_field="group_ids",
    partner_has_mobile=False,
    stock_move_has_name=False,
    picking_has_moves_without_package=False,
    storable_product=_frozen({"type": "consu", "is_storable": True}),
    service_product=_frozen({"type": "service"}),
    access_check_method="has_access",
    cancel_wizard_model=None,  # model sale.order.cancel is gone: action_cancel cancels a confirmed order at once
    payment_memo_field="memo",
    tax_price_include_field="price_include_override",
    round_globally_keeps_included_total=True,
    invoice_payments_field="matched_payment_ids",
    private_methods=frozenset({"check_access", "exists", "browse", "sudo", "search_fetch"}),
    # check_access is private now; the deprecated check_access_rights returns None.
    none_fault_methods=(_NONE_FAULTS_18 - {"*.check_access"}) | {"*.check_access_rights"},
    has_json2=True,
    xmlrpc_deprecated=True,
)

_ODOO_17 = replace(
    _ODOO_18,
    since=(17, 0),
    verified="source only: never run against a real Odoo 17",
    storable_product=_frozen({"type": "product"}),
    access_check_method="check_access_rights",  # has_access arrived in 18.0 (odoo/odoo#179148)
    payment_memo_field="ref",
    tax_price_include_field="price_include",
    invoice_payments_field=None,
    none_fault_methods=_NONE_FAULTS_18 - {"*.check_access"},
)

# The table. Rows in order of `since`; a server gets the last row whose `since` is not after its series.
DIALECTS: tuple[OdooDialect, ...] = (
    _ODOO_17,
    # saas~17.3-17.4: 'storable product' became type 'consu' + is_storable (odoo/odoo#165372, labelled 17.3);
    # has_access still absent (18.0).
    replace(
        _ODOO_17,
        since=(17, 3),
        verified="source only: is_storable from saas~17.3 (odoo/odoo#165372); never run; when the tax's "
        "price_include_override and the payment's memo arrived is not known (17.0's names kept)",
        storable_product=_ODOO_18.storable_product,
    ),
    _ODOO_18,
    # saas~18.1: sale.order.line tax_id -> tax_ids (odoo/odoo#186869, labelled 18.1). When the other 19 renames
    # (product_uom_id, mobile, stock.move name, move_ids_without_package, sale.order.cancel) landed within
    # saas~18.x is not known: this row and the next two give them their 19 names. Synco sends none of them.
    replace(
        _ODOO_19,
        since=(18, 1),
        verified="source only: tax_ids from saas~18.1 (odoo/odoo#186869); the other 19 names assumed; never run",
        user_groups_field="groups_id",
        has_json2=False,
        xmlrpc_deprecated=False,
    ),
    # saas~18.2: res.users groups_id -> group_ids (odoo/odoo#179354, labelled 18.2).
    replace(
        _ODOO_19,
        since=(18, 2),
        verified="source only: group_ids from saas~18.2 (odoo/odoo#179354); never run",
        has_json2=False,
        xmlrpc_deprecated=False,
    ),
    # saas~18.4: JSON-2 landed (Odoo's own word, OCA/odoorpc#101); XML-RPC deprecated from 19.0.
    replace(
        _ODOO_19,
        since=(18, 4),
        verified="source only: JSON-2 from saas~18.4 (OCA/odoorpc#101, by Odoo); never run",
        xmlrpc_deprecated=False,
    ),
    _ODOO_19,
    # saas~19.x steps toward 20, whose names are not known: 19.0's, until a saas~19 server is seen. XML-RPC
    # stays (its removal was postponed from 20 to 22: odoo/odoo#252721).
    replace(_ODOO_19, since=(19, 1), verified="assumed: as 19.0; no saas~19 server seen"),
)

_SERIES = re.compile(r"^\s*(saas~)?(\d+)\.(\d+)")


def parse_series(server_version: str) -> tuple[int, int, bool] | None:
    """'19.0+e-20251227' -> (19, 0, False); 'saas~18.3+e' -> (18, 3, True); not an Odoo version -> None."""
    found = _SERIES.match(server_version or "")
    if not found:
        return None
    return int(found.group(2)), int(found.group(3)), bool(found.group(1))


def series_from_info(version_info: Sequence[Any]) -> tuple[int, int, bool] | None:
    """From ``server_version_info``: [19, 0, 0, 'final', 0, ''] or ['saas~18', 3, 0, 'final', 0, '']."""
    if len(version_info) < 2 or not isinstance(version_info[1], int):
        return None
    head = version_info[0]
    if isinstance(head, int) and not isinstance(head, bool):
        return head, version_info[1], False
    if isinstance(head, str) and head.startswith("saas~") and head[5:].isdigit():
        return int(head[5:]), version_info[1], True
    return None


def is_saas(server_version: str) -> bool:
    """A SaaS build (Odoo Online runs them): 'saas~18.3+e'."""
    parsed = parse_series(server_version)
    return bool(parsed and parsed[2])


def major_version(server_version: str) -> int | None:
    parsed = parse_series(server_version)
    return parsed[0] if parsed else None


def dialect_for(server_version: str, version_info: Sequence[Any] | None = None) -> OdooDialect:
    """The table row for a server, from ``version()``'s server_version (or its server_version_info)."""
    parsed = parse_series(server_version)
    if parsed is None and version_info is not None:
        parsed = series_from_info(version_info)
    supported = ", ".join(str(v) for v in SUPPORTED_MAJORS[:-1]) + f" and {SUPPORTED_MAJORS[-1]}"
    if parsed is None:
        raise UnsupportedOdooVersion(
            f"'{server_version}' is not an Odoo version Synco recognises: Synco works with Odoo {supported}."
        )
    major, minor, _saas = parsed
    if major not in SUPPORTED_MAJORS:
        raise UnsupportedOdooVersion(
            f"Odoo {server_version} is not supported: Synco works with Odoo {supported}."
        )
    found = DIALECTS[0]
    for row in DIALECTS:
        if row.since <= (major, minor):
            found = row
    return found
