"""Field definitions: how a value is stored, validated and rendered by ``read``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import tools
from .errors import missing_error

if TYPE_CHECKING:
    from .orm import Environment

SCALAR_TYPES = {
    "char",
    "text",
    "html",
    "selection",
    "integer",
    "float",
    "monetary",
    "boolean",
    "date",
    "datetime",
}
X2MANY_TYPES = {"one2many", "many2many"}
# Field.unchecked_on values
ON_CREATE = frozenset({"create"})
ON_WRITE = frozenset({"write"})
ON_CREATE_AND_WRITE = frozenset({"create", "write"})
NUMERIC_TYPES = {"integer", "float", "monetary"}


@dataclass
class Field:
    type: str
    string: str = ""
    comodel: str | None = None
    inverse_name: str | None = None  # one2many: the many2one on the comodel
    required: bool = False
    readonly: bool = False
    default: Any = None  # a value, or a callable taking the Model
    selection: tuple[tuple[str, str], ...] = ()
    compute: str | None = None  # method name, called as (record_id, field_name) -> raw value
    inverse: str | None = None  # method name, called as (record_id, value) when a computed field is written
    ondelete: str = "set null"
    name: str = ""
    model: str = ""
    delegate: str | None = None  # _inherits: the many2one that holds the parent record
    delegate_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Float fields: the decimal.precision record ("Product Price", "Discount", ...) whose digits Odoo rounds
    # every stored value to (fields.Float(digits='Discount') rounds in convert_to_cache, before any compute).
    digits: str | None = None
    # many2one: the operations ('create', 'write') in which Odoo reads nothing through the field, so that an id
    # of a missing record is refused only by the database's foreign key at the flush (a ValidationError with
    # Odoo's misleading "record being deleted" text), not by the ORM (MissingError). Checked field by field on
    # real 18 and 19 servers.
    unchecked_on: frozenset[str] = frozenset()

    @property
    def store(self) -> bool:
        return self.compute is None and self.type != "one2many" and self.delegate is None

    @property
    def relational(self) -> bool:
        return self.type in ("many2one", "one2many", "many2many")

    def null(self) -> Any:
        """The raw value of an unset field."""
        if self.type in X2MANY_TYPES:
            return []
        if self.type == "integer":
            return 0
        if self.type in ("float", "monetary"):
            return 0.0
        return False

    def convert(self, env: Environment, value: Any) -> Any:
        """Turn an incoming RPC value into its stored form, validating it like Odoo does."""
        if value is None:
            value = False
        kind = self.type
        if kind in ("char", "text", "html"):
            return False if value is False else str(value)
        if kind == "binary":  # base64 text, as RPC carries it; False when empty
            if isinstance(value, bytes):
                value = value.decode("ascii", "replace")
            return str(value) if value else False
        if kind == "selection":
            if value is False or value == "":
                return False
            if value not in {key for key, _label in self.selection}:
                raise ValueError(f"Wrong value for {self.model}.{self.name}: {value!r}")
            return value
        if kind == "integer":
            return int(value or 0)
        if kind in ("float", "monetary"):
            if self.digits and value:
                return tools.float_round(float(value), 10.0 ** -precision_digits(env, self.digits))
            return float(value or 0.0)
        if kind == "boolean":
            return bool(value)
        if kind == "date":
            return tools.to_date_string(value)
        if kind == "datetime":
            return tools.to_datetime_string(value)
        if kind == "many2one":
            if isinstance(value, (list, tuple)):
                value = value[0] if value else False
            if not value:
                return False
            record_id = int(value)
            assert self.comodel is not None
            if env.db.get(self.comodel, record_id) is None:
                raise missing_error(self.comodel, [record_id], env.uid)
            return record_id
        raise TypeError(f"field type {kind} is not stored directly")

    def dangles(self, env: Environment, value: Any, operation: str) -> bool:
        """A many2one value naming a missing record that only the foreign key refuses in ``operation``."""
        if self.type != "many2one" or operation not in self.unchecked_on:
            return False
        if isinstance(value, (list, tuple)):
            value = value[0] if value else False
        if not value or isinstance(value, bool):
            return False
        assert self.comodel is not None
        return env.db.get(self.comodel, int(value)) is None

    def to_read(self, env: Environment, raw: Any) -> Any:
        """Render a raw value as ``read`` returns it."""
        kind = self.type
        if kind == "many2one":
            if not raw:
                return False
            assert self.comodel is not None
            if env.db.get(self.comodel, raw) is None:
                return False
            return [raw, env[self.comodel].display_name_of(raw)]
        if kind in X2MANY_TYPES:
            return list(raw or [])
        if kind == "integer":
            return int(raw or 0)
        if kind in ("float", "monetary"):
            return float(raw or 0.0)
        if kind == "boolean":
            return bool(raw)
        if kind == "datetime" and isinstance(raw, str):
            return raw[:19]  # write_date / create_date carry microseconds; read shows seconds
        return False if raw is None or raw is False else raw

    def describe(self) -> dict[str, Any]:
        """The ``fields_get`` entry."""
        info: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
            "readonly": self.readonly or (self.compute is not None and self.inverse is None),
            "store": self.compute is None and self.type != "one2many",
            "searchable": True,
            "sortable": self.store or self.delegate is not None,
            "name": self.name,
        }
        if self.comodel:
            info["relation"] = self.comodel
        if self.inverse_name:
            info["relation_field"] = self.inverse_name
        if self.type == "selection":
            info["selection"] = [list(pair) for pair in self.selection]
        if self.type == "many2one":
            info["domain"] = []
            info["context"] = {}
        info.update(self.extra)
        return info


# Odoo 18's decimal.precision records as `product` and `account` install them (all 2 digits but Payment Terms).
DEFAULT_DIGITS = {
    "Product Price": 2,
    "Discount": 2,
    "Product Unit of Measure": 2,
    "Stock Weight": 2,
    "Volume": 2,
    "Payment Terms": 6,
}


def precision_digits(env: Environment, name: str) -> int:
    """``decimal.precision.precision_get``: the digits of a named precision (a merchant may change them)."""
    for record in env.db.table("decimal.precision").values():
        if record.get("name") == name:
            return int(record.get("digits") or 0)
    return DEFAULT_DIGITS.get(name, 2)


def Char(string: str = "", **kw: Any) -> Field:
    return Field("char", string, **kw)


def Text(string: str = "", **kw: Any) -> Field:
    return Field("text", string, **kw)


def Binary(string: str = "", **kw: Any) -> Field:
    return Field("binary", string, **kw)


def Html(string: str = "", **kw: Any) -> Field:
    return Field("html", string, **kw)


def Integer(string: str = "", **kw: Any) -> Field:
    return Field("integer", string, **kw)


def Float(string: str = "", **kw: Any) -> Field:
    return Field("float", string, **kw)


def Monetary(string: str = "", **kw: Any) -> Field:
    return Field("monetary", string, **kw)


def Boolean(string: str = "", **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def Date(string: str = "", **kw: Any) -> Field:
    return Field("date", string, **kw)


def Datetime(string: str = "", **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def Selection(selection: list[tuple[str, str]], string: str = "", **kw: Any) -> Field:
    return Field("selection", string, selection=tuple(selection), **kw)


def Many2one(comodel: str, string: str = "", **kw: Any) -> Field:
    return Field("many2one", string, comodel=comodel, **kw)


def One2many(comodel: str, inverse_name: str, string: str = "", **kw: Any) -> Field:
    return Field("one2many", string, comodel=comodel, inverse_name=inverse_name, **kw)


def Many2many(comodel: str, string: str = "", **kw: Any) -> Field:
    return Field("many2many", string, comodel=comodel, **kw)
