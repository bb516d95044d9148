"""Test connection runs in the web request: one at a time per shop, a few at a time overall, across processes.

Places are rows of OdooCheckSlot taken with a conditional UPDATE (atomic in SQLite and PostgreSQL alike), so
the limit holds for every gunicorn process and machine sharing the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from synco.models import OdooCheckSlot, Shop

ALREADY_RUNNING = "A Test connection is already running for this shop: wait for its result, then try again."
ALL_BUSY = "Synco is running many Test connections right now: try again in a few seconds."


class CheckSlotUnavailableError(Exception):
    """No place for this Test connection now; `message` says why (safe to show the merchant)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def claim_check_slot(shop: Shop, *, now: datetime, hold_seconds: float, capacity: int) -> int:
    """Take a free place for `shop` until `now + hold_seconds`; returns its number for release_check_slot."""
    numbers = range(1, max(capacity, 1) + 1)
    OdooCheckSlot.objects.bulk_create(
        [OdooCheckSlot(number=number) for number in numbers], ignore_conflicts=True
    )
    OdooCheckSlot.objects.filter(expires_at__lt=now).update(shop=None, expires_at=None)
    if OdooCheckSlot.objects.filter(shop=shop).exists():
        raise CheckSlotUnavailableError(ALREADY_RUNNING)
    until = now + timedelta(seconds=hold_seconds)
    for number in numbers:
        try:
            with transaction.atomic():
                taken = OdooCheckSlot.objects.filter(number=number, shop__isnull=True).update(
                    shop=shop, expires_at=until
                )
        except IntegrityError:
            # Another request of the same shop took a place between the check above and this UPDATE.
            raise CheckSlotUnavailableError(ALREADY_RUNNING) from None
        if taken:
            return number
    raise CheckSlotUnavailableError(ALL_BUSY)


def release_check_slot(shop: Shop, number: int) -> None:
    OdooCheckSlot.objects.filter(number=number, shop=shop).update(shop=None, expires_at=None)
