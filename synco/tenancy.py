"""Which shop a request acts for: every query in a view is scoped through here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from synco.models import Shop

SESSION_KEY = "synco_shop_id"


def shops_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Shop]:
    """Staff see every shop; a merchant sees only the shops they belong to."""
    if not user.is_authenticated:
        return Shop.objects.none()
    if getattr(user, "is_staff", False):
        return Shop.objects.all()
    return Shop.objects.filter(users__pk=user.pk)


def current_shop(request: HttpRequest) -> Shop:
    """The shop chosen in this session (or the user's first), never one outside the user's shops."""
    embedded = getattr(request, "embedded_shop", None)
    if embedded is not None:
        return embedded
    shops = shops_for(request.user)
    chosen = request.session.get(SESSION_KEY)
    shop = shops.filter(pk=chosen).first() if chosen else None
    if shop is None:
        shop = shops.order_by("pk").first()
    if shop is None:
        raise Http404("No shop is connected to this account.")
    return shop


def choose_shop(request: HttpRequest, shop_id: int) -> Shop:
    shop = shops_for(request.user).filter(pk=shop_id).first()
    if shop is None:
        raise Http404("No such shop.")
    request.session[SESSION_KEY] = shop.pk
    return shop
