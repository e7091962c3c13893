"""What a person reads when their organization's tier lacks something: a sentence
whose verb agrees with what it names."""

from __future__ import annotations

import pytest

from cps.services.errors import TierRequired
from cps.services.tiers import plans
from tests.support.api import Api

pytestmark = pytest.mark.anyio

EXPECTED = {
    "private_spaces": "Private (members-only) spaces need the plus tier; "
                      "this organization is on the free tier.",
    "polls": "Polls in topics need the plus tier; this organization is on the free tier.",
    "moderation_tools": "Word filter, pre-moderation and slow mode need the plus tier; "
                        "this organization is on the free tier.",
    "export": "Export of a space needs the plus tier; this organization is on the free tier.",
    "analytics": "The analytics dashboard needs the premium tier; "
                 "this organization is on the free tier.",
    "consensus_map": "The consensus map needs the premium tier; "
                     "this organization is on the free tier.",
    "integrations": "API tokens and webhooks need the premium tier; "
                    "this organization is on the free tier.",
    "custom_branding": "Custom branding needs the premium tier; "
                       "this organization is on the free tier.",
}


def test_every_capability_the_free_tier_lacks_is_named_in_a_grammatical_sentence() -> None:
    lacking = {c for c in plans.CAPABILITIES if not plans.allows("free", c)}
    assert lacking == set(EXPECTED)
    for capability, sentence in EXPECTED.items():
        with pytest.raises(TierRequired) as caught:
            plans.require("free", capability)
        assert caught.value.message == sentence


async def test_the_analytics_dashboard_answers_402_with_that_sentence(api: Api) -> None:
    admin = await api.user("Mayor Kim")
    org = await api.org(admin)
    r = await api.call("GET", f"/orgs/{org['id']}/analytics", admin)
    assert r.status_code == 402
    assert r.json()["error"]["message"] == (
        "The analytics dashboard needs the premium tier; this organization is on the free tier."
    )


async def test_asking_for_the_tier_one_has_says_so_in_a_sentence(api: Api) -> None:
    admin = await api.user("Mayor Kim")
    org = await api.org(admin)
    r = await api.call("POST", f"/orgs/{org['id']}/upgrade-requests", admin, {"tier": "free"})
    assert r.status_code == 422
    assert r.json()["error"]["fields"]["tier"] == (
        "This organization is on the free tier; request a higher one."
    )
