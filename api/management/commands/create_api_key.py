"""Create an API key for a shop from the command line (scripts, support, the README's examples).

The key alone goes to stdout, so `KEY=$(manage.py create_api_key ...)` works; what was made goes to stderr.
The name and scope are validated by the Settings → API keys page's own form.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.keys import create_key
from api.models import ApiKey
from api.pages import ApiKeyForm
from synco.models import Shop

SCOPES = ", ".join(f"{value} ({label.lower()})" for value, label in ApiKey.Scope.choices)


def _plain(message: str) -> str:
    return message


class Command(BaseCommand):
    help = (
        "Create an API key for a shop and print it once: only its hash is stored, it cannot be shown again. "
        "It is listed, with its last use, on Settings → API keys, where it is revoked."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shop", required=True, help="The shop's myshopify domain")
        parser.add_argument("--name", required=True, help="What uses the key, e.g. n8n or monitoring")
        parser.add_argument("--scope", required=True, help=f"One of: {SCOPES}")
        parser.add_argument(
            "--created-by",
            default="manage.py create_api_key",
            help="Who made the key, as listed on Settings → API keys",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        domain = options["shop"].strip().lower()
        form = ApiKeyForm(data={"name": options["name"], "scope": options["scope"].strip().lower()})
        if not form.is_valid():
            if "scope" in form.errors:
                raise CommandError(f"Unknown scope {options['scope']!r}: use one of {SCOPES}.")
            raise CommandError(" ".join(str(error) for error in form.errors["name"]))
        shop = Shop.objects.filter(domain=domain).first()
        if shop is None:
            installed = list(
                Shop.objects.filter(uninstalled_at__isnull=True).values_list("domain", flat=True)[:10]
            )
            hint = f" Installed: {', '.join(installed)}." if installed else " No shop has installed Synco."
            raise CommandError(f"No shop {domain!r}: it has to install Synco first.{hint}")
        if shop.uninstalled_at is not None:
            raise CommandError(f"The shop {domain} has uninstalled Synco: a key for it would be refused.")
        key, plain = create_key(
            shop, form.cleaned_data["name"], form.cleaned_data["scope"], created_by=options["created_by"]
        )
        self.stderr.write(
            f"Created the key {key.name!r} ({key.prefix}…, {key.get_scope_display().lower()}) for {shop.domain}."
            " It is shown once, below: keep it now. Revoke it on Settings → API keys.",
            style_func=_plain,
        )
        self.stdout.write(plain)
