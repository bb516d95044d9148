"""manage.py create_api_key: a key made from the command line works on the API and is listed like the page's."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.models import ApiKey
from synco.models import Shop
from tests.api.conftest import client_with


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def shop(db) -> Shop:
    return Shop.objects.create(domain="cli-shop.myshopify.com", access_token="shpat_cli")


def test_it_prints_only_the_key_on_stdout_and_stores_its_hash(shop):
    out, err = _run("--shop", "cli-shop.myshopify.com", "--name", "n8n", "--scope", "write")

    plain = out.strip()
    assert out == plain + "\n"
    assert plain.startswith("synco_")
    key = ApiKey.objects.get(shop=shop)
    assert (key.name, key.scope, key.created_by) == ("n8n", "write", "manage.py create_api_key")
    assert key.revoked_at is None and key.last_used_at is None
    assert plain.startswith(f"synco_{key.prefix}_")
    assert plain not in key.key_hash
    assert key.prefix in err and "n8n" in err and "shown once" in err
    assert plain not in err


def test_it_makes_a_write_key_the_api_accepts_for_that_shop(shop):
    out, _ = _run("--shop", "cli-shop.myshopify.com", "--name", "support", "--scope", "write")

    response = client_with(out.strip()).get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "shop": "cli-shop.myshopify.com",
        "scope": "write",
        "via": "key",
        "key_name": "support",
    }
    assert ApiKey.objects.get(shop=shop).last_used_at is not None


def test_a_read_key_reads_but_is_refused_a_write(shop):
    out, _ = _run("--shop", "cli-shop.myshopify.com", "--name", "monitoring", "--scope", "read")
    client = client_with(out.strip())

    assert client.get("/api/v1/orders/").status_code == 200
    refused = client.post("/api/v1/settings/pause/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert Shop.objects.get(pk=shop.pk).sync_paused is False


def test_it_accepts_the_shop_and_scope_in_any_case_and_the_name_trimmed(shop):
    _run("--shop", " CLI-Shop.myshopify.com ", "--name", "  monitoring  ", "--scope", "READ")

    key = ApiKey.objects.get(shop=shop)
    assert (key.name, key.scope) == ("monitoring", "read")


def test_it_records_who_made_the_key(shop):
    _run("--shop", shop.domain, "--name", "n8n", "--scope", "read", "--created-by", "support: ana")

    assert ApiKey.objects.get(shop=shop).created_by == "support: ana"


def test_an_unknown_shop_is_refused_with_the_installed_ones(shop):
    with pytest.raises(CommandError) as refused:
        _run("--shop", "nope.myshopify.com", "--name", "n8n", "--scope", "read")

    assert str(refused.value) == (
        "No shop 'nope.myshopify.com': it has to install Synco first. Installed: cli-shop.myshopify.com."
    )
    assert not ApiKey.objects.exists()


def test_an_uninstalled_shop_gets_no_key(shop):
    Shop.objects.filter(pk=shop.pk).update(uninstalled_at=timezone.now())

    with pytest.raises(CommandError, match="has uninstalled Synco"):
        _run("--shop", shop.domain, "--name", "n8n", "--scope", "read")

    assert not ApiKey.objects.exists()


def test_a_bad_scope_is_refused_naming_the_scopes(shop):
    with pytest.raises(CommandError) as refused:
        _run("--shop", shop.domain, "--name", "n8n", "--scope", "admin")

    assert str(refused.value) == "Unknown scope 'admin': use one of read (read), write (read and write)."
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Name the key: what will use it?"),
        ("x" * 101, "A key's name has at most 100 characters."),
    ],
)
def test_a_bad_name_is_refused_with_the_pages_message(shop, name, message):
    with pytest.raises(CommandError) as refused:
        _run("--shop", shop.domain, "--name", name, "--scope", "read")

    assert str(refused.value) == message
    assert not ApiKey.objects.exists()


def test_each_run_makes_a_new_key(shop):
    first, _ = _run("--shop", shop.domain, "--name", "n8n", "--scope", "read")
    second, _ = _run("--shop", shop.domain, "--name", "n8n", "--scope", "read")

    assert first != second
    assert ApiKey.objects.filter(shop=shop).count() == 2
