"""The sandbox's database: records per model in memory, atomic calls, JSON persistence.

Every RPC call runs inside :meth:`Database.transaction`, under one global lock. Each mutation records
an undo step, so a call that raises leaves no partial writes, like a PostgreSQL transaction. Ids and
sequence numbers are not rolled back, as in PostgreSQL (Odoo's doc: "a failed load still uses up an
S000xx sequence number").

Lookups by a field's value (:meth:`Database.ids_where`, :meth:`Database.ids_containing`) go through indexes
built on first use and kept up to date by every write and undo, as PostgreSQL's: a call costs what it touches,
not what the database holds. They answer ids in the table's own order (the order a scan of the table meets
them), so that code using them sees exactly what a scan would.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

Record = dict[str, Any]
_MISSING = object()
_UNHASHABLE = object()
_NONE: frozenset[int] = frozenset()  # the key of the values an index cannot hash (lists in a scalar index)


def value_kind(value: Any) -> str | None:
    """What an index counts of the values it holds: 'str', 'number' or 'other'; None for NULL and booleans."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return "str"
    if isinstance(value, (int, float)):
        return "number"
    return "other"


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        return _UNHASHABLE
    return key


class Derived(Protocol):
    """A structure derived from some tables (a cache), told of every change of their records, undo included."""

    watched: tuple[str, ...]

    def changed(self, model: str, record_id: int, old: Record | None, new: Record | None) -> None:
        """``old``: the previous values of the fields that changed (the whole record when it left the table, None
        when it is new); ``new``: the record now, None when it left the table."""


D = TypeVar("D", bound=Derived)


class Index:
    """Record ids by the value of one field, or (``members``) by each member of a list field (a many2many)."""

    __slots__ = ("buckets", "field", "kinds", "members")

    def __init__(self, field: str, members: bool) -> None:
        self.field = field
        self.members = members
        self.buckets: dict[Any, set[int]] = {}
        self.kinds: Counter[str | None] = Counter()

    def keys(self, value: Any) -> Iterable[Any]:
        if not self.members:
            return (value,)
        return value if isinstance(value, (list, tuple)) else ()

    def add(self, record_id: int, value: Any) -> None:
        if not self.members:
            self.kinds[value_kind(value)] += 1
        for key in self.keys(value):
            self.buckets.setdefault(_hashable(key), set()).add(record_id)

    def remove(self, record_id: int, value: Any) -> None:
        if not self.members:
            self.kinds[value_kind(value)] -= 1
        for key in self.keys(value):
            key = _hashable(key)
            bucket = self.buckets.get(key)
            if bucket is not None:
                bucket.discard(record_id)
                if not bucket:
                    del self.buckets[key]

    def holding(self, value: Any) -> AbstractSet[int]:
        """The ids whose value equals ``value`` (for ``members``: whose list holds it); ``value`` is hashable.
        The index's own set: to read, not to change."""
        return self.buckets.get(value, _NONE)

    def only_holds(self, *kinds: str) -> bool:
        """Whether every value held is NULL, a boolean or of one of ``kinds``."""
        return all(count <= 0 or kind is None or kind in kinds for kind, count in self.kinds.items())


class Database:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, dict[int, Record]] = {}
        self.next_ids: dict[str, int] = {}
        self.sequences: dict[str, int] = {}
        self.dirty = False
        self._undo: list[Callable[[], None]] | None = None
        # Per model: its indexes by (field, members), and each record's place in the table (a counter that
        # grows as the table's dict appends), kept from the first lookup on.
        self._indexes: dict[str, dict[tuple[str, bool], Index]] = {}
        self._positions: dict[str, dict[int, int]] = {}
        self._counter = itertools.count()
        self._derived: dict[str, Derived] = {}
        self._watchers: dict[str, list[Derived]] = {}

    # -- reading ---------------------------------------------------------------------------------
    def table(self, model: str) -> dict[int, Record]:
        return self.tables.setdefault(model, {})

    def get(self, model: str, record_id: int) -> Record | None:
        return self.tables.get(model, {}).get(record_id)

    def index(self, model: str, field: str, members: bool = False) -> Index:
        """The index of ``field`` (built now if it is the first lookup): ids by value, or by list member."""
        indexes = self._indexes.setdefault(model, {})
        index = indexes.get((field, members))
        if index is None:
            self._positions_of(model)
            index = Index(field, members)
            for record_id, record in self.table(model).items():
                index.add(record_id, record.get(field))
            indexes[(field, members)] = index
        return index

    def in_table_order(self, model: str, ids: Iterable[int]) -> list[int]:
        """``ids`` (of existing records) in the order a scan of the table meets them."""
        return sorted(ids, key=self._positions_of(model).__getitem__)

    def ids_where(self, model: str, field: str, value: Any) -> list[int]:
        """The ids whose stored ``field`` equals ``value`` (missing is None), as ``record.get(field) == value``
        over a scan of the table would find them, in that order."""
        if _hashable(value) is _UNHASHABLE:
            return [rid for rid, record in self.table(model).items() if record.get(field) == value]
        return self.in_table_order(model, self.index(model, field).holding(value))

    def ids_containing(self, model: str, field: str, value: Any) -> list[int]:
        """The ids whose stored list ``field`` (a many2many) holds ``value``, in the table's order."""
        if _hashable(value) is _UNHASHABLE:
            return [rid for rid, rec in self.table(model).items() if value in (rec.get(field) or [])]
        return self.in_table_order(model, self.index(model, field, members=True).holding(value))

    def derived(self, key: str, build: Callable[[Database], D]) -> D:
        """The cache ``key`` of this database (built now if new), told from now on of every change of the
        models it watches; dropped with the indexes."""
        found = self._derived.get(key)
        if found is None:
            found = build(self)
            self._derived[key] = found
            for model in found.watched:
                self._watchers.setdefault(model, []).append(found)
        return found  # type: ignore[return-value]

    def _positions_of(self, model: str) -> dict[int, int]:
        positions = self._positions.get(model)
        if positions is None:
            positions = {record_id: next(self._counter) for record_id in self.table(model)}
            self._positions[model] = positions
        return positions

    # -- index upkeep: every change of a table, done or undone, goes through these ------------------
    def _place(self, model: str, record_id: int, record: Record, previous: Record | None) -> None:
        """``record`` was stored under ``record_id`` (``previous`` replaced, else appended to the table)."""
        positions = self._positions.get(model)
        if positions is not None and previous is None:
            positions[record_id] = next(self._counter)
        for (field, _members), index in self._indexes.get(model, {}).items():
            if previous is not None:
                index.remove(record_id, previous.get(field))
            index.add(record_id, record.get(field))
        for watcher in self._watchers.get(model, ()):
            watcher.changed(model, record_id, previous, record)

    def _displace(self, model: str, record_id: int, record: Record) -> None:
        """``record`` left the table."""
        positions = self._positions.get(model)
        if positions is not None:
            positions.pop(record_id, None)
        for (field, _members), index in self._indexes.get(model, {}).items():
            index.remove(record_id, record.get(field))
        for watcher in self._watchers.get(model, ()):
            watcher.changed(model, record_id, record, None)

    def _reindex(self, model: str, record_id: int, old: dict[str, Any], new: Record) -> None:
        """The fields of ``old`` (their previous values, ``_MISSING`` when absent) changed to ``new``'s."""
        for (field, _members), index in self._indexes.get(model, {}).items():
            if field in old:
                before = old[field]
                index.remove(record_id, None if before is _MISSING else before)
                index.add(record_id, new.get(field))
        watchers = self._watchers.get(model)
        if watchers:
            previous = {key: None if value is _MISSING else value for key, value in old.items()}
            for watcher in watchers:
                watcher.changed(model, record_id, previous, new)

    # -- writing (journaled) ---------------------------------------------------------------------
    def insert(self, model: str, values: Record, record_id: int | None = None) -> int:
        table = self.table(model)
        if record_id is None:
            record_id = self.next_id(model)
        else:
            self.next_ids[model] = max(self.next_ids.get(model, 1), record_id + 1)
        record = {**values, "id": record_id}
        previous = table.get(record_id)
        table[record_id] = record
        self._place(model, record_id, record, previous)

        def undo() -> None:
            if table.pop(record_id, None) is not None:
                self._displace(model, record_id, record)

        self._journal(undo)
        return record_id

    def update(self, model: str, record_id: int, values: Record) -> None:
        record = self.table(model)[record_id]
        previous = {key: record.get(key, _MISSING) for key in values}

        def undo() -> None:
            changed = {key: record.get(key, _MISSING) for key in previous}
            for key, old in previous.items():
                if old is _MISSING:
                    record.pop(key, None)
                else:
                    record[key] = old
            if self.tables.get(model, {}).get(record_id) is record:
                self._reindex(model, record_id, changed, record)

        record.update(values)
        if self.tables.get(model, {}).get(record_id) is record:
            self._reindex(model, record_id, previous, record)
        self._journal(undo)

    def delete(self, model: str, record_id: int) -> None:
        table = self.table(model)
        record = table.pop(record_id)
        self._displace(model, record_id, record)

        def undo() -> None:
            previous = table.get(record_id)
            table[record_id] = record
            self._place(model, record_id, record, previous)

        self._journal(undo)

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
            self.forget_indexes()
            self.dirty = False

    def replace_with(self, other: Database) -> None:
        with self.lock:
            self.tables, self.next_ids, self.sequences = other.tables, other.next_ids, other.sequences
            self.forget_indexes()
            self.dirty = True

    def forget_indexes(self, *models: str) -> None:
        """Drop the indexes and caches of ``models`` (all when none is named): their tables were written
        directly."""
        for model in models or list(self._indexes.keys() | self._positions.keys() | self._watchers.keys()):
            self._indexes.pop(model, None)
            self._positions.pop(model, None)
            for watcher in self._watchers.pop(model, ()):
                self._derived = {key: other for key, other in self._derived.items() if other is not watcher}
                for others in self._watchers.values():
                    if watcher in others:
                        others.remove(watcher)


class Persister:
    """Saves the database to a JSON file from a background thread, at most every ``interval`` seconds (less
    often when saving takes long: see ``_run``)."""

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
        pause = self.interval
        while not self._stop.wait(pause):
            if self.db.dirty:
                began = time.monotonic()
                try:
                    self.save()
                except OSError:
                    logger.exception("odoo sandbox: could not save state", extra={"path": str(self.path)})
                # Saving holds the lock every call waits for, and a large database takes long to write (0.5 s
                # at 5,000 invoiced orders): saved less often then, so that it holds the lock 5 % of the time.
                pause = max(self.interval, 20 * (time.monotonic() - began))
