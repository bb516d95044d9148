"""Settings forms; secrets are write-only (left blank, the stored one is kept)."""

from __future__ import annotations

from typing import Any

from django import forms

from synco.models import OdooConnection


class OdooConnectionForm(forms.ModelForm):
    url = forms.URLField(
        label="Odoo URL",
        assume_scheme="https",
        help_text="The address you open Odoo at, e.g. https://mycompany.odoo.com",
    )
    secret = forms.CharField(
        label="Password or API key",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the stored one. An API key (Odoo: Preferences > Account "
        "Security > New API Key) is safer than the password.",
    )

    class Meta:
        model = OdooConnection
        fields = ["url", "database", "login", "secret", "protocol"]
        help_texts = {
            "database": "Odoo's database name (shown on the login page's database selector).",
            "login": "The e-mail or login of the Odoo user Synco acts as.",
            "protocol": "XML-RPC works everywhere; JSON-RPC is an alternative if a proxy blocks XML-RPC.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stored_secret = bool(self.instance.pk and self.instance.secret)
        if not self.has_stored_secret:
            self.fields["secret"].required = True

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).rstrip("/")
        for suffix in ("/odoo", "/web", "/web/login"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        return url

    def save(self, commit: bool = True) -> OdooConnection:
        connection: OdooConnection = super().save(commit=False)
        new_secret = self.cleaned_data.get("secret")
        if not new_secret and self.has_stored_secret:
            connection.secret = OdooConnection.objects.get(pk=connection.pk).secret
        if commit:
            connection.save()
        return connection
