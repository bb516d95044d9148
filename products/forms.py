"""The mapping page's filters, a link fix's input and the catalogue settings (field owners)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from products.models import CatalogueSettings

STATE_FILTERS = ("all", "problems", "linked", "missing", "conflict", "ignored", "deleted")
MAX_IMAGE_KB = 20 * 1024

OWNER_FIELDS = (
    ("name_owner", _("Name")),
    ("description_owner", _("Description")),
    ("sale_price_owner", _("Sale price")),
    ("cost_owner", _("Cost")),
    ("barcode_owner", _("Barcode")),
    ("weight_owner", _("Weight")),
    ("product_type_owner", _("Product type (storable or service)")),
    ("images_owner", _("Images")),
    ("active_owner", _("Active or archived")),
)


class MappingFilterForm(forms.Form):
    state = forms.CharField(required=False)
    q = forms.CharField(required=False, max_length=100, strip=True)

    def clean_state(self) -> str:
        state = self.cleaned_data.get("state") or "all"
        return state if state in STATE_FILTERS else "all"


class StrictMappingFilterForm(MappingFilterForm):
    """The mapping page's filters for callers that must hear about a wrong state (the API): refused, not
    read as "all"."""

    def clean_state(self) -> str:
        state = self.cleaned_data.get("state") or "all"
        if state not in STATE_FILTERS:
            raise forms.ValidationError(
                _("Choose one of: %(states)s."), params={"states": ", ".join(STATE_FILTERS)}
            )
        return state


class LinkForm(forms.Form):
    reference = forms.CharField(
        max_length=255,
        strip=True,
        error_messages={"required": _("Type the Odoo product's id or its internal reference.")},
    )


class CatalogueSettingsForm(forms.ModelForm):
    image_max_kb = forms.IntegerField(
        label=_("Largest image to copy (KB)"),
        min_value=1,
        max_value=MAX_IMAGE_KB,
        help_text=_("Larger images stay in Shopify only."),
    )

    class Meta:
        model = CatalogueSettings
        fields = [name for name, _label in OWNER_FIELDS] + ["import_images", "image_max_kb", "create_missing"]
        labels = {
            **dict(OWNER_FIELDS),
            "import_images": _("Copy product images to Odoo"),
            "create_missing": _("Create the Odoo products that are missing"),
        }
        help_texts = {
            "create_missing": _(
                "Off: a Shopify variant no Odoo product matches is listed as missing on the mapping page instead."
            ),
        }
        widgets = {name: forms.RadioSelect for name, _label in OWNER_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _label in OWNER_FIELDS:
            # A choice is always made (no empty "---------" option in the radio list).
            self.fields[name].choices = CatalogueSettings.Owner.choices  # type: ignore[attr-defined]

    def save(self, commit: bool = True) -> CatalogueSettings:
        instance: CatalogueSettings = super().save(commit=False)
        instance.saved_at = timezone.now()
        if commit:
            instance.save()
        return instance
