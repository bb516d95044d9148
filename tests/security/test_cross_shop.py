"""Shop A's merchant reaches nothing of shop B, on every URL the project has.

The URLs come from the resolver, not from a list: a new URL is walked the day it is added. Each one is requested
with every id parameter set to B's ids (all of B's rows share one primary key, see conftest.py), with GET and
POST, plain and HTMX, as A's logged-in merchant and with A's App Bridge ID token. No answer may carry B's names,
e-mails, secrets or links to B's rows, and B's stored state must be exactly what it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter
from django.urls.resolvers import RegexPattern, RoutePattern

from api.operations.urls import AnyId
from tests.security.conftest import (
    A_ORDER_NAME,
    B_DOMAIN,
    B_ID,
    TwoShops,
    id_token,
    leaked_markers,
    shop_state,
)

pytestmark = pytest.mark.django_db

# How a path parameter is filled with shop B's ids. A converter or regex group not listed here fails the walk:
# whoever adds such a URL extends this table (and thereby says what B's value for it is).
CONVERTER_VALUES: dict[type, str] = {
    IntConverter: str(B_ID),
    StringConverter: str(B_ID),
    PathConverter: str(B_ID),
    SlugConverter: str(B_ID),
    AnyId: str(B_ID),  # the REST API's ids (api/operations/urls.py)
}
REGEX_GROUP_VALUES = {
    "app_label": "orders",  # the admin's app index
    "url": f"{B_ID}/",  # the admin's catch-all
}
# What a form or a filter might take an id of B from.
GET_QUERY = {"order": str(B_ID), "pending": str(B_ID), "shop": B_DOMAIN, "batch": str(B_ID)}
POST_DATA = {
    "order": [str(B_ID), str(B_ID + 1)],
    "shop": str(B_ID),
    "pk": str(B_ID),
    "id": str(B_ID),
    "scope": "selected",
}
# The request's own query string, echoed back in a login redirect's `next`: what was sent, not what B holds.
ECHOED_QUERY = re.compile(rf"shop(=|%3D|%253D){re.escape(B_DOMAIN)}", re.IGNORECASE)
# A link to one of B's rows (a path echoing the request's own query string is not one).
B_LINK = re.compile(rf"/(orders|logs|batches|imports|webhooks|shop|synco/shop)/{B_ID}/")


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "orders/<int:pk>/sync/"
    url: str  # with B's ids filled in
    callback: Any


def _walk(
    resolver: URLResolver, prefix: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, (*prefix, entry.pattern))
        else:
            yield (*prefix, entry.pattern), entry


def _fill_regex(regex: str, template: str) -> str:
    """A regex pattern's text with each named group replaced by B's value for it."""
    out, i = [], 0
    text = regex.removeprefix("^").removesuffix("$")
    while i < len(text):
        match = re.compile(r"\(\?P<(\w+)>").match(text, i)
        if not match:
            out.append(text[i])
            i += 1
            continue
        name, depth, j = match.group(1), 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        if name not in REGEX_GROUP_VALUES:
            pytest.fail(f"{template}: no value of shop B for the regex group {name!r}; add one to this test")
        out.append(REGEX_GROUP_VALUES[name])
        i = j
    return "".join(out)


def _fill_route(route: RoutePattern, template: str) -> str:
    text = str(route)
    for name, converter in route.converters.items():
        if type(converter) not in CONVERTER_VALUES:
            pytest.fail(
                f"{template}: no value of shop B for <{type(converter).__name__}:{name}>; add one to this test"
            )
        text = re.sub(rf"<(\w+:)?{name}>", CONVERTER_VALUES[type(converter)], text)
    return text


def all_routes() -> list[Route]:
    """Every URL pattern of the project, with B's ids in its parameters."""
    routes = []
    for patterns, entry in _walk(get_resolver()):
        template = "".join(str(pattern) for pattern in patterns)
        parts = []
        for pattern in patterns:
            if isinstance(pattern, RoutePattern):
                parts.append(_fill_route(pattern, template))
            elif isinstance(pattern, RegexPattern):
                parts.append(_fill_regex(str(pattern), template))
            else:
                pytest.fail(f"{template}: a {type(pattern).__name__} pattern; teach this test to fill it")
        url = "/" + "".join(parts)
        assert resolve(url).func == entry.callback, f"{url} does not resolve to the view of {template}"
        routes.append(Route(template, url, entry.callback))
    return routes


def _text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace") + response.get("Location", "")


def _problems(route: Route, label: str, response: Any) -> list[str]:
    text = ECHOED_QUERY.sub("", _text(response))
    found = [f"{label} {route.url}: {marker!r} in the answer" for marker in leaked_markers(text)]
    link = B_LINK.search(text.replace(route.url, ""))
    if link:
        found.append(f"{label} {route.url}: a link to B's row {link.group(0)}")
    if response.status_code >= 500 and not _gateway_answer(response):
        found.append(f"{label} {route.url}: status {response.status_code}")
    return found


# The REST API answers 502/503 by design when Odoo or Shopify refuses or does not answer (here: A's Shopify is
# not reachable from the test), as its JSON error with a gateway code; any other 5xx is a fault.
GATEWAY_CODES = {"odoo_refused", "odoo_unavailable", "shopify_refused", "shopify_unavailable"}


def _gateway_answer(response: Any) -> bool:
    if response.status_code not in (502, 503) or not response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return False
    try:
        return response.json()["error"]["code"] in GATEWAY_CODES
    except (ValueError, KeyError, TypeError):
        return False


def _requests(
    client: Client, route: Route, auth: dict[str, str], query: dict[str, str]
) -> Iterator[tuple[str, Any]]:
    htmx = {"HTTP_HX_REQUEST": "true"}
    post_url = f"{route.url}?{urlencode(query)}" if query else route.url
    yield "GET", client.get(route.url, {**GET_QUERY, **query}, **auth)
    yield "GET htmx", client.get(route.url, {**GET_QUERY, **query}, **auth, **htmx)
    yield "POST", client.post(post_url, POST_DATA, **auth)
    yield "POST htmx", client.post(post_url, POST_DATA, **auth, **htmx)


def test_the_walk_covers_every_url_including_the_ones_taking_an_id():
    templates = {route.template for route in all_routes()}

    assert {
        "orders/<int:pk>/",
        "orders/<int:pk>/sync/",
        "orders/<int:pk>/odoo/",
        "orders/batches/<int:pk>/",
        "orders/imports/<int:pk>/resume/",
        "logs/<int:pk>/",
        "webhooks/",
        "settings/odoo/check/",
    } <= templates
    assert len(templates) == len(all_routes())


def test_a_merchant_of_shop_a_reaches_nothing_of_shop_b_on_any_url(
    merchant_client: Client, merchant: Any, two_shops: TwoShops
):
    before = shop_state(two_shops.b)
    problems: list[str] = []
    merchant_client.raise_request_exception = (
        False  # a 500 is one more problem listed, not the end of the walk
    )

    for route in all_routes():
        for label, response in _requests_relogging(merchant_client, merchant, route):
            problems += _problems(route, label, response)
        if shop_state(two_shops.b) != before:
            problems.append(f"{route.url}: shop B's stored state changed")
            before = shop_state(two_shops.b)

    assert problems == [], "\n".join(problems)
    merchant_client.force_login(merchant)
    assert A_ORDER_NAME in merchant_client.get("/orders/").content.decode()  # the walk was logged in


def _requests_relogging(client: Client, user: Any, route: Route) -> Iterator[tuple[str, Any]]:
    # A POST to a logout URL ends the session: log in again before each request, so each one is the merchant's.
    for label in ("GET", "GET htmx", "POST", "POST htmx"):
        client.force_login(user)
        htmx = {"HTTP_HX_REQUEST": "true"} if "htmx" in label else {}
        if label.startswith("GET"):
            yield label, client.get(route.url, GET_QUERY, **htmx)
        else:
            yield label, client.post(route.url, POST_DATA, **htmx)


def test_shop_as_id_token_reaches_nothing_of_shop_b_on_any_url(settings: Any, two_shops: TwoShops):
    before = shop_state(two_shops.b)
    problems: list[str] = []
    client = Client(raise_request_exception=False)
    a_domain = two_shops.a.domain

    for route in all_routes():
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {id_token(settings, a_domain)}"}
        document = {"id_token": id_token(settings, a_domain), "embedded": "1", "host": "abc"}
        for label, response in _requests(client, route, {}, document):
            problems += _problems(route, f"token {label} (query)", response)
        for label, response in _requests(client, route, bearer, {}):
            problems += _problems(route, f"token {label} (bearer)", response)
        if shop_state(two_shops.b) != before:
            problems.append(f"{route.url}: shop B's stored state changed")
            before = shop_state(two_shops.b)

    assert problems == [], "\n".join(problems)
    page = client.get("/orders/", HTTP_AUTHORIZATION=f"Bearer {id_token(settings, a_domain)}")
    assert A_ORDER_NAME in page.content.decode()  # the token was accepted: the walk saw shop A's pages
