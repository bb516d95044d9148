"""Automation rules (module ``base_automation``) whose action is "Send Webhook Notification".

As in Odoo 18.0 (checked on 18.0-20250702, see tests/contract/odoo/test_stock_notifications.py):

* ``ir.actions.server`` (module ``base``) has ``state='webhook'``, ``webhook_url`` and ``webhook_field_ids``;
  ``base.automation`` exists only once ``base_automation`` is installed (``button_immediate_install``).
* A rule fires on create (every create, ``trigger_field_ids`` ignored) and on a write that changes one of
  its ``trigger_field_ids`` (all fields when empty), for the records that match ``filter_domain``.
* The POST: ``Content-Type: application/json``, body a flat JSON object with ``_action``
  (``"<action name>(#<action id>)"``; an action created inside a rule is renamed
  ``"Send Webhook Notification"``), ``_id``, ``_model``, and when fields are chosen ``id`` plus those fields
  read with ``load=None`` (many2one = bare id, x2many = id list, datetimes as Python ``str()``). No signature.
  Timeout 1 s, no retry; a failure is logged and never fails the write.

Deviation, on purpose: Odoo 18 POSTs from the request thread *inside* the transaction, before the commit
(a receiver that reads back sees the old values, and the RPC call waits up to 1 s per webhook). The sandbox
sends after the commit, from one background thread per database, in order, so a slow receiver never holds its
lock (nor another sandbox's webhooks).
"""

from __future__ import annotations

import ast
import json
import logging
import queue
import threading
import time
import weakref
from typing import Any

import httpx

from .. import domain as domains
from ..errors import UserError, ValidationError
from ..fields import Boolean, Char, Many2many, Many2one, One2many, Selection, Text
from ..orm import CHANGE_HOOKS, POSTCOMMIT_HOOKS, Environment, Model, api_records
from ..state import Database

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 1.0
PENDING = "webhooks"  # env.flags key: (url, body) pairs queued by the call, sent after its commit
FIELD_TYPES = {"many2one", "one2many", "many2many"}


def materialize(env: Environment) -> None:
    """``ir.model`` and ``ir.model.fields`` rows for every model of the registry, with stable ids."""
    models = env.db.table("ir.model")
    if models:
        return
    fields_table = env.db.table("ir.model.fields")
    field_id = 0
    for model_id, name in enumerate(sorted(env.registry.models), start=1):
        cls = env.registry.models[name]
        models[model_id] = {"id": model_id, "model": name, "name": cls._description or name}
        for field_name, field in sorted(cls.fields_by_name.items()):
            field_id += 1
            fields_table[field_id] = {
                "id": field_id,
                "name": field_name,
                "model": name,
                "model_id": model_id,
                "ttype": field.type,
                "field_description": field.string,
                "relation": field.comodel or False,
                "store": field.store,
            }
    env.db.next_ids["ir.model"] = len(models) + 1
    env.db.next_ids["ir.model.fields"] = field_id + 1
    env.db.forget_indexes("ir.model", "ir.model.fields")  # written past insert(), never rolled back


class IrModel(Model):
    _name = "ir.model"
    _description = "Models"
    _order = "model"
    _rec_name = "name"
    model = Char("Model", required=True)
    name = Char("Model Description", required=True)
    field_id = One2many("ir.model.fields", "model_id", "Fields")

    def table(self) -> dict[int, dict[str, Any]]:
        materialize(self.env)
        return super().table()


class IrModelFields(Model):
    _name = "ir.model.fields"
    _description = "Fields"
    _order = "name"
    _rec_name = "field_description"
    name = Char("Field Name", required=True)
    model = Char("Model Name", required=True)
    model_id = Many2one("ir.model", "Model", required=True)
    ttype = Char("Field Type", required=True)
    field_description = Char("Field Label")
    relation = Char("Related Model")
    store = Boolean("Stored", default=True)

    def table(self) -> dict[int, dict[str, Any]]:
        materialize(self.env)
        return super().table()


class IrActionsServer(Model):
    _name = "ir.actions.server"
    _description = "Server Actions"
    name = Char("Action Name", required=True)  # required even inside a rule (Odoo 18 then renames it)
    model_id = Many2one("ir.model", "Model", required=True)
    model_name = Char("Model Name", compute="_compute_model_name")
    usage = Selection(
        [
            ("ir_actions_server", "Server Action"),
            ("ir_cron", "Scheduled Action"),
            ("base_automation", "Automation Rule"),
        ],
        "Usage",
        default="ir_actions_server",
    )
    state = Selection(
        [
            ("object_write", "Update Record"),
            ("object_create", "Create Record"),
            ("code", "Execute Code"),
            ("webhook", "Send Webhook Notification"),
            ("multi", "Execute Existing Actions"),
        ],
        "Type",
        required=True,
        default="object_write",
    )
    webhook_url = Char("Webhook URL")
    webhook_field_ids = Many2many("ir.model.fields", "Webhook Fields")
    webhook_sample_payload = Text("Sample Payload", compute="_compute_sample_payload")
    base_automation_id = Many2one("base.automation", "Automation Rule", ondelete="cascade")

    def _compute_model_name(self, record_id: int, name: str) -> Any:
        model = self.db.get("ir.model", self.raw(record_id).get("model_id") or 0) or {}
        return model.get("model", False)

    def _compute_sample_payload(self, record_id: int, name: str) -> Any:
        rec = self.raw(record_id)
        if rec.get("state") != "webhook":
            return False
        payload: dict[str, Any] = {
            "_action": f"{rec.get('name')}(#{record_id})",
            "_id": 1,
            "_model": self.value(record_id, "model_name"),
        }
        for field_id in rec.get("webhook_field_ids") or []:
            field = self.db.get("ir.model.fields", field_id) or {}
            payload[field.get("name", "")] = False
        return json.dumps(payload, indent=4, sort_keys=True, default=str)

    def create_record(self, vals: dict[str, Any]) -> int:
        materialize(self.env)
        record_id = super().create_record(vals)
        self._auto_name(record_id)
        return record_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        super().write_records(ids, vals)
        for rid in ids:
            self._auto_name(rid)

    def _auto_name(self, record_id: int) -> None:
        # base_automation's _compute_name: only actions linked to a rule get an automatic name.
        rec = self.raw(record_id)
        if rec.get("base_automation_id") and rec.get("state") == "webhook":
            self.db.update(self._name, record_id, {"name": "Send Webhook Notification"})
        elif not rec.get("name"):
            self.db.update(self._name, record_id, {"name": ""})

    def body(self, action_id: int, model: Model, record_id: int) -> str:
        """The JSON Odoo posts: ``json.dumps(vals, sort_keys=True, default=str)``."""
        rec = self.raw(action_id)
        vals: dict[str, Any] = {
            "_model": model._name,
            "_id": record_id,
            "_action": f"{rec.get('name')}(#{action_id})",
        }
        found = [
            str((self.db.get("ir.model.fields", fid) or {}).get("name") or "")
            for fid in rec.get("webhook_field_ids") or []
        ]
        names = sorted(n for n in found if n in model.fields_by_name)
        if names:
            vals["id"] = record_id
            for name in names:
                field = model.fields_by_name[name]
                raw = model.value(record_id, name)
                value = field.to_read(model.env, raw)
                if field.type == "many2one":
                    value = value[0] if value else False
                elif field.type == "datetime" and raw:
                    value = (
                        raw  # Odoo reads datetimes server-side and posts str(): write_date with microseconds
                    )
                vals[name] = value
        return json.dumps(vals, sort_keys=True, default=str)


TRIGGERS = [
    ("on_stage_set", "Stage is set to"),
    ("on_user_set", "User is set"),
    ("on_tag_set", "Tag is added"),
    ("on_state_set", "State is set to"),
    ("on_priority_set", "Priority is set to"),
    ("on_archive", "On archived"),
    ("on_unarchive", "On unarchived"),
    ("on_create_or_write", "On save"),
    ("on_create", "On creation"),
    ("on_write", "On update"),
    ("on_unlink", "On deletion"),
    ("on_change", "On UI change"),
    ("on_time", "Based on date field"),
    ("on_time_created", "After creation"),
    ("on_time_updated", "After last update"),
    ("on_message_received", "On incoming message"),
    ("on_message_sent", "On outgoing message"),
    ("on_webhook", "On webhook"),
]
SUPPORTED_TRIGGERS = ("on_create_or_write", "on_create", "on_write")


class BaseAutomation(Model):
    _name = "base.automation"
    _description = "Automation Rule"
    _module = "base_automation"
    name = Char("Automation Rule Name", required=True)
    model_id = Many2one("ir.model", "Model", required=True)
    model_name = Char("Model Name", compute="_compute_model_name")
    trigger = Selection(TRIGGERS, "Trigger", required=True)
    trigger_field_ids = Many2many("ir.model.fields", "Trigger Fields")
    filter_pre_domain = Char("Before Update Domain")
    filter_domain = Char("Apply on")
    action_server_ids = One2many("ir.actions.server", "base_automation_id", "Actions")
    active = Boolean("Active", default=True)
    description = Text("Description")

    def _compute_model_name(self, record_id: int, name: str) -> Any:
        model = self.db.get("ir.model", self.raw(record_id).get("model_id") or 0) or {}
        return model.get("model", False)

    def create_record(self, vals: dict[str, Any]) -> int:
        materialize(self.env)
        vals = dict(vals)
        actions = vals.pop("action_server_ids", None)
        record_id = super().create_record(vals)
        if actions:
            model_id = self.raw(record_id)["model_id"]
            commands = [
                [c[0], c[1], {"model_id": model_id, "usage": "base_automation", **(c[2] or {})}]
                if isinstance(c, (list, tuple)) and c and c[0] == 0
                else c
                for c in actions
            ]
            self._apply_one2many(record_id, self.fields_by_name["action_server_ids"], commands)
        self._check_rule(record_id)
        return record_id

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        super().write_records(ids, vals)
        for rid in ids:
            self._check_rule(rid)

    def _check_rule(self, record_id: int) -> None:
        rec = self.raw(record_id)
        for text in (rec.get("filter_domain"), rec.get("filter_pre_domain")):
            if text:
                try:
                    ast.literal_eval(text)
                except (ValueError, SyntaxError) as error:
                    raise ValidationError(f"Invalid domain: {text}") from error
        actions = self.env["ir.actions.server"]
        for action in actions.children_of("base_automation_id", record_id):
            if actions.raw(action).get("model_id") != rec.get("model_id"):
                raise ValidationError(
                    f"Model of action {actions.raw(action).get('name')} should match the one from "
                    f"automated rule {rec.get('name')}."
                )

    @api_records
    def action_archive(self, ids: list[int]) -> bool:
        self.write_records(ids, {"active": False})
        return True


class _Rules:
    """The change hook: finds the active rules of the changed model and queues their webhooks."""

    def watches(self, model: Model) -> bool:
        if model._name in ("base.automation", "ir.actions.server", "ir.model", "ir.model.fields"):
            return False
        rules = model.db.tables.get("base.automation")
        return bool(rules) and "base.automation" in model.env

    def changed(self, model: Model, ids: list[int], old: dict[int, dict[str, Any]] | None) -> None:
        env = model.env
        rules_model = env["base.automation"]
        actions = env.model(IrActionsServer)
        fields_table = env.db.table("ir.model.fields")
        for rule_id, rule in list(env.db.table("base.automation").items()):
            if not rule.get("active", True) or rules_model.value(rule_id, "model_name") != model._name:
                continue
            trigger = rule.get("trigger")
            if trigger not in SUPPORTED_TRIGGERS:
                continue
            if (trigger == "on_create" and old is not None) or (trigger == "on_write" and old is None):
                continue
            watched = [
                fields_table[f]["name"] for f in rule.get("trigger_field_ids") or [] if f in fields_table
            ]
            node = (
                domains.parse(model, ast.literal_eval(rule["filter_domain"]))
                if rule.get("filter_domain")
                else None
            )
            for rid in ids:
                if not model.exists_id(rid):
                    continue
                if old is not None and watched:
                    before = old.get(rid, {})
                    if not any(n in before and model.value(rid, n) != before[n] for n in watched):
                        continue
                if node is not None and not domains.matches(model, rid, node):
                    continue
                for action_id in actions.children_of("base_automation_id", rule_id):
                    action = actions.raw(action_id)
                    if action.get("state") != "webhook":
                        continue
                    if not action.get("webhook_url"):
                        raise UserError(
                            "I'll be happy to send a webhook for you, but you really need to give me a URL "
                            "to reach out to..."
                        )
                    body = actions.body(action_id, model, rid)
                    env.flags.setdefault(PENDING, []).append((action["webhook_url"], body))


class _Sender:
    """One database's webhooks: a daemon thread POSTs them in order, 1 s timeout each, no retry.

    The thread starts with the first webhook and ends once the queue has stayed empty for a while, so a sandbox
    that stopped leaves no thread behind. It never dies on a failed POST (anything raised is logged), or every
    later webhook of its database would wait in the queue for good."""

    IDLE_SECONDS = 5.0

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, pending: list[tuple[str, str]]) -> None:
        with self._lock:  # with _run's exit check: a webhook is never left behind by a thread that just ended
            for item in pending:
                self._queue.put(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="odoo-sandbox-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                url, body = self._queue.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                post(url, body)
            except Exception:  # post() logs what Odoo logs; anything else must not stop the sender
                logger.exception("Webhook call to %s failed", url)
            finally:
                self._queue.task_done()

    def join(self, timeout: float) -> bool:
        """Wait until everything queued so far was sent; False if ``timeout`` ran out first."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)


class _Senders:
    """The post-commit hook: each database (each sandbox server) sends its webhooks on its own, as each real
    Odoo sends its own from its request threads; a slow or dead receiver of one sandbox (1 s per POST) never
    delays another's webhooks."""

    def __init__(self) -> None:
        self._senders: weakref.WeakKeyDictionary[Database, _Sender] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def submit(self, env: Environment) -> None:
        pending = env.flags.pop(PENDING, None)
        if not pending:
            return
        with self._lock:
            sender = self._senders.get(env.db)
            if sender is None:
                sender = self._senders[env.db] = _Sender()
        sender.put(pending)

    def join(self, timeout: float = 5.0, db: Database | None = None) -> bool:
        """Wait until the webhooks queued so far (of ``db``, or of every database) were sent (tests)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            senders = [self._senders[db]] if db is not None and db in self._senders else []
            if db is None:
                senders = list(self._senders.values())
        return all(sender.join(max(0.0, deadline - time.monotonic())) for sender in senders)


def post(url: str, body: str) -> None:
    logger.info("Webhook call to %s", url)
    try:
        response = httpx.post(
            url,
            content=body.encode(),
            headers={"Content-Type": "application/json", "User-Agent": "python-requests/2.31.0"},
            timeout=WEBHOOK_TIMEOUT,
        )
        response.raise_for_status()
    except httpx.TimeoutException:
        logger.warning(
            "Webhook call timed out after 1s - it may or may not have failed. If this happens often, it may "
            "be a sign that the system you're trying to reach is slow or non-functional."
        )
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("Webhook call failed: %s", error)


SENDER = _Senders()
CHANGE_HOOKS.append(_Rules())
POSTCOMMIT_HOOKS.append(SENDER.submit)
