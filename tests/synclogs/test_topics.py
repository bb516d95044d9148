"""The webhook log's topic filter offers every topic the app subscribes to (shopify.app.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from synclogs.forms import WEBHOOK_TOPICS

ROOT = Path(__file__).resolve().parents[2]


def test_every_subscribed_topic_can_be_filtered_on() -> None:
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    subscribed = set()
    for subscription in config["webhooks"]["subscriptions"]:
        subscribed.update(subscription.get("topics", []))
        subscribed.update(subscription.get("compliance_topics", []))

    assert subscribed - set(WEBHOOK_TOPICS) == set()
    assert "products/delete" in subscribed and "customers/update" in subscribed
