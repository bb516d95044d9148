"""Create the demo shop connected to both sandboxes, with its orders imported from the Shopify sandbox.

It seeds through the sandboxes `make run` started when they run (with --reset it asks them to start over), else
through sandboxes it starts on the same ports for the time it runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from customers.imports import run_customer_import, start_customer_import
from orders.services import import_orders, refresh_shop_timezone
from products.imports import run_product_import, start_product_import
from products.models import CatalogueRun
from sandboxes.control import Sandbox, SandboxControlError, control, running_pid, sandbox
from sandboxes.odoo.seed import DEFAULT_API_KEY
from sandboxes.odoo.server import OdooSandboxServer
from sandboxes.odoo.server import start_in_thread as start_odoo
from sandboxes.shopify.server import start_in_thread as start_shopify
from sandboxes.shopify.store import seed_demo as seed_shopify_state
from shipments import services as shipment_services
from stock import services as stock_services
from stock.models import InventoryLink, LocationMapping, StockSettings
from synco.gateways import check_connection, odoo_settings, shopify_client_for
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.odoo.delivery_notifications import ensure_delivery_notifications
from synco.odoo.stock_notifications import ensure_stock_notifications
from synco.shopify import inventory

DEMO_DOMAIN = "synco-demo.myshopify.com"
DEMO_USER = "demo"
DEMO_PASSWORD = "synco-demo"  # noqa: S105 - the documented local demo login
ODOO_DB = "synco_demo"
ODOO_LOGIN = "admin"
ODOO_PASSWORD = "admin"  # noqa: S105 - the sandbox's own admin password
# Taxes the generated demo orders use beyond those a fresh Odoo sandbox has; a merchant creates these in Odoo.
DEMO_TAXES = (("6%", 6.0, "tax_excluded"),)


@dataclass
class DemoSandboxes:
    """The two sandboxes the demo is seeded through: `make run`'s own when they run, else started here."""

    shopify_url: str
    odoo_url: str
    started: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for server in self.started:
            if isinstance(server, OdooSandboxServer):
                server.shutdown_and_save()
            else:
                server.shutdown_sandbox()


class Command(BaseCommand):
    help = (
        "Seed the demo shop: Shopify sandbox orders, Odoo sandbox connection (checked), demo login. Works while "
        "`make run` runs: its sandboxes are seeded (and with --reset, reset) over HTTP."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--orders", type=int, default=60, help="How many Shopify orders to generate")
        parser.add_argument("--reset", action="store_true", help="Throw away sandbox state and the demo shop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["orders"] < 0:
            raise CommandError("--orders must be 0 or more.")
        if not settings.SYNCO_ODOO_ALLOW_LOOPBACK_HTTP:
            raise CommandError(
                "The demo's Odoo is the local sandbox (http on 127.0.0.1), which Synco refuses unless "
                "SYNCO_ODOO_ALLOW_LOOPBACK_HTTP=true: run `make demo-reset` (or `make run`), which sets it."
            )
        sandbox_dir = Path(settings.VAR_DIR) / "sandbox"
        sandbox_dir.mkdir(parents=True, exist_ok=True)
        shopify_state = sandbox_dir / "shopify.json"
        odoo_state = sandbox_dir / "odoo.json"
        shopify_box, odoo_box = sandbox("shopify"), sandbox("odoo")
        shopify_running, odoo_running = self._running(shopify_box), self._running(odoo_box)
        if options["reset"]:
            if odoo_running:
                control(odoo_box, reset=True)
                self.stdout.write(
                    f"The running {odoo_box.label} at {odoo_box.url} is back to a fresh database."
                )
            else:
                odoo_state.unlink(missing_ok=True)
            if not shopify_running:
                shopify_state.unlink(missing_ok=True)
            Shop.objects.filter(domain=DEMO_DOMAIN).delete()
        if Shop.objects.filter(domain=DEMO_DOMAIN).exists() and (shopify_running or shopify_state.exists()):
            self.stdout.write(f"Demo shop {DEMO_DOMAIN} already seeded (use --reset to start over).")
            shop = Shop.objects.get(domain=DEMO_DOMAIN)
            connection = OdooConnection.objects.filter(shop=shop).first()
            if connection is None or connection.url != odoo_box.url:
                self._connect_odoo(shop, odoo_box)  # SANDBOX_ODOO_PORT changed since (or no connection)
            sandboxes = self._sandboxes(shopify_box, odoo_box, shopify_state, odoo_state)
            try:
                # The web server's address may have changed since: Odoo's stock rules follow it.
                self._prepare_stock(shop, sandboxes)
                self._check_connection(shop)
            finally:
                sandboxes.close()
            return

        if shopify_running:
            answer = control(shopify_box, reseed={"orders": options["orders"], "shop": DEMO_DOMAIN}) or {}
            token = str(answer["access_token"])
            self.stdout.write(
                f"The running {shopify_box.label} at {shopify_box.url} holds the demo orders again."
            )
        else:
            token = seed_shopify_state(shopify_state, shop_domain=DEMO_DOMAIN, n_orders=options["orders"])
        with transaction.atomic():
            shop, _ = Shop.objects.update_or_create(
                domain=DEMO_DOMAIN, defaults={"name": "Synco Demo Store", "access_token": token}
            )
            self._connect_odoo(shop, odoo_box)
            # The demo's order rules are chosen here (the defaults), as a merchant saving Settings would.
            OrderRules.objects.get_or_create(shop=shop, defaults={"saved_at": timezone.now()})
            user_model = get_user_model()
            user = user_model.objects.filter(username=DEMO_USER).first()
            if user is None:
                user = user_model.objects.create_user(DEMO_USER, password=DEMO_PASSWORD)
            shop.users.add(user)

        sandboxes = self._sandboxes(shopify_box, odoo_box, shopify_state, odoo_state)
        try:
            self._prepare_odoo()
            self._import_catalogue(shop)
            self._import_orders(shop)
            self._prepare_stock(shop, sandboxes)
            self._check_connection(shop)
        finally:
            sandboxes.close()

    @staticmethod
    def _connect_odoo(shop: Shop, odoo_box: Sandbox) -> None:
        """The demo's Odoo connection: the Odoo sandbox on its port, with its admin's password."""
        OdooConnection.objects.update_or_create(
            shop=shop,
            defaults={
                "url": odoo_box.url,
                "database": ODOO_DB,
                "login": ODOO_LOGIN,
                # Odoo 19: the API key, so that Synco talks JSON-2 (XML-RPC is deprecated there).
                "secret": DEFAULT_API_KEY if settings.SANDBOX_ODOO_VERSION >= 19 else ODOO_PASSWORD,
            },
        )

    # -- the sandboxes -----------------------------------------------------------------------------
    @staticmethod
    def _running(box: Sandbox) -> bool:
        """Whether `make run`'s sandbox answers on its port (an outage is refused: seeding would fail in it)."""
        try:
            answer = control(box, timeout=5.0)
        except SandboxControlError as exc:
            raise CommandError(f"{exc} Is another program using port {box.port}?") from exc
        if answer is None and running_pid(box) is not None:
            raise CommandError(
                f"The {box.label} is down (refusing connections): bring it back first with "
                f"`make sandbox-up NAME={box.name}`."
            )
        if answer is not None and answer.get("outage"):
            raise CommandError(
                f"The {box.label} at {box.url} is playing an outage ({answer['outage']}): bring it back first "
                f"with `make sandbox-up NAME={box.name}`."
            )
        return answer is not None

    def _sandboxes(
        self, shopify_box: Sandbox, odoo_box: Sandbox, shopify_state: Path, odoo_state: Path
    ) -> DemoSandboxes:
        """Both sandboxes on the ports the demo's connection names: the running ones, or started here on those
        ports (the Odoo connection's address is then the one checked, and stays right for `make run`)."""
        sandboxes = DemoSandboxes(shopify_box.url, odoo_box.url)
        try:
            if not self._running(odoo_box):
                server, _ = start_odoo(
                    state_path=odoo_state, port=odoo_box.port, version=settings.SANDBOX_ODOO_VERSION
                )
                sandboxes.started.append(server)
            if not self._running(shopify_box):
                shopify, _ = start_shopify(state_path=shopify_state, port=shopify_box.port)
                sandboxes.started.append(shopify)
        except OSError as exc:
            sandboxes.close()
            raise CommandError(
                f"Cannot start the sandboxes on ports {odoo_box.port} (Odoo) and {shopify_box.port} (Shopify): "
                f"{exc}. Another program holds one: stop it, or choose other ports with SANDBOX_ODOO_PORT and "
                "SANDBOX_SHOPIFY_PORT."
            ) from exc
        # Synco reaches the Shopify sandbox as it would reach Shopify (SHOPIFY_ADMIN_ORIGIN).
        settings.SHOPIFY_ADMIN_ORIGIN = sandboxes.shopify_url
        return sandboxes

    # -- the steps ---------------------------------------------------------------------------------
    def _prepare_odoo(self) -> None:
        connection = OdooConnection.objects.get(shop__domain=DEMO_DOMAIN)
        client = OdooClient(odoo_settings(connection))
        try:
            existing = {(float(tax.amount), tax.price_included) for tax in client.find_sale_taxes()}
            for name, amount, include in DEMO_TAXES:
                if (amount, include == "tax_included") not in existing:
                    # Through the client: it names the price-included flag as this Odoo version does.
                    client.create_sale_tax(Decimal(str(amount)), include == "tax_included", name=name)
        finally:
            client.close()

    def _import_catalogue(self, shop: Shop) -> None:
        """The merchant's first step: every Shopify product (templates with their variants) and customer (with
        their addresses) into Odoo through the full imports (Shopify's bulk operations), so that orders then find
        them. Run here, step by step as the worker would."""
        products = self._run_to_end(start_product_import(shop.pk).pk, run_product_import)
        customers = self._run_to_end(start_customer_import(shop).pk, run_customer_import)
        for run, what in ((products, "products"), (customers, "customers")):
            self.stdout.write(
                f"Imported {what} into Odoo: {run.status}, {run.done} of {run.total}; created {run.created}, "
                f"linked {run.linked}, failed {run.failed}{f' ({run.error})' if run.error else ''}."
            )

    @staticmethod
    def _run_to_end(run_id: int, step: Callable[[int], float | None]) -> CatalogueRun:
        deadline = time.monotonic() + 300
        while (wait := step(run_id)) is not None and time.monotonic() < deadline:
            time.sleep(min(wait, 0.5))
        return CatalogueRun.objects.get(pk=run_id)

    def _prepare_stock(self, shop: Shop, sandboxes: DemoSandboxes) -> None:
        """Stock sync on: Shopify's locations mapped to the Odoo warehouses (in order; the rest unsynced), the
        items matched, Odoo stocked like Shopify and every level pushed once (the first time), and Odoo's
        automation rules notifying the web server (SYNCO_PUBLIC_URL) of every stock change."""
        connection = OdooConnection.objects.get(shop=shop)
        odoo = OdooClient(odoo_settings(connection))
        try:
            shopify = shopify_client_for(shop)
            stock = stock_services.get_settings(shop)
            first = not stock.enabled
            locations = stock_services.refresh_locations(shop, shopify)
            if not any(location.is_mapped for location in locations):
                by_order = {loc.gid: n for n, loc in enumerate(inventory.fetch_locations(shopify))}
                ordered = sorted(
                    locations, key=lambda loc: by_order.get(loc.shopify_location_gid, len(by_order))
                )
                for location, warehouse in zip(ordered, odoo.warehouses(), strict=False):
                    stock_services.map_location(
                        shop, location, warehouse_id=warehouse.id, location_ids=[], odoo=odoo
                    )
            stock_services.refresh_links(shop, shopify=shopify, odoo=odoo)
            if first:
                self._stock_odoo_like_shopify(shop, odoo, shopify)
                StockSettings.objects.filter(pk=stock.pk).update(enabled=True)
                outcome = stock_services.push_products(
                    shop, None, trigger="initial", odoo=odoo, shopify=shopify
                )
                self.stdout.write(f"Stock sync on: {outcome.sent} Shopify levels set from Odoo.")
            url = stock_services.webhook_url(stock_services.get_settings(shop))
            rules = ensure_stock_notifications(odoo, url, install=True)
            self.stdout.write(
                f"Odoo notifies {url.split('?')[0]} of stock changes ({len(rules.rule_ids)} rules)."
            )
            # Validated deliveries of synced orders become Shopify fulfilments (Odoo ships, the default).
            deliveries = shipment_services.webhook_url(shop)
            ensure_delivery_notifications(odoo, deliveries, install=True)
            self.stdout.write(f"Odoo notifies {deliveries.split('?')[0]} of validated deliveries.")
        finally:
            odoo.close()

    def _check_connection(self, shop: Shop) -> None:
        """Test connection, as the merchant's button runs it, kept for Home's checklist."""
        connection = OdooConnection.objects.get(shop=shop)
        checks = check_connection(connection)
        connection.record_check(checks)
        failed = [check for check in checks if not check.ok]
        if failed:
            for check in failed:
                self.stderr.write(f"Odoo connection check failed: {check.name}: {check.detail}")
        else:
            self.stdout.write(f"Odoo connection checked: {len(checks)} checks passed (Test connection).")

    def _stock_odoo_like_shopify(self, shop: Shop, odoo: OdooClient, shopify: Any) -> None:
        """Demo data: each matched product gets, in its mapped warehouse, the quantity Shopify shows there (Odoo
        starts empty; without this the first push would set every Shopify level to 0)."""
        mapped = {m.shopify_location_gid: m for m in LocationMapping.objects.filter(shop=shop) if m.is_mapped}
        links = dict(
            InventoryLink.objects.filter(shop=shop, odoo_product_id__isnull=False).values_list(
                "inventory_item_gid", "odoo_product_id"
            )
        )
        for item in inventory.iter_inventory_items(shopify):
            product = links.get(item.gid)
            for location_gid, available in item.available.items():
                location = mapped.get(location_gid)
                if product is None or location is None or not available:
                    continue
                quant = odoo.call(
                    "stock.quant",
                    "create",
                    {
                        "product_id": product,
                        "location_id": int(location.odoo_location_ids[0]),
                        "inventory_quantity": available,
                    },
                    context={"inventory_mode": True},
                )
                odoo.call_allowing_none("stock.quant", "action_apply_inventory", [quant])

    def _import_orders(self, shop: Shop) -> None:
        refresh_shop_timezone(shop.pk)
        summary = import_orders(shop.pk)
        self.stdout.write(
            f"Seeded {DEMO_DOMAIN}: {summary.created} orders imported from the Shopify sandbox."
        )
