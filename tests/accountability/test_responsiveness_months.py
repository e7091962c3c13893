"""GET .../responsiveness/months: every month of a report's chart in one request
(issue 17), each month what the period's report says of it, with the same rules on
who may see it (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from cps.services.context import Context
from cps.storage.types import utcnow
from tests.accountability.test_responsiveness import _network, day, without
from tests.support.api import Api

pytestmark = pytest.mark.anyio


def _firsts(months: list[dict[str, Any]]) -> list[str]:
    return [m["period"]["from"] for m in months]


async def test_each_month_is_the_report_of_that_month(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    for path in (f"/spaces/{net.spaces['A1']}/responsiveness", f"/orgs/{net.orgs['Seoul']}"
                 "/responsiveness", "/responsiveness"):
        months = (await api.ok("GET", f"{path}/months"))["months"]
        assert len(months) == 12
        # Calendar months, oldest first; the current one ends today.
        assert all(first.endswith("-01") for first in _firsts(months))
        assert _firsts(months) == sorted(_firsts(months))
        assert months[-1]["period"] == {"from": utcnow().date().replace(day=1).isoformat(),
                                        "to": day(0)}
        for month in months:
            p = month["period"]
            report = await api.ok("GET", f"{path}?from={p['from']}&to={p['to']}")
            assert month == without(report, "orgs"), (path, p)
        # The questions of 30 and 100 days ago are in the months, and nothing else.
        asked = sum(m["asked"] for m in months)
        whole = await api.ok("GET", f"{path}?from={months[0]['period']['from']}&to={day(0)}")
        assert asked == whole["asked"] > 0, path
    network = (await api.ok("GET", "/responsiveness/months"))["months"]
    assert "orgs" not in network[0]  # the totals only: the ranking is the period report's


async def test_how_many_months(api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    path = f"/orgs/{net.orgs['Busan']}/responsiveness/months"
    assert len((await api.ok("GET", f"{path}?months=1"))["months"]) == 1
    assert len((await api.ok("GET", f"{path}?months=24"))["months"]) == 24
    for bad in ("0", "25", "-1", "x", ""):
        r = await api.call("GET", f"{path}?months={bad}")
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["code"] == "invalid"


async def test_a_private_space_months_are_for_those_who_may_read_it(
        api: Api, ctx: Context) -> None:
    net = await _network(api, ctx)
    path = f"/spaces/{net.spaces['AP']}/responsiveness/months"
    for reader in (None, net.outsider):
        refused = await api.call("GET", path, reader)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "not_found"
    for reader in (net.member, net.seoul_admin):
        assert sum(m["asked"] for m in (await api.ok("GET", path, reader))["months"]) == 2
    # An organization's months count its public spaces only, for everyone alike.
    org = f"/orgs/{net.orgs['Seoul']}/responsiveness/months"
    seen = [await api.ok("GET", org, reader) for reader in (None, net.member, net.seoul_admin)]
    assert seen[0] == seen[1] == seen[2]
    assert sum(m["asked"] for m in seen[0]["months"]) == 7
    assert without(seen[0], "months") == {}


@pytest.mark.parametrize("path", ["/spaces/999999/responsiveness/months",
                                  "/orgs/999999/responsiveness/months",
                                  "/orgs/2147483648/responsiveness/months",
                                  "/spaces/0/responsiveness/months"])
async def test_a_forged_id_is_not_found(api: Api, path: str) -> None:
    r = await api.call("GET", path)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"
