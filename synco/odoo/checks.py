"""Test connection: each step a merchant can fix on their own, checked in order, each with its fix."""

from __future__ import annotations

from dataclasses import dataclass

from synco.errors import GatewayError
from synco.odoo.client import OdooClient
from synco.odoo.versions import UnsupportedOdooVersion, dialect_for

REQUIRED_MODULES = ("sale_management", "stock", "account")
# Not required: without them shipping lines use a Synco service product and deliveries are not linked to sales.
OPTIONAL_MODULES = ("sale_stock", "delivery")
# (model, operation, what it is needed for)
REQUIRED_RIGHTS = (
    ("sale.order", "create", "create sale orders"),
    ("res.partner", "create", "create customers"),
    ("account.move", "create", "create invoices"),
    ("account.payment", "create", "register payments"),
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_connection_checks(client: OdooClient) -> list[Check]:
    """Reachability, version, database and login, modules, rights: stops at the first step that fails."""
    checks: list[Check] = []
    try:
        version = client.probe_version()
    except GatewayError as exc:
        return [Check("Server reachable", False, exc.message)]
    checks.append(Check("Server reachable", True, f"Odoo {version}"))
    try:
        dialect = dialect_for(version)
    except UnsupportedOdooVersion as exc:
        checks.append(Check("Version supported", False, str(exc)))
        return checks
    checks.append(Check("Version supported", True, f"Odoo {dialect.major}"))

    try:
        uid = client.authenticate()
    except GatewayError as exc:
        checks.append(Check("Database and login", False, exc.message))
        return checks
    checks.append(
        Check("Database and login", True, f"Logged in to '{client.settings.database}' as user id {uid}")
    )

    try:
        installed = set(client.installed_modules((*REQUIRED_MODULES, *OPTIONAL_MODULES)))
        missing = [name for name in REQUIRED_MODULES if name not in installed]
        checks.append(
            Check("Required apps installed", False, f"Install these Odoo apps: {', '.join(missing)}.")
            if missing
            else Check("Required apps installed", True, ", ".join(REQUIRED_MODULES))
        )
        absent = [name for name in OPTIONAL_MODULES if name not in installed]
        checks.append(
            Check(
                "Delivery apps",
                True,
                f"Not installed: {', '.join(absent)}. Shipping lines will use a Synco shipping product; install "
                "Delivery (and Sales Stock) to use Odoo's own delivery product and link deliveries to orders."
                if absent
                else "sale_stock, delivery",
            )
        )
        for model, operation, purpose in REQUIRED_RIGHTS:
            allowed = client.has_access(model, operation)
            checks.append(
                Check(
                    f"May {purpose}",
                    allowed,
                    f"{operation} on {model}"
                    if allowed
                    else f"The Odoo user '{client.settings.login}' may not {purpose} ({model}): "
                    "give the user the matching access group in Odoo (Settings > Users).",
                )
            )
    except GatewayError as exc:
        checks.append(Check("Rights", False, exc.message))
    return checks
