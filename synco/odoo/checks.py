"""Test connection: each step a merchant can fix on their own, checked in order, each with its fix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from synco.errors import GatewayError
from synco.odoo.client import OdooClient
from synco.odoo.errors import OdooLoginRefusedError
from synco.odoo.json2 import looks_like_api_key
from synco.odoo.versions import OdooDialect, UnsupportedOdooVersion, dialect_for, is_saas

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
TRANSPORT_NAMES = {"xmlrpc": "XML-RPC", "jsonrpc": "JSON-RPC", "json2": "JSON-2"}
NEW_API_KEY = "in Odoo open Preferences → Account Security → New API Key"
API_KEY_NEEDED = (
    "Odoo Online and users with two-factor authentication need an API key instead of the password: "
    f"{NEW_API_KEY}, and enter the key here as the password."
)
NO_API_PLAN = (
    "This Odoo Online database's plan has no external API access: Odoo allows the API only on the Custom "
    "plan (odoo.com/pricing). Upgrade the plan or use Odoo.sh / on-premise."
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # ok, but something the merchant should change (shown as advice, not as a failure).
    advice: bool = False


def is_odoo_online(host: str, server_version: str) -> bool:
    """Odoo's own hosting: a *.odoo.com address, or a SaaS build (saas~18.3), which only Odoo Online runs."""
    host = host.lower().rstrip(".")
    return host == "odoo.com" or host.endswith(".odoo.com") or is_saas(server_version)


def describe_odoo(version: str, dialect: OdooDialect, online: bool) -> str:
    """'Odoo 19 (self-hosted or Odoo.sh)', 'Odoo Online, saas~18.3 (between Odoo 18 and 19)'."""
    if is_saas(version):
        series = version.split("+", 1)[0]
        return f"Odoo Online, {series} (between Odoo {dialect.major} and {dialect.major + 1})"
    if online:
        return f"Odoo Online, Odoo {dialect.major}"
    return f"Odoo {dialect.major} (self-hosted or Odoo.sh)"


def run_connection_checks(client: OdooClient, *, key_accepted_at: datetime | None = None) -> list[Check]:
    """Reachability, version, database and login, which Odoo and API, apps, field names, rights: stops at the
    first step that fails. `key_accepted_at`: when this connection's API key last logged in (None: never seen)."""
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
    online = is_odoo_online(client.settings.host, version)
    secret_is_key = looks_like_api_key(client.settings.secret)

    try:
        uid = client.authenticate()
    except GatewayError as exc:
        detail = exc.message
        if isinstance(exc, OdooLoginRefusedError):
            detail = _refused_login(exc, online, secret_is_key, key_accepted_at)
        checks.append(Check("Database and login", False, detail))
        return checks
    checks.append(
        Check("Database and login", True, f"Logged in to '{client.settings.database}' as user id {uid}")
    )
    # Set by the client once it has chosen (protocol "auto" picks JSON-2 where the server and secret allow).
    transport = str(getattr(client, "transport", "xmlrpc"))
    transport_name = TRANSPORT_NAMES.get(transport, transport)
    checks.append(
        Check("Odoo and API", True, f"{describe_odoo(version, dialect, online)}, over {transport_name}")
    )
    if dialect.xmlrpc_deprecated and transport in ("xmlrpc", "jsonrpc"):
        checks.append(Check("API", True, _deprecated_rpc_advice(transport_name, secret_is_key), advice=True))

    try:
        installed = set(client.installed_modules((*REQUIRED_MODULES, *OPTIONAL_MODULES)))
    except GatewayError as exc:
        # Unverified: Odoo Online's exact refusal for a plan without API access is not public. What a plan
        # without it should look like: the login works, then every model call is refused as Access Denied
        # (XML-RPC faultCode 3, JSON-2 401) although the same credentials just logged in.
        if online and isinstance(exc, OdooLoginRefusedError):
            checks.append(Check("API access", False, NO_API_PLAN))
        else:
            checks.append(Check("Rights", False, exc.message))
        return checks
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
    try:
        if not missing:
            checks.append(_field_names(client, version, dialect))
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


def _refused_login(
    exc: GatewayError,
    online: bool,
    secret_is_key: bool,
    key_accepted_at: datetime | None,
) -> str:
    """Why the login was refused, as far as the merchant can act on it."""
    if secret_is_key and key_accepted_at is not None:
        return (
            f"The API key was accepted until {key_accepted_at:%Y-%m-%d} and is now refused: it has expired or "
            "was revoked (keys of non-admin users last at most 90 days). Create a new key "
            f"({NEW_API_KEY}) and enter it here."
        )
    if secret_is_key:
        return exc.message
    if online:
        return f"{exc.message} {API_KEY_NEEDED}"
    # A user with two-factor authentication is refused a password over the API exactly like a wrong password:
    # Odoo's answer does not tell the two apart, so the hint comes whenever a password is refused.
    return (
        f"{exc.message} If this user has two-factor authentication, Odoo accepts only an API key: "
        f"{NEW_API_KEY}."
    )


def _deprecated_rpc_advice(transport_name: str, secret_is_key: bool) -> str:
    # The 19.0 build of shared/odoo19-external-api.md logs "scheduled for removal in Odoo 20"; Odoo has since
    # postponed the removal to 22 (odoo/odoo#252721), so the advice names no version.
    head = f"{transport_name} is deprecated in Odoo 19 and will be removed in a later version"
    if secret_is_key:
        return f"{head}: set Protocol to Automatic so Synco uses the JSON-2 API with this API key."
    return f"{head}: use an API key so Synco uses the JSON-2 API ({NEW_API_KEY})."


def _field_names(client: OdooClient, version: str, dialect: OdooDialect) -> Check:
    """The names Synco will send, read back from the server itself (a saas row of the table is a guess)."""
    mismatches = client.dialect_mismatches()
    if mismatches:
        return Check(
            "Field names",
            False,
            f"Odoo {version} does not have the fields Synco would use for it ({', '.join(mismatches)}): Synco "
            "cannot sync with this Odoo version yet. Tell Synco's support the version shown above.",
        )
    detail = f"sale.order.line.{dialect.sale_line_tax_field}, storable products " + ", ".join(
        f"{name}={value!r}" for name, value in dialect.storable_product.items()
    )
    return Check("Field names", True, detail)
