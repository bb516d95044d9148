"""Login throttling: too many failed logins for one username, or from one address, within a window.

The failures are rows (`LoginFailure`), so every gunicorn process and machine sees the same counts. A refused
attempt is not checked (a right password is refused too while throttled) and not counted, so a throttle always
ends one window after the failures that caused it; a successful login clears its username's failures.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from synco.models import LoginFailure

logger = logging.getLogger(__name__)
THROTTLED = "throttled"


def client_address(request: HttpRequest | None) -> str:
    """The client's IP: REMOTE_ADDR, or the last entry of SYNCO_CLIENT_IP_HEADER (added by our own proxy)."""
    if request is None:
        return ""
    if settings.SYNCO_CLIENT_IP_HEADER:
        forwarded = str(request.headers.get(settings.SYNCO_CLIENT_IP_HEADER, ""))
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    keys = [(_key("username", username.strip().casefold()), settings.SYNCO_LOGIN_FAILURES_PER_USER)]
    if address:
        keys.append((_key("address", address), settings.SYNCO_LOGIN_FAILURES_PER_IP))
    return keys


def retry_after(username: str, address: str) -> int:
    """Seconds before this username may try again from this address; 0: it may try now."""
    now = timezone.now()
    window = timedelta(seconds=settings.SYNCO_LOGIN_WINDOW_SECONDS)
    wait = 0.0
    for key, limit in _keys(username, address):
        recent = list(
            LoginFailure.objects.filter(key=key, failed_at__gt=now - window)
            .order_by("-failed_at")
            .values_list("failed_at", flat=True)[:limit]
        )
        if limit > 0 and len(recent) >= limit:
            # Free again once the oldest of the last `limit` failures leaves the window.
            wait = max(wait, (recent[-1] + window - now).total_seconds())
    return math.ceil(wait)


def record_failure(username: str, address: str) -> None:
    now = timezone.now()
    LoginFailure.objects.filter(
        failed_at__lte=now - timedelta(seconds=settings.SYNCO_LOGIN_WINDOW_SECONDS)
    ).delete()
    LoginFailure.objects.bulk_create(
        [LoginFailure(key=key, failed_at=now) for key, _ in _keys(username, address)]
    )


def reset(username: str) -> None:
    """A successful login: its username starts afresh (the address keeps its count)."""
    key, _ = _keys(username, "")[0]
    LoginFailure.objects.filter(key=key).delete()


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refused for a while after too many failures (per username and per address)."""

    retry_after_seconds = 0

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        address = client_address(self.request)
        self.retry_after_seconds = retry_after(username, address)
        if self.retry_after_seconds:
            logger.warning("login throttled", extra={"retry_after": self.retry_after_seconds})
            minutes = math.ceil(self.retry_after_seconds / 60)
            raise ValidationError(
                "Too many failed logins for this account or from this address: try again in "
                f"{minutes} minute{'s' if minutes != 1 else ''}.",
                code=THROTTLED,
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            record_failure(username, address)
            raise
        if self.user_cache is not None:
            reset(username)
        return cleaned

    @property
    def throttled(self) -> bool:
        return any(error.code == THROTTLED for error in self.errors.as_data().get("__all__", []))


class ThrottledAdminLoginForm(ThrottledLoginForm, AdminAuthenticationForm):
    """The Django admin's login form (staff only), throttled like the site's."""
