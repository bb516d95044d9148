"""Search domains: Polish-notation parsing, validation and evaluation against raw records."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import tools

if TYPE_CHECKING:
    from .orm import Model

Node = tuple[Any, ...]
TRUE_NODE: Node = ("true",)
OPERATORS = {
    "=",
    "!=",
    "<>",
    "<",
    ">",
    "<=",
    ">=",
    "=?",
    "like",
    "ilike",
    "not like",
    "not ilike",
    "=like",
    "=ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
}
NEGATIVE = {"!=", "<>", "not like", "not ilike", "not in", "not any"}


def parse(model: Model, domain: Any) -> Node:
    """Turn an Odoo domain into a tree of ('&'|'|', a, b), ('!', a) and leaves; implicit '&' between terms."""
    if model.env.profile.domain_type_error:
        # 19's Domain(): False matches nothing, anything else but a list or tuple is a TypeError
        if domain is False:
            return ("false",)
        if not isinstance(domain, (list, tuple)):
            raise TypeError(f"Domain() invalid argument type for domain: {domain!r}")
    elif not isinstance(domain, (list, tuple)):
        raise AssertionError(
            "Domains to normalize must have a 'domain' form: a list or tuple of domain components"
        )
    if not domain:
        return TRUE_NODE
    tokens = list(domain)
    position = 0

    def read() -> Node:
        nonlocal position
        if position >= len(tokens):
            raise ValueError(f"Domain {domain!r} is syntactically not correct.")
        token = tokens[position]
        position += 1
        if token in ("&", "|"):
            left = read()
            right = read()
            return (token, left, right)
        if token == "!":  # noqa: S105 - a domain operator, not a password
            return ("!", read())
        return _leaf(model, token)

    nodes = []
    while position < len(tokens):
        nodes.append(read())
    node = nodes[-1]
    for previous in reversed(nodes[:-1]):
        node = ("&", previous, node)
    return node


def _leaf(model: Model, token: Any) -> Node:
    if not isinstance(token, (list, tuple)) or len(token) != 3:
        raise ValueError(f"Invalid leaf {token!r}")
    path, operator, value = token
    leaf_repr = tuple(token)
    if path in (0, 1) and operator == "=" and value == 1:
        return TRUE_NODE if path == 1 else ("false",)
    if not isinstance(path, str) or operator not in OPERATORS:
        raise ValueError(f"Invalid leaf {leaf_repr!r}")
    current = model
    parts = path.split(".")
    for index, part in enumerate(parts):
        field = current.fields_by_name.get(part)
        if field is None:
            raise ValueError(current.env.profile.invalid_domain_field_message(current._name, part, leaf_repr))
        if index < len(parts) - 1:
            if not field.comodel:
                raise ValueError(
                    current.env.profile.invalid_domain_field_message(
                        current._name, parts[index + 1], leaf_repr
                    )
                )
            current = current.env[field.comodel]
    return ("leaf", parts, operator, _normalise_value(value))


class _Members(list[Any]):
    """A leaf's list of plain ints or of strings, with their set: an ``in`` test of a record is one lookup, not
    a comparison with every value (a search by 500 ids over 30,000 quants was 15 million comparisons)."""

    __slots__ = ("kind", "members")

    def __init__(self, values: list[Any], kind: str) -> None:
        super().__init__(values)
        self.kind = kind
        self.members = frozenset(values)

    def holds(self, raw: Any) -> bool | None:
        """Whether ``raw`` is one of the values, or None when only the general comparison can tell."""
        if self.kind == "int" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return raw in self.members
        if self.kind == "str" and isinstance(raw, str):
            return raw in self.members
        return None


def _normalise_value(value: Any) -> Any:
    if value is None:
        return False
    if isinstance(value, datetime):
        return value.strftime(tools.DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(tools.DATE_FORMAT)
    if isinstance(value, (list, tuple)) and value:
        if all(type(v) is int for v in value):
            return _Members(list(value), "int")
        if all(type(v) is str for v in value):
            return _Members(list(value), "str")
    if isinstance(value, tuple):
        return list(value)
    return value


def mentions(node: Node, field_name: str) -> bool:
    if node[0] == "leaf":
        return bool(node[1][0] == field_name)
    if node[0] in ("&", "|", "!"):
        return any(mentions(child, field_name) for child in node[1:])
    return False


# Stored field types whose index can name a leaf's records: by an int (not 0, which NULL equals in an ``in``),
# by a non-empty string (many2one strings match names, dates compare by prefix: not here)
_BY_INT = ("many2one", "integer")
_BY_STR = ("char", "text", "selection")


def candidates(model: Model, node: Node) -> AbstractSet[int] | None:
    """The records that may match ``node``, found through the indexes of its ``=`` / ``in`` leaves (a superset
    of the matches: :func:`matches` decides), or None when no index narrows it."""
    kind = node[0]
    if kind == "false":
        return frozenset()
    if kind == "leaf":
        return _leaf_candidates(model, node[1], node[2], node[3])
    if kind not in ("&", "|"):
        return None
    left, right = candidates(model, node[1]), candidates(model, node[2])
    if kind == "|":
        return None if left is None or right is None else left | right
    if left is None or right is None:
        return right if left is None else left
    return left & right if len(left) <= len(right) else right & left


def _leaf_candidates(model: Model, parts: list[str], operator: str, value: Any) -> AbstractSet[int] | None:
    if len(parts) != 1 or operator not in ("=", "in"):
        return None
    name = parts[0]
    if isinstance(value, _Members):
        if operator == "=" and name != "id" and model.fields_by_name[name].type != "many2one":
            return None  # '=' a list: only a many2one (or id) turns it into 'in'
        values: list[Any] = list(value)
        kind = value.kind
    elif operator == "=" and type(value) is int:
        values, kind = [value], "int"
    elif operator == "=" and type(value) is str:
        values, kind = [value], "str"
    else:
        return None
    if name == "id":
        table = model.table()
        return {v for v in values if v in table} if kind == "int" else None
    field = model.fields_by_name[name]
    if not field.store or name in model._values_from_elsewhere:
        return None
    if kind == "int":
        if field.type not in _BY_INT or 0 in values:
            return None
        index = model.db.index(model._name, name)
        if not index.only_holds("number"):
            return None
    else:
        if field.type not in _BY_STR or "" in values:
            return None
        index = model.db.index(model._name, name)
        if not index.only_holds("str"):
            return None
    if len(values) == 1:
        return index.holding(values[0])  # the index's own set: only read
    found: set[int] = set()
    for v in values:
        found.update(index.holding(v))
    return found


def matches(model: Model, record_id: int, node: Node) -> bool:
    kind = node[0]
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "&":
        return matches(model, record_id, node[1]) and matches(model, record_id, node[2])
    if kind == "|":
        return matches(model, record_id, node[1]) or matches(model, record_id, node[2])
    if kind == "!":
        return not matches(model, record_id, node[1])
    return _match_leaf(model, record_id, node[1], node[2], node[3])


def _match_leaf(model: Model, record_id: int, parts: list[str], operator: str, value: Any) -> bool:
    name = parts[0]
    field = model.fields_by_name[name]
    raw = model.value(record_id, name)
    if len(parts) > 1:
        assert field.comodel is not None
        comodel = model.env[field.comodel]
        targets = raw if isinstance(raw, list) else ([raw] if raw else [])
        if not targets:
            return operator in NEGATIVE or (operator in ("=", "in") and value in (False, [False]))
        hits = [_match_leaf(comodel, target, parts[1:], operator, value) for target in targets]
        return all(hits) if operator in NEGATIVE else any(hits)
    if operator in ("child_of", "parent_of"):
        return _match_hierarchy(model, record_id if name == "id" else raw, operator, value, field.comodel)
    if field.type == "many2one" or name == "id":
        return _match_many2one(model, field.comodel or model._name, raw, operator, value)
    if field.type in ("one2many", "many2many"):
        return _match_x2many(model, field.comodel or "", raw, operator, value)
    if (
        field.type == "datetime"
        and isinstance(raw, str)
        and model.env.profile.datetimes_compare_to_the_second
    ):
        raw = raw[:19]  # the stored microseconds (write_date) no longer count
    return compare(raw, operator, value, boolean=field.type == "boolean")


def _match_hierarchy(model: Model, start: Any, operator: str, value: Any, comodel: str | None) -> bool:
    wanted = set(value if isinstance(value, list) else [value])
    target = model.env[comodel] if comodel else model
    parent_field = getattr(target, "_parent_name", "parent_id")
    if operator == "child_of":
        current = start
        seen: set[int] = set()
        while current and current not in seen:
            if current in wanted:
                return True
            seen.add(current)
            current = target.value(current, parent_field) if target.exists_id(current) else False
        return False
    # parent_of: is ``start`` an ancestor of one of the wanted records?
    for record_id in wanted:
        current = record_id
        while current:
            if current == start:
                return True
            current = target.value(current, parent_field) if target.exists_id(current) else False
    return False


def _match_many2one(model: Model, comodel: str, raw: Any, operator: str, value: Any) -> bool:
    if isinstance(value, str) and operator not in ("in", "not in"):
        name = model.env[comodel].display_name_of(raw) if raw else False
        if operator in ("=", "!="):
            equal = name == value
            return equal if operator == "=" else not equal
        return compare(name, operator, value)
    if isinstance(value, list) and operator in ("=", "!="):
        operator = "in" if operator == "=" else "not in"
    return compare(raw, operator, value)


def _match_x2many(model: Model, comodel: str, raw: list[int], operator: str, value: Any) -> bool:
    ids = list(raw or [])
    if operator in ("=", "in", "!=", "<>", "not in"):
        positive = operator in ("=", "in")
        if value is False or value == []:
            result = not ids
        elif isinstance(value, str):
            names = [model.env[comodel].display_name_of(rid) for rid in ids]
            result = value in names
        else:
            wanted = set(value if isinstance(value, list) else [value])
            result = bool(wanted & set(ids))
        return result if positive else not result
    names = [model.env[comodel].display_name_of(rid) for rid in ids]
    hits = [compare(name, operator.replace("not ", ""), value) for name in names]
    return not any(hits) if operator.startswith("not ") else any(hits)


def _like_regex(pattern: str, wrap: bool) -> re.Pattern[str]:
    out = []
    for char in pattern:
        if char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    body = "".join(out)
    if wrap:
        body = f".*{body}.*"
    return re.compile(f"^{body}$", re.DOTALL)


def compare(raw: Any, operator: str, value: Any, boolean: bool = False) -> bool:
    """Compare one stored scalar to a leaf value with SQL-like NULL handling."""
    is_null = raw is False or raw is None or (raw == "" and not boolean)
    if boolean:
        raw = bool(raw)
        is_null = False
    if operator == "=?":
        return True if value is False else compare(raw, "=", value, boolean)
    if operator in ("=", "!=", "<>"):
        equal = is_null if value is False and not boolean else not is_null and _coerce_equal(raw, value)
        return equal if operator == "=" else not equal
    if operator in ("in", "not in"):
        values = value if isinstance(value, list) else [value]
        held = values.holds(raw) if isinstance(values, _Members) and not is_null else None
        if held is not None:
            found = held
        else:
            found = (is_null and False in values) or (
                not is_null and any(_coerce_equal(raw, v) for v in values)
            )
        return found if operator == "in" else not found
    if operator in ("<", ">", "<=", ">="):
        if is_null or value is False:
            return False
        try:
            left, right = _comparable(raw, value)
        except (TypeError, ValueError):
            return False
        return bool(
            {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
        )
    if operator in ("like", "ilike", "=like", "=ilike", "not like", "not ilike"):
        negative = operator.startswith("not ")
        base = operator.replace("not ", "")
        if value is False or value == "":
            return not negative if base in ("like", "ilike") else (is_null != negative)
        if is_null:
            return negative
        flags_insensitive = base in ("ilike", "=ilike")
        regex = _like_regex(
            str(value).lower() if flags_insensitive else str(value), wrap=not base.startswith("=")
        )
        text = str(raw).lower() if flags_insensitive else str(raw)
        found = bool(regex.match(text))
        return found != negative
    raise ValueError(f"Invalid operator {operator!r}")


def _coerce_equal(raw: Any, value: Any) -> bool:
    if isinstance(raw, bool) or isinstance(value, bool):
        return bool(raw) == bool(value) if isinstance(raw, bool) and isinstance(value, bool) else raw == value
    if isinstance(raw, (int, float)) and isinstance(value, (int, float)):
        return float(raw) == float(value)
    if isinstance(raw, (int, float)) and isinstance(value, str):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    if isinstance(raw, str) and not isinstance(value, str):
        return raw == str(value)
    return bool(raw == value)


def _comparable(raw: Any, value: Any) -> tuple[Any, Any]:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw), float(value)
    return str(raw), str(value)
