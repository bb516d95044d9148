"""Wire formats: XML-RPC responses and faults (both fault-code styles) and JSON-RPC envelopes.

Mirrors ``odoo/addons/base/controllers/rpc.py``: ``/xmlrpc/2`` maps exceptions to int fault codes
1-4, the legacy ``/xmlrpc`` to string fault codes, and the marshaller never allows ``None``.
"""

from __future__ import annotations

import json
import logging
import traceback
import xmlrpc.client
from typing import Any

from .errors import AccessDenied, AccessError, MissingError, OperationalError, UserError

ODOO = "/usr/lib/python3/dist-packages/odoo"
PYTHON_LIB = "/usr/lib/python3.12"

# Frames shown in code-1 tracebacks. They are the real call path of an Odoo 18 server, so that what a
# client sees (and might log) looks like what it will see in production.
_RPC_FRAMES = (
    (f"{ODOO}/addons/base/controllers/rpc.py", 165, "xmlrpc_2", "response = self._xmlrpc(service)"),
    (
        f"{ODOO}/addons/base/controllers/rpc.py",
        139,
        "_xmlrpc",
        "result = dispatch_rpc(service, method, params)",
    ),
    (f"{ODOO}/http.py", 411, "dispatch_rpc", "return dispatch(method, params)"),
)
_OBJECT_FRAMES = (
    (f"{ODOO}/service/model.py", 63, "dispatch", "res = execute_kw(db, uid, *params[3:])"),
    (f"{ODOO}/service/model.py", 89, "execute_kw", "return execute(db, uid, obj, method, *args, **kw or {})"),
    (f"{ODOO}/service/model.py", 95, "execute", "res = execute_cr(cr, uid, obj, method, *args, **kw)"),
    (
        f"{ODOO}/service/model.py",
        79,
        "execute_cr",
        "result = retrying(partial(odoo.api.call_kw, recs, method, args, kw), env)",
    ),
    (f"{ODOO}/api.py", 533, "call_kw", "result = _call_kw_multi(method, model, args, kwargs)"),
)
_DATABASE_FRAMES = (
    (f"{ODOO}/service/model.py", 60, "dispatch", "security.check(db, uid, passwd)"),
    (f"{ODOO}/service/security.py", 13, "check", "return Registry(db).check_credentials(uid, passwd)"),
    (f"{ODOO}/modules/registry.py", 89, "__new__", "return cls.new(db_name)"),
    (f"{ODOO}/sql_db.py", 667, "borrow", "result = psycopg2.connect("),
    (
        "/usr/lib/python3/dist-packages/psycopg2/__init__.py",
        122,
        "connect",
        "conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
    ),
)
_MARSHAL_FRAMES = (
    (f"{ODOO}/addons/base/controllers/rpc.py", 165, "xmlrpc_2", "response = self._xmlrpc(service)"),
    (f"{ODOO}/addons/base/controllers/rpc.py", 140, "_xmlrpc", "return dumps((result,))"),
    (
        f"{ODOO}/addons/base/controllers/rpc.py",
        117,
        "dumps",
        "response = OdooMarshaller(allow_none=False).dumps(params)",
    ),
    (f"{PYTHON_LIB}/xmlrpc/client.py", 529, "dumps", "dump(v, write)"),
    (f"{PYTHON_LIB}/xmlrpc/client.py", 551, "__dump", "f(self, value, write)"),
)


# Odoo 19 logs every request that fails under this logger (its http.py); 18 logged nothing for RPC faults.
HTTP_LOGGER = logging.getLogger("odoo.http")


def exception_message(error: BaseException) -> str:
    """Odoo's ``exception_to_unicode``: the arguments, one a line (a KeyError's message is its bare key)."""
    if error.args:
        return "\n".join(str(arg) for arg in error.args)
    return str(error)


def log_failed_request(error: BaseException) -> None:
    """19's ``odoo.http`` line for a failed request: ``WARNING <message>`` for user errors (AccessDenied is
    one in 19), else ``ERROR Exception during request handling.`` with the traceback."""
    inner = error.error if isinstance(error, MarshalError) else error
    if isinstance(inner, (UserError, AccessDenied)):
        HTTP_LOGGER.warning("%s", inner)
    else:
        HTTP_LOGGER.error("Exception during request handling.", exc_info=inner)


# The server marks an error raised by a call with the JSON-RPC error code of the version it plays (200 until
# Odoo 18, 0 in 19) under this attribute.
JSONRPC_CODE = "odoo_jsonrpc_code"


class MarshalError(Exception):
    """Wraps the TypeError/OverflowError raised while serialising a successful result."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def format_traceback(error: BaseException, stage: str) -> str:
    frames = {"marshal": _MARSHAL_FRAMES, "database": _RPC_FRAMES + _DATABASE_FRAMES}.get(
        stage, _RPC_FRAMES + _OBJECT_FRAMES
    )
    lines = ["Traceback (most recent call last):\n"]
    for filename, line, function, code in frames:
        lines.append(f'  File "{filename}", line {line}, in {function}\n    {code}\n')
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines)


def _stage(error: BaseException) -> str:
    if isinstance(error, OperationalError):
        return "database"
    return "call"


def dumps_result(result: Any) -> str:
    try:
        return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
    except (TypeError, OverflowError) as error:
        raise MarshalError(error) from error


def fault_int(error: BaseException) -> str:
    """``xmlrpc_handle_exception_int``: the /xmlrpc/2 style."""
    if isinstance(error, AccessError):
        fault = xmlrpc.client.Fault(4, str(error))
    elif isinstance(error, AccessDenied):
        fault = xmlrpc.client.Fault(3, str(error))
    elif isinstance(error, UserError):
        fault = xmlrpc.client.Fault(2, str(error))
    else:
        inner, stage = (error.error, "marshal") if isinstance(error, MarshalError) else (error, _stage(error))
        fault = xmlrpc.client.Fault(1, format_traceback(inner, stage))
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False)


def fault_string(error: BaseException) -> str:
    """``xmlrpc_handle_exception_string``: the legacy /xmlrpc style that odoolib talks to.

    Its fault codes are strings, against the XML-RPC spec (and typeshed), exactly as in Odoo.
    """
    if isinstance(error, MissingError):
        fault = xmlrpc.client.Fault("warning -- MissingError\n\n" + str(error), "")  # type: ignore[arg-type]
    elif isinstance(error, AccessError):
        fault = xmlrpc.client.Fault("warning -- AccessError\n\n" + str(error), "")  # type: ignore[arg-type]
    elif isinstance(error, AccessDenied):
        fault = xmlrpc.client.Fault("AccessDenied", str(error))  # type: ignore[arg-type]
    elif isinstance(error, UserError):
        fault = xmlrpc.client.Fault("warning -- UserError\n\n" + str(error), "")  # type: ignore[arg-type]
    else:
        inner, stage = (error.error, "marshal") if isinstance(error, MarshalError) else (error, _stage(error))
        message = "\n".join(str(arg) for arg in inner.args) if inner.args else str(inner)
        fault = xmlrpc.client.Fault(message, format_traceback(inner, stage))  # type: ignore[arg-type]
    return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False)


def json_error(error: BaseException) -> dict[str, Any]:
    """Odoo's ``serialize_exception`` inside the JSON-RPC error envelope (its code: see JSONRPC_CODE)."""
    kind = type(error)
    module = kind.__module__
    return {
        "code": getattr(error, JSONRPC_CODE, 200),
        "message": "Odoo Server Error",
        "data": {
            "name": f"{module}.{kind.__qualname__}" if module else kind.__qualname__,
            "debug": format_traceback(error, _stage(error)),
            "message": exception_message(error),
            "arguments": list(error.args),
            "context": {},
        },
    }


def json_response(request_id: Any, result: Any = None, error: dict[str, Any] | None = None) -> bytes:
    payload: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if error is not None:
        payload["error"] = error
    if result is not None:
        payload["result"] = result
    return json.dumps(payload, default=str).encode()
