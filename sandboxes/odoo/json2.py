"""Odoo 19's JSON-2 API (``POST /json/2/<model>/<method>``) and its version routes, as the shared notes describe them.

Bearer API keys only, named arguments bound to the method's parameters, the raw result as JSON (``null``
included), errors as an HTTP status plus ``{name, message, arguments, context, debug}``; one call, one
transaction. Before 19 the routes do not exist: ``/json/2/...`` and ``/json/version`` redirect to the login
page and ``/web/version`` is a 404 (odoo19-external-api.md §3, §12).
"""

from __future__ import annotations

import inspect
import json
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlsplit

from .errors import AccessDenied, AccessError, MissingError, UserError
from .rpc import ODOO, exception_message, log_failed_request
from .service import is_write_method
from .state import Database

if TYPE_CHECKING:
    from .server import OdooSandboxServer

FIRST_VERSION = 19
DID_YOU_MEAN = "Did you mean POST /json/2/<model>/<method>?"
NOT_AUTHENTICATED = "User not authenticated, use an API Key with a Bearer Authorization header."
INSTALLED_LANGUAGES = ("en_US",)
_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
# Odoo's search_read takes **read_kwargs and hands them to _read_format, so a misspelled keyword fails one
# level down (500, not 422). The sandbox's search_read names the one _read_format takes (load).
_FORWARDED_KEYWORDS = {"search_read": "BaseModel._read_format"}
# Methods whose Odoo version returns a recordset: JSON-2 answers its ids, a list even for one record.
_RECORDSET_RESULTS = {"create", "copy"}

NOT_FOUND_NODB = (
    "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n"
    "<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n"
    "<!-- Alternatively, use the X-Odoo-Database header. -->\n"
)
UNSUPPORTED_MEDIA_TYPE = (
    "<!doctype html>\n<html lang=en>\n<title>415 Unsupported Media Type</title>\n"
    "<h1>Unsupported Media Type</h1>\n"
    "<p>Request inferred type is compatible with [&#x27;http&#x27;] but "
    "&#x27;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#x27; is type=&#x27;json2&#x27;.</p>\n"
)
LOGIN_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Odoo</title></head><body>"
    '<form class="oe_login_form" method="post" action="/web/login">'
    '<input type="text" name="login"/><input type="password" name="password"/>'
    '<button type="submit">Log in</button></form></body></html>\n'
)

# The frames a real 19 server shows above a JSON-2 error: a client must never show them to a merchant.
_FRAMES = (
    (f"{ODOO}/http.py", 2150, "_serve_db", "return service_model.retrying(serve_func, env=self.env)"),
    (f"{ODOO}/service/model.py", 184, "retrying", "result = func()"),
    (f"{ODOO}/http.py", 2197, "_serve_ir_http", "response = self.dispatcher.dispatch(rule.endpoint, args)"),
    (f"{ODOO}/http.py", 2431, "dispatch", "result = self.request.registry['ir.http']._dispatch(endpoint)"),
    (f"{ODOO}/addons/base/models/ir_http.py", 333, "_dispatch", "result = endpoint(**request.params)"),
    (f"{ODOO}/http.py", 754, "route_wrapper", "result = endpoint(self, *args, **params_ok)"),
    (f"{ODOO}/addons/rpc/controllers/json2.py", 71, "web_json_2_rpc", "result = func(records, **kwargs)"),
)


class HttpError(Exception):
    """werkzeug's HTTP exceptions as Odoo's JSON-2 dispatcher serialises them (arguments: description, code)."""

    code: ClassVar[int] = 500
    phrase: ClassVar[str] = "Internal Server Error"

    def __init__(self, description: str) -> None:
        super().__init__(description, self.code)
        self.description = description

    def __str__(self) -> str:
        return f"{self.code} {self.phrase}: {self.description}"


class BadRequest(HttpError):
    code = 400
    phrase = "Bad Request"


class Unauthorized(HttpError):
    code = 401
    phrase = "Unauthorized"


class NotFound(HttpError):
    code = 404
    phrase = "Not Found"


class UnprocessableEntity(HttpError):
    code = 422
    phrase = "Unprocessable Entity"


for _cls in (HttpError, BadRequest, Unauthorized, NotFound, UnprocessableEntity):
    _cls.__module__ = "werkzeug.exceptions"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; the handler writes it as is (``Content-Length`` is added there)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def serves_json2(server: OdooSandboxServer) -> bool:
    return server.odoo_version >= FIRST_VERSION


def serves_get(path: str) -> bool:
    """The GET paths this module answers (the handler sends every other one elsewhere)."""
    return path in ("/json/version", "/web/version", "/web/login") or serves_post(path)


def serves_post(path: str) -> bool:
    return path == "/json/2" or path.startswith("/json/2/")


# -- routes ----------------------------------------------------------------------------------------
def get(server: OdooSandboxServer, target: str) -> Reply:
    path = urlsplit(target).path
    if path == "/web/login":
        return _html(200, LOGIN_PAGE)
    if not serves_json2(server):
        if path == "/web/version":
            return Reply(404, b"Not Found", (("Content-Type", "text/plain"),))
        return _login_redirect(target)
    if path in ("/json/version", "/web/version"):
        return _json(200, version(server))
    return _error(NotFound(DID_YOU_MEAN))


def post(server: OdooSandboxServer, target: str, headers: dict[str, str], body: bytes) -> Reply | None:
    """Answer one ``POST /json/2/...``; ``None`` means: drop the connection (fault injection after a write)."""
    if not serves_json2(server):
        return _login_redirect(target)
    database = headers.get("x-odoo-database")
    if database is not None and database != server.db_name:
        return _html(404, NOT_FOUND_NODB)
    if _mimetype(headers.get("content-type", "")) != "application/json":
        return _html(415, UNSUPPORTED_MEDIA_TYPE)
    parts = urlsplit(target).path.split("/")
    if len(parts) != 5 or not parts[3] or not parts[4]:
        return _error(NotFound(DID_YOU_MEAN))
    model, method = parts[3], parts[4]
    server.record_call("object", "execute_kw", [server.db_name, None, None, model, method])
    if server.latency_ms:
        time.sleep(server.latency_ms / 1000.0)
    try:
        uid = authenticate(server.db, headers.get("authorization", ""))
        arguments = parse_body(body)
        ids = arguments.pop("ids", [])
        context = dict(arguments.pop("context", None) or {})
        check_language(context)
        result = server.service.execute_named(uid, model, method, ids, arguments, context)
    except Exception as error:
        # werkzeug's HTTP exceptions (401, 404, 422 binding errors) go unlogged, as in Odoo 19
        if server.profile.logs_request_errors and not isinstance(error, HttpError):
            log_failed_request(error)
        return _error(error)
    if is_write_method(method) and server.take_drop():
        return None
    if method in _RECORDSET_RESULTS and isinstance(result, int) and not isinstance(result, bool):
        result = [result]
    return _json(200, result)


def version(server: OdooSandboxServer) -> dict[str, Any]:
    """``/json/version``: the same facts as XML-RPC's ``common.version()``, under other keys."""
    info = server.service.dispatch("common", "version", [])
    return {"version_info": info["server_version_info"], "version": info["server_version"]}


# -- the call --------------------------------------------------------------------------------------
def authenticate(db: Database, authorization: str) -> int:
    """The uid of the bearer API key; JSON-2 takes no password."""
    match = _BEARER.match(authorization.strip())
    if match is None:
        raise Unauthorized(NOT_AUTHENTICATED)
    uid = uid_for_api_key(db, match.group(1).strip())
    if uid is None:
        raise Unauthorized("Invalid apikey")
    return uid


def uid_for_api_key(db: Database, key: str) -> int | None:
    """The active user owning an unexpired ``res.users.apikeys`` row with this key, else ``None``."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with db.lock:
        for row in db.table("res.users.apikeys").values():
            if row.get("key") != key:
                continue
            expires = row.get("expiration_date")
            user = db.get("res.users", row.get("user_id") or 0)
            if user and user.get("active", True) and (not expires or str(expires) >= now):
                return int(user["id"])
    return None


def parse_body(body: bytes) -> dict[str, Any]:
    """Named arguments; an empty body is ``{}`` and a body that is not an object is ignored, as in Odoo 19."""
    if not body:
        return {}
    try:
        arguments = json.loads(body)
    except ValueError as error:
        raise BadRequest(f"could not parse the body as json: {error.args[0]}") from error
    return dict(arguments) if isinstance(arguments, dict) else {}


def check_language(context: dict[str, Any]) -> None:
    lang = context.get("lang")
    if lang and lang not in INSTALLED_LANGUAGES:
        raise UserError(f"Invalid language code: {lang}")


def bind_arguments(
    function: Callable[..., Any], kind: str, name: str, ids: list[int], arguments: dict[str, Any]
) -> inspect.BoundArguments:
    """Bind the body's names onto a sandbox method like Odoo's ``signature.bind(records, **kwargs)``.

    ``kind`` is the method's RPC kind: a ``records`` method gets the ids first (none: an empty recordset),
    a ``model`` method refuses them.
    """
    signature = inspect.signature(function)
    if kind == "model" and ids:
        raise UnprocessableEntity(f"cannot call {name} with ids")
    forwarded = _FORWARDED_KEYWORDS.get(name.rsplit(".", 1)[-1])
    if forwarded is not None:
        unknown = [key for key in arguments if key not in signature.parameters]
        if unknown:
            raise TypeError(f"{forwarded}() got an unexpected keyword argument {unknown[0]!r}")
    try:
        if kind == "records":
            return signature.bind(ids, **arguments)
        return signature.bind(**arguments)
    except TypeError as error:
        raise UnprocessableEntity(str(error.args[0])) from error


# -- answers ---------------------------------------------------------------------------------------
def status_of(error: BaseException) -> int:
    if isinstance(error, HttpError):
        return error.code
    if isinstance(error, (AccessError, AccessDenied)):
        return 403
    if isinstance(error, MissingError):
        return 404
    if isinstance(error, UserError):
        return 422
    return 500


def error_body(error: BaseException) -> dict[str, Any]:
    kind = type(error)
    message = error.description if isinstance(error, HttpError) else exception_message(error)
    return {
        "name": f"{kind.__module__}.{kind.__qualname__}",
        "message": message,
        "arguments": list(error.args),
        "context": {},
        "debug": _traceback(error),
    }


def _traceback(error: BaseException) -> str:
    lines = ["Traceback (most recent call last):\n"]
    for filename, line, function, code in _FRAMES:
        lines.append(f'  File "{filename}", line {line}, in {function}\n    {code}\n')
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines)


def _error(error: BaseException) -> Reply:
    reply = _json(status_of(error), error_body(error))
    if isinstance(error, Unauthorized):
        return Reply(reply.status, reply.body, (*reply.headers, ("WWW-Authenticate", "Bearer")))
    return reply


def _json(status: int, payload: Any) -> Reply:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode()
    return Reply(status, body, (("Content-Type", "application/json; charset=utf-8"), ("Connection", "close")))


def _html(status: int, page: str) -> Reply:
    return Reply(status, page.encode(), (("Content-Type", "text/html; charset=utf-8"),))


def _login_redirect(target: str) -> Reply:
    """Odoo 18 has no JSON-2: the web client's login page, with the URL to come back to."""
    url = urlsplit(target)
    location = "/web/login?redirect=" + quote(f"{url.path}?{url.query}", safe="")
    page = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
        f'<p>You should be redirected automatically to the target URL: <a href="{location}">{location}</a>. '
        "If not, click the link.\n"
    )
    return Reply(303, page.encode(), (("Content-Type", "text/html; charset=utf-8"), ("Location", location)))


def _mimetype(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
