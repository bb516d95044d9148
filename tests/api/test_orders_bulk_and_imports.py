"""POST /api/v1/orders/bulk-sync/ and its batch; /api/v1/orders/imports/ (past orders from Shopify)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from orders import tasks
from orders.imports import run_backfill
from orders.models import ImportRun, Order, SyncBatch, SyncStatus
from synclogs.models import SyncAttempt
from synco.models import OdooConnection, Shop
from tests.factories import order_node
from tests.orders.helpers import stored_order

pytestmark = pytest.mark.django_db

BULK = "/api/v1/orders/bulk-sync/"
IMPORTS = "/api/v1/orders/imports/"


@pytest.fixture
def leads(monkeypatch) -> list[tuple[int, dict[str, Any]]]:
    """The shop leads sent to the broker (bulk work goes out as a few leads per shop, not a task per order)."""
    calls: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        tasks.sync_shop_task, "apply_async", lambda args, **options: calls.append((args[0], options))
    )
    return calls


def _order(shop: Shop, number: int, status: str = SyncStatus.NOT_SYNCED, *, eligible: bool = True) -> Order:
    """A distinct order: its own id, name and line ids (Odoo is given each line once)."""
    node = order_node(id=f"gid://shopify/Order/{555000 + number}", name=f"#{number}")
    for line in node["lineItems"]["nodes"]:
        line["id"] = f"{line['id']}{number:04d}"
    return stored_order(shop, node, status, eligible=eligible)


# -- bulk sync ---------------------------------------------------------------------------------


def test_bulk_sync_queues_the_chosen_orders_as_a_batch_and_reports_the_ineligible(
    keyed, leads, django_capture_on_commit_callbacks
):
    first, second, refused, untouched = (
        _order(keyed.shop, 1),
        _order(keyed.shop, 2),
        _order(keyed.shop, 3, eligible=False),
        _order(keyed.shop, 4),
    )
    Order.objects.filter(pk=refused.pk).update(ineligible_reason="it is a test order")

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post(BULK, {"order_ids": [first.pk, second.pk, refused.pk]}, format="json")

    assert answer.status_code == 202
    body = answer.json()
    batch = SyncBatch.objects.get(shop=keyed.shop)
    assert body == {
        "id": batch.pk,
        "created_at": body["created_at"],
        "total": 2,
        "done": 0,
        "synced": 0,
        "failed": 0,
        "needs_review": 0,
        "queued": 2,
        "in_progress": 0,
        "running": True,
        "refused": [{"order_id": refused.pk, "reason": "#3 is not eligible: it is a test order."}],
        "queued_for_later": False,
    }
    statuses = dict(Order.objects.values_list("pk", "sync_status"))
    assert statuses == {
        first.pk: SyncStatus.QUEUED,
        second.pk: SyncStatus.QUEUED,
        refused.pk: SyncStatus.NOT_SYNCED,
        untouched.pk: SyncStatus.NOT_SYNCED,
    }
    assert leads == [(keyed.shop.pk, {"queue": "bulk"})]
    # the refusal is in the sync log, as the page's bulk sync records it
    assert SyncAttempt.objects.get(order=refused).operation == "sync_refused"

    # the batch's progress as the orders finish
    Order.objects.filter(pk=first.pk).update(sync_status=SyncStatus.SYNCED)
    Order.objects.filter(pk=second.pk).update(sync_status=SyncStatus.FAILED)
    progress = keyed.read.get(f"/api/v1/orders/batches/{batch.pk}/").json()
    assert (progress["done"], progress["synced"], progress["failed"], progress["running"]) == (2, 1, 1, False)


def test_bulk_sync_of_every_eligible_order(keyed, leads, django_capture_on_commit_callbacks):
    eligible = [_order(keyed.shop, n) for n in range(1, 4)]
    _order(keyed.shop, 4, eligible=False)
    _order(keyed.shop, 5, SyncStatus.SYNCED)

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post(BULK, {"all_eligible": True}, format="json")

    assert answer.status_code == 202
    assert answer.json()["total"] == 3 and answer.json()["refused"] == []
    assert set(Order.objects.filter(sync_status=SyncStatus.QUEUED).values_list("pk", flat=True)) == {
        order.pk for order in eligible
    }


def test_bulk_sync_again_queues_nothing_twice(keyed, leads, django_capture_on_commit_callbacks):
    order = _order(keyed.shop, 1)
    with django_capture_on_commit_callbacks(execute=True):
        keyed.write.post(BULK, {"order_ids": [order.pk]}, format="json")
        again = keyed.write.post(BULK, {"order_ids": [order.pk]}, format="json")

    assert again.status_code == 202 and again.json()["total"] == 0
    assert len(leads) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"order_ids": []},
        {"order_ids": [1], "all_eligible": True},
        {"order_ids": ["x"]},
        {"all_eligible": False},
    ],
)
def test_bulk_sync_refuses_a_request_without_exactly_one_choice(keyed, leads, payload):
    answer = keyed.write.post(BULK, payload, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid" and answer.json()["error"]["fields"]
    assert not SyncBatch.objects.exists() and leads == []


def test_bulk_sync_is_a_503_while_paused_or_while_odoo_is_down(keyed, leads):
    order = _order(keyed.shop, 1)
    Shop.objects.filter(pk=keyed.shop.pk).update(sync_paused=True)

    paused = keyed.write.post(BULK, {"order_ids": [order.pk]}, format="json")

    assert paused.status_code == 503 and paused["Retry-After"] == "300"
    assert paused.json()["error"]["code"] == "sync_paused"
    Shop.objects.filter(pk=keyed.shop.pk).update(sync_paused=False)
    OdooConnection.objects.create(
        shop=keyed.shop,
        url="http://127.0.0.1:9",
        database="db",
        login="admin",
        secret="x",
        circuit_open_until=timezone.now() + timedelta(minutes=2),
    )
    down = keyed.write.post(BULK, {"all_eligible": True}, format="json")
    assert down.status_code == 503 and down.json()["error"]["code"] == "odoo_unavailable"
    assert not SyncBatch.objects.exists() and leads == []
    order.refresh_from_db()
    assert order.sync_status == SyncStatus.NOT_SYNCED


def test_bulk_sync_leaves_another_shops_orders_alone_and_their_batches_are_404(keyed, other_shop, leads):
    theirs = _order(other_shop.shop, 1)
    their_batch = SyncBatch.objects.create(shop=other_shop.shop, total=1)

    answer = keyed.write.post(BULK, {"order_ids": [theirs.pk]}, format="json")

    assert answer.status_code == 202 and answer.json()["total"] == 0 and answer.json()["refused"] == []
    theirs.refresh_from_db()
    assert theirs.sync_status == SyncStatus.NOT_SYNCED
    assert keyed.read.get(f"/api/v1/orders/batches/{their_batch.pk}/").status_code == 404


def test_a_read_key_may_not_bulk_sync(keyed, leads):
    _order(keyed.shop, 1)

    assert keyed.read.post(BULK, {"all_eligible": True}, format="json").status_code == 403
    assert not SyncBatch.objects.exists()


# -- imports of past orders --------------------------------------------------------------------


def test_an_import_is_started_in_the_shops_days_and_runs_to_the_end(
    keyed, shopify, django_capture_on_commit_callbacks
):
    Shop.objects.filter(pk=keyed.shop.pk).update(
        domain="synco-demo.myshopify.com", access_token=shopify.token
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = keyed.write.post(
            IMPORTS, {"created_from": "2000-01-01", "created_to": "2099-12-31"}, format="json"
        )

    assert answer.status_code == 202
    body = answer.json()
    run = ImportRun.objects.get(shop=keyed.shop)
    assert body["id"] == run.pk and body["kind"] == "backfill" and body["status"] == "queued"
    # the shop's days (Europe/Paris): from its first midnight to the last day's end
    assert body["created_from"] == "2000-01-01T00:00:00+01:00"
    assert run.created_from == datetime(1999, 12, 31, 23, tzinfo=UTC)
    assert body["created_to"].startswith("2099-12-31T23:59:59.999999+01:00")
    assert len(callbacks) == 1  # its first step, sent once the run is committed

    run_backfill(run.pk)  # what that step does

    body = keyed.read.get(f"{IMPORTS}{run.pk}/").json()
    assert (body["status"], body["percent"], body["orders_created"]) == ("done", 100, 60)
    assert Order.objects.filter(shop=keyed.shop).count() == 60


def test_a_bulk_import_is_a_shopify_bulk_operation(keyed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        answer = keyed.write.post(
            IMPORTS, {"created_from": "2026-01-01", "created_to": "2026-01-31", "kind": "bulk"}, format="json"
        )

    assert answer.status_code == 202 and answer.json()["kind"] == "bulk"
    assert ImportRun.objects.get(shop=keyed.shop).kind == ImportRun.Kind.BULK


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"created_from": "2026-02-01", "created_to": "2026-01-01"}, "non_field_errors"),
        ({"created_from": "2026-01-01"}, "created_to"),
        ({"created_from": "01/01/2026", "created_to": "2026-01-31"}, "created_from"),
        ({"created_from": "2026-01-01", "created_to": "2026-01-31", "kind": "fast"}, "kind"),
    ],
)
def test_an_import_with_a_wrong_range_is_a_400_and_starts_nothing(keyed, payload, field):
    answer = keyed.write.post(IMPORTS, payload, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not ImportRun.objects.exists()


def test_imports_are_listed_newest_first_and_only_the_shops(keyed, other_shop):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    older = ImportRun.objects.create(
        shop=keyed.shop, created_from=start, created_to=start + timedelta(days=1)
    )
    newer = ImportRun.objects.create(
        shop=keyed.shop, created_from=start, created_to=start + timedelta(days=2)
    )
    theirs = ImportRun.objects.create(
        shop=other_shop.shop, created_from=start, created_to=start + timedelta(days=1)
    )

    answer = keyed.read.get(IMPORTS)

    assert answer.status_code == 200
    assert [run["id"] for run in answer.json()["results"]] == [newer.pk, older.pk]
    assert keyed.read.get(f"{IMPORTS}{theirs.pk}/").status_code == 404
    assert keyed.write.post(f"{IMPORTS}{theirs.pk}/stop/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportRun.Status.QUEUED


def test_stop_and_resume_do_what_the_pages_buttons_do(keyed, django_capture_on_commit_callbacks):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    run = ImportRun.objects.create(
        shop=keyed.shop,
        created_from=start,
        created_to=start + timedelta(days=1),
        status=ImportRun.Status.RUNNING,
    )

    stopping = keyed.write.post(f"{IMPORTS}{run.pk}/stop/")
    assert stopping.status_code == 200 and stopping.json()["status"] == "stopping"
    # again: nothing more to do, the same answer
    assert keyed.write.post(f"{IMPORTS}{run.pk}/stop/").json()["status"] == "stopping"

    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.STOPPED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resumed = keyed.write.post(f"{IMPORTS}{run.pk}/resume/")
        again = keyed.write.post(f"{IMPORTS}{run.pk}/resume/")
    assert resumed.status_code == 200 and resumed.json()["status"] == "queued"
    assert again.status_code == 200 and again.json()["status"] == "queued"
    assert len(callbacks) == 1  # one step queued, however often it is asked


def test_a_finished_import_cannot_be_stopped_or_resumed(keyed):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    run = ImportRun.objects.create(
        shop=keyed.shop,
        created_from=start,
        created_to=start + timedelta(days=1),
        status=ImportRun.Status.DONE,
    )

    stop = keyed.write.post(f"{IMPORTS}{run.pk}/stop/")
    resume = keyed.write.post(f"{IMPORTS}{run.pk}/resume/")

    assert (stop.status_code, stop.json()["error"]["code"]) == (409, "not_running")
    assert (resume.status_code, resume.json()["error"]["code"]) == (409, "finished")
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE


def test_a_read_key_may_list_imports_but_not_start_or_stop_one(keyed):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    run = ImportRun.objects.create(shop=keyed.shop, created_from=start, created_to=start + timedelta(days=1))

    assert keyed.read.get(IMPORTS).status_code == 200
    assert (
        keyed.read.post(
            IMPORTS, {"created_from": "2026-01-01", "created_to": "2026-01-02"}, format="json"
        ).status_code
        == 403
    )
    assert keyed.read.post(f"{IMPORTS}{run.pk}/stop/").status_code == 403
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED and ImportRun.objects.count() == 1


def test_check_shopify_reads_the_new_orders_in_the_background(
    keyed, shopify, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.services import import_orders

    Shop.objects.filter(pk=keyed.shop.pk).update(
        domain="synco-demo.myshopify.com", access_token=shopify.token
    )
    queued: list[int] = []
    monkeypatch.setattr(tasks.import_orders_task, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        answer = keyed.write.post("/api/v1/orders/check-shopify/")

    assert answer.status_code == 202
    assert answer.json() == {"detail": "Checking Shopify for new and changed orders…"}
    assert queued == [keyed.shop.pk]
    import_orders(queued[0])  # what the task does
    assert Order.objects.filter(shop=keyed.shop).count() == 60
    assert keyed.read.post("/api/v1/orders/check-shopify/").status_code == 403


# -- end to end --------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_api_bulk_sync_is_written_to_odoo_by_a_real_worker(shop, odoo, redis_worker):
    import time

    from api.keys import create_key
    from tests.api.conftest import client_with

    _, key = create_key(shop, "n8n", "write")
    orders = [_order(shop, n) for n in range(1, 4)]

    answer = client_with(key).post(BULK, {"order_ids": [order.pk for order in orders]}, format="json")
    assert answer.status_code == 202 and answer.json()["total"] == 3
    batch_url = f"/api/v1/orders/batches/{answer.json()['id']}/"

    deadline = time.monotonic() + 90
    progress = client_with(key).get(batch_url).json()
    while progress["running"] and time.monotonic() < deadline:
        redis_worker.assert_alive()
        time.sleep(0.3)
        progress = client_with(key).get(batch_url).json()

    states = list(Order.objects.values_list("name", "sync_status", "sync_error", "review_reason"))
    assert (progress["done"], progress["synced"]) == (3, 3), (states, redis_worker.log()[-3000:])
    for order in orders:
        order.refresh_from_db()
        [sale] = odoo.execute("sale.order", "search_read", [["origin", "=", order.origin]], ["id"])
        assert sale["id"] == order.odoo_id
        listed = client_with(key).get(f"/api/v1/orders/{order.pk}/").json()
        assert listed["sync_state"]["key"] == "synced" and listed["odoo"]["sale_order"]["id"] == order.odoo_id
