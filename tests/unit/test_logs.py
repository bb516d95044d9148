"""Log lines keep their extra fields and request/task id, and never show a secret or customer data."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path

from synco import logs
from synco.celery import REQUEST_ID_HEADER, app, pass_request_id

logger = logging.getLogger("tests.unit.test_logs")


def logged_view(request: HttpRequest) -> HttpResponse:
    logger.warning("odoo call failed", extra={"shop_id": 3})
    return HttpResponse("ok")


urlpatterns = [path("logged/", logged_view)]


@app.task(name="tests.unit.test_logs.logging_task")
def logging_task() -> None:
    logger.warning("syncing", extra={"order_id": 17})


class ListHandler(logging.Handler):
    """A handler as settings.LOGGING builds it (context filter, our formatter) that keeps its lines."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.addFilter(logs.ContextFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[list[str]]:
    handler = ListHandler(logs.JsonLineFormatter())
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def record(message: str, extra: dict[str, object], args: tuple[object, ...] = ()) -> logging.LogRecord:
    return logger.makeRecord(logger.name, logging.WARNING, __file__, 1, message, args, None, extra=extra)


def test_it_writes_one_json_object_per_line_with_every_extra_field() -> None:
    # given
    entry = record("odoo call failed", {"shop_id": 3, "order_id": 17, "error": "Access denied: sale.order"})

    # when
    line = logs.JsonLineFormatter().format(entry)

    # then
    assert "\n" not in line
    fields = json.loads(line)
    assert fields["level"] == "WARNING"
    assert fields["logger"] == "tests.unit.test_logs"
    assert fields["message"] == "odoo call failed"
    assert fields["shop_id"] == 3
    assert fields["order_id"] == 17
    assert fields["error"] == "Access denied: sale.order"
    assert fields["timestamp"].startswith("20")


def test_it_writes_a_readable_line_with_every_extra_field() -> None:
    entry = record("odoo call failed", {"shop_id": 3, "order_id": 17, "error": "Access denied: sale.order"})

    line = logs.PlainFormatter().format(entry)

    assert line.endswith(
        ' WARNING tests.unit.test_logs odoo call failed shop_id=3 order_id=17 error="Access denied: sale.order"'
    )


@pytest.mark.parametrize(
    "formatter", [logs.JsonLineFormatter(), logs.PlainFormatter()], ids=["json", "plain"]
)
def test_it_never_writes_secrets_or_customer_data(formatter: logging.Formatter) -> None:
    # given
    entry = record(
        "token %s refused for %s, then Bearer abc.def and /?id_token=eyJhbGc.eyJzdWIi.c2ln&shop=a",
        {
            "shop_id": 3,
            "email": "jane@example.com",
            "access_token": "shpat_0123456789abcdef",
            "odoo_password": "Wr0ng-Pa55word",
            "customer": {"first_name": "Jane", "last_name": "Doe", "phone": "+33 6 12 34 56 78"},
            "partner_values": {"ref": "gid-9", "billing_address": "1 rue Haute", "contact_name": "Lee Park"},
            "data": {"name": "orders.tasks.sync_order_task", "args": [17]},
            "reason": "refresh_token=r-e-f-r-e-s-h expired",
        },
        ("shpat_abc", "joe@example.org"),
    )

    # when
    line = formatter.format(entry)

    # then
    for secret in (
        "jane@example.com",
        "joe@example.org",
        "shpat_",
        "Wr0ng-Pa55word",
        "Jane",
        "Doe",
        "12 34",
        "abc.def",
        "eyJ",
        "r-e-f-r-e-s-h",
        "rue Haute",
        "Lee Park",
    ):
        assert secret not in line
    assert "[redacted]" in line
    assert "shop_id" in line
    assert "shop=a" in line
    assert "gid-9" in line
    assert "orders.tasks.sync_order_task" in line


def test_it_logs_a_request_by_its_method_and_path_only() -> None:
    request = RequestFactory().get("/auth/callback?code=abc123&hmac=ff00")

    line = logs.PlainFormatter().format(record("Internal Server Error", {"request": request}))

    assert line.endswith('request="GET /auth/callback"')


@pytest.mark.urls("tests.unit.test_logs")
def test_it_puts_the_request_id_on_every_line_of_a_request(client, json_lines: list[str]) -> None:
    # when
    response = client.get("/logged/")

    # then
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert [json.loads(line)["request_id"] for line in json_lines] == [request_id]
    assert logs.request_id.get() is None


@pytest.mark.urls("tests.unit.test_logs")
def test_it_keeps_a_safe_request_id_from_the_proxy(client, json_lines: list[str]) -> None:
    response = client.get("/logged/", headers={"X-Request-ID": "edge-7f3a.01"})

    assert response["X-Request-ID"] == "edge-7f3a.01"
    assert json.loads(json_lines[0])["request_id"] == "edge-7f3a.01"


@pytest.mark.urls("tests.unit.test_logs")
def test_it_replaces_an_unsafe_request_id(client, json_lines: list[str]) -> None:
    response = client.get("/logged/", headers={"X-Request-ID": "x" * 65})
    forged = client.get("/logged/", headers={"X-Request-ID": 'a" level=ERROR'})

    assert len(response["X-Request-ID"]) == 32
    assert len(forged["X-Request-ID"]) == 32
    assert response["X-Request-ID"] != forged["X-Request-ID"]
    assert [json.loads(line)["request_id"] for line in json_lines] == [
        response["X-Request-ID"],
        forged["X-Request-ID"],
    ]


def test_it_puts_the_task_id_on_every_line_of_a_task(json_lines: list[str]) -> None:
    # when: the task runs through Celery's tracer, which sends task_prerun and task_postrun
    logging_task.apply(task_id="task-42")

    # then
    fields = json.loads(json_lines[0])
    assert fields["task_id"] == "task-42"
    assert fields["order_id"] == 17
    assert "request_id" not in fields
    assert logs.task_id.get() is None


def test_it_sends_the_request_id_with_a_task_enqueued_by_a_request() -> None:
    # given: a task published while a request is handled
    headers: dict[str, object] = {}
    token = logs.request_id.set("edge-7f3a.01")
    try:
        # when
        pass_request_id(headers=headers, body=None, exchange="", routing_key="celery")
    finally:
        logs.request_id.reset(token)

    # then
    assert headers == {REQUEST_ID_HEADER: "edge-7f3a.01"}


def test_it_puts_the_enqueuing_request_id_on_the_lines_of_its_task(json_lines: list[str]) -> None:
    logging_task.apply(task_id="task-43", headers={REQUEST_ID_HEADER: "edge-7f3a.01"})
    logging_task.apply(task_id="task-44", headers={REQUEST_ID_HEADER: 'a" level=ERROR'})

    first, second = (json.loads(line) for line in json_lines)
    assert (first["task_id"], first["request_id"]) == ("task-43", "edge-7f3a.01")
    assert second["task_id"] == "task-44"
    assert "request_id" not in second
    assert logs.request_id.get() is None


def test_it_writes_the_exception_without_its_secrets() -> None:
    try:
        raise ValueError("Odoo refused login=admin password=hunter2")
    except ValueError:
        entry = logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "odoo call failed", (), sys.exc_info()
        )

    fields = json.loads(logs.JsonLineFormatter().format(entry))

    assert "ValueError: Odoo refused login=admin password=[redacted]" in fields["exc_info"]
    assert "hunter2" not in json.dumps(fields)
