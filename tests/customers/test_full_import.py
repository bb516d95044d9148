"""The full customer import through Shopify's bulk operation, into the Odoo sandbox: progress, stop, resume."""

from __future__ import annotations

import time

import pytest

from customers.imports import request_stop, resume, run_customer_import, start_customer_import
from customers.models import CustomerLink
from products.models import CatalogueRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_with_shopify(shop, shopify):
    shop.access_token = shopify.token
    shop.save(update_fields=["access_token"])
    return shop


def _run_to_end(run: CatalogueRun) -> CatalogueRun:
    for _ in range(200):
        if run_customer_import(run.pk) is None:
            break
        time.sleep(0.05)
    run.refresh_from_db()
    return run


def _shopify_customers(shopify) -> list[dict]:
    from sandboxes.shopify.customers import customers_of

    return shopify.server.store.transact(
        lambda state: [dict(c) for c in customers_of(state, "synco-demo.myshopify.com")], write=False
    )


def test_the_full_import_brings_every_customer_with_addresses_and_companies(shop_with_shopify, shopify, odoo):
    shop = shop_with_shopify
    expected = _shopify_customers(shopify)
    run = start_customer_import(shop)

    run = _run_to_end(run)

    assert run.status == CatalogueRun.Status.DONE, run.error
    assert run.bulk_operation_id.startswith("gid://shopify/BulkOperation/")
    assert run.total == run.done == len(expected) > 0
    assert run.created + run.linked == len(expected) and run.failed == 0
    assert CustomerLink.objects.filter(shop=shop).count() == len(expected)
    # every address of every customer is in Odoo: the default one on the partner, the others as children
    for raw in expected:
        link = CustomerLink.objects.get(shop=shop, shopify_customer_id=raw["id"])
        partner = odoo.execute("res.partner", "read", [link.odoo_partner_id], fields=["street", "child_ids"])[
            0
        ]
        streets = {partner["street"]} | {
            child["street"]
            for child in odoo.execute("res.partner", "read", partner["child_ids"], fields=["street"])
        }
        assert {a["address1"] for a in raw.get("addresses") or []} <= streets, raw["id"]
    # the B2B buyer is a contact of its company partner
    companies = odoo.execute(
        "res.partner",
        "search_read",
        [["is_company", "=", True], ["name", "=", "Acme Corp"]],
        fields=["child_ids"],
    )
    assert len(companies) == 1 and companies[0]["child_ids"]

    # a second full import changes nothing and makes no twins
    count = odoo.execute("res.partner", "search_count", [])
    again = _run_to_end(start_customer_import(shop))
    assert again.status == CatalogueRun.Status.DONE, again.error
    assert (again.created, again.unchanged) == (0, len(expected))
    assert odoo.execute("res.partner", "search_count", []) == count


def test_a_stopped_import_resumes_from_its_checkpoint(shop_with_shopify, shopify, odoo, monkeypatch):
    import customers.imports as imports

    shop = shop_with_shopify
    monkeypatch.setattr(imports, "BATCH", 2)
    run = start_customer_import(shop)
    for _ in range(200):  # up to the file being ready
        run_customer_import(run.pk)
        run.refresh_from_db()
        if run.status == CatalogueRun.Status.RUNNING:
            break
        time.sleep(0.05)
    assert run.status == CatalogueRun.Status.RUNNING, run.error
    monkeypatch.setattr(imports, "STEP_SECONDS", -1.0)  # one batch per step

    run_customer_import(run.pk)
    assert request_stop(shop, run.pk)
    run_customer_import(run.pk)
    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.STOPPED and run.done == 2
    assert CustomerLink.objects.filter(shop=shop).count() == 2

    assert resume(shop, run.pk)
    monkeypatch.setattr(imports, "STEP_SECONDS", 60.0)
    run = _run_to_end(run)
    assert run.status == CatalogueRun.Status.DONE, run.error
    assert run.done == run.total == CustomerLink.objects.filter(shop=shop).count()
    assert run.created + run.linked == run.total  # the first two were not written twice


def test_only_one_import_at_a_time(shop_with_shopify):
    from customers.imports import ImportAlreadyRunning

    start_customer_import(shop_with_shopify)
    with pytest.raises(ImportAlreadyRunning):
        start_customer_import(shop_with_shopify)


def test_the_task_queues_its_next_step_until_the_run_ends(shop_with_shopify, monkeypatch):
    from customers.tasks import customer_import_task

    queued: list[tuple[tuple[int], float]] = []
    monkeypatch.setattr(
        customer_import_task, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    run = start_customer_import(shop_with_shopify)

    customer_import_task(run.pk)  # starts Shopify's bulk operation, then polls it in 3 s
    assert queued == [((run.pk,), 3.0)]
    for _ in range(200):
        queued.clear()
        customer_import_task(run.pk)
        if not queued:
            break
        time.sleep(0.05)

    run.refresh_from_db()
    assert run.status == CatalogueRun.Status.DONE, run.error
    assert run.done == run.total == CustomerLink.objects.filter(shop=shop_with_shopify).count() > 0
