"""The stock endpoints: the drift report and its filters, repair, pushes, items, locations; shop-scoped."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from api.keys import create_key
from stock import services
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush, StockSettings
from stock.tasks import drift_report_task, push_all_task, refresh_links_task, repair_drift_task
from synco.gateways import odoo_client_for
from synco.models import Shop
from tests.api.conftest import client_with
from tests.stock.conftest import (  # noqa: F401 (fixtures)
    item_gid,
    main_location,
    odoo_product,
    set_odoo_quantity,
    shopify_available,
    stock_shop,
    warehouse_stock,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(drift_report_task, "delay", lambda *args: sent.append(("drift", args)))
    monkeypatch.setattr(repair_drift_task, "delay", lambda *args: sent.append(("repair", args)))
    monkeypatch.setattr(push_all_task, "delay", lambda *args: sent.append(("push_all", args)))
    monkeypatch.setattr(refresh_links_task, "delay", lambda *args: sent.append(("links", args)))
    return sent


def report_of(shop: Shop, status: str = DriftReport.Status.DONE) -> DriftReport:
    return DriftReport.objects.create(
        shop=shop, status=status, drifted=1, levels_checked=4, items_checked=2, message="1 of 4 differ."
    )


def drift_row(report: DriftReport, **values: Any) -> DriftRow:
    defaults: dict[str, Any] = {
        "inventory_item_gid": "gid://shopify/InventoryItem/1",
        "location_gid": "gid://shopify/Location/1",
        "sku": "SKU-1",
        "location_name": "Main warehouse",
        "odoo_product_id": 5,
        "shopify_available": 3,
        "odoo_figure": "20.5",
        "desired": 20,
        "difference": 17,
    }
    return DriftRow.objects.create(report=report, **{**defaults, **values})


def push(shop: Shop, outcome: str = StockPush.Outcome.SET, **values: Any) -> StockPush:
    return StockPush.objects.create(
        shop=shop,
        inventory_item_gid=values.pop("gid", "gid://shopify/InventoryItem/2"),
        location_gid="gid://shopify/Location/1",
        sku=values.pop("sku", "SKU-2"),
        location_name="Main warehouse",
        quantity=4,
        outcome=outcome,
        error=values.pop("error", ""),
        idempotency_key="k",
    )


def test_it_reports_the_stock_status(keyed, other_shop):
    # given
    settings = services.get_settings(keyed.shop)
    settings.enabled, settings.safety_buffer, settings.blocked_reason = True, 2, "No write_inventory scope."
    settings.save()
    report = report_of(keyed.shop)
    report_of(keyed.shop, DriftReport.Status.RUNNING)
    push(keyed.shop, StockPush.Outcome.FAILED, error="boom")
    push(other_shop.shop, StockPush.Outcome.FAILED)
    InventoryLink.objects.create(
        shop=keyed.shop, inventory_item_gid="gid://x/1", unmatched_reason="No product"
    )

    # when
    answer = keyed.read.get("/api/v1/stock/")

    # then
    assert answer.status_code == 200
    body = answer.json()
    assert body["enabled"] is True and body["safety_buffer"] == 2 and body["figure"] == "free"
    assert body["blocked_reason"] == "No write_inventory scope."
    assert body["latest_report"]["id"] == report.pk and body["latest_report"]["drifted"] == 1
    assert body["report_running"] is True
    assert (body["failures"], body["unmatched_items"], body["locations_mapped"]) == (1, 1, 0)


def test_the_drift_lists_the_latest_reports_rows_only_of_this_shop(keyed, other_shop):
    # given an older report, the latest one, a running one, and another shop's newer report
    older = drift_row(report_of(keyed.shop), sku="OLD")
    latest = report_of(keyed.shop)
    row = drift_row(latest, shopify_available=None)
    report_of(keyed.shop, DriftReport.Status.RUNNING)
    drift_row(report_of(other_shop.shop), sku="THEIRS")

    # when
    answer = keyed.read.get("/api/v1/stock/drift/")

    # then
    assert answer.status_code == 200
    assert answer.json()["results"] == [
        {
            "id": row.pk,
            "report": latest.pk,
            "inventory_item_gid": "gid://shopify/InventoryItem/1",
            "location_gid": "gid://shopify/Location/1",
            "sku": "SKU-1",
            "location_name": "Main warehouse",
            "odoo_product_id": 5,
            "shopify_available": None,
            "odoo_figure": "20.5000",
            "desired": 20,
            "pending": 0,
            "difference": 17,
            "repaired_at": None,
        }
    ]
    # an older report by its id
    rows = keyed.read.get(f"/api/v1/stock/drift/?report={older.report_id}").json()["results"]
    assert [r["sku"] for r in rows] == ["OLD"]


def test_the_drift_filters(keyed):
    report = report_of(keyed.shop)
    a = drift_row(report, sku="BLUE-S", location_gid="gid://shopify/Location/1")
    b = drift_row(report, sku="RED-S", location_gid="gid://shopify/Location/2", repaired_at=timezone.now())
    c = drift_row(report, sku="blue-m", location_gid="gid://shopify/Location/2")

    def ids(query: str) -> list[int]:
        answer = keyed.read.get(f"/api/v1/stock/drift/?{query}")
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert ids("q=blue") == [a.pk, c.pk]
    assert ids("location=gid://shopify/Location/2") == [b.pk, c.pk]
    assert ids("state=open") == [a.pk, c.pk]
    assert ids("state=repaired") == [b.pk]
    assert ids("state=open&location=gid://shopify/Location/2&q=BLUE") == [c.pk]


def test_bad_drift_filters_are_400_with_field_errors(keyed):
    answer = keyed.read.get("/api/v1/stock/drift/?state=broken&report=x")

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"state", "report"}


def test_another_shops_report_is_404(keyed, other_shop):
    theirs = report_of(other_shop.shop)
    drift_row(theirs)

    assert keyed.read.get(f"/api/v1/stock/drift/?report={theirs.pk}").status_code == 404
    assert keyed.read.get(f"/api/v1/stock/drift-reports/{theirs.pk}/").status_code == 404
    assert keyed.read.get("/api/v1/stock/drift-reports/").json()["results"] == []


def test_the_drift_pages_with_a_cursor_in_constant_queries(keyed, django_assert_max_num_queries):
    report = report_of(keyed.shop)
    DriftRow.objects.bulk_create(
        DriftRow(
            report=report,
            inventory_item_gid=f"gid://shopify/InventoryItem/{n}",
            location_gid="gid://shopify/Location/1",
            sku=f"SKU-{n}",
            odoo_product_id=n,
            odoo_figure=n,
            desired=n,
            difference=n,
        )
        for n in range(120)
    )
    seen: list[int] = []
    url: str | None = "/api/v1/stock/drift/?limit=50"
    while url:
        with django_assert_max_num_queries(6):
            body = keyed.read.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == 120 == len(set(seen))


def test_running_a_drift_report_is_queued(keyed, queued, django_capture_on_commit_callbacks):
    earlier = report_of(keyed.shop)

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post("/api/v1/stock/drift-reports/")

    assert answer.status_code == 202
    assert answer.json() == {
        "queued": True,
        "message": "The drift report is running.",
        "after_report": earlier.pk,
    }
    assert queued == [("drift", (keyed.shop.pk, "on demand"))]


def test_a_read_key_cannot_run_repair_or_push(keyed, queued, django_capture_on_commit_callbacks):
    row = drift_row(report_of(keyed.shop))
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            keyed.read.post("/api/v1/stock/drift-reports/"),
            keyed.read.post("/api/v1/stock/drift/repair/", {"rows": [row.pk]}, format="json"),
            keyed.read.post("/api/v1/stock/push-all/"),
            keyed.read.post("/api/v1/stock/items/match/"),
            keyed.read.post("/api/v1/stock/unblock/"),
        ]

    assert [a.status_code for a in answers] == [403] * 5
    assert answers[0].json()["error"]["code"] == "permission_denied"
    assert queued == []


def test_repair_queues_only_this_shops_unrepaired_rows(
    keyed, other_shop, queued, django_capture_on_commit_callbacks
):
    report = report_of(keyed.shop)
    mine = drift_row(report)
    done = drift_row(report, repaired_at=timezone.now())
    theirs = drift_row(report_of(other_shop.shop))

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post(
            "/api/v1/stock/drift/repair/", {"rows": [mine.pk, done.pk, theirs.pk]}, format="json"
        )

    assert answer.status_code == 202
    assert answer.json() == {"queued": True, "message": "Repairing 1 stock level.", "rows": [mine.pk]}
    assert queued == [("repair", (keyed.shop.pk, [mine.pk]))]


def test_repair_all_takes_the_latest_reports_open_rows(keyed, queued, django_capture_on_commit_callbacks):
    drift_row(report_of(keyed.shop), sku="OLD")
    latest = report_of(keyed.shop)
    first, second = drift_row(latest), drift_row(latest, sku="SKU-2")
    drift_row(latest, repaired_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post("/api/v1/stock/drift/repair/", {"all": True}, format="json")

    assert answer.status_code == 202
    assert queued == [("repair", (keyed.shop.pk, [first.pk, second.pk]))]


@pytest.mark.parametrize(
    "payload",
    [{}, {"rows": []}, {"rows": ["x"]}, {"rows": [1], "all": True}, {"rows": [999999]}],
)
def test_a_repair_with_nothing_to_repair_is_400(keyed, other_shop, queued, payload):
    answer = keyed.write.post("/api/v1/stock/drift/repair/", payload, format="json")

    assert answer.status_code == 400
    assert "rows" in answer.json()["error"]["fields"]
    assert queued == []


def test_push_all_match_and_unblock(keyed, queued, django_capture_on_commit_callbacks):
    settings = services.get_settings(keyed.shop)
    settings.blocked_reason = "Scope revoked"
    settings.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert keyed.write.post("/api/v1/stock/push-all/").status_code == 202
        assert keyed.write.post("/api/v1/stock/items/match/").status_code == 202
        assert keyed.write.post("/api/v1/stock/unblock/").status_code == 200

    assert queued == [("push_all", (keyed.shop.pk,)), ("links", (keyed.shop.pk,))]
    assert StockSettings.objects.get(shop=keyed.shop).blocked_reason == ""


def test_pushes_filter_by_outcome_and_stay_in_the_shop(keyed, other_shop):
    ok = push(keyed.shop)
    failed = push(keyed.shop, StockPush.Outcome.FAILED, error="Shopify said no", sku="RED")
    blocked = push(keyed.shop, StockPush.Outcome.BLOCKED)
    push(other_shop.shop, StockPush.Outcome.FAILED)

    def ids(query: str) -> list[int]:
        return [p["id"] for p in keyed.read.get(f"/api/v1/stock/pushes/?{query}").json()["results"]]

    assert ids("") == [blocked.pk, failed.pk, ok.pk]
    assert ids("outcome=failures") == [blocked.pk, failed.pk]
    assert ids("outcome=set") == [ok.pk]
    assert ids("outcome=failures&q=red") == [failed.pk]
    first = keyed.read.get("/api/v1/stock/pushes/?outcome=failed").json()["results"][0]
    assert first["error"] == "Shopify said no" and first["outcome"] == "failed"
    assert keyed.read.get("/api/v1/stock/pushes/?outcome=nope").status_code == 400


def test_items_list_unmatched_with_the_reason(keyed, other_shop):
    unmatched = InventoryLink.objects.create(
        shop=keyed.shop, inventory_item_gid="gid://x/1", sku="NOPE", unmatched_reason="No Odoo product"
    )
    matched = InventoryLink.objects.create(
        shop=keyed.shop, inventory_item_gid="gid://x/2", sku="YES", odoo_product_id=7
    )
    InventoryLink.objects.create(shop=other_shop.shop, inventory_item_gid="gid://x/1", sku="THEIRS")

    everything = keyed.read.get("/api/v1/stock/items/").json()["results"]
    assert [i["id"] for i in everything] == [unmatched.pk, matched.pk]
    missing = keyed.read.get("/api/v1/stock/items/?matched=false").json()["results"]
    assert missing == [
        {
            "id": unmatched.pk,
            "inventory_item_gid": "gid://x/1",
            "sku": "NOPE",
            "barcode": "",
            "title": "",
            "odoo_product_id": None,
            "unmatched_reason": "No Odoo product",
        }
    ]
    assert keyed.read.get("/api/v1/stock/items/?matched=maybe").status_code == 400


@pytest.fixture
def sandbox_keys(shop: Shop) -> tuple[Any, Any]:
    _, read = create_key(shop, "read", "read")
    _, write = create_key(shop, "write", "write")
    return client_with(read), client_with(write)


def test_a_location_is_mapped_through_the_pages_form(shop, odoo, sandbox_keys, other_shop):
    read, write = sandbox_keys
    mapping = LocationMapping.objects.create(
        shop=shop, shopify_location_gid="gid://shopify/Location/1", shopify_location_name="Main"
    )
    theirs = LocationMapping.objects.create(
        shop=other_shop.shop, shopify_location_gid="gid://shopify/Location/1"
    )
    warehouse = odoo_client_for(shop).warehouses()[0]

    # a read key cannot
    assert (
        read.put(
            f"/api/v1/stock/locations/{mapping.pk}/", {"warehouse": warehouse.id}, format="json"
        ).status_code
        == 403
    )
    # a warehouse Odoo does not have is the form's choice error
    refused = write.put(f"/api/v1/stock/locations/{mapping.pk}/", {"warehouse": 99999}, format="json")
    assert refused.status_code == 400 and "warehouse" in refused.json()["error"]["fields"]
    both = write.put(
        f"/api/v1/stock/locations/{mapping.pk}/",
        {"warehouse": warehouse.id, "locations": [warehouse.lot_stock_id]},
        format="json",
    )
    assert both.status_code == 400 and "non_field_errors" in both.json()["error"]["fields"]
    mapping.refresh_from_db()
    assert mapping.odoo_location_ids == []

    answer = write.put(f"/api/v1/stock/locations/{mapping.pk}/", {"warehouse": warehouse.id}, format="json")

    assert answer.status_code == 200
    mapping.refresh_from_db()
    assert mapping.odoo_warehouse_id == warehouse.id and mapping.odoo_location_ids == [warehouse.lot_stock_id]
    assert answer.json()["is_mapped"] is True and answer.json()["odoo_warehouse_id"] == warehouse.id
    assert write.put(f"/api/v1/stock/locations/{theirs.pk}/", {}, format="json").status_code == 404
    assert [m["id"] for m in read.get("/api/v1/stock/locations/").json()["results"]] == [mapping.pk]


def test_a_drift_found_and_repaired_through_the_api_puts_odoos_quantity_in_shopify(
    stock_shop,  # noqa: F811
    shopify,
    odoo,
    main_location,  # noqa: F811
    warehouse_stock,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given Odoo has 20 and someone set Shopify to 3 by hand; the queued tasks run their services
    monkeypatch.setattr(
        drift_report_task,
        "delay",
        lambda shop_id, trigger: services.run_drift_report(shop_id, trigger=trigger),
    )
    monkeypatch.setattr(repair_drift_task, "delay", lambda shop_id, rows: services.repair(shop_id, rows))
    _, key = create_key(stock_shop, "ops", "write")
    api = client_with(key)
    set_odoo_quantity(odoo, odoo_product(odoo), warehouse_stock, 20)
    services.push_all(stock_shop.pk)
    location = main_location.shopify_location_gid
    shopify.server.set_level(
        None, int(item_gid().rsplit("/", 1)[1]), int(location.rsplit("/", 1)[1]), 3, emit=False
    )

    # when a drift report runs
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/stock/drift-reports/").status_code == 202

    # then the drift shows the item
    rows = api.get(f"/api/v1/stock/drift/?location={location}").json()["results"]
    assert [(r["shopify_available"], r["desired"], r["difference"]) for r in rows] == [(3, 20, 17)]

    # when it is repaired
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post("/api/v1/stock/drift/repair/", {"rows": [rows[0]["id"]]}, format="json").status_code
            == 202
        )

    # then Shopify has Odoo's quantity and the row is repaired
    assert shopify_available(shopify, item_gid(), location) == 20
    assert api.get("/api/v1/stock/drift/?state=repaired").json()["results"][0]["id"] == rows[0]["id"]


def test_locations_are_read_from_shopify_and_the_preview_from_odoo(
    stock_shop,  # noqa: F811
    shopify,
    odoo,
    warehouse_stock,  # noqa: F811
):
    # given Odoo has 7 of an item in the mapped warehouse
    _, key = create_key(stock_shop, "ops", "write")
    api = client_with(key)
    set_odoo_quantity(odoo, odoo_product(odoo), warehouse_stock, 7)

    # when
    refreshed = api.post("/api/v1/stock/locations/refresh/")
    preview = api.get("/api/v1/stock/preview/")

    # then Shopify's locations are listed with their mapping, and the preview is what a push would set
    assert refreshed.status_code == 200
    names = {row["shopify_location_name"]: row for row in refreshed.json()}
    assert names["Main warehouse"]["is_mapped"] is True
    assert set(names) == set(
        LocationMapping.objects.filter(shop=stock_shop).values_list("shopify_location_name", flat=True)
    )
    assert preview.status_code == 200
    expected = services.preview(stock_shop)
    assert expected
    assert [
        (level["inventory_item_gid"], level["location_gid"], level["quantity"]) for level in preview.json()
    ] == [(level.inventory_item_gid, level.location_gid, level.quantity) for level in expected]
    mine = [level for level in preview.json() if level["inventory_item_gid"] == item_gid()]
    assert all(level["quantity"] == 7 and level["odoo_figure"] == "7.0000" for level in mine)
