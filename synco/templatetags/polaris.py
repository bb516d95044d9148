"""Template helpers for Polaris web components: the s-badge tone for Synco's own status styles."""

from __future__ import annotations

from django import template

register = template.Library()

# A status style (SyncState.badge, a log attempt's status, a mapping state) -> Polaris badge tone.
TONES = {
    "synced": "success",
    "success": "success",
    "linked": "success",
    "failed": "critical",
    "error": "critical",
    "risk": "warning",
    "waiting": "warning",
    "needs_review": "warning",
    "warning": "warning",
    "queued": "info",
    "in_progress": "info",
    "running": "info",
    "info": "info",
}


@register.filter
def badge_tone(style: object) -> str:
    """The s-badge tone for a status style; "neutral" for any style without a colour of its own."""
    return TONES.get(str(style), "neutral")
