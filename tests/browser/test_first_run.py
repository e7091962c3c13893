"""First run (issue 17): an instance with no organization says how to begin on its
home page; its platform admin opens the first organization right there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, Browsing, assert_axe_clean, screenshot, settle
from tests.support import databases
from tests.support.servers import AppServer

# A server of its own to start on a loaded machine, then two widths and a sign-in.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ROOT_EMAIL = "first@example.org"


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A new instance of its own: `cps create-admin`, then `cps serve`, nothing else."""
    workdir: Path = tmp_path_factory.mktemp("first-run")
    app = AppServer(workdir, database_url=f"sqlite:///{workdir / 'cps.db'}")
    app.create_admin(ROOT_EMAIL)
    databases.run_sync(app.start())
    yield app
    app.stop()


def test_an_empty_instance_says_how_to_begin_and_its_admin_opens_the_first_organization(
    browsing: Browsing, empty: AppServer
) -> None:
    for width in ("phone", "desktop"):
        visitor, _ = browsing.page(width)
        visitor.goto(f"{empty.base_url}/")
        settle(visitor)
        steps = visitor.get_by_role("region", name="How to begin")
        expect(steps).to_contain_text("cps create-admin --email E --password P")
        expect(steps).to_contain_text("open the first organization from this page")
        expect(steps).to_contain_text("cps demo")
        assert_axe_clean(visitor)
        screenshot(visitor, f"first-run-{width}")

    ctx, _ = browsing.context("phone")
    r = ctx.request.post(f"{empty.base_url}/api/v1/auth/login",
                         data={"email": ROOT_EMAIL, "password": PASSWORD})
    assert r.ok, r.text()
    page = ctx.new_page()
    page.goto(f"{empty.base_url}/")
    settle(page)
    expect(page.get_by_text("You are the platform admin and no organization has joined yet."))\
        .to_be_visible()
    assert_axe_clean(page)
    screenshot(page, "first-run-admin-phone")
    page.get_by_label("Name of the organization").fill("City of Jeonju")
    page.get_by_label("Country").fill("Korea")
    page.get_by_role("button", name="Open the first organization").click()
    expect(page.get_by_role("heading", name="City of Jeonju", level=1)).to_be_visible()
    page.goto(f"{empty.base_url}/")
    settle(page)
    expect(page.get_by_role("link", name="City of Jeonju")).to_be_visible()
    expect(page.get_by_role("region", name="How to begin")).to_have_count(0)
