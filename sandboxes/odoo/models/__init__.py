"""The models the Odoo sandbox knows, as installed by sale_management, sale_stock, account and delivery.

They declare Odoo 18's fields; ``build_registry(version)`` adapts them to 17, 18 or 19 (versions.py)."""

from __future__ import annotations

from ..orm import Model, Registry
from ..versions import DEFAULT_VERSION, OdooProfile
from . import account, attributes, automation, base, product, sale, stock

MODEL_CLASSES: tuple[type[Model], ...] = (
    base.ResCompany,
    base.ResGroups,
    base.ResUsers,
    base.ResUsersApikeysDescription,
    base.ResCountry,
    base.ResCountryState,
    base.ResCurrency,
    base.DecimalPrecision,
    base.UomUom,
    base.CrmTeam,
    base.IrModuleModule,
    base.IrModelData,
    base.ResPartnerCategory,
    base.ResPartner,
    product.ProductCategory,
    product.ProductPricelist,
    product.ProductTemplate,
    product.ProductProduct,
    attributes.ProductAttribute,
    attributes.ProductAttributeValue,
    attributes.ProductTemplateAttributeLine,
    attributes.ProductTemplateAttributeValue,
    account.AccountTax,
    account.AccountAccount,
    account.AccountJournal,
    account.AccountPaymentTerm,
    account.AccountPaymentMethod,
    account.AccountPaymentMethodLine,
    account.AccountMove,
    account.AccountMoveLine,
    account.AccountPayment,
    account.AccountPaymentRegister,
    account.AccountMoveReversal,
    sale.SaleOrder,
    sale.SaleOrderLine,
    sale.SaleOrderCancel,
    sale.SaleAdvancePaymentInv,
    stock.StockWarehouse,
    stock.StockLocation,
    stock.StockPickingType,
    stock.StockPicking,
    stock.StockMove,
    stock.StockMoveLine,
    stock.StockQuant,
    stock.StockBackorderConfirmation,
    stock.DeliveryCarrier,
    stock.StockReturnPicking,
    stock.StockReturnPickingLine,
    automation.IrModel,
    automation.IrModelFields,
    automation.IrActionsServer,
    automation.BaseAutomation,
)


def build_registry(version: int | OdooProfile = DEFAULT_VERSION) -> Registry:
    """The models of one Odoo version (17, 18 or 19)."""
    return Registry(MODEL_CLASSES, version)
