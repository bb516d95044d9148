"""Settings → API keys in Chromium: create a key (shown once, copied), use it, revoke it behind the confirmation."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from api.models import ApiKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _me(live_url: str, key: str) -> int:
    request = urllib.request.Request(f"{live_url}/api/v1/me/", headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["key_name"] == "n8n"
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_a_merchant_creates_copies_uses_and_revokes_a_key(page, shop, live_url, screenshot):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/settings/")
    page.get_by_role("link", name="Manage the API keys").click()
    expect(page.get_by_text("No API key yet.")).to_be_visible()

    # a name is required: the field says so and nothing is created
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#id_name")).to_have_attribute("error", "Name the key: what will use it?")
    assert not ApiKey.objects.exists()

    # when the merchant names a read and write key and creates it
    page.get_by_label("Name").fill("n8n")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create key").click()

    # then the key is shown once, and copied with the button
    field = page.locator("#new-api-key")
    expect(field).to_be_visible()
    plain = field.get_attribute("value") or ""
    assert plain.startswith("synco_")
    page.get_by_role("button", name="Copy key").click()
    expect(page.locator("#toasts")).to_contain_text("Key copied.")
    assert page.evaluate("navigator.clipboard.readText()") == plain
    key = ApiKey.objects.get(shop=shop)
    assert key.scope == "write" and key.created_by == "merchant"
    row = page.locator(f"#api-key-{key.pk}")
    expect(row).to_contain_text("n8n")
    expect(row).to_contain_text(f"synco_{key.prefix}…")
    expect(row).to_contain_text("Never")
    screenshot(page, "settings-api-key-created")
    assert _me(live_url, plain) == 200

    # a reload never shows it again, but lists it with its last use
    page.reload()
    expect(page.locator("#new-api-key")).to_have_count(0)
    expect(page.locator(f"#api-key-{key.pk}")).not_to_contain_text("Never")

    # Revoke asks first; Cancel keeps the key
    page.locator(f"#api-key-{key.pk}").get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog", name="Revoke “n8n”?")
    expect(dialog).to_be_visible()
    screenshot(page, "settings-api-key-revoke")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None

    # confirmed, the key is revoked at once and the page stays usable
    page.locator(f"#api-key-{key.pk}").get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Revoke “n8n”?").get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("No API key yet.")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("revoked")
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert _me(live_url, plain) == 401
    page.get_by_label("Name").fill("monitoring")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-api-key")).to_be_visible()


def test_the_page_fits_a_phone(new_page, merchant, shop, screenshot):
    from tests.browser.conftest import PHONE, log_in

    page = new_page(PHONE)
    log_in(page)
    page.goto("/settings/api-keys/")
    page.get_by_label("Name").fill("monitoring")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-api-key")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "settings-api-keys")
