import pytest

from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_a_user_changes_their_stakeholder_type_and_name(api: Api) -> None:
    user = await api.user("Ana")
    body = await api.ok("PATCH", "/me", user,
                        {"display_name": "Ana from the NGO", "stakeholder_type": "civil_society"})
    assert body["user"]["display_name"] == "Ana from the NGO"
    assert body["user"]["stakeholder_type"] == "civil_society"
    me = await api.ok("GET", "/me", user)
    assert me["user"]["stakeholder_type"] == "civil_society"


async def test_profile_changes_need_sign_in_and_valid_fields(api: Api) -> None:
    user = await api.user()
    r = await api.call("PATCH", "/me", None, {"stakeholder_type": "business"})
    assert r.status_code == 401
    r = await api.call("PATCH", "/me", user, {"stakeholder_type": "wizard"})
    assert r.status_code == 422
    assert "stakeholder_type" in r.json()["error"]["fields"]
    r = await api.call("PATCH", "/me", user, {"display_name": "   "})
    assert r.status_code == 422
    assert "display_name" in r.json()["error"]["fields"]


async def test_an_organization_keeps_its_region_for_browsing(api: Api) -> None:
    admin = await api.user()
    body = await api.ok("POST", "/orgs", admin, {"name": "Chengdu", "kind": "local_government",
                                                 "country": "China", "region": "East Asia"},
                        status=201)
    assert body["org"]["region"] == "East Asia"
    listed = (await api.ok("GET", "/orgs"))["orgs"]
    assert [o["region"] for o in listed if o["id"] == body["org"]["id"]] == ["East Asia"]
    r = await api.call("POST", "/orgs", admin, {"name": "X", "kind": "corporation",
                                                "country": "Korea", "region": "r" * 61})
    assert r.status_code == 422 and "region" in r.json()["error"]["fields"]
