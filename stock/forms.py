"""The stock settings form and the location mapping form (one Shopify location at a time)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stock.models import StockSettings


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
