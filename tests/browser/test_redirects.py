"""Open redirect: `/login?next=...` only ever leads to a page of this site.

The browser's URL parser drops tabs and newlines and reads a backslash as a
slash, so a `next` that looks like a path may name another host. Both the
"Continue" link of a signed-in reader and the navigation after signing in
must stay on the site's origin."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Api, Browsing, settle

pytestmark = pytest.mark.browser

HOSTILE = [
    "/\t/evil.example",  # /%09/evil.example: the tab is dropped, "//evil.example" is left
    "/\n/evil.example",  # /%0a/evil.example: the same with a newline
    "/\\evil.example",  # a backslash is a slash to the URL parser
    "//evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/.//evil.example",  # a path that normalises to "//evil.example"
    "/login",  # no loop back to the sign-in page
    "/signup?next=/login",
]


def login_url(next_value: str) -> str:
    return f"/login?next={quote(next_value, safe='')}"


@pytest.mark.parametrize("next_value", HOSTILE, ids=repr)
def test_a_hostile_next_leads_home_after_sign_in_and_from_continue(
    browsing: Browsing, api: Api, next_value: str
) -> None:
    user = api.user("Careful Reader")
    page, _ = browsing.page()
    origin = browsing.server.base_url
    page.goto(login_url(next_value))
    settle(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(f"{origin}/")

    # Signed in, the sign-in page offers a "Continue" link instead of the form.
    page.goto(login_url(next_value))
    settle(page)
    link = page.get_by_role("link", name="Continue")
    expect(link).to_be_visible()
    href = link.evaluate("a => a.href")  # as the browser resolves it
    assert href == f"{origin}/", href
    link.click()
    settle(page)
    expect(page).to_have_url(f"{origin}/")


def test_a_path_on_the_site_is_followed_with_its_query_and_fragment(
    browsing: Browsing, api: Api
) -> None:
    world = api.world()
    user = api.user("Returning Reader")
    target = f"/spaces/{world['space']['id']}?from=mail#topics"
    page, _ = browsing.page()
    origin = browsing.server.base_url
    page.goto(login_url(target))
    settle(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{origin}{target}")
    expect(page.get_by_role("heading", name="Mobility", level=1)).to_be_visible()

    page.goto(login_url(target))
    settle(page)
    href = page.get_by_role("link", name="Continue").evaluate("a => a.href")
    assert urlsplit(href).netloc == urlsplit(origin).netloc
    assert href == f"{origin}{target}"
