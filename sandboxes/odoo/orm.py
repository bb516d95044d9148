"""A small ORM in Odoo's image: models, generic CRUD, x2many commands, ``_inherits`` delegation.

Records are plain dicts in :class:`~.state.Database`. Methods that may be called over RPC are marked
with :func:`api_model` (model-level: ``create``, ``search``, …) or :func:`api_records` (``args[0]`` is
the list of ids). Anything else, even public, is not reachable remotely, and the dispatcher answers
"method does not exist" for it, as Odoo does for unknown names.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, Self, TypeVar

from . import domain as domains
from .access import access_error
from .errors import AccessError, foreign_key_error, mandatory_field_error, missing_error
from .fields import X2MANY_TYPES, Field
from .state import Database
from .versions import DEFAULT_VERSION, OdooProfile, profile_for

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound="Model")
RPC_KIND = "_rpc_kind"
NESTED = "x2many_depth"  # env.flags: > 0 while x2many commands (or inverses) of a create / write run
MAGIC_FIELDS = ("create_date", "write_date", "create_uid", "write_uid")


class ChangeHook(Protocol):
    """Told about every create and write of a model it watches (base_automation's rules use it)."""

    def watches(self, model: Model) -> bool: ...

    def changed(self, model: Model, ids: list[int], old: dict[int, dict[str, Any]] | None) -> None:
        """``old`` holds the written fields' previous values per record, ``None`` for a creation."""


def write_stamp(env: Environment) -> str:
    """``write_date`` / ``create_date`` as PostgreSQL holds them for Odoo: the transaction's start time (one
    value for every row a call writes) with microseconds. ``read`` shows them to the second, but domains
    compare the full value: ``write_date > '… 12:00:05'`` matches a row written at 12:00:05.3."""
    stamp = env.flags.get("write_stamp")
    if stamp is None:
        stamp = str(datetime.now(UTC).replace(tzinfo=None))
        env.flags["write_stamp"] = stamp
    return str(stamp)


CHANGE_HOOKS: list[ChangeHook] = []
# Run inside the call's transaction after the method (Odoo's flush), then after the commit.
PRECOMMIT_HOOKS: list[Callable[[Environment], None]] = []
POSTCOMMIT_HOOKS: list[Callable[[Environment], None]] = []


def api_model(function: F) -> F:
    setattr(function, RPC_KIND, "model")
    return function


def api_records(function: F) -> F:
    setattr(function, RPC_KIND, "records")
    return function


class Registry:
    """All model classes by ``_name``, with their fields resolved (including delegated ones), for one Odoo
    version: each registry holds its own subclass of every model, with that version's fields and methods,
    so that sandboxes of several versions can run in one process."""

    def __init__(self, classes: Iterable[type[Model]], profile: OdooProfile | int = DEFAULT_VERSION) -> None:
        self.profile = profile_for(profile)
        self.models: dict[str, type[Model]] = {}
        for cls in classes:
            if cls._name not in self.profile.removed_models:
                self.models[cls._name] = self._versioned(cls)
        for cls in self.models.values():
            cls.fields_by_name = self._own_fields(cls)
        for cls in self.models.values():
            for parent_model, link in cls._inherits.items():
                for name, parent_field in self.models[parent_model].fields_by_name.items():
                    if name in cls.fields_by_name or name in ("id", "display_name", *MAGIC_FIELDS):
                        continue
                    delegated = copy.copy(parent_field)
                    delegated.delegate = link
                    delegated.delegate_model = parent_model
                    cls.fields_by_name[name] = delegated

    def _versioned(self, cls: type[Model]) -> type[Model]:
        """A subclass of ``cls`` for this registry; methods the version lacks are hidden from RPC."""
        attributes: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        for method in self.profile.missing_methods:
            if callable(getattr(cls, method, None)):
                attributes[method] = None
        for method, renames in self.profile.renamed_parameters.items():
            function = getattr(cls, method, None)
            if callable(function):
                attributes[method] = _with_renamed_parameters(function, renames)
        return type(cls.__name__, (cls,), attributes)

    def _own_fields(self, cls: type[Model]) -> dict[str, Field]:
        found: dict[str, Field] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Field):
                    found[name] = copy.copy(value)
        found = self.profile.adjust_fields(cls._name, found)
        base: dict[str, Field] = {
            "id": Field("integer", "ID", readonly=True),
            "display_name": Field("char", "Display Name", readonly=True, compute="_compute_display_name"),
            "create_date": Field("datetime", "Created on", readonly=True),
            "write_date": Field("datetime", "Last Updated on", readonly=True),
            "create_uid": Field("many2one", "Created by", comodel="res.users", readonly=True),
            "write_uid": Field("many2one", "Last Updated by", comodel="res.users", readonly=True),
        }
        fields = {**base, **found}
        for name, field in fields.items():
            field.name = name
            field.model = cls._name
            if not field.string:
                field.string = name.replace("_", " ").title()
        return fields


def _with_renamed_parameters(function: Callable[..., Any], renames: Mapping[str, str]) -> Callable[..., Any]:
    """``function`` under this version's parameter names (what JSON-2 binds and keywords must use)."""
    signature = inspect.signature(function)
    back = {new: old for old, new in renames.items()}

    @functools.wraps(function)
    def renamed(self: Model, *args: Any, **kwargs: Any) -> Any:
        for name in kwargs:
            if name in renames and name not in back:
                raise TypeError(f"{function.__qualname__}() got an unexpected keyword argument {name!r}")
        return function(self, *args, **{back.get(name, name): value for name, value in kwargs.items()})

    parameters = [p.replace(name=renames.get(p.name, p.name)) for p in signature.parameters.values()]
    renamed.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return renamed


class Environment:
    """The call's context: database, user, context dict, and the registry to reach other models."""

    def __init__(
        self, registry: Registry, db: Database, uid: int, context: dict[str, Any] | None = None
    ) -> None:
        self.registry = registry
        self.db = db
        self.uid = uid
        self.context: dict[str, Any] = dict(context or {})
        self.flags: dict[str, Any] = {}

    @property
    def profile(self) -> OdooProfile:
        """The Odoo version the sandbox plays: its names, texts and behaviours."""
        return self.registry.profile

    @property
    def version(self) -> int:
        """The major Odoo version (17, 18, 19)."""
        return self.registry.profile.major

    def __getitem__(self, model: str) -> Model:
        return self.registry.models[model](self)

    def model(self, cls: type[M]) -> M:
        """A typed handle on a model class, for model-specific helpers (``env[name]`` is only a ``Model``)."""
        versioned = self.registry.models[cls._name]
        assert issubclass(versioned, cls)
        return versioned(self)

    def __contains__(self, model: str) -> bool:
        cls = self.registry.models.get(model)
        if cls is None:
            return False
        if cls._module is None:
            return True
        return any(
            rec.get("name") == cls._module and rec.get("state") == "installed"
            for rec in self.db.table("ir.module.module").values()
        )

    def with_context(self, **values: Any) -> Environment:
        env = Environment(self.registry, self.db, self.uid, {**self.context, **values})
        env.flags = self.flags
        return env


class Model:
    _name: ClassVar[str] = ""
    _description: ClassVar[str] = ""
    _order: ClassVar[str] = "id"
    _rec_name: ClassVar[str] = "name"
    _rec_names_search: ClassVar[tuple[str, ...]] = ()
    _inherits: ClassVar[dict[str, str]] = {}
    _parent_name: ClassVar[str] = "parent_id"
    # Stored fields whose value() may come from elsewhere than the record's own (product.product's, from its
    # template in an old database): a search cannot narrow its records through their index.
    _values_from_elsewhere: ClassVar[frozenset[str]] = frozenset()
    _module: ClassVar[str | None] = (
        None  # a module that is not installed by default: the model exists once it is
    )
    fields_by_name: ClassVar[dict[str, Field]] = {}

    def __init__(self, env: Environment) -> None:
        self.env = env

    # -- low-level access ------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        return self.env.db

    @property
    def context(self) -> dict[str, Any]:
        return self.env.context

    def with_context(self, **values: Any) -> Self:
        return type(self)(self.env.with_context(**values))

    def table(self) -> dict[int, dict[str, Any]]:
        return self.db.table(self._name)

    def exists_id(self, record_id: Any) -> bool:
        return isinstance(record_id, int) and record_id in self.table()

    def raw(self, record_id: int) -> dict[str, Any]:
        return self.table()[record_id]

    def value(self, record_id: int, name: str) -> Any:
        """The raw value of a field, computed, delegated or one2many fields included."""
        if name == "id":
            return record_id
        field = self.fields_by_name[name]
        if field.delegate is not None:
            link = self.raw(record_id).get(field.delegate)
            assert field.delegate_model is not None
            return self.env[field.delegate_model].value(link, name) if link else field.null()
        if field.compute is not None:
            return getattr(self, field.compute)(record_id, name)
        if field.type == "one2many":
            assert field.comodel is not None and field.inverse_name is not None
            return self.env[field.comodel].children_of(field.inverse_name, record_id)
        return self.raw(record_id).get(name, field.null())

    def children_of(self, inverse_name: str, parent_id: int) -> list[int]:
        """Ids whose ``inverse_name`` points at ``parent_id`` (a one2many), active ones, in ``_order``."""
        hide_archived = "active" in self.fields_by_name and self.context.get("active_test", True)
        self.table()  # a model may fill its table on first use (ir.model)
        ids = [
            rid
            for rid in self.db.ids_where(self._name, inverse_name, parent_id)
            if not (hide_archived and not self.value(rid, "active"))
        ]
        return self.sort_ids(ids, self._order)

    def display_name_of(self, record_id: int) -> str:
        return str(self.value(record_id, "display_name"))

    def _compute_display_name(self, record_id: int, name: str) -> Any:
        value = self.value(record_id, self._rec_name) if self._rec_name in self.fields_by_name else False
        return value or f"{self._name},{record_id}"

    def _ensure_ids(self, ids: Any) -> list[int]:
        if isinstance(ids, int) and not isinstance(ids, bool):
            return [ids]
        if not ids:
            return []
        return [int(i) for i in ids]

    def _check_existing(self, ids: list[int]) -> None:
        missing = [rid for rid in ids if not self.exists_id(rid)]
        if missing:
            raise missing_error(self._name, missing, self.env.uid)

    def _check_field_names(self, names: Iterable[str], kind: str = "values") -> None:
        """``kind``: 'values' (create / write) or 'read'; values inside x2many commands are 'nested'."""
        if kind == "values" and self.env.flags.get(NESTED):
            kind = "nested"
        for name in names:
            if name not in self.fields_by_name:
                raise ValueError(self.env.profile.invalid_field_message(self._name, name, kind))

    def field_name(self, canonical: str) -> str:
        """This version's name of one of the model's fields, declared under its Odoo 18 name."""
        return self.env.profile.field_name(self._name, canonical)

    # -- searching -------------------------------------------------------------------------------
    def search_ids(
        self, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        node = domains.parse(self, domain)
        if (
            "active" in self.fields_by_name
            and self.context.get("active_test", True)
            and not domains.mentions(node, "active")
        ):
            node = ("&", ("leaf", ["active"], "=", True), node)
        table = self.table()
        # The records an index names for the domain (a superset of its matches), else all of them
        candidates = domains.candidates(self, node)
        scanned = list(table) if candidates is None else self.db.in_table_order(self._name, candidates)
        ids = [rid for rid in scanned if domains.matches(self, rid, node)]
        ids = self.sort_ids(ids, order or self._order)
        ids = ids[int(offset or 0) :]
        if limit:
            ids = ids[: int(limit)]
        return ids

    def sort_ids(self, ids: list[int], order: str) -> list[int]:
        terms = []
        for part in (order or "id").split(","):
            tokens = part.strip().split()
            if not tokens:
                continue
            name = tokens[0]
            direction = tokens[1].lower() if len(tokens) > 1 else "asc"
            if name not in self.fields_by_name or direction not in ("asc", "desc"):
                raise ValueError(
                    f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated '
                    "list of valid field names (optionally followed by asc/desc for the direction)"
                )
            terms.append((name, direction == "desc"))
        result = list(ids)
        for name, descending in reversed(terms):
            result.sort(key=lambda rid, n=name: self._sort_key(rid, n), reverse=descending)  # type: ignore[misc]
        return result

    def _sort_key(self, record_id: int, name: str) -> tuple[int, Any]:
        field = self.fields_by_name[name]
        raw = self.value(record_id, name)
        if field.type == "many2one":
            if not raw:
                return (1, "")
            assert field.comodel is not None
            return (0, self.env[field.comodel].display_name_of(raw).casefold())
        if field.type == "boolean":
            return (0, int(bool(raw)))
        if field.type in X2MANY_TYPES:
            return (0, len(raw))
        if raw is False or raw is None:
            return (1, "")
        if isinstance(raw, str):
            return (0, (raw.casefold(), raw))
        return (0, raw)

    # -- writing ---------------------------------------------------------------------------------
    def create_record(self, vals: dict[str, Any]) -> int:
        """Create one record: defaults, conversion, required check, x2many commands, constraints."""
        vals = dict(vals or {})
        self._check_field_names(vals)
        for parent_model, link in self._inherits.items():
            parent_vals = {k: vals.pop(k) for k in list(vals) if self.fields_by_name[k].delegate == link}
            if not vals.get(link):
                vals[link] = self.env[parent_model].create_record(parent_vals)
            elif parent_vals:
                self.env[parent_model].write_records([vals[link]], parent_vals)
        for name, field in self.fields_by_name.items():
            if name in vals or field.delegate is not None or name in ("id", "display_name", *MAGIC_FIELDS):
                continue
            context_key = f"default_{name}"
            if context_key in self.context:
                vals[name] = self.context[context_key]
            elif field.default is not None:
                vals[name] = field.default(self) if callable(field.default) else copy.deepcopy(field.default)
        stored: dict[str, Any] = {}
        later: list[tuple[Field, Any]] = []
        dangling: Field | None = None
        for name, value in vals.items():
            field = self.fields_by_name[name]
            if name in ("id", "display_name", *MAGIC_FIELDS):
                continue
            if field.type in X2MANY_TYPES or (field.compute is not None and field.inverse is not None):
                later.append((field, value))
                if field.type == "many2many" and field.compute is None:
                    stored[name] = []
            elif field.dangles(self.env, value, "create"):
                dangling = dangling or field
                stored[name] = int(value[0] if isinstance(value, (list, tuple)) else value)
            elif field.compute is None:
                stored[name] = field.convert(self.env, value)
        for name, field in self.fields_by_name.items():
            if (
                field.required
                and field.store
                and stored.get(name, False) is False
                and field.type != "boolean"
            ):
                raise self._mandatory_error(field)
        if dangling is not None:
            raise self._foreign_key_error(dangling)
        now = write_stamp(self.env)
        stored.update(create_date=now, write_date=now, create_uid=self.env.uid, write_uid=self.env.uid)
        record_id = self.db.insert(self._name, stored)
        for field, value in later:
            self._apply_later(record_id, field, value)
        self._check_constraints([record_id])
        self.notify_change([record_id], None)
        return record_id

    def change_hooks(self) -> list[ChangeHook]:
        return [hook for hook in CHANGE_HOOKS if hook.watches(self)]

    def notify_change(
        self, ids: list[int], old: dict[int, dict[str, Any]] | None, hooks: list[ChangeHook] | None = None
    ) -> None:
        for hook in self.change_hooks() if hooks is None else hooks:
            hook.changed(self, ids, old)

    def write_records(self, ids: list[int], vals: dict[str, Any]) -> None:
        self._check_existing(ids)
        vals = dict(vals or {})
        self._check_field_names(vals)
        hooks = self.change_hooks()
        old: dict[int, dict[str, Any]] = {}
        if hooks:
            watched = [n for n in vals if self.fields_by_name[n].store or self.fields_by_name[n].inverse]
            old = {rid: {n: self.value(rid, n) for n in watched} for rid in ids}
        for parent_model, link in self._inherits.items():
            parent_vals = {k: vals.pop(k) for k in list(vals) if self.fields_by_name[k].delegate == link}
            if parent_vals:
                parents = sorted({self.raw(rid)[link] for rid in ids if self.raw(rid).get(link)})
                self.env[parent_model].write_records(parents, parent_vals)
        stored: dict[str, Any] = {}
        later: list[tuple[Field, Any]] = []
        dangling: Field | None = None
        for name, value in vals.items():
            field = self.fields_by_name[name]
            if name in ("id", "display_name", *MAGIC_FIELDS):
                continue
            if field.type in X2MANY_TYPES or (field.compute is not None and field.inverse is not None):
                later.append((field, value))
            elif field.dangles(self.env, value, "write"):
                dangling = dangling or field
            elif field.compute is None:
                converted = field.convert(self.env, value)
                if field.required and converted is False and field.type != "boolean":
                    raise self._mandatory_error(field)
                stored[name] = converted
        if dangling is not None:
            raise self._foreign_key_error(dangling)
        stored.update(write_date=write_stamp(self.env), write_uid=self.env.uid)
        for rid in ids:
            self.db.update(self._name, rid, stored)
            for field, value in later:
                self._apply_later(rid, field, value)
        self._check_constraints(ids)
        if hooks:
            self.notify_change(ids, old, hooks)

    def unlink_records(self, ids: list[int]) -> None:
        self._check_existing(ids)
        for rid in ids:
            if not self.exists_id(rid):
                continue
            for field in self.fields_by_name.values():
                if field.type != "one2many" or field.compute is not None or field.delegate is not None:
                    continue
                assert field.comodel is not None and field.inverse_name is not None
                comodel = self.env[field.comodel].with_context(active_test=False)
                children = comodel.children_of(field.inverse_name, rid)
                if not children:
                    continue
                if comodel.fields_by_name[field.inverse_name].ondelete == "cascade":
                    comodel.unlink_records([c for c in children if comodel.exists_id(c)])
                else:
                    for child in children:
                        self.db.update(field.comodel, child, {field.inverse_name: False})
            self.db.delete(self._name, rid)
        if self._name != "ir.model.data":
            # Odoo's unlink deletes the records' external ids with them (their ir.model.data rows).
            gone = set(ids)
            data = self.db.table("ir.model.data")
            rows = {key for rid in gone for key in self.db.index("ir.model.data", "res_id").holding(rid)}
            for data_id in [
                key
                for key in self.db.in_table_order("ir.model.data", rows)
                if data[key].get("model") == self._name and data[key].get("res_id") in gone
            ]:
                self.db.delete("ir.model.data", data_id)

    def _check_constraints(self, ids: list[int]) -> None:
        """Python constraints, run after create and write (Odoo's ``@api.constrains``)."""

    def _mandatory_error(self, field: Field) -> Exception:
        """A required column left empty: the NOT NULL violation as the version words it."""
        return mandatory_field_error(
            self.env.profile, self._description, self._name, field.string, field.name
        )

    def _foreign_key_error(self, field: Field) -> Exception:
        """A many2one to a missing record that reached the database: the foreign key violation."""
        return foreign_key_error(self.env.profile, self._description, self._name, field.string, field.name)

    def _apply_later(self, record_id: int, field: Field, value: Any) -> None:
        flags = self.env.flags
        flags[NESTED] = flags.get(NESTED, 0) + 1
        try:
            if field.compute is not None:
                assert field.inverse is not None
                getattr(self, field.inverse)(record_id, value)
            elif field.type == "one2many":
                self._apply_one2many(record_id, field, value)
            else:
                self._apply_many2many(record_id, field, value)
        finally:
            flags[NESTED] -= 1

    @staticmethod
    def _commands(value: Any) -> list[list[Any]]:
        if value is None or value is False:
            return [[5]]
        commands = list(value)
        if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
            return [[6, 0, commands]]
        return [list(c) if isinstance(c, (list, tuple)) else [4, c] for c in commands]

    def _apply_one2many(self, record_id: int, field: Field, value: Any) -> None:
        assert field.comodel is not None and field.inverse_name is not None
        comodel = self.env[field.comodel]
        inverse = field.inverse_name
        cascade = comodel.fields_by_name[inverse].ondelete == "cascade"

        def detach(child: int) -> None:
            if cascade:
                comodel.unlink_records([child])
            else:
                comodel.write_records([child], {inverse: False})

        for command in self._commands(value):
            code = command[0]
            if code == 0:
                comodel.create_record({**(command[2] or {}), inverse: record_id})
            elif code == 1:
                comodel.write_records([int(command[1])], command[2] or {})
            elif code == 2:
                comodel.unlink_records([int(command[1])])
            elif code == 3:
                detach(int(command[1]))
            elif code == 4:
                comodel.write_records([int(command[1])], {inverse: record_id})
            elif code == 5:
                for child in self.value(record_id, field.name):
                    detach(child)
            elif code == 6:
                wanted = [int(i) for i in (command[2] or [])]
                for child in self.value(record_id, field.name):
                    if child not in wanted:
                        detach(child)
                for child in wanted:
                    comodel.write_records([child], {inverse: record_id})
            else:
                raise ValueError(f"Invalid x2many command: {command!r}")

    def _apply_many2many(self, record_id: int, field: Field, value: Any) -> None:
        assert field.comodel is not None
        comodel = self.env[field.comodel]
        current = list(self.raw(record_id).get(field.name) or [])

        def require(ids: list[int]) -> list[int]:
            comodel._check_existing(ids)
            return ids

        for command in self._commands(value):
            code = command[0]
            if code == 0:
                current.append(comodel.create_record(command[2] or {}))
            elif code == 1:
                comodel.write_records([int(command[1])], command[2] or {})
            elif code == 2:
                comodel.unlink_records([int(command[1])])
                current = [i for i in current if i != int(command[1])]
            elif code == 3:
                current = [i for i in current if i != int(command[1])]
            elif code == 4:
                target = require([int(command[1])])[0]
                if target not in current:
                    current.append(target)
            elif code == 5:
                current = []
            elif code == 6:
                current = list(dict.fromkeys(require([int(i) for i in (command[2] or [])])))
            else:
                raise ValueError(f"Invalid x2many command: {command!r}")
        self.db.update(self._name, record_id, {field.name: current})

    def read_records(self, ids: list[int], fields: list[str] | None = None) -> list[dict[str, Any]]:
        names = list(fields or [n for n in self.fields_by_name if n != "id"])
        self._check_field_names(names, "read")
        rows = []
        for rid in dict.fromkeys(ids):
            if not self.exists_id(rid):
                continue
            row: dict[str, Any] = {"id": rid}
            for name in names:
                if name != "id":
                    row[name] = self.fields_by_name[name].to_read(self.env, self.value(rid, name))
            rows.append(row)
        return rows

    # -- RPC: the ORM's public API ---------------------------------------------------------------
    @api_model
    def create(self, vals_list: Any) -> Any:
        if isinstance(vals_list, dict):
            return self.create_record(vals_list)
        return [self.create_record(vals) for vals in vals_list]

    @api_records
    def write(self, ids: list[int], vals: dict[str, Any]) -> bool:
        if not ids:  # Odoo's write returns at once on an empty recordset, whatever the values
            return True
        self.write_records(ids, vals)
        return True

    @api_records
    def unlink(self, ids: list[int]) -> bool:
        self.unlink_records(ids)
        return True

    @api_records
    def read(self, ids: list[int], fields: list[str] | None = None, load: Any = "_classic_read") -> Any:
        return self._loaded(self.read_records(ids, fields), load)

    def _loaded(self, rows: list[dict[str, Any]], load: Any) -> list[dict[str, Any]]:
        """``load=None`` (JSON-2, JSON-RPC) reads a many2one as its bare id instead of ``[id, name]``."""
        if load:
            return rows
        for row in rows:
            for name, value in row.items():
                if isinstance(value, list) and value and self.fields_by_name[name].type == "many2one":
                    row[name] = value[0]
        return rows

    @api_records
    def copy(self, ids: list[int], default: dict[str, Any] | None = None) -> list[int]:
        """One new record per id from its stored own fields (one2many and delegated ones not copied), ``default``
        on top; Odoo answers the new recordset, so JSON-2 gets a list of ids."""
        self._check_existing(ids)
        copies = []
        for rid in ids:
            raw = self.raw(rid)
            vals: dict[str, Any] = {}
            for name, field in self.fields_by_name.items():
                if name not in raw or name in ("id", *MAGIC_FIELDS) or field.type == "one2many":
                    continue
                if field.compute is None and field.delegate is None:
                    vals[name] = [[6, 0, list(raw[name])]] if field.type == "many2many" else raw[name]
            copies.append(self.create_record({**vals, **(default or {})}))
        return copies

    @api_records
    def web_read(self, ids: list[int], specification: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """Odoo 17+'s web client read: many2one as a bare id unless the spec asks for its fields.

        Like Odoo's, it goes through ``read``: missing ids are left out (no error), and an empty
        specification (or only ``id``) answers the ids alone. But when some of the ids exist and the
        specification reads a relation's records (a many2one with ``fields``, an x2many with a specification),
        Odoo reads that field on the whole recordset, and a missing id raises MissingError (seen on 18 and 19).
        """
        names = [name for name in specification if name != "id"]
        if not names:
            return [{"id": rid} for rid in dict.fromkeys(ids)]
        rows = self.read_records(ids, names)
        missing = [rid for rid in dict.fromkeys(ids) if not self.exists_id(rid)]
        if rows and missing:
            for name in names:
                field = self.fields_by_name.get(name)
                if field is not None and (
                    (field.type == "many2one" and "fields" in specification[name])
                    or (field.type in ("one2many", "many2many") and specification[name])
                ):
                    raise missing_error(self._name, missing, self.env.uid)
        for row in rows:
            for name, spec in specification.items():
                field = self.fields_by_name.get(name)
                if field is None or name == "id":
                    continue
                value = row.get(name)
                if field.type == "many2one":
                    if not value:
                        row[name] = False
                    elif "fields" in spec:
                        row[name] = {"id": value[0], "display_name": value[1]}
                    else:
                        row[name] = value[0]
                elif field.type in ("one2many", "many2many") and "fields" in spec and value:
                    row[name] = self.env[str(field.comodel)].web_read(value, spec["fields"])
        return rows

    @api_records
    def web_save(
        self,
        ids: list[int],
        vals: dict[str, Any],
        specification: dict[str, dict[str, Any]],
        next_id: Any = None,
    ) -> list[dict[str, Any]]:
        """Write (or create when no ids are given), then answer like web_read: one round trip."""
        if ids:
            self.write_records(ids, vals)
        else:
            ids = [self.create_record(vals)]
        if next_id:
            ids = [int(next_id)]
        return self.web_read(ids, specification)

    @api_model
    def search(self, domain: Any, offset: int = 0, limit: Any = None, order: Any = None) -> list[int]:
        return self.search_ids(domain, offset or 0, limit or None, order or None)

    @api_model
    def search_count(self, domain: Any, limit: Any = None) -> int:
        return len(self.search_ids(domain, 0, limit or None))

    @api_model
    def search_read(
        self,
        domain: Any = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: Any = None,
        order: Any = None,
        load: Any = "_classic_read",
    ) -> list[dict[str, Any]]:
        ids = self.search_ids(domain or [], offset or 0, limit or None, order or None)
        return self._loaded(self.read_records(ids, fields), load)

    @api_model
    def name_search(
        self, name: str = "", domain: Any = None, operator: str = "ilike", limit: int = 100
    ) -> list[list[Any]]:
        ids = self.search_ids(domain or [], 0, None)
        if name:
            search_fields = self._rec_names_search or ("display_name",)
            ids = [
                rid
                for rid in ids
                if any(domains.compare(self.value(rid, f), operator, name) for f in search_fields)
            ]
        if limit:
            ids = ids[: int(limit)]
        return [[rid, self.display_name_of(rid)] for rid in ids]

    @api_model
    def fields_get(
        self, allfields: list[str] | None = None, attributes: list[str] | None = None
    ) -> dict[str, Any]:
        result = {}
        for name, field in self.fields_by_name.items():
            if allfields and name not in allfields:
                continue
            info = field.describe()
            if attributes:
                info = {key: value for key, value in info.items() if key in attributes}
            result[name] = info
        return result

    @api_model
    def default_get(self, fields_list: list[str]) -> dict[str, Any]:
        self._check_field_names(fields_list, "read")
        result: dict[str, Any] = {}
        for name in fields_list:
            field = self.fields_by_name[name]
            if f"default_{name}" in self.context:
                result[name] = self.context[f"default_{name}"]
            elif field.default is not None:
                result[name] = (
                    field.default(self) if callable(field.default) else copy.deepcopy(field.default)
                )
        return result

    @api_records
    def get_external_id(self, ids: list[int]) -> dict[int, str]:
        # int keys on purpose: XML-RPC cannot marshal them (faultCode 1), JSON-RPC turns them into strings.
        found = {rid: "" for rid in ids}
        data = self.db.table("ir.model.data")
        rows = {data_id for rid in found for data_id in self.db.index("ir.model.data", "res_id").holding(rid)}
        for data_id in self.db.in_table_order("ir.model.data", rows):
            rec = data[data_id]
            if rec.get("model") == self._name and rec.get("res_id") in found:
                found[rec["res_id"]] = f"{rec['module']}.{rec['name']}"
        return found

    @api_records
    def exists(self, ids: list[int]) -> list[int]:
        return [rid for rid in ids if self.exists_id(rid)]

    @api_records
    def has_access(self, ids: list[int], operation: str) -> bool:
        return self.access_error(operation) is None

    @api_model
    def check_access_rights(self, operation: str, raise_exception: bool = True) -> bool | None:
        # Since 18 it is check_access(operation) when raising (None, the None-fault), has_access otherwise.
        error = self.access_error(operation)
        if not raise_exception:
            return error is None
        if error is not None:
            raise error
        return None if self.env.profile.check_access_rights_returns_none else True

    @api_records
    def check_access(self, ids: list[int], operation: str) -> None:
        error = self.access_error(operation)
        if error is not None:
            raise error

    def access_error(self, operation: str) -> AccessError | None:
        return access_error(self.env.uid, self._name, self._description, operation, self.env.profile)

    @api_records
    def action_archive(self, ids: list[int]) -> bool:
        self.write_records(ids, {"active": False})
        return True

    @api_records
    def action_unarchive(self, ids: list[int]) -> bool:
        self.write_records(ids, {"active": True})
        return True

    @api_model
    def load(self, fields: list[str], data: list[list[Any]]) -> dict[str, Any]:
        from .importer import load_rows

        return load_rows(self, fields, data)

    @api_model
    def read_group(
        self,
        domain: Any,
        fields: list[str],
        groupby: Any,
        offset: int = 0,
        limit: Any = None,
        orderby: Any = False,
        lazy: bool = True,
    ) -> list[dict[str, Any]]:
        from .grouping import read_group

        return read_group(self, domain, fields, groupby, offset, limit, lazy)


def rpc_kind(model: Model, method: str) -> str | None:
    """'model' / 'records' for a remotely callable method, None when it does not exist for RPC."""
    function = getattr(type(model), method, None)
    return getattr(function, RPC_KIND, None) if callable(function) else None


def ensure_allowed(model: Model, operation: str) -> None:
    """Raise Odoo's AccessError when the user may not perform ``operation`` on the model."""
    error = model.access_error(operation)
    if error is not None:
        raise error
