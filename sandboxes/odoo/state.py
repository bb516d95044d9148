"""The sandbox's database: records per model in memory, atomic calls, JSON persistence.

Every RPC call runs inside :meth:`Database.transaction`, under one global lock. Each mutation records
an undo step, so a call that raises leaves no partial writes, like a PostgreSQL transaction. Ids and
sequence numbers are not rolled back, as in PostgreSQL (Odoo's doc: "a failed load still uses up an
S000xx sequence number").
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

Record = dict[str, Any]
_MISSING = object()


class Database:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, Record]] = {}
        self.next_ids: dict[str, int] = {}
        self.sequences: dict[str, int] = {}
        self.dirty = False
        self._undo: list[Callable[[], None]] | None = None

    # -- reading ---------------------------------------------------------------------------------
    def table(self, model: str) -> dict[int, Record]:
        return self.tables.setdefault(model, {})

    def get(self, model: str, record_id: int) -> Record | None:
        return self.tables.get(model, {}).get(record_id)

    # -- writing (journaled) ---------------------------------------------------------------------
    def insert(self, model: str, values: Record, record_id: int | None = None) -> int:
        table = self.table(model)
        if record_id is None:
            record_id = self.next_id(model)
        else:
            self.next_ids[model] = max(self.next_ids.get(model, 1), record_id + 1)
        table[record_id] = {**values, "id": record_id}

        def undo() -> None:
            table.pop(record_id, None)

        self._journal(undo)
        return record_id

    def update(self, model: str, record_id: int, values: Record) -> None:
        record = self.table(model)[record_id]
        previous = {key: record.get(key, _MISSING) for key in values}

        def undo() -> None:
            for key, old in previous.items():
                if old is _MISSING:
                    record.pop(key, None)
                else:
                    record[key] = old

        record.update(values)
        self._journal(undo)

    def delete(self, model: str, record_id: int) -> None:
        table = self.table(model)
        record = table.pop(record_id)
        self._journal(lambda: table.__setitem__(record_id, record))

    # -- non-transactional counters, like PostgreSQL sequences -----------------------------------
    def next_id(self, model: str) -> int:
        value = self.next_ids.get(model, 1)
        self.next_ids[model] = value + 1
        self.dirty = True
        return value

    def next_sequence(self, code: str) -> int:
        value = self.sequences.get(code, 0) + 1
        self.sequences[code] = value
        self.dirty = True
        return value

    # -- transactions ----------------------------------------------------------------------------
    def _journal(self, undo: Callable[[], None]) -> None:
        if self._undo is not None:
            self._undo.append(undo)
        self.dirty = True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            if self._undo is not None:  # nested: the outer call owns the transaction
                yield
                return
            self._undo = []
            try:
                yield
            except BaseException:
                self._rollback_to(0)
                raise
            finally:
                self._undo = None

    def savepoint(self) -> int:
        return len(self._undo) if self._undo is not None else 0

    def rollback_to(self, mark: int) -> None:
        self._rollback_to(mark)

    def _rollback_to(self, mark: int) -> None:
        undo = self._undo or []
        while len(undo) > mark:
            undo.pop()()

    # -- persistence -----------------------------------------------------------------------------
    def to_json(self) -> str:
        with self.lock:
            payload = {
                "version": 1,
                "tables": {
                    model: {str(rid): rec for rid, rec in table.items()}
                    for model, table in self.tables.items()
                },
                "next_ids": self.next_ids,
                "sequences": self.sequences,
            }
            return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)

    def load_json(self, text: str) -> None:
        payload = json.loads(text)
        with self.lock:
            self.tables = {
                model: {int(rid): rec for rid, rec in table.items()}
                for model, table in payload["tables"].items()
            }
            self.next_ids = {k: int(v) for k, v in payload["next_ids"].items()}
            self.sequences = {k: int(v) for k, v in payload["sequences"].items()}
            self.dirty = False

    def replace_with(self, other: Database) -> None:
        with self.lock:
            self.tables, self.next_ids, self.sequences = other.tables, other.next_ids, other.sequences
            self.dirty = True


class Persister:
    """Saves the database to a JSON file from a background thread, at most every ``interval`` seconds."""

    def __init__(self, db: Database, path: Path, interval: float = 0.5) -> None:
        self.db = db
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="odoo-sandbox-persister", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.save()

    def save(self) -> None:
        with self.db.lock:
            text = self.db.to_json()
            self.db.dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.db.dirty:
                try:
                    self.save()
                except OSError:
                    logger.exception("odoo sandbox: could not save state", extra={"path": str(self.path)})
