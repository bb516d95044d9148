"""The models the Odoo sandbox knows, as installed by sale_management, sale_stock, account and delivery."""

from __future__ import annotations

from ..orm import Model, Registry
from . import account, automation, base, product, sale, stock

MODEL_CLASSES: tuple[type[Model], ...] = (
    base.ResCompany,
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
    base.ResPartner,
    product.ProductCategory,
    product.ProductPricelist,
    product.ProductTemplate,
    product.ProductProduct,
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


def build_registry() -> Registry:
    return Registry(MODEL_CLASSES)
