"""``read_group``: enough of it for stock levels per product and warehouse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fields import NUMERIC_TYPES

if TYPE_CHECKING:
    from .orm import Model


def read_group(
    model: Model, domain: Any, fields: list[str], groupby: Any, offset: int, limit: Any, lazy: bool
) -> list[dict[str, Any]]:
    groupbys = [groupby] if isinstance(groupby, str) else list(groupby or [])
    if lazy:
        groupbys = groupbys[:1]
    for name in groupbys:
        model._check_field_names([name.split(":")[0]])
    aggregates: list[tuple[str, str, str]] = []  # (output key, field, function)
    for spec in fields or []:
        if spec == "__count":
            continue
        key, _, function = spec.partition(":")
        field_name = key
        if "(" in function:  # 'alias:sum(field)'
            function, _, rest = function.partition("(")
            field_name = rest.rstrip(")")
        model._check_field_names([field_name])
        field = model.fields_by_name[field_name]
        if not function:
            if field.type not in NUMERIC_TYPES or key in groupbys:
                continue
            function = "sum"
        aggregates.append((key, field_name, function))
    groups: dict[tuple[Any, ...], list[int]] = {}
    for rid in model.search_ids(domain):
        values = [model.value(rid, name.split(":")[0]) for name in groupbys]
        group_key = tuple(tuple(v) if isinstance(v, list) else v for v in values)
        groups.setdefault(group_key, []).append(rid)
    rows = []
    for group_key, members in groups.items():
        row: dict[str, Any] = {}
        leaves: list[list[Any]] = []
        for name, raw in zip(groupbys, group_key, strict=True):
            field = model.fields_by_name[name.split(":")[0]]
            row[name] = field.to_read(model.env, list(raw) if isinstance(raw, tuple) else raw)
            leaves.append([name.split(":")[0], "=", raw if not isinstance(raw, tuple) else list(raw)])
        if lazy and groupbys:
            row[f"{groupbys[0]}_count"] = len(members)
        else:
            row["__count"] = len(members)
        for output, field_name, function in aggregates:
            values = [float(model.value(rid, field_name) or 0.0) for rid in members]
            if function == "sum":
                row[output] = sum(values)
            elif function == "min":
                row[output] = min(values)
            elif function == "max":
                row[output] = max(values)
            elif function == "avg":
                row[output] = sum(values) / len(values)
            elif function == "count":
                row[output] = len(values)
            else:
                raise ValueError(f"Invalid aggregate function {function!r}")
        row["__domain"] = [*list(domain or []), *leaves]
        rows.append(row)
    rows = rows[int(offset or 0) :]
    if limit:
        rows = rows[: int(limit)]
    return rows
