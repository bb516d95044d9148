"""A stored webhook is handled once: a second task finds it claimed; a claim whose worker died is taken again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from synclogs.models import WebhookReceipt
from synco.models import Shop
from synco.shopify_app.webhook_handlers import CLAIM_TIMEOUT, process_webhook, requeue_receipts

pytestmark = pytest.mark.django_db
DOMAIN = "synco-demo.myshopify.com"


def _receipt(**values):
    receipt = WebhookReceipt.objects.create(
        shop_domain=DOMAIN,
        topic="app/uninstalled",
        event_id=str(values.pop("event", "e1")),
        payload={"id": 954889, "myshopify_domain": DOMAIN},
    )
    WebhookReceipt.objects.filter(pk=receipt.pk).update(**values)
    return receipt


def test_a_receipt_another_task_is_handling_is_left_to_it():
    Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    receipt = _receipt(processed_at=timezone.now())  # claimed by a task that is still running

    process_webhook(receipt.pk)

    assert Shop.objects.get().access_token == "shpat_live"
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.RECEIVED


def test_a_claim_whose_worker_died_is_taken_again_and_handled_once():
    Shop.objects.create(domain=DOMAIN, access_token="shpat_live")
    receipt = _receipt(processed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1))

    process_webhook(receipt.pk)
    process_webhook(receipt.pk)

    assert Shop.objects.get().access_token == ""
    assert WebhookReceipt.objects.get().status == WebhookReceipt.Status.PROCESSED


def test_the_sweep_requeues_lost_and_abandoned_receipts_but_not_ones_being_handled(monkeypatch):
    queued = []
    monkeypatch.setattr("synco.shopify_app.tasks.process_webhook_task.delay", queued.append)
    old = timezone.now() - timedelta(minutes=5)
    lost = _receipt(event="lost", received_at=old)
    abandoned = _receipt(event="abandoned", received_at=old, processed_at=timezone.now() - CLAIM_TIMEOUT * 2)
    _receipt(event="running", received_at=old, processed_at=timezone.now())
    _receipt(event="fresh")

    assert requeue_receipts() == 2
    assert sorted(queued) == sorted([lost.pk, abandoned.pk])


def test_a_bug_in_a_handler_fails_the_receipt_visibly_instead_of_retrying_forever(monkeypatch):
    receipt = _receipt()

    def broken(receipt):
        raise KeyError("id")

    monkeypatch.setattr("synco.shopify_app.webhook_handlers._handle", broken)
    process_webhook(receipt.pk)

    stored = WebhookReceipt.objects.get()
    assert stored.status == WebhookReceipt.Status.FAILED
    assert stored.message == f"Unexpected error in Synco (receipt #{receipt.pk}); it has been logged."
    assert requeue_receipts(older_than_seconds=0) == 0
