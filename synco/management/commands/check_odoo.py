"""Run Test connection for a shop from the command line; the result is kept like the Settings button's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synco.gateways import check_connection
from synco.models import OdooConnection


class Command(BaseCommand):
    help = "Check a shop's Odoo connection: server, version, database and login, apps, rights."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("shop", help="The shop's myshopify domain")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = OdooConnection.objects.filter(shop__domain=options["shop"]).first()
        if connection is None:
            raise CommandError(
                f"No Odoo connection for the shop {options['shop']}: save one in Settings first."
            )
        checks = check_connection(connection)
        connection.record_check(checks)
        for check in checks:
            mark = "FIX" if not check.ok else "advice" if check.advice else "ok"
            self.stdout.write(f"[{mark}] {check.name}: {check.detail}")
        if not all(check.ok for check in checks):
            raise CommandError("The Odoo connection needs attention.")
