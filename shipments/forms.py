"""The shipping settings form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shipments.models import ShipmentSettings


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
