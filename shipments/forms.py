"""The shipping settings form."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from shipments.models import Shipment, ShipmentSettings
from synco.filters import MAX_ID


class ShipmentSettingsForm(forms.ModelForm):
    class Meta:
        model = ShipmentSettings
        fields = ["shipper", "notify_customer", "validate_at_sync"]
        labels = {
            "shipper": _("Who ships"),
            "notify_customer": _("Shopify e-mails the customer the shipping confirmation and tracking"),
            "validate_at_sync": _(
                "Validate the Odoo delivery of an order Shopify had already fulfilled when it is synced"
            ),
        }
        widgets = {"shipper": forms.RadioSelect}


class ShipmentFilterForm(forms.Form):
    """Which shipments to list: a state, a direction, one order, a tracking number or delivery name."""

    state = forms.ChoiceField(
        required=False, choices=[("", _("All")), *Shipment.State.choices], label=_("State")
    )
    direction = forms.ChoiceField(
        required=False, choices=[("", _("Both")), *Shipment.Direction.choices], label=_("Direction")
    )
    order = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label=_("Order"))
    q = forms.CharField(required=False, max_length=100, strip=True, label=_("Tracking number or delivery"))

    def filter(self, shipments: QuerySet[Shipment]) -> QuerySet[Shipment]:
        """The shipments under the cleaned filters (the form must be valid)."""
        data = self.cleaned_data
        if data.get("state"):
            shipments = shipments.filter(state=data["state"])
        if data.get("direction"):
            shipments = shipments.filter(direction=data["direction"])
        if data.get("order"):
            shipments = shipments.filter(order_id=data["order"])
        if data.get("q"):
            shipments = shipments.filter(
                Q(tracking_number__icontains=data["q"])
                | Q(odoo_picking_name__icontains=data["q"])
                | Q(fulfillment_name__icontains=data["q"])
            )
        return shipments
