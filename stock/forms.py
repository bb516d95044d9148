"""The stock settings form and the location mapping form (one Shopify location at a time)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from stock.models import DriftRow, StockPush, StockSettings
from synco.filters import MAX_ID


class StockSettingsForm(forms.ModelForm):
    class Meta:
        model = StockSettings
        fields = ["enabled", "figure", "safety_buffer", "coalesce_seconds"]
        labels = {
            "enabled": _("Push Odoo's stock levels to Shopify"),
            "figure": _("Odoo figure Shopify shows as available"),
            "safety_buffer": _("Safety buffer (units)"),
            "coalesce_seconds": _("Coalescing window (seconds)"),
        }

    def clean_coalesce_seconds(self) -> float:
        value = float(self.cleaned_data["coalesce_seconds"])
        if not 0 <= value <= 60:
            raise forms.ValidationError(_("Between 0 and 60 seconds."))
        return value


def save_stock_settings(form: StockSettingsForm) -> StockSettings:
    """Save valid stock settings (the Settings page and the API): turned on, the items are matched and every level
    pushed once, after the commit."""
    from stock.tasks import start_sync_task

    was_enabled = StockSettings.objects.filter(pk=form.instance.pk, enabled=True).exists()
    settings: StockSettings = form.save()
    if settings.enabled and not was_enabled:
        shop_id = settings.shop_id
        transaction.on_commit(lambda: start_sync_task.delay(shop_id))
    return settings


class LocationMappingForm(forms.Form):
    """Map one Shopify location: a warehouse, or internal locations, or leave it unsynced (both empty)."""

    mapping_id = forms.IntegerField(widget=forms.HiddenInput)
    warehouse = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=_("Odoo warehouse")
    )
    locations = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label=_("or internal locations"), widget=forms.SelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        warehouses: list[tuple[int, str]] | None = None,
        locations: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        warehouse_field: Any = self.fields["warehouse"]
        warehouse_field.choices = [("", _("Not synced")), *(warehouses or [])]
        location_field: Any = self.fields["locations"]
        location_field.choices = list(locations or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("warehouse") and cleaned.get("locations"):
            raise forms.ValidationError(_("Choose a warehouse or internal locations, not both."))
        return cleaned


class DriftFilterForm(forms.Form):
    """Which rows of a drift report to show: one Shopify location, a SKU search, open or repaired."""

    STATES = (("all", _("All")), ("open", _("Not repaired")), ("repaired", _("Repaired")))

    report = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label=_("Drift report"))
    location = forms.CharField(required=False, max_length=100, strip=True, label=_("Shopify location"))
    q = forms.CharField(required=False, max_length=100, strip=True, label=_("SKU"))
    state = forms.ChoiceField(required=False, choices=STATES, label=_("State"))

    def filter(self, rows: QuerySet[DriftRow]) -> QuerySet[DriftRow]:
        """The rows under the form's cleaned filters (the form must be valid)."""
        data = self.cleaned_data
        if data.get("location"):
            rows = rows.filter(location_gid=data["location"])
        if data.get("q"):
            rows = rows.filter(sku__icontains=data["q"])
        if data.get("state") == "open":
            rows = rows.filter(repaired_at__isnull=True)
        elif data.get("state") == "repaired":
            rows = rows.filter(repaired_at__isnull=False)
        return rows


class PushFilterForm(forms.Form):
    """The pushes to list: all, the failures (the Stock page's Failures: anything not set), or one outcome."""

    OUTCOMES = (("all", _("All")), ("failures", _("Failures")), *StockPush.Outcome.choices)

    outcome = forms.ChoiceField(required=False, choices=OUTCOMES, label=_("Outcome"))
    q = forms.CharField(required=False, max_length=100, strip=True, label=_("SKU"))

    def filter(self, pushes: QuerySet[StockPush]) -> QuerySet[StockPush]:
        outcome = self.cleaned_data.get("outcome") or "all"
        if outcome == "failures":
            pushes = pushes.exclude(outcome=StockPush.Outcome.SET)
        elif outcome != "all":
            pushes = pushes.filter(outcome=outcome)
        if self.cleaned_data.get("q"):
            pushes = pushes.filter(sku__icontains=self.cleaned_data["q"])
        return pushes
