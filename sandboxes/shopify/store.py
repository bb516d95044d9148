"""The sandbox's state: shops, their access tokens, orders (REST shape), transactions and risks.

All access goes through one lock. Order dicts are replaced, never mutated in place, so a reader can
keep using a snapshot after the lock is released. With a state path, changes are written to a JSON
file (atomically, via rename) by a background thread at most every `save_delay` seconds, and once
more on `close()`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sandboxes.shopify.generator import SHOP_TIMEZONE, default_risk, derive_transactions, generate_dataset

DEMO_SHOP_DOMAIN = "synco-demo.myshopify.com"
DEMO_ACCESS_TOKEN = "shpat_" + hashlib.sha256(b"synco-demo-shop").hexdigest()[:32]
STATE_VERSION = 1

Order = dict[str, Any]
T = TypeVar("T")


def new_access_token(seed: str) -> str:
    return "shpat_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def empty_state() -> dict[str, Any]:
    return {"version": STATE_VERSION, "shops": {}, "orders": {}, "transactions": {}, "risks": {}}


def make_shop(
    domain: str,
    access_tokens: list[str],
    *,
    name: str = "Synco Demo",
    currency: str = "USD",
    plan: str = "standard",
    iana_timezone: str = SHOP_TIMEZONE,
) -> dict[str, Any]:
    return {
        "id": int(hashlib.sha256(domain.encode()).hexdigest()[:10], 16) % 10**11,
        "name": name,
        "email": f"owner@{domain}",
        "myshopify_domain": domain,
        "currency": currency,
        "plan": plan,
        "iana_timezone": iana_timezone,
        "access_tokens": list(access_tokens),
    }


class SandboxStore:
    def __init__(self, state_path: Path | None = None, *, save_delay: float = 0.5) -> None:
        self.state_path = Path(state_path) if state_path is not None else None
        self.save_delay = save_delay
        self._lock = threading.RLock()
        self._dirty = threading.Event()
        self._closed = threading.Event()
        self._state = empty_state()
        if self.state_path is not None and self.state_path.exists():
            self._state = json.loads(self.state_path.read_text(encoding="utf-8"))
        self._saver: threading.Thread | None = None
        if self.state_path is not None:
            self._saver = threading.Thread(target=self._save_loop, name="shopify-sandbox-save", daemon=True)
            self._saver.start()

    # ---------------------------------------------------------------------------------------- shops

    def add_shop(self, domain: str, access_tokens: list[str], **fields: Any) -> None:
        with self._lock:
            self._state["shops"][domain] = make_shop(domain, access_tokens, **fields)
            self._state["orders"].setdefault(domain, {})
            self._state["transactions"].setdefault(domain, {})
            self._state["risks"].setdefault(domain, {})
            self._changed()

    def shop_for_token(self, token: str, now: float | None = None) -> str | None:
        """The shop a token belongs to; None if unknown or (with `now`) past its expiry."""
        with self._lock:
            for domain, shop in self._state["shops"].items():
                if token in shop["access_tokens"]:
                    expires_at = (shop.get("access_token_expiry") or {}).get(token)
                    if now is not None and expires_at is not None and now >= float(expires_at):
                        return None
                    return str(domain)
        return None

    def add_access_token(
        self, domain: str, token: str, expires_at: float | None = None, scope: str | None = None
    ) -> None:
        """Grant a token on a shop (an OAuth install); `expires_at` is epoch seconds, None never;
        `scope` the granted access scopes (comma-separated; None: whatever the app has)."""
        with self._lock:
            shop = self._state["shops"][domain]
            if token not in shop["access_tokens"]:
                shop["access_tokens"].append(token)
            if scope is not None:
                shop.setdefault("access_token_scopes", {})[token] = scope
            expiry = shop.setdefault("access_token_expiry", {})
            if expires_at is None:
                expiry.pop(token, None)
            else:
                expiry[token] = float(expires_at)
            self._changed()

    def remove_access_token(self, domain: str, token: str) -> None:
        with self._lock:
            shop = self._state["shops"].get(domain)
            if shop is None:
                return
            if token in shop["access_tokens"]:
                shop["access_tokens"].remove(token)
            (shop.get("access_token_expiry") or {}).pop(token, None)
            self._changed()

    def token_scope(self, domain: str, token: str) -> str | None:
        """The scopes granted with this token, None when the token was not issued with a scope list."""
        with self._lock:
            found = (self._state["shops"].get(domain, {}).get("access_token_scopes") or {}).get(token)
            return None if found is None else str(found)

    def set_token_scope(self, domain: str, token: str, scope: str | None) -> None:
        with self._lock:
            scopes = self._state["shops"][domain].setdefault("access_token_scopes", {})
            if scope is None:
                scopes.pop(token, None)
            else:
                scopes[token] = scope
            self._changed()

    def access_token_expiry(self, domain: str, token: str) -> float | None:
        with self._lock:
            found = (self._state["shops"][domain].get("access_token_expiry") or {}).get(token)
            return None if found is None else float(found)

    def shop(self, domain: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._state["shops"][domain])

    def shop_domains(self) -> list[str]:
        with self._lock:
            return list(self._state["shops"])

    def set_plan(self, domain: str, plan: str) -> None:
        with self._lock:
            self._state["shops"][domain]["plan"] = plan
            self._changed()

    # --------------------------------------------------------------------------------------- orders

    def orders(self, domain: str) -> list[Order]:
        """A snapshot of the shop's orders (the dicts are shared: treat them as read-only)."""
        with self._lock:
            return list(self._state["orders"].get(domain, {}).values())

    def order(self, domain: str, order_id: int) -> Order | None:
        with self._lock:
            found = self._state["orders"].get(domain, {}).get(str(order_id))
            return found if isinstance(found, dict) else None

    def transactions(self, domain: str, order_id: int) -> list[dict]:
        with self._lock:
            return list(self._state["transactions"].get(domain, {}).get(str(order_id), []))

    def risk(self, domain: str, order_id: int) -> dict:
        with self._lock:
            found = self._state["risks"].get(domain, {}).get(str(order_id))
        if found is None:
            order = self.order(domain, order_id)
            return default_risk(order or {})
        return dict(found)

    def upsert_orders(
        self,
        domain: str,
        orders: list[Order],
        *,
        transactions: dict[int, list[dict]] | None = None,
        risks: dict[int, dict] | None = None,
    ) -> int:
        """Add or replace orders by id. Missing transactions are derived from the order itself."""
        transactions = {int(k): v for k, v in (transactions or {}).items()}
        risks = {int(k): v for k, v in (risks or {}).items()}
        with self._lock:
            if domain not in self._state["shops"]:
                raise KeyError(f"unknown shop {domain}")
            for order in orders:
                oid = int(order["id"])
                stored = copy.deepcopy(order)
                self._state["orders"][domain][str(oid)] = stored
                self._state["transactions"][domain][str(oid)] = transactions.get(oid) or derive_transactions(
                    stored
                )
                if oid in risks:
                    self._state["risks"][domain][str(oid)] = risks[oid]
            self._changed()
        return len(orders)

    def remove_orders(self, domain: str, order_ids: list[int]) -> None:
        """Forget these orders of the shop (and their transactions and risks), as if never placed."""
        with self._lock:
            for key in ("orders", "transactions", "risks"):
                for order_id in order_ids:
                    self._state[key].get(domain, {}).pop(str(order_id), None)
            self._changed()

    def clear_orders(self, domain: str) -> None:
        with self._lock:
            for key in ("orders", "transactions", "risks"):
                self._state[key][domain] = {}
            self._changed()

    # ------------------------------------------------------------------------- other sections

    def transact(self, change: Callable[[dict[str, Any]], T], *, write: bool = True) -> T:
        """Run `change(state)` under the store lock (inventory and fulfilment state live in the same
        JSON state as the orders); with `write`, the state is saved afterwards."""
        with self._lock:
            result = change(self._state)
            if write:
                self._changed()
            return result

    # ---------------------------------------------------------------------------------- persistence

    def _changed(self) -> None:
        if self.state_path is not None:
            self._dirty.set()

    def _save_loop(self) -> None:
        while not self._closed.is_set():
            self._dirty.wait()
            if not self._closed.wait(self.save_delay):  # debounce bursts of changes into one write
                self.flush()

    def replace_state(self, payload: str) -> None:
        """Everything the store holds becomes this state (a state file's JSON), saved like any change."""
        state = json.loads(payload)
        with self._lock:
            self._state = state
            self._changed()

    def state_json(self) -> str:
        with self._lock:
            return json.dumps(self._state, ensure_ascii=False, separators=(",", ":"))

    def flush(self) -> None:
        if self.state_path is None:
            return
        self._dirty.clear()
        write_state_file(self.state_path, self.state_json())

    def close(self) -> None:
        """Stop the background saver and write any pending change."""
        pending = self._dirty.is_set()
        self._closed.set()
        self._dirty.set()  # wakes the saver so it sees `_closed` at once
        if self._saver is not None:
            self._saver.join(timeout=5)
        if pending or self.state_path is not None:
            self.flush()


def write_state_file(path: Path, payload: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(payload, encoding="utf-8")
    os.replace(tmp, path)


def seed_demo(
    state_path: Path,
    shop_domain: str = DEMO_SHOP_DOMAIN,
    access_token: str = DEMO_ACCESS_TOKEN,
    n_orders: int = 60,
    seed: int = 1,
) -> str:
    """Write a fresh state file with one shop, its token and `n_orders` generated orders."""
    write_state_file(Path(state_path), demo_state(shop_domain, access_token, n_orders, seed))
    return access_token


def demo_state(
    shop_domain: str = DEMO_SHOP_DOMAIN,
    access_token: str = DEMO_ACCESS_TOKEN,
    n_orders: int = 60,
    seed: int = 1,
) -> str:
    """The JSON state of one shop with its token and `n_orders` generated orders (a running sandbox's reseed)."""
    store = SandboxStore(None)
    store.add_shop(shop_domain, [access_token])
    dataset = generate_dataset(n_orders, seed=seed)
    store.upsert_orders(shop_domain, dataset.orders, transactions=dataset.transactions, risks=dataset.risks)
    return store.state_json()
