"""A secretary on a 375 px phone signs in, opens the tree and the coverage page (screenshots kept as artifacts)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_opens_tree_and_coverage_on_a_phone(phone_page, live_server, sam, tree, artifacts_dir):
    page = phone_page
    sign_in(page, live_server, "sam")
    page.goto(live_server.url + "/org/tree/")
    assert page.locator("a.org-link", has_text="综合党委一").is_visible()
    assert page.locator("a.org-link", has_text="传化公路港党支部").is_visible()
    assert page.locator("a.org-link", has_text="综合党委二").count() == 0  # outside sam's subtree
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=os.path.join(artifacts_dir, "parties-tree-375.png"), full_page=True)

    page.locator("a.org-link", has_text="社区一").click()
    page.wait_for_url(f"**/org/o/{tree['c1'].pk}/")
    assert page.locator("h1", has_text="社区一").is_visible()

    page.goto(live_server.url + "/org/coverage/")
    assert page.locator("#coverage-rate").inner_text() == "100.0%"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=os.path.join(artifacts_dir, "parties-coverage-375.png"), full_page=True)
