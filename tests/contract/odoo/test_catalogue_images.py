"""Issue 16, product images: what Odoo does with a template's image_1920 written over RPC (sandbox 17/18/19, and
a real Odoo with ODOO_TEST_URL set), and Synco's write_template_images on top of it.

Seen on real 18.0 and 19.0: a small image is stored as sent and its copies (image_128, ...) are the same bytes;
the variant shows the template's image; a payload that is not base64 or not an image is refused with a
UserError (fault code 2) naming why; False clears the image and its copies.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from sandboxes.shopify.cdn import png
from synco.odoo.catalog import write_template_images
from synco.odoo.client import OdooClient

from .conftest import OdooApi

IMAGE = base64.b64encode(png("contract-image")).decode()
OTHER = base64.b64encode(png("contract-other")).decode()
NOT_AN_IMAGE = base64.b64encode(b"hello, I am not an image").decode()


@pytest.fixture
def template(odoo_api: OdooApi) -> Iterator[Callable[[], int]]:
    """Make templates for the test (archived afterwards: a real target is shared)."""
    made: list[int] = []

    def make() -> int:
        made.append(int(odoo_api.call("product.template", "create", [{"name": odoo_api.unique("IMG")}])))
        return made[-1]

    yield make
    if made:
        odoo_api.call("product.template", "write", [made, {"active": False}])


def images(odoo_api: OdooApi, template_id: int) -> dict[str, object]:
    return odoo_api.read_one("product.template", template_id, ["image_1920", "image_128"])


def test_a_png_written_on_a_template_reads_back_with_its_small_copy(
    odoo_api: OdooApi, template: Callable[[], int]
) -> None:
    template_id = template()
    assert odoo_api.call("product.template", "write", [[template_id], {"image_1920": IMAGE}]) is True
    row = images(odoo_api, template_id)
    assert row["image_1920"] == IMAGE
    assert row["image_128"] == IMAGE  # 64 x 64: already small enough, kept as it is
    variants = odoo_api.call(
        "product.product",
        "search_read",
        [[["product_tmpl_id", "=", template_id]]],
        {"fields": ["image_1920"]},
    )
    assert [variant["image_1920"] for variant in variants] == [IMAGE]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (NOT_AN_IMAGE, "This file could not be decoded as an image file."),
        (base64.b64encode(png("cut")[:40]).decode(), "This file could not be decoded as an image file."),
        ("not base64 at all!", "Image is not encoded in base64."),
    ],
    ids=["text", "truncated-png", "not-base64"],
)
def test_a_file_odoo_cannot_open_as_an_image_is_refused_and_nothing_changes(
    odoo_api: OdooApi, template: Callable[[], int], payload: str, reason: str
) -> None:
    template_id = template()
    odoo_api.call("product.template", "write", [[template_id], {"image_1920": IMAGE}])
    fault = odoo_api.fault("product.template", "write", [[template_id], {"image_1920": payload}])
    assert fault.faultCode == 2
    assert odoo_api.last_line(fault) == reason
    assert images(odoo_api, template_id)["image_1920"] == IMAGE


def test_false_clears_the_image_and_its_copies(odoo_api: OdooApi, template: Callable[[], int]) -> None:
    template_id = template()
    odoo_api.call("product.template", "write", [[template_id], {"image_1920": IMAGE}])
    odoo_api.call("product.template", "write", [[template_id], {"image_1920": False}])
    assert images(odoo_api, template_id) == {"id": template_id, "image_1920": False, "image_128": False}


def test_write_template_images_sets_clears_and_names_what_odoo_refused(
    odoo_api: OdooApi, client: OdooClient, template: Callable[[], int]
) -> None:
    same_a, same_b, other, cleared, bad = (template() for _ in range(5))
    odoo_api.call("product.template", "write", [[cleared], {"image_1920": IMAGE}])
    client.call("product.template", "search", [["id", "=", same_a]])  # logged in before counting
    before = client.rpc_calls
    refused = write_template_images(
        client, {same_a: IMAGE, same_b: IMAGE, other: OTHER, cleared: None, bad: NOT_AN_IMAGE}
    )
    assert client.rpc_calls - before == 4  # one write per distinct image, the cleared ones together
    assert list(refused) == [bad]
    assert "This file could not be decoded as an image file." in refused[bad]
    assert [images(odoo_api, t)["image_128"] for t in (same_a, same_b, other, cleared, bad)] == [
        IMAGE,
        IMAGE,
        OTHER,
        False,
        False,
    ]
