"""Odoo 19's JSON-2 API (`POST /json/2/<model>/<method>`): how an XML-RPC-style call reads in it, no I/O.

transport.py's Json2Connector gives odoolib's Connection and Model (which call
`connector.send(service, method, *args)` in XML-RPC's shape) the JSON-2 API, through the functions here:

* `common.version()` -> `GET /json/version`, answered in XML-RPC's `version()` shape (`version_of`);
* `common.login/authenticate(db, login, key, ...)` -> the uid of the key's user (`res.users/context_get`, or
  `res.users/search` on the login when the context carries no uid);
* `object.execute_kw(db, uid, key, model, method, args, kwargs)` -> `POST /json/2/<model>/<method>` whose body
  names every argument (`request_for`): JSON-2 binds only named arguments, ignores a JSON array body, and runs
  a record method sent without `ids` on no record at all (200, nothing done). The positional arguments are
  named from the table below; a call it cannot name raises Json2SignatureError before anything is sent.
* Results keep XML-RPC's shape where JSON-2's differs: `create` of one dict answers its id (JSON-2: `[id]`,
  `xmlrpc_shaped`). A method that returns None answers null, which is None (XML-RPC cannot send it at all).
* A failure raises Json2Error (`result_of`: status, exception class and message; never Odoo's `debug`, a
  traceback with server paths), which errors.py classifies.

The connector rides on transport.py's PinnedConnection: one kept-alive connection to the address the outbound
policy approved, never a redirect, and a total deadline per call.

Why not odoolib 2.0.1's own json2 module: it opens a new httpx connection per call (no keep-alive) with a fixed
60 s timeout, names positional arguments by fetching `/doc-bearer/<model>.json` (the api_doc module must be
installed, and it costs one extra request per model), never learns the user id, flattens every error to
ValueError or AuthenticationError (no status, no exception class to classify by), and returns a dict instead
of a list when `read` finds one record.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

# Odoo's API keys are 20 random bytes in hex (res.users.apikeys); JSON-2 accepts nothing else.
_API_KEY = re.compile(r"[0-9a-fA-F]{40}")
_MODEL_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
_METHOD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

# Parameter names of the methods Synco calls, in their Python order (Odoo 19's signatures).
# Model methods (@api.model) take no ids:
MODEL_METHODS: dict[str, tuple[str, ...]] = {
    "search": ("domain", "offset", "limit", "order"),
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "read_group": ("domain", "fields", "groupby", "offset", "limit", "orderby", "lazy"),
    "create": ("vals_list",),
    "load": ("fields", "data"),
    "fields_get": ("allfields", "attributes"),
    "name_search": ("name", "domain", "operator", "limit"),
    "default_get": ("fields",),  # Odoo 19 renamed fields_list (18) to fields; JSON-2 exists only from 19
    "check_access_rights": ("operation", "raise_exception"),
    "check_object_reference": ("module", "xml_id"),
    "context_get": (),
}
# Record methods: the first positional argument is `ids`, these name the ones after it.
RECORD_METHODS: dict[str, tuple[str, ...]] = {
    "read": ("fields", "load"),
    "write": ("vals",),
    "unlink": (),
    "copy": ("default",),
    "web_read": ("specification",),
    "web_save": ("vals", "specification"),
    "has_access": ("operation",),
    "address_get": ("adr_pref",),
    # Wizard buttons and other record actions that take the records only.
    "create_invoices": (),
    "refund_moves": (),
    "modify_moves": (),
    "process": (),
    "process_cancel_backorder": (),
    "send_sms": (),
    "do_unreserve": (),
}
# Every action_*/button_* method Synco calls is a button: the records and nothing else.
BUTTON_PREFIXES = ("action_", "button_")


class Json2SignatureError(TypeError):
    """A call JSON-2 cannot name (a method missing from the table, or too many arguments): a bug in Synco."""


class Json2Error(Exception):
    """Odoo's JSON-2 answered with an error: HTTP status, exception class (`name`) and message, no traceback."""

    def __init__(
        self, status: int, name: str, message: str, content_type: str, *, api_key_shaped: bool = True
    ) -> None:
        super().__init__(f"HTTP {status} {name}: {message}")
        self.status = status
        self.name = name
        self.message = message
        self.content_type = content_type
        # False when the secret sent was not shaped like an API key (a password, most likely).
        self.api_key_shaped = api_key_shaped


def looks_like_api_key(secret: str) -> bool:
    return _API_KEY.fullmatch(secret) is not None


def named_arguments(method: str, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON-2 body of an XML-RPC-style call: `ids` first for record methods, then the parameters by name."""
    body: dict[str, Any] = {}
    positional = list(args)
    if method in MODEL_METHODS:
        names = MODEL_METHODS[method]
        if "ids" in kwargs:
            raise Json2SignatureError(f"{method} is a model method: it takes no ids")
    elif method in RECORD_METHODS or method.startswith(BUTTON_PREFIXES):
        names = RECORD_METHODS.get(method, ())
        if positional:
            body["ids"] = positional.pop(0)
        elif "ids" not in kwargs:
            # JSON-2 would run it on an empty recordset and answer 200: a silent no-op.
            raise Json2SignatureError(f"{method} acts on records: pass their ids first")
    else:
        if positional:
            raise Json2SignatureError(
                f"JSON-2 needs the parameter names of {method!r} ({len(positional)} positional "
                "arguments given): add its signature to synco/odoo/json2.py or pass them by name"
            )
        names = ()
    if len(positional) > len(names):
        raise Json2SignatureError(
            f"{method} takes {len(names)} positional arguments after ids over JSON-2 "
            f"({', '.join(names) or 'none'}); {len(positional)} given"
        )
    body.update(zip(names, positional, strict=False))
    for key, value in kwargs.items():
        if key in body:
            raise Json2SignatureError(f"{method} got {key!r} both by position and by name")
        body[key] = value
    return body


def _json_default(value: Any) -> Any:
    # XML-RPC sends datetimes as such; JSON-2 wants Odoo's own string format (ISO 'T' is refused with a 500).
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    raise TypeError(f"{type(value).__name__} cannot be sent over JSON-2")


def _page_text(data: bytes) -> str:
    """What an HTML error page says, as one short line (Odoo answers HTML for an unknown database)."""
    text = data.decode("utf-8", "replace")
    text = re.sub(r"(?s)<(script|style)\b.*?</\1>|<!--.*?-->", " ", text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())[:300]


def request_for(
    database: str,
    key: str,
    model: str,
    method: str,
    args: tuple[Any, ...] | list[Any],
    kwargs: dict[str, Any],
) -> tuple[str, bytes, dict[str, str]]:
    """Path, body and headers of `POST /json/2/<model>/<method>` for an XML-RPC-style call."""
    if not _MODEL_NAME.fullmatch(model) or not _METHOD_NAME.fullmatch(method):
        raise Json2SignatureError(f"not an Odoo model and method: {model!r}, {method!r}")
    body = json.dumps(named_arguments(method, args, kwargs), default=_json_default).encode()
    headers = {
        "Authorization": f"bearer {key}",
        "X-Odoo-Database": database,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    return f"/json/2/{model}/{method}", body, headers


def result_of(status: int, content_type: str, data: bytes, key: str) -> Any:
    """A call's JSON result (None for null), or the Json2Error its answer describes."""
    if status == 200 and "json" in content_type:
        return json.loads(data)
    name, message = "", ""
    if "json" in content_type:
        try:
            answer = json.loads(data)
        except ValueError:
            answer = None
        if isinstance(answer, dict):  # {name, message, arguments, context, debug}: debug is never kept
            name, message = str(answer.get("name") or ""), str(answer.get("message") or "")
    if not name and not message:
        message = _page_text(data)
    raise Json2Error(status, name, message, content_type, api_key_shaped=looks_like_api_key(key))


def xmlrpc_shaped(method: str, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any], result: Any) -> Any:
    """A result as XML-RPC gives it: `create` of one dict (not a list) answers its id, where JSON-2 answers [id]."""
    values = args[0] if args else kwargs.get("vals_list")
    if method == "create" and isinstance(values, Mapping) and isinstance(result, list) and len(result) == 1:
        return result[0]
    return result


def version_of(status: int, content_type: str, data: bytes) -> dict[str, Any]:
    """`GET /json/version`'s answer in the shape of XML-RPC's `common.version()`."""
    if status != 200 or "json" not in content_type:
        raise Json2Error(status, "", _page_text(data), content_type)
    answer = json.loads(data)
    info = answer.get("version_info") if isinstance(answer, dict) else None
    version = answer.get("version") if isinstance(answer, dict) else None
    if not isinstance(version, str) or not version or not isinstance(info, list) or len(info) < 2:
        raise ValueError("not an Odoo version answer")
    return {
        "server_version": version,
        "server_version_info": info,
        "server_serie": f"{info[0]}.{info[1]}",
        "protocol_version": 1,
    }


def uid_in_context(context: Any) -> int | None:
    """`res.users.context_get`'s answer may carry the user's id."""
    uid = context.get("uid") if isinstance(context, dict) else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) and uid > 0 else None
