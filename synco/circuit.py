"""A circuit breaker per Odoo connection: after repeated transient failures, stop calling Odoo for a while.

Closed: every order goes through. Open (`circuit_open_until` in the future): nobody calls Odoo. Half-open (the
open period is over): exactly one caller wins a conditional UPDATE and goes through as the probe, holding the
circuit open for the others while it runs; its success closes the circuit (the caller then releases the
waiting backlog), its failure opens it again for a little longer (capped, so Odoo's return is noticed soon).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from synco.models import OdooConnection


def open_until(shop_id: int) -> datetime | None:
    """When the circuit closes again, if it is open now."""
    until = (
        OdooConnection.objects.filter(shop_id=shop_id).values_list("circuit_open_until", flat=True).first()
    )
    return until if until and until > timezone.now() else None


def admit(shop_id: int) -> datetime | None:
    """None if the caller may call Odoo (closed, or it won the half-open probe); else until when it is open."""
    until = (
        OdooConnection.objects.filter(shop_id=shop_id).values_list("circuit_open_until", flat=True).first()
    )
    if until is None:
        return None
    now = timezone.now()
    if until > now:
        return until
    # Half-open: the probe keeps the circuit open for the others while it runs (for a lease: should it die,
    # the next caller after that probes instead).
    probe_ends = now + timedelta(seconds=settings.SYNCO_LEASE_SECONDS)
    if OdooConnection.objects.filter(shop_id=shop_id, circuit_open_until=until).update(
        circuit_open_until=probe_ends
    ):
        return None
    return open_until(shop_id) or now


def record_failure(shop_id: int, message: str) -> datetime | None:
    """Count a transient failure; once there are enough in a row, (re)open the circuit and say until when."""
    OdooConnection.objects.filter(shop_id=shop_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure=message
    )
    failures = (
        OdooConnection.objects.filter(shop_id=shop_id).values_list("consecutive_failures", flat=True).first()
    )
    threshold = settings.SYNCO_CIRCUIT_FAILURES
    if not failures or failures < threshold:
        return None
    # Base, 2x, 4x ... capped low: an Odoo that is back is noticed within the cap, and a probe costs one order.
    seconds = min(
        settings.SYNCO_CIRCUIT_OPEN_SECONDS * 2 ** min(failures - threshold, 10),
        settings.SYNCO_CIRCUIT_MAX_OPEN_SECONDS,
    )
    until = timezone.now() + timedelta(seconds=seconds)
    OdooConnection.objects.filter(shop_id=shop_id).update(circuit_open_until=until)
    return until


def record_success(shop_id: int) -> bool:
    """Close the circuit; True if it was open (the orders it held are then to be released)."""
    closed = OdooConnection.objects.filter(shop_id=shop_id, circuit_open_until__isnull=False).update(
        consecutive_failures=0, circuit_open_until=None, last_failure=""
    )
    if not closed:
        OdooConnection.objects.filter(shop_id=shop_id).exclude(consecutive_failures=0).update(
            consecutive_failures=0, last_failure=""
        )
    return bool(closed)


def probe_delay(until: datetime) -> float:
    """Seconds until the order that (re)opened the circuit probes it: right when the open period ends."""
    return max((until - timezone.now()).total_seconds(), 0.0) + random.uniform(0.05, 0.5)


def waiting_delay(until: datetime) -> float:
    """Seconds until an order held by the open circuit looks again, should no probe release it first.

    Spread out and well after the probe, so the waiting orders never all wake at the same instant.
    """
    recheck = settings.SYNCO_CIRCUIT_RECHECK_SECONDS
    return max((until - timezone.now()).total_seconds(), 0.0) + random.uniform(recheck / 2, recheck * 1.5)
