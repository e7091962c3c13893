"""Nobody judges their own case: a moderator may not restore, hide, approve or
reject their own post, nor settle the flags on it; the organization's admins may."""

from __future__ import annotations

import pytest

from cps.services.context import Context
from tests.api.helpers import assert_error
from tests.moderation.conftest import moderated_world, post_in
from tests.support.api import Api

pytestmark = pytest.mark.anyio


async def test_a_moderator_cannot_restore_their_own_hidden_post(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    t, mod, admin = w["topic"]["id"], w["mod"], w["admin"]
    post = await api.post(mod, t, "Moderators know best")
    await api.ok("POST", f"/posts/{post['id']}/hide", admin, {"reason": "Off topic"})
    assert_error(await api.call("POST", f"/posts/{post['id']}/restore", mod, {}), 403, "own_post")
    assert post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]
    # Another moderator, or the organization's admin, decides.
    await api.ok("POST", f"/posts/{post['id']}/restore", admin, {})
    assert not post_in((await api.ok("GET", f"/topics/{t}/posts"))["posts"], post["id"])["hidden"]


async def test_a_moderator_cannot_settle_the_flags_on_their_own_post(api: Api, ctx: Context) -> None:
    w = await moderated_world(api)
    s, t, mod, admin = w["space"]["id"], w["topic"]["id"], w["mod"], w["admin"]
    post = await api.post(mod, t, "A disputed announcement")
    flagger = await api.user("Worried Reader")
    flag = (await api.ok("POST", f"/posts/{post['id']}/flags", flagger, {"reason": "abuse"},
                         status=201))["flag"]
    r = await api.call("POST", f"/flags/{flag['id']}/resolve", mod,
                       {"action": "dismiss", "reason": "Fine"})
    assert_error(r, 403, "own_post")
    r = await api.call("POST", f"/spaces/{s}/moderation/bulk", mod,
                       {"action": "dismiss", "flag_ids": [flag["id"]], "reason": "Fine"})
    assert_error(r, 403, "own_post")
    queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", admin)
    assert [item["post"]["id"] for item in queue["flagged"]] == [post["id"]]  # still open
    await api.ok("POST", f"/flags/{flag['id']}/resolve", admin,
                 {"action": "dismiss", "reason": "Fine"})
