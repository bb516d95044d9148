"""The standalone login page in Chromium: Polaris fields that submit with the form, and a refusal said on the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import MERCHANT_USERNAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_is_refused_on_the_page_and_keeps_the_username(
    new_page: Callable[..., Page], merchant: Any
) -> None:
    visitor = new_page()
    visitor.goto("/login/")
    # the username field has the focus, as the native autofocus gave it
    expect(visitor.get_by_label("Username")).to_be_focused()

    # when: a wrong password, submitted with Enter from the Polaris password field
    visitor.get_by_label("Username").fill(MERCHANT_USERNAME)
    visitor.get_by_label("Password").fill("not-the-password")
    visitor.get_by_label("Password").press("Enter")

    # then: still on the login page, the reason shown, the username kept and the password not
    expect(visitor.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(visitor).to_have_url(re.compile(r"/login/"))
    expect(visitor.get_by_label("Username")).to_have_value(MERCHANT_USERNAME)
    expect(visitor.get_by_label("Password")).to_have_value("")
