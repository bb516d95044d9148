"""``Model.load(fields, rows)``: Odoo's import, an atomic create-or-update keyed by external ids.

Errors are returned as ``messages`` (never as a Fault) and roll the whole call back. As Odoo 18's
``BaseModel.load`` / ``_extract_records`` / ``_convert_records`` / ``_load_records`` (odoo/models.py):

* ``.id`` updates the record with that database id; an unknown one is the message "Unknown database
  identifier '<id>'" (field ``.id``) and the row is then treated as a new record (whose errors follow).
* ``id`` (an external id) wins over ``.id``: an existing one updates its record, else a record is created and
  the external id registered (plus ``<xmlid>_<parent_model>`` for an ``_inherits`` parent it created).
* a one2many's sub-rows without a reference of their own (``<o2m>/id`` or ``<o2m>/.id``) become
  ``(0, 0, values)`` commands of the record's create or write, so loading the same rows again adds them again;
  a many2many ``.id`` / ``id`` cell holds comma-separated references and replaces the set (``(6, 0, ids)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import tools
from .errors import AccessDenied, UserError, ValidationError
from .fields import X2MANY_TYPES, Field

if TYPE_CHECKING:
    from .orm import Model


class ImportIssue(Exception):
    """One conversion problem, reported as a message."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def split_xmlid(xmlid: str) -> tuple[str, str]:
    module, dot, name = xmlid.partition(".")
    return (module, name) if dot else ("__import__", xmlid)


def xmlid_lookup(model: Model, module: str, name: str) -> tuple[str, int] | None:
    found = _xmlid_row(model, module, name)
    return (found[1]["model"], found[1]["res_id"]) if found is not None else None


def xmlid_register(model: Model, xmlid: str, res_id: int) -> None:
    module, name = split_xmlid(xmlid)
    model.env["ir.model.data"].create_record(
        {"module": module, "name": name, "model": model._name, "res_id": res_id, "noupdate": False}
    )


def _convert(model: Model, field: Field, subpath: list[str], value: str, label: str) -> Any:
    """Convert one cell for ``field`` (``subpath`` is [], ['id'] or ['.id'])."""
    if field.type == "many2many" and subpath in ([".id"], ["id"]):
        # Odoo's import splits x2many references on commas: "1,7" links two records.
        ids = [_convert(model, field, [*subpath, "one"], part.strip(), label) for part in value.split(",")]
        return [[6, 0, ids]]
    subpath = subpath[:1]
    if subpath == [".id"] or (field.name == "id" and subpath == []):
        try:
            record_id = int(value)
        except ValueError as error:
            raise ImportIssue(
                f"'{value}' does not seem to be an integer for field '{label}'", field.name
            ) from error
        referenced = model.env[field.comodel] if field.comodel else model
        if not referenced.exists_id(record_id):
            raise ImportIssue(
                f"No matching record found for database id '{value}' in field '{label}'", field.name
            )
        return record_id
    if subpath == ["id"]:
        module, name = split_xmlid(value)
        target = xmlid_lookup(model, module, name)
        if target is None or (field.comodel and target[0] != field.comodel):
            raise ImportIssue(
                f"No matching record found for external id '{value}' in field '{label}'", field.name
            )
        return target[1]
    kind = field.type
    if kind in ("integer",):
        try:
            return int(value)
        except ValueError as error:
            raise ImportIssue(
                f"'{value}' does not seem to be an integer for field '{label}'", field.name
            ) from error
    if kind in ("float", "monetary"):
        try:
            return float(value)
        except ValueError as error:
            raise ImportIssue(
                f"'{value}' does not seem to be a number for field '{label}'", field.name
            ) from error
    if kind == "boolean":
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes"):
            return True
        if lowered in ("0", "false", "no", ""):
            return False
        raise ImportIssue(f"Unknown value '{value}' for boolean field '{label}'", field.name)
    if kind == "selection":
        for key, title in field.selection:
            if value in (key, title):
                return key
        raise ImportIssue(f"Value '{value}' not found in selection field '{label}'", field.name)
    if kind in ("date", "datetime"):
        try:
            return tools.to_date_string(value) if kind == "date" else tools.to_datetime_string(value)
        except ValueError as error:
            raise ImportIssue(
                f"'{value}' does not seem to be a valid {kind} for field '{label}'", field.name
            ) from error
    if kind in ("many2one", "many2many"):
        assert field.comodel is not None
        comodel = model.env[field.comodel]
        ids = []
        for name in value.split(",") if kind == "many2many" else [value]:
            found = comodel.name_search(name.strip(), operator="=", limit=1)
            if not found:
                raise ImportIssue(
                    f"No matching record found for name '{name.strip()}' in field '{label}'", field.name
                )
            ids.append(found[0][0])
        return ids[0] if kind == "many2one" else [[6, 0, ids]]
    return value


def _values(
    model: Model,
    columns: list[tuple[int, list[str]]],
    row: list[Any],
    prefix: str,
    *,
    empty_as_false: bool = False,
) -> dict[str, Any]:
    """The row's values for `model`. With `empty_as_false` (a record's own row, as Odoo reads it), an empty cell
    of a plain or many2one column is the value False, so a required field left empty is refused ("Missing
    required value for the field …"), not filled by its default."""
    values: dict[str, Any] = {}
    for index, path in columns:
        cell = row[index] if index < len(row) else ""
        if cell is None or cell is False or str(cell) == "":
            name = path[0]
            if (
                empty_as_false
                and name not in ("id", ".id")
                and name in model.fields_by_name
                and model.fields_by_name[name].type not in X2MANY_TYPES
                and (len(path) == 1 or path[1:] in (["id"], [".id"]))
            ):
                field = model.fields_by_name[name]
                if field.required and field.type != "boolean":
                    raise ImportIssue(f"Missing required value for the field '{field.string}'", name)
                values[name] = False
            continue
        cell = str(cell)
        name = path[0]
        if name == "id" and len(path) == 1:
            values["__xmlid"] = cell
            continue
        if name == ".id":
            values["__dbid"] = cell
            continue
        field = model.fields_by_name[name]
        values[name] = _convert(model, field, path[1:], cell, prefix + field.string)
    return values


class UnknownDatabaseId(Exception):
    """A ``.id`` naming no record: logged, then the row is loaded as a new record (as Odoo does)."""


def _database_id(model: Model, cell: Any) -> int | None:
    """The record a ``.id`` cell names, None when no record has that id (Odoo searches [('id', '=', cell)])."""
    try:
        record_id = int(cell)
    except (TypeError, ValueError):
        return None
    return record_id if model.with_context(active_test=False).exists_id(record_id) else None


def _save(model: Model, values: dict[str, Any]) -> int:
    """Odoo's ``_load_records`` for one row: the external id first, then the database id, else a creation."""
    xmlid = values.pop("__xmlid", None)
    record_id = values.pop("__dbid", None)
    if xmlid:
        module, name = split_xmlid(xmlid)
        found = _xmlid_row(model, module, name)
        record_id = None
        if found is not None:
            data_id, data = found
            if data["model"] != model._name:
                raise ValidationError(
                    f"For external id {module}.{name} when trying to create/update a record of model "
                    f"{model._name} found record of different model {data['model']} ({data_id})"
                )
            if model.exists_id(data["res_id"]):
                record_id = int(data["res_id"])
            else:
                model.db.delete("ir.model.data", data_id)
    if record_id is not None:
        model.write_records([record_id], values)
        return int(record_id)
    created = model.create_record(values)
    if xmlid:
        xmlid_register(model, xmlid, created)
        for parent_model, link in model._inherits.items():
            if not values.get(link):
                parent = model.env[parent_model]
                xmlid_register(parent, f"{xmlid}_{parent_model.replace('.', '_')}", model.raw(created)[link])
    return created


def _xmlid_row(model: Model, module: str, name: str) -> tuple[int, dict[str, Any]] | None:
    """The ir.model.data row of an external id (the lowest id when several hold it)."""
    table = model.db.table("ir.model.data")
    for data_id in sorted(model.db.index("ir.model.data", "name").holding(name)):
        row = table[data_id]
        if row.get("module") == module:
            return data_id, row
    return None


def _check_column(model: Model, path: list[str]) -> None:
    """Odoo 19 refuses a column naming an unknown field, at any depth, with an exception (no message)."""
    current = model
    for part in path:
        if part in ("id", ".id"):
            return
        field = current.fields_by_name.get(part)
        if field is None:
            raise ValueError(f"Invalid field name {part!r}")
        if field.type != "one2many" or field.comodel is None:
            return
        current = current.env[field.comodel]


def load_rows(model: Model, fields: list[str], data: list[list[Any]]) -> dict[str, Any]:
    paths = [field.split("/") for field in fields]
    if model.env.profile.load_refuses_unknown_columns:
        for path in paths:
            _check_column(model, path)
    for path in paths:
        if path[0] not in ("id", ".id") and path[0] not in model.fields_by_name:
            return {
                "ids": False,
                "messages": [{"type": "error", "message": f"Unknown field '{path[0]}'", "field": path[0]}],
                "nextrow": 0,
            }
    one2many = {
        p[0] for p in paths if p[0] in model.fields_by_name and model.fields_by_name[p[0]].type == "one2many"
    }
    own = [(i, p) for i, p in enumerate(paths) if p[0] not in one2many]
    sub = {name: [(i, p[1:]) for i, p in enumerate(paths) if p[0] == name] for name in one2many}

    # Group rows into records: a row whose own columns are all empty continues the previous record.
    records: list[tuple[int, int]] = []
    for row_index, row in enumerate(data):
        own_cells = [row[i] if i < len(row) else "" for i, _ in own]
        if records and not any(str(c) for c in own_cells if c not in (None, False)):
            records[-1] = (records[-1][0], row_index)
        else:
            records.append((row_index, row_index))

    messages: list[dict[str, Any]] = []
    mark = model.db.savepoint()
    ids: list[int] = []
    first_user_error: tuple[int, str] | None = None
    for record_index, (first, last) in enumerate(records):
        try:
            values = _values(model, own, data[first], "", empty_as_false=True)
            cell = values.pop("__dbid", None)
            if cell is not None:
                found = _database_id(model, cell)
                if found is None:
                    messages.append(_unknown_id_message(cell, record_index, first, last))
                elif not values.get("__xmlid"):
                    values["__dbid"] = found
            referenced: list[tuple[Model, str, dict[str, Any]]] = []
            pending: ImportIssue | None = None
            for name, columns in sub.items():
                field = model.fields_by_name[name]
                assert field.comodel is not None and field.inverse_name is not None
                comodel = model.env[field.comodel]
                commands: list[Any] = []
                for row in data[first : last + 1]:
                    if not any(
                        str(row[i]) for i, _ in columns if i < len(row) and row[i] not in (None, False)
                    ):
                        continue
                    try:
                        line = _values(comodel, columns, row, field.string + "/")
                        if "__dbid" in line:
                            line_id = _database_id(comodel, line["__dbid"])
                            if line_id is None:
                                raise ImportIssue(
                                    f"No matching record found for database id '{line['__dbid']}' in field "
                                    f"'{field.string}'",
                                    name,
                                )
                            line["__dbid"] = line_id
                    except ImportIssue as issue:
                        pending = pending or ImportIssue(issue.message, name)
                        continue
                    if "__xmlid" in line or "__dbid" in line:
                        referenced.append((comodel, field.inverse_name, line))
                    else:
                        commands.append((0, 0, line))
                if commands and pending is None:
                    values[name] = commands
            # The record is saved even when one of its lines could not be converted, as in Odoo: a bad line
            # still uses up the order's sequence number, because sequences are not rolled back.
            record_id = _save(model, values)
            if pending is not None:
                raise pending
            for comodel, inverse, line in referenced:
                _save(comodel, {**line, inverse: record_id})
            ids.append(record_id)
        except ImportIssue as issue:
            messages.append(_message(issue.message, issue.field, record_index, first, last))
        except AccessDenied:
            raise
        except UserError as error:
            text = str(error)
            rows = {"from": first, "to": last}
            not_null = _not_null_message(model, text)
            if not_null is not None:
                messages.append({"rows": rows, "record": record_index, "type": "error", **not_null})
                continue
            if first_user_error is None and not text.startswith("The operation cannot be completed"):
                first_user_error = (record_index, text)
            messages.append({"rows": rows, "record": record_index, "type": "error", "message": text})
        except Exception as error:
            messages.append(_message(str(error), "", record_index, first, last))
    if messages:
        if first_user_error is not None and first_user_error[0] != 0:
            # Odoo first loads all rows in one batch; when a check refuses it, the row-by-row retry's messages
            # follow the batch's own, which carries the first row's place.
            first_rows = {"from": records[0][0], "to": records[0][1]}
            messages.insert(
                0, {"rows": first_rows, "record": 0, "type": "error", "message": first_user_error[1]}
            )
        model.db.rollback_to(mark)
        return {"ids": False, "messages": messages, "nextrow": 0}
    return {"ids": ids, "messages": [], "nextrow": 0}


def _not_null_message(model: Model, text: str) -> dict[str, Any] | None:
    """A NOT NULL violation (the sandbox's mandatory-field error) as load() words it: Odoo's
    ``convert_pgerror_not_null``, which names the column and, for an ``_inherits`` parent's, its table."""
    profile = model.env.profile
    for target in (model, *(model.env[parent] for parent in model._inherits)):
        for field in target.fields_by_name.values():
            if not field.required or not field.store:
                continue
            raised = profile.mandatory_field_message(
                target._description, target._name, field.string, field.name
            )
            if text != raised:
                continue
            names = {
                "field_string": field.string,
                "field": field.name,
                "model_description": target._description,
                "model": target._name,
                "table": target._name.replace(".", "_"),
            }
            if target is not model:
                return {"message": profile.load_mandatory_linked_text.format(**names)}
            return {"message": profile.load_mandatory_field_text.format(**names), "field": field.name}
    return None


def _unknown_id_message(cell: Any, record: int, first: int, last: int) -> dict[str, Any]:
    return {
        "rows": {"from": first, "to": last},
        "type": "error",
        "record": record,
        "field": ".id",
        "message": f"Unknown database identifier '{cell}'",
    }


def _message(text: str, field: str, record: int, first: int, last: int) -> dict[str, Any]:
    return {
        "type": "error",
        "message": text,
        "field": field,
        "record": record,
        "rows": {"from": first, "to": last},
        "moreinfo": False,
    }
