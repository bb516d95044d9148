"""Settings → API keys: a merchant creates a key (shown once), sees the shop's keys and revokes one.

One URL serves the page or, for HTMX, the section's fragment; create and revoke answer with the updated fragment
(and a toast). Every lookup goes through the current shop, so another shop's key is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from api.keys import KEY_PREFIX, create_key, revoke
from api.models import ApiKey
from synco.http import HtmxHttpRequest
from synco.models import Shop
from synco.shopify_app.embedded import shop_required
from synco.tenancy import current_shop

FRAGMENT = "api/_api_keys.html"
PAGE = "api/api_keys.html"


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses the key, e.g. “n8n” or “monitoring”."),
        error_messages={
            "required": gettext_lazy("Name the key: what will use it?"),
            "max_length": gettext_lazy("A key's name has at most %(limit_value)d characters."),
        },
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.Scope.READ,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Read: lists and details only. Read and write: also sync, retry and settings."
        ),
    )


def _who(request: HtmxHttpRequest) -> str:
    if request.user.is_authenticated:
        return request.user.get_username()
    return "a user in the Shopify admin"


def _context(shop: Shop, form: ApiKeyForm, **extra: Any) -> dict[str, Any]:
    keys = list(
        ApiKey.objects.filter(shop=shop, revoked_at__isnull=True).only(
            "id", "name", "prefix", "scope", "created_at", "created_by", "last_used_at"
        )
    )
    return {"shop": shop, "form": form, "keys": keys, "key_prefix": KEY_PREFIX, **extra}


def _with_toast(response: HttpResponse, message: str, level: str = "info") -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"toast": {"message": message, "level": level}})
    return response


@shop_required
@require_GET
def api_keys(request: HtmxHttpRequest) -> HttpResponse:
    """The shop's active keys and the form that creates one; the fragment alone for HTMX."""
    shop = current_shop(request)
    template = FRAGMENT if request.htmx else PAGE
    return render(request, template, _context(shop, ApiKeyForm()))


@shop_required
@require_POST
def create_api_key(request: HtmxHttpRequest) -> HttpResponse:
    """A new key: its plain text is in this one response and nowhere else (only its hash is stored)."""
    shop = current_shop(request)
    form = ApiKeyForm(request.POST)
    template = FRAGMENT if request.htmx else PAGE
    if not form.is_valid():
        # HTMX swaps only a 2xx answer: the fragment with the field errors comes as 200 to it, 422 to a form post.
        response = render(request, template, _context(shop, form), status=200 if request.htmx else 422)
        return _with_toast(response, _("No key was created: fix the field marked."), "warning")
    key, plain = create_key(shop, form.cleaned_data["name"], form.cleaned_data["scope"], _who(request))
    response = render(request, template, _context(shop, ApiKeyForm(), created=key, plain_key=plain))
    # The key must not be kept by a browser or a proxy: it is shown this once.
    response["Cache-Control"] = "no-store"
    return _with_toast(response, _("API key “{name}” created: copy it now.").format(name=key.name))


@shop_required
@require_POST
def revoke_api_key(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the shop's keys: it stops working at once. Another shop's (or a revoked) key is a 404."""
    shop = current_shop(request)
    name = (
        ApiKey.objects.filter(shop=shop, pk=pk, revoked_at__isnull=True)
        .values_list("name", flat=True)
        .first()
    )
    if name is None or not revoke(shop, pk):
        raise Http404("No such API key in this shop.")
    template = FRAGMENT if request.htmx else PAGE
    response = render(request, template, _context(shop, ApiKeyForm()))
    return _with_toast(response, _("API key “{name}” revoked: it no longer works.").format(name=name))
