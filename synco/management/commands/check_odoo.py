"""Run Test connection for a shop from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synco.gateways import odoo_client_for
from synco.models import Shop
from synco.odoo.checks import run_connection_checks


class Command(BaseCommand):
    help = "Check a shop's Odoo connection: server, version, database and login, apps, rights."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("shop", help="The shop's myshopify domain")

    def handle(self, *args: Any, **options: Any) -> None:
        shop = Shop.objects.filter(domain=options["shop"]).first()
        if shop is None:
            raise CommandError(f"No shop {options['shop']}")
        client = odoo_client_for(shop)
        try:
            checks = run_connection_checks(client)
        finally:
            client.close()
        for check in checks:
            self.stdout.write(f"[{'ok' if check.ok else 'FIX'}] {check.name}: {check.detail}")
        if not all(check.ok for check in checks):
            raise CommandError("The Odoo connection needs attention.")
