"""Which refunds to list: a state, one order (the order page's refunds are one order's)."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from refunds.models import Refund, RefundState
from synco.filters import MAX_ID


class RefundFilterForm(forms.Form):
    state = forms.ChoiceField(
        required=False, choices=[("", _("All")), *RefundState.choices], label=_("State")
    )
    order = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, label=_("Order"))

    def filter(self, refunds: QuerySet[Refund]) -> QuerySet[Refund]:
        """The refunds under the cleaned filters (the form must be valid)."""
        if self.cleaned_data.get("state"):
            refunds = refunds.filter(state=self.cleaned_data["state"])
        if self.cleaned_data.get("order"):
            refunds = refunds.filter(order_id=self.cleaned_data["order"])
        return refunds
