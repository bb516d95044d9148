"""A circuit breaker per Odoo connection: after repeated transient failures, stop calling Odoo for a while."""

from __future__ import annotations

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


def record_failure(shop_id: int, message: str) -> datetime | None:
    """Count a transient failure; open the circuit (for longer each time) once there are enough in a row."""
    OdooConnection.objects.filter(shop_id=shop_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_failure=message
    )
    failures = (
        OdooConnection.objects.filter(shop_id=shop_id).values_list("consecutive_failures", flat=True).first()
    )
    threshold = settings.SYNCO_CIRCUIT_FAILURES
    if not failures or failures < threshold:
        return None
    # 1x, 2x, 4x ... the base, capped at 15 minutes: an Odoo down for an hour is probed a handful of times.
    factor = 2 ** min(failures - threshold, 4)
    until = timezone.now() + timedelta(seconds=min(settings.SYNCO_CIRCUIT_OPEN_SECONDS * factor, 900))
    OdooConnection.objects.filter(shop_id=shop_id).update(circuit_open_until=until)
    return until


def record_success(shop_id: int) -> None:
    OdooConnection.objects.filter(shop_id=shop_id).exclude(
        consecutive_failures=0, circuit_open_until=None
    ).update(consecutive_failures=0, circuit_open_until=None, last_failure="")
