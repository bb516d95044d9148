"""The customer settings form (Customers page) and the customer links' filters."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerLink, CustomerSettings
from synco.filters import MAX_ID


class CustomerSettingsForm(forms.ModelForm):
    class Meta:
        model = CustomerSettings
        fields = ["match_phone", "copy_marketing_consent", "import_companies"]
        labels = {
            "match_phone": _("Also match existing Odoo contacts by phone number"),
            "copy_marketing_consent": _("Copy e-mail marketing consent to Odoo"),
            "import_companies": _("Import B2B companies (a company's contacts go under a company contact)"),
        }
        help_texts = {
            "match_phone": _(
                "After Synco's own link and the e-mail: digits compared, with the country code when "
                "Odoo knows the contact's country."
            ),
            "copy_marketing_consent": _(
                "Off: consent stays in Shopify. On: the Odoo contacts of customers who "
                "accept e-mail marketing get the tag 'Shopify: accepts e-mail marketing' (and lose it when they "
                "unsubscribe)."
            ),
            "import_companies": _("Only matters for shops that sell to companies (Shopify B2B)."),
        }

    def save(self, commit: bool = True) -> CustomerSettings:
        """Saved by the Customers page and the API alike: both record when."""
        settings: CustomerSettings = super().save(commit=False)
        settings.saved_at = timezone.now()
        if commit:
            settings.save()
        return settings


class CustomerLinkFilterForm(forms.Form):
    """Which customer links to list: one Shopify customer, or the customers linked to one Odoo contact."""

    customer = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, label=_("Shopify customer id")
    )
    partner = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label=_("Odoo contact id"))

    def filter(self, links: QuerySet[CustomerLink]) -> QuerySet[CustomerLink]:
        """The links under the cleaned filters (the form must be valid)."""
        if self.cleaned_data.get("customer"):
            links = links.filter(shopify_customer_id=self.cleaned_data["customer"])
        if self.cleaned_data.get("partner"):
            links = links.filter(odoo_partner_id=self.cleaned_data["partner"])
        return links
