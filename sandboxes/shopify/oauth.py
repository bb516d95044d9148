"""The install side of the sandbox: one registered app, the OAuth endpoints and session tokens.

    GET  /admin/oauth/authorize?shop=…&client_id&scope&redirect_uri&state[&grant_options[]=per-user]
         (or /store/{shop}/admin/oauth/authorize?…; without either, the default shop)
         → 302 redirect_uri?code&hmac&host&shop&state&timestamp (no consent screen: always approved)
    POST /admin/oauth/access_token   JSON or form body; the shop comes from the code, the subject
         token, the refresh token or the migrated offline token (no shop parameter needed)
    GET  /admin/apps/{api_key}?shop=…  (or /store/{shop}/apps/{api_key}) the embedded app page

Grants of the token endpoint (shapes of shopify.dev and shopify-app-js):
  * authorization_code: `client_id, client_secret, code[, expiring=1]`; codes are single-use and
    live 10 minutes.
  * token exchange: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, `subject_token`
    = a session token (ID token) signed with the app secret,
    `subject_token_type=urn:ietf:params:oauth:token-type:id_token`, `requested_token_type` offline or
    online, `expiring`.
  * migration: token exchange with `subject_token` = a non-expiring offline token and both token
    types `urn:shopify:params:oauth:token-type:offline-access-token` (the old token is revoked).
  * refresh_token: `client_id, client_secret, refresh_token`; returns a new refresh token, and the
    previous one stays valid until the new access token or refresh token is first used.

Codes and refresh tokens are kept in memory (a restarted sandbox forgets them); access tokens go
to the store (with their expiry), so they authenticate on the GraphQL endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt

from sandboxes.shopify.store import SandboxStore

Json = dict[str, Any]

DEFAULT_API_KEY = "synco-dev-api-key"
DEFAULT_API_SECRET = "synco-dev-api-secret-not-for-production"  # noqa: S105 (a public dev value)
DEFAULT_APP_URL = "http://127.0.0.1:8000"
# The scopes of the project's shopify.app.toml: what the sandbox grants when a request names none.
DEFAULT_SCOPES = (
    "read_orders,read_all_orders,read_customers,read_products,read_inventory,write_inventory,read_locations,"
    "read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders"
)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105

CODE_LIFETIME = 600  # seconds
EXPIRING_TOKEN_LIFETIME = 3600
ONLINE_TOKEN_LIFETIME = 86399  # what Shopify answers for online tokens (24 h)
REFRESH_TOKEN_LIFETIME = 7_776_000  # 90 days
JWT_LEEWAY = 10  # seconds, like Shopify's own libraries
SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com$")


@dataclass
class AppConfig:
    """The one app the sandbox knows (Partner Dashboard / shopify.app.toml values)."""

    api_key: str = DEFAULT_API_KEY
    api_secret: str = DEFAULT_API_SECRET
    application_url: str = DEFAULT_APP_URL
    scopes: str = DEFAULT_SCOPES
    redirect_urls: list[str] = field(default_factory=list)  # empty: any URL on application_url's host
    name: str = "Synco"  # shopify.app.toml's name: what the admin's sidebar calls the app

    def update(self, options: Mapping[str, Any]) -> None:
        for key in ("api_key", "api_secret", "application_url", "scopes"):
            if key in options:
                setattr(self, key, str(options[key]))
        if "redirect_urls" in options:
            self.redirect_urls = [str(u) for u in options["redirect_urls"] or []]
        self.application_url = self.application_url.rstrip("/")

    def as_json(self) -> Json:
        return {
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "application_url": self.application_url,
            "scopes": self.scopes,
            "redirect_urls": list(self.redirect_urls),
        }


# ------------------------------------------------------------------------------------ signing


def _signature_pairs(params: Mapping[str, Any]) -> str:
    """Shopify's signed-query string: sorted `k=v` joined by `&`, delimiters escaped (ShopifyAPI)."""

    def pairs() -> Any:
        for k, v in params.items():
            if k == "hmac":
                continue
            if k.endswith("[]"):
                k = k.rstrip("[]")
                v = json.dumps([str(x) for x in (v if isinstance(v, list | tuple) else [v])])
            k = str(k).replace("%", "%25").replace("=", "%3D")
            v = str(v).replace("%", "%25")
            yield f"{k}={v}".replace("&", "%26")

    return "&".join(sorted(pairs()))


def query_hmac(params: Mapping[str, Any], secret: str) -> str:
    """Hex HMAC-SHA256 of a query's params (without `hmac`), as on OAuth callbacks and app loads."""
    return hmac.new(secret.encode(), _signature_pairs(params).encode(), hashlib.sha256).hexdigest()


def body_hmac(body: bytes, secret: str) -> str:
    """Base64 HMAC-SHA256 of a raw body: the `X-Shopify-Hmac-Sha256` webhook header."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def host_param(shop: str) -> str:
    """The `host` query parameter: base64 of `admin.shopify.com/store/{name}`, unpadded."""
    name = shop.removesuffix(".myshopify.com")
    return base64.urlsafe_b64encode(f"admin.shopify.com/store/{name}".encode()).decode().rstrip("=")


def user_id_for(shop: str) -> int:
    return int(hashlib.sha256(f"user:{shop}".encode()).hexdigest()[:8], 16) % 10**11


def make_session_token(
    shop: str,
    *,
    api_key: str,
    api_secret: str,
    user_id: int | str | None = None,
    ttl: int = 60,
    now: float | None = None,
    sid: str | None = None,
) -> str:
    """A session token (ID token) as App Bridge hands the app: HS256 JWT signed with the app secret."""
    issued = int(time.time() if now is None else now)
    user = str(user_id if user_id is not None else user_id_for(shop))
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user,
        "exp": issued + ttl,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": sid or hashlib.sha256(f"{shop}:{user}:{api_key}".encode()).hexdigest()[:32],
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")


# ------------------------------------------------------------------------------------ errors


class OAuthError(Exception):
    """An answer other than success: HTTP status and body (JSON dict or HTML text)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def as_json(self) -> Json:
        return {"error": self.error, "error_description": self.description}

    def as_html(self) -> str:
        # Shopify's authorize errors are an admin HTML page "Oauth error invalid_request: …".
        message = escape(f"Oauth error {self.error}: {self.description}")
        return f"<!DOCTYPE html><html><head><title>Oauth error</title></head><body><h1>{message}</h1></body></html>"


def _invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)


# ------------------------------------------------------------------------------------ provider


@dataclass
class _Code:
    shop: str
    scope: str
    online: bool
    user_id: int
    expires_at: float
    used: bool = False


@dataclass
class _Refresh:
    shop: str
    scope: str
    access_token: str
    expires_at: float
    predecessor: str | None = None
    revoked: bool = False


class OAuthProvider:
    def __init__(self, app: AppConfig, store: SandboxStore, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._refresh_by_access: dict[str, str] = {}
        self.granted: list[Json] = []  # issued tokens, newest last (for inspection in tests)

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._refresh.clear()
            self._refresh_by_access.clear()
            self.granted.clear()

    # -------------------------------------------------------------------------- authorize

    def authorize(self, shop: str, params: Mapping[str, Any]) -> str:
        """The redirect URL for an approved authorize request; raises OAuthError (HTML 400)."""
        client_id = str(params.get("client_id") or "")
        if client_id != self.app.api_key:
            raise _invalid_request(f"Could not find Shopify API application with api_key {client_id}")
        if shop not in self.store.shop_domains():
            raise OAuthError(404, "invalid_request", f"Shop {shop} does not exist")
        redirect_uri = str(params.get("redirect_uri") or "")
        self._check_redirect_uri(redirect_uri)
        scope = str(params.get("scope") or self.app.scopes)
        grant_options = params.get("grant_options[]") or []
        online = "per-user" in (grant_options if isinstance(grant_options, list) else [grant_options])
        code = secrets.token_hex(16)
        now = self.clock()
        with self._lock:
            self._codes[code] = _Code(shop, scope, online, user_id_for(shop), now + CODE_LIFETIME)
        query: dict[str, str] = {
            "code": code,
            "host": host_param(shop),
            "shop": shop,
            "timestamp": str(int(now)),
        }
        if params.get("state") is not None:
            query["state"] = str(params["state"])
        query["hmac"] = query_hmac(query, self.app.api_secret)
        sep = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{sep}{urlencode(query)}"

    def _check_redirect_uri(self, redirect_uri: str) -> None:
        if not redirect_uri:
            raise _invalid_request("The redirect_uri is missing")
        if self.app.redirect_urls:
            if redirect_uri not in self.app.redirect_urls:
                raise _invalid_request("The redirect_uri is not whitelisted")
            return
        target, app = urlsplit(redirect_uri), urlsplit(self.app.application_url)
        if (target.scheme, target.netloc) != (app.scheme, app.netloc):
            raise _invalid_request("The redirect_uri and application url must have matching hosts")
        if not target.path.startswith(app.path.rstrip("/") + "/") and target.path != app.path:
            raise _invalid_request("The redirect_uri is not whitelisted")

    # -------------------------------------------------------------------------- access_token

    def access_token(self, params: Mapping[str, Any]) -> Json:
        """Answer a POST /admin/oauth/access_token; raises OAuthError (JSON 400)."""
        if str(params.get("client_id") or "") != self.app.api_key or not hmac.compare_digest(
            str(params.get("client_secret") or ""), self.app.api_secret
        ):
            raise OAuthError(400, "invalid_client", "Client authentication failed")
        grant_type = str(params.get("grant_type") or "")
        expiring = _truthy(params.get("expiring"))
        if grant_type in ("", "authorization_code") and params.get("code"):
            return self._code_grant(str(params["code"]), expiring)
        if grant_type == TOKEN_EXCHANGE:
            return self._token_exchange(params, expiring)
        if grant_type == "refresh_token":
            return self._refresh_grant(str(params.get("refresh_token") or ""))
        if not grant_type:
            raise _invalid_request("Missing required parameter: code")
        raise OAuthError(400, "unsupported_grant_type", f"The grant type {grant_type} is not supported")

    def _code_grant(self, code: str, expiring: bool) -> Json:
        with self._lock:
            found = self._codes.get(code)
            if found is None or found.used or self.clock() >= found.expires_at:
                raise _invalid_request("The authorization code was not found or was already used")
            found.used = True
        if found.online:
            return self._issue_online(found.shop, found.scope, found.user_id)
        return self._issue_offline(found.shop, found.scope, expiring)

    def _token_exchange(self, params: Mapping[str, Any], expiring: bool) -> Json:
        subject = str(params.get("subject_token") or "")
        subject_type = str(params.get("subject_token_type") or "")
        requested = str(params.get("requested_token_type") or OFFLINE_TOKEN_TYPE)
        if subject_type == OFFLINE_TOKEN_TYPE:
            return self._migrate(subject, requested, expiring)
        if subject_type != ID_TOKEN_TYPE:
            raise _invalid_request(f"Unsupported subject_token_type {subject_type}")
        if requested not in (OFFLINE_TOKEN_TYPE, ONLINE_TOKEN_TYPE):
            raise _invalid_request(f"Unsupported requested_token_type {requested}")
        claims = self.decode_session_token(subject)
        shop = str(urlsplit(str(claims["dest"])).hostname)
        if requested == ONLINE_TOKEN_TYPE:
            return self._issue_online(shop, self.app.scopes, int(claims["sub"]))
        return self._issue_offline(shop, self.app.scopes, expiring)

    def decode_session_token(self, token: str) -> Json:
        """Validate an ID token like Shopify does; raises OAuthError invalid_subject_token."""
        invalid = OAuthError(400, "invalid_subject_token", "Subject token is invalid")
        try:
            claims: Json = jwt.decode(
                token,
                self.app.api_secret,
                algorithms=["HS256"],
                audience=self.app.api_key,
                options={
                    "require": ["iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"],
                    "verify_exp": False,  # checked below against the sandbox clock
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise invalid from exc
        now = self.clock()
        if now > float(claims["exp"]) + JWT_LEEWAY or now < float(claims["nbf"]) - JWT_LEEWAY:
            raise invalid
        dest = urlsplit(str(claims["dest"])).hostname or ""
        iss = urlsplit(str(claims["iss"])).hostname or ""
        if dest != iss or not SHOP_DOMAIN.match(dest) or dest not in self.store.shop_domains():
            raise invalid
        return claims

    def _migrate(self, old_token: str, requested: str, expiring: bool) -> Json:
        if requested != OFFLINE_TOKEN_TYPE or not expiring:
            raise _invalid_request("Migration requires an expiring offline access token")
        shop = self.store.shop_for_token(old_token, self.clock())
        with self._lock:
            is_expiring = old_token in self._refresh_by_access
        if shop is None or is_expiring or self.store.access_token_expiry(shop, old_token) is not None:
            raise OAuthError(400, "invalid_subject_token", "Subject token is invalid")
        self.store.remove_access_token(shop, old_token)
        return self._issue_offline(shop, self.app.scopes, True)

    def _refresh_grant(self, refresh_token: str) -> Json:
        with self._lock:
            found = self._refresh.get(refresh_token)
            if found is None or found.revoked or self.clock() >= found.expires_at:
                raise OAuthError(400, "invalid_grant", "The refresh token is invalid or has expired")
            self._retire_predecessor(found)
            shop, scope = found.shop, found.scope
        return self._issue_offline(shop, scope, True, predecessor=refresh_token)

    def _retire_predecessor(self, record: _Refresh) -> None:
        """The app uses a new token: its predecessor refresh token stops working (lock held)."""
        if record.predecessor is not None:
            previous = self._refresh.get(record.predecessor)
            if previous is not None:
                previous.revoked = True
            record.predecessor = None

    def note_access_token_used(self, token: str) -> None:
        """GraphQL saw this token: a refresh that produced it is now confirmed."""
        with self._lock:
            refresh = self._refresh_by_access.get(token)
            if refresh is not None and refresh in self._refresh:
                self._retire_predecessor(self._refresh[refresh])

    # -------------------------------------------------------------------------- issuing

    def _new_token(self) -> str:
        return "shpat_" + secrets.token_hex(16)

    def _issue_offline(
        self, shop: str, scope: str, expiring: bool, *, predecessor: str | None = None
    ) -> Json:
        token = self._new_token()
        now = self.clock()
        body: Json = {"access_token": token, "scope": scope}
        if not expiring:
            self.store.add_access_token(shop, token, None, scope)
        else:
            refresh = "shprt_" + secrets.token_hex(16)
            self.store.add_access_token(shop, token, now + EXPIRING_TOKEN_LIFETIME, scope)
            with self._lock:
                self._refresh[refresh] = _Refresh(
                    shop, scope, token, now + REFRESH_TOKEN_LIFETIME, predecessor=predecessor
                )
                self._refresh_by_access[token] = refresh
            body |= {
                "expires_in": EXPIRING_TOKEN_LIFETIME,
                "refresh_token": refresh,
                "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
            }
        self._record(shop, "offline", body)
        return body

    def _issue_online(self, shop: str, scope: str, user_id: int) -> Json:
        token = self._new_token()
        self.store.add_access_token(shop, token, self.clock() + ONLINE_TOKEN_LIFETIME, scope)
        name = shop.removesuffix(".myshopify.com")
        body: Json = {
            "access_token": token,
            "scope": scope,
            "expires_in": ONLINE_TOKEN_LIFETIME,
            "associated_user_scope": scope,
            "associated_user": {
                "id": user_id,
                "first_name": "Sandbox",
                "last_name": "Owner",
                "email": f"owner@{name}.example",
                "account_owner": True,
                "locale": "en",
                "collaborator": False,
                "email_verified": True,
            },
        }
        self._record(shop, "online", body)
        return body

    def _record(self, shop: str, kind: str, body: Json) -> None:
        with self._lock:
            self.granted.append({"shop": shop, "kind": kind, "at": self.clock(), **body})

    # -------------------------------------------------------------------------- the admin page

    def app_home_url(self, shop: str, *, user_id: int | None = None) -> str:
        """The URL the admin frames: application_url with Shopify's signed query and a fresh ID token."""
        now = self.clock()
        query: dict[str, str] = {
            "embedded": "1",
            "host": host_param(shop),
            "id_token": make_session_token(
                shop, api_key=self.app.api_key, api_secret=self.app.api_secret, user_id=user_id, now=now
            ),
            "locale": "en",
            "session": secrets.token_hex(32),
            "shop": shop,
            "timestamp": str(int(now)),
        }
        query["hmac"] = query_hmac(query, self.app.api_secret)
        base = self.app.application_url
        return f"{base}{'' if urlsplit(base).path else '/'}?{urlencode(query)}"

    def admin_page(self, shop: str) -> str:
        """The admin's app page: its chrome (top bar, the app's navigation from <s-app-nav>, the title bar the
        app's <s-page> fills: heading, breadcrumb, actions) around the app's frame."""
        url = escape(self.app_home_url(shop), quote=True)
        title = escape(f"{shop} · apps · {self.app.api_key}")
        app_name = escape(self.app.name)
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
 body {{ margin: 0; font: 13px/20px Inter, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif;
        color: #303030; background: #1a1a1a; display: flex; flex-direction: column; height: 100vh; }}
 header {{ display: flex; align-items: center; gap: 12px; padding: 8px 16px; color: #e3e3e3; min-height: 40px;
          box-sizing: border-box; flex-wrap: wrap; }}
 header strong {{ color: #fff; }}
 header a {{ color: #b5b5b5; font-size: 12px; }}
 .shell {{ flex: 1; display: flex; min-height: 0; background: #f1f1f1; border-radius: 12px 12px 0 0; overflow: hidden; }}
 .sidebar {{ width: 240px; flex: none; background: #ebebeb; padding: 12px 8px; box-sizing: border-box; overflow: auto; }}
 .sidebar h2 {{ font-size: 12px; font-weight: 650; color: #616161; margin: 8px 8px 4px; }}
 .sidebar a {{ display: block; padding: 4px 8px; border-radius: 8px; color: #303030; text-decoration: none; font-weight: 550; }}
 .sidebar a:hover {{ background: #f7f7f7; }}
 .sidebar a[aria-current] {{ background: #fff; font-weight: 650; }}
 .sidebar .app {{ font-weight: 650; }}
 .sidebar .items a {{ padding-left: 20px; font-weight: 450; }}
 .app-area {{ flex: 1; display: flex; flex-direction: column; min-width: 0; min-height: 0; }}
 iframe {{ flex: 1; border: 0; width: 100%; min-width: 0; background: #f1f1f1; }}
 .title-bar {{ display: flex; align-items: center; gap: 8px 12px; flex-wrap: wrap; padding: 12px 24px;
              min-height: 56px; box-sizing: border-box; background: #f1f1f1; }}
 .title-bar[hidden] {{ display: none; }}
 .title-bar h1 {{ flex: 1 1 auto; margin: 0; font-size: 20px; line-height: 24px; font-weight: 700; letter-spacing: -.2px; }}
 .title-bar .crumb {{ display: inline-flex; align-items: center; justify-content: center; width: 28px; height: 28px;
                     border-radius: 8px; color: #303030; text-decoration: none; font-size: 18px; }}
 .title-bar .crumb:hover {{ background: rgba(0,0,0,.06); }}
 .title-bar .crumb[hidden] {{ display: none; }}
 .title-actions {{ display: flex; gap: 8px; flex-wrap: wrap; }}
 .title-actions button {{ font: inherit; font-size: 12px; font-weight: 550; line-height: 16px; min-height: 28px;
                         padding: 4px 12px; border: 0; border-radius: 8px; cursor: pointer; background: #fff; color: #303030;
                         box-shadow: 0 -1px 0 0 #b5b5b5 inset, 0 0 0 1px rgba(0,0,0,.1) inset; }}
 .title-actions button.primary {{ background: #303030; color: #fff; box-shadow: 0 -1px 0 1px rgba(0,0,0,.8) inset; }}
 .title-actions button.critical {{ color: #8e0b21; }}
 .title-actions button:disabled {{ background: rgba(0,0,0,.05); color: #b5b5b5; box-shadow: none; cursor: default; }}
 #save-bar {{ position: fixed; top: 0; left: 0; right: 0; height: 48px; display: flex; align-items: center;
             gap: 8px; padding: 0 16px; background: #1a1a1a; color: #fff; font-weight: 650; z-index: 2; }}
 #save-bar[hidden] {{ display: none; }}
 #save-bar span {{ flex: 1; }}
 #save-bar button {{ font: inherit; font-size: 12px; border: 0; border-radius: 8px; padding: 4px 12px; cursor: pointer; }}
 #save-bar .discard {{ background: #303030; color: #fff; }}
 #save-bar .save {{ background: #fff; color: #303030; }}
 #toast {{ position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); background: #1a1a1a; color: #fff;
          border-radius: 8px; font-weight: 550; }}
 #toast.error {{ background: #8e0b21; }}
 @media (max-width: 768px) {{
   .shell {{ flex-direction: column; border-radius: 0; }}
   .sidebar {{ width: auto; padding: 4px 8px; display: flex; align-items: center; gap: 4px; overflow-x: auto; }}
   .sidebar h2, .sidebar .app {{ display: none; }}
   .sidebar .items {{ display: flex; gap: 2px; }}
   .sidebar .items a {{ padding: 4px 10px; white-space: nowrap; }}
   .title-bar {{ padding: 10px 12px; min-height: 48px; }}
   .title-bar h1 {{ font-size: 16px; line-height: 20px; }}
 }}
</style></head>
<body>
<header>Shopify sandbox admin · <strong>{escape(shop)}</strong>
 <a href="">reload (fresh ID token, valid 60 s)</a>
 <a href="{url}" target="_top">open the app outside the iframe</a></header>
<div class="shell">
<nav class="sidebar" aria-label="Apps"><h2>Apps</h2><span class="app">{app_name}</span>
 <div class="items" id="app-nav" aria-label="{app_name}" role="group"></div></nav>
<div class="app-area">
<div class="title-bar" id="title-bar" hidden><a class="crumb" id="title-crumb" href="" hidden></a><h1 id="title-heading"></h1>
 <div class="title-actions" id="title-actions"></div></div>
<iframe src="{url}" title="app" allow="clipboard-write"></iframe>
</div>
</div>
<div id="save-bar" role="region" aria-label="Unsaved changes" hidden><span>Unsaved changes</span>
 <button type="button" class="discard" data-action="discard">Discard</button>
 <button type="button" class="save" data-action="save">Save</button></div>
<div id="toast" role="status" aria-live="polite"></div>
<script>
var frame = document.querySelector("iframe");
document.querySelectorAll("#save-bar button").forEach(function (button) {{
  button.addEventListener("click", function () {{
    frame.contentWindow.postMessage({{type: "shopify-sandbox:save-bar-action", action: button.dataset.action}}, "*");
  }});
}});
frame.addEventListener("load", function () {{ document.getElementById("save-bar").hidden = true; }});
// What the app's App Bridge tells the admin: its navigation (drawn here), toasts, requests for session tokens.
window.addEventListener("message", function (event) {{
  var data = event.data || {{}};
  if (event.source !== frame.contentWindow) return;
  if (data.type === "shopify-sandbox:toast") {{
    var box = document.getElementById("toast");
    box.textContent = data.message; box.style.padding = "8px 14px";
    box.className = data.isError ? "error" : "";
    clearTimeout(box.timer);
    box.timer = setTimeout(function () {{ box.textContent = ""; box.style.padding = "0"; }}, data.duration || 5000);
    return;
  }}
  if (data.type === "shopify-sandbox:title-bar") {{
    // The app's <s-page>: its heading, breadcrumb and actions, drawn here; a click is handed back to the app.
    var bar = document.getElementById("title-bar");
    var crumb = document.getElementById("title-crumb");
    var actions = document.getElementById("title-actions");
    document.getElementById("title-heading").textContent = data.heading || "";
    bar.hidden = !data.heading;
    crumb.hidden = true;
    actions.textContent = "";
    function go(href) {{ frame.contentWindow.postMessage({{type: "shopify-sandbox:navigate", href: href}}, "*"); }}
    var primary = null;
    (data.actions || []).forEach(function (action) {{
      if (action.kind === "breadcrumb") {{
        crumb.hidden = false; crumb.href = action.href; crumb.textContent = "\u2039";
        crumb.setAttribute("aria-label", action.accessibilityLabel || action.label);
        crumb.onclick = function (click) {{ click.preventDefault(); go(action.href); }};
        return;
      }}
      var button = document.createElement("button");
      button.type = "button"; button.textContent = action.label; button.disabled = !!action.disabled;
      if (action.accessibilityLabel) button.setAttribute("aria-label", action.accessibilityLabel);
      if (action.dialog) button.setAttribute("aria-haspopup", "dialog");
      if (action.kind === "primary") button.classList.add("primary");
      if (action.tone === "critical") button.classList.add("critical");
      button.addEventListener("click", function () {{
        if (action.href) go(action.href);
        else frame.contentWindow.postMessage({{type: "shopify-sandbox:title-bar-action", index: action.index}}, "*");
      }});
      if (action.kind === "primary") primary = button; else actions.appendChild(button);
    }});
    if (primary) actions.appendChild(primary);
    return;
  }}
  if (data.type === "shopify-sandbox:save-bar") {{
    document.getElementById("save-bar").hidden = !data.visible;
    return;
  }}
  if (data.type === "shopify-sandbox:nav") {{
    var nav = document.getElementById("app-nav");
    nav.textContent = "";
    var best = null;
    (data.items || []).forEach(function (item) {{
      var link = document.createElement("a");
      link.href = item.href; link.textContent = item.label;
      if (item.home) link.className = "app-home";
      link.addEventListener("click", function (click) {{
        click.preventDefault();
        frame.contentWindow.postMessage({{type: "shopify-sandbox:navigate", href: item.href}}, "*");
      }});
      nav.appendChild(link);
      var path = new URL(item.href).pathname;
      var matches = item.home ? data.path === path : data.path.indexOf(path) === 0;
      if (matches && (!best || path.length > best.path.length)) best = {{link: link, path: path}};
    }});
    if (best) best.link.setAttribute("aria-current", "page");
    return;
  }}
  if (data.type !== "shopify-sandbox:id-token-request") return;
  fetch("/sandbox/session_token?shop=" + encodeURIComponent({json.dumps(shop)}))
    .then(function (r) {{ return r.json(); }})
    .then(function (body) {{
      event.source.postMessage({{type: "shopify-sandbox:id-token", id: data.id, token: body.id_token}}, event.origin);
    }})
    .catch(function (error) {{
      event.source.postMessage({{type: "shopify-sandbox:id-token", id: data.id, error: String(error)}}, event.origin);
    }});
}});
</script>
</body></html>
"""


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value).strip().lower() in ("1", "true", "yes")


def granted_scopes(scope: str) -> frozenset[str]:
    """A scope list as Shopify applies it: a write_ scope grants its read_ scope too."""
    names = {s.strip() for s in scope.split(",") if s.strip()}
    return frozenset(names | {"read_" + n[len("write_") :] for n in names if n.startswith("write_")})
