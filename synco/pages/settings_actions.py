"""What the Settings pages' buttons do (Save, Test connection), shared by the pages and the REST API."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.services import describe_partner
from synco.gateways import check_connection, odoo_client_for
from synco.models import OdooConnection, OrderRules, Shop
from synco.odoo.checks import Check
from synco.odoo_check_slots import CheckSlotUnavailableError, claim_check_slot, release_check_slot
from synco.pages.forms import OdooConnectionForm, OrderRulesForm, PartnerLookup

# What Test connection compares to tell "the saved settings" from "what is typed in the form".
CONNECTION_FIELDS = ("url", "database", "login", "secret", "protocol")
# A Test connection's place is held a little past its deadline (closing, recording), then freed anyway.
CHECK_SLOT_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class ConnectionTest:
    """The result of a Test connection: every check, and whether it was about the saved settings."""

    checks: list[Check]
    # The settings tested are exactly the saved ones: the result was kept (the home page's checklist reads it).
    is_saved: bool
    has_saved: bool

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> Check | None:
        return next((check for check in self.checks if not check.ok), None)


def run_connection_test(shop: Shop, form: OdooConnectionForm | None) -> ConnectionTest:
    """Test `form`'s settings (a blank secret is the stored one), or the saved ones if there is no form.

    Nothing is saved; only a test of exactly the saved settings is recorded on the connection.
    """
    stored = OdooConnection.objects.filter(shop=shop).first()
    tested: OdooConnection | None = stored
    checks: list[Check] = []
    if form is not None:
        if form.is_valid():
            tested = form.save(commit=False)
        else:
            # What is typed cannot even be tried: it is not the saved connection, whose last check stays.
            tested = None
            problems = [
                f"{form.fields[name].label if name in form.fields else 'Settings'}: "
                + " ".join(str(error) for error in errors)
                for name, errors in form.errors.items()
            ]
            checks = [Check("Settings complete", False, " ".join(problems))]
    if tested is None and not checks:
        checks = [
            Check("Settings saved", False, "Enter the Odoo URL, database, login and password, then save.")
        ]
    if not checks and tested is not None:
        checks = _check_in_a_slot(shop, tested)
    is_saved = (
        stored is not None
        and tested is not None
        and all(getattr(tested, name) == getattr(stored, name) for name in CONNECTION_FIELDS)
    )
    if is_saved and stored is not None:
        stored.record_check(checks)
    return ConnectionTest(checks=checks, is_saved=is_saved, has_saved=stored is not None and bool(stored.url))


def _check_in_a_slot(shop: Shop, tested: OdooConnection) -> list[Check]:
    """Run the checks (a short total deadline) in one of the few places web threads may spend on them."""
    deadline = settings.SYNCO_ODOO_CHECK_DEADLINE
    try:
        number = claim_check_slot(
            shop,
            now=timezone.now(),
            hold_seconds=deadline + CHECK_SLOT_MARGIN_SECONDS,
            capacity=settings.SYNCO_ODOO_CHECK_CONCURRENCY,
        )
    except CheckSlotUnavailableError as exc:
        return [Check("Test connection", False, exc.message)]
    try:
        return check_connection(tested)
    finally:
        release_check_slot(shop, number)


def save_order_rules(shop: Shop, form: OrderRulesForm) -> OrderRules:
    """Save valid rules; eligibility is re-applied to the stored orders in the background once committed."""
    from orders.tasks import refresh_eligibility_task

    with transaction.atomic():
        rules: OrderRules = form.save(commit=False)
        rules.saved_at = timezone.now()
        rules.save()
        transaction.on_commit(lambda: refresh_eligibility_task.delay(shop.pk))
    return rules


def partner_lookup_for(shop: Shop) -> PartnerLookup:
    """How the matching form checks a chosen single contact in the shop's Odoo (its name, or None)."""

    def lookup(partner_id: int) -> str | None:
        client = odoo_client_for(shop)
        try:
            return describe_partner(client, partner_id)
        finally:
            client.close()

    return lookup


def pause_message(changed: bool) -> str:
    """What pausing did, in the danger zone's words."""
    return "Syncing is paused: nothing is sent to Odoo." if changed else "Syncing was already paused."


def resume_message(changed: bool) -> str:
    """What resuming did, in the danger zone's words."""
    return (
        "Syncing resumed: orders held while paused are queued again." if changed else "Syncing is not paused."
    )
