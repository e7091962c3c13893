"""The issue's "done when", tried as people would, over real HTTP and real WebSockets:
a participant posts abuse, three others flag it, it disappears from every open page
within a second, the moderator sees it at the top of the queue, bans the author for
a day, and the audit log shows each step."""

from __future__ import annotations

import time

import pytest

from cps.services.context import Context
from tests.moderation.conftest import moderated_world, post_in
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.direct import events_on
from tests.support.servers import InProcessServer

pytestmark = pytest.mark.anyio


async def test_abuse_is_flagged_hidden_live_queued_banned_and_audited(
    live_api: Api, served_app: InProcessServer
) -> None:
    api = live_api
    ctx: Context = served_app.state["ctx"]
    w = await moderated_world(api)
    s, t, mod = w["space"]["id"], w["topic"]["id"], w["mod"]
    author = await api.user("Troll")
    flaggers = [await api.user(f"Neighbour {i}") for i in range(3)]
    older = await api.post(w["citizen"], t, "Mildly off topic")
    await api.ok("POST", f"/posts/{older['id']}/flags", flaggers[0], {"reason": "off_topic"},
                 status=201)
    abuse = await api.post(author, t, "You are all idiots and I know where you live")

    async with (live_client(served_app.ws_url) as page,
                live_client(served_app.ws_url, author.token) as author_page):
        await page.subscribe(f"topic:{t}")
        for channel in (f"space:{s}", f"topic:{t}"):
            await author_page.subscribe(channel)

        # Three neighbours flag it; on the third it is hidden for every open page.
        for i, flagger in enumerate(flaggers):
            await api.ok("POST", f"/posts/{abuse['id']}/flags", flagger,
                         {"reason": "abuse", "note": f"threat #{i}"}, status=201)
            if i < 2:
                await page.quiet(0.2)
        flagged_at = time.monotonic()
        [event] = await page.events(f"topic:{t}", 1, timeout=1)
        assert time.monotonic() - flagged_at < 1
        assert event["name"] == "post.hidden"
        assert event["data"]["id"] == abuse["id"] and event["data"]["hidden"] is True
        assert event["data"]["body"] == "" and "idiots" not in str(event)

        # Over HTTP too: hidden in its place for others, shown with the reason to its author.
        for viewer in (None, flaggers[0]):
            seen = post_in((await api.ok("GET", f"/topics/{t}/posts", viewer))["posts"],
                           abuse["id"])
            assert seen["hidden"] is True and seen["body"] == "" and seen["hidden_reason"] is None
        mine = post_in((await api.ok("GET", f"/topics/{t}/posts", author))["posts"], abuse["id"])
        assert "idiots" in mine["body"] and "3 flags" in mine["hidden_reason"]

        # The moderator sees it at the top of the queue, with the reasons.
        queue = await api.ok("GET", f"/spaces/{s}/moderation/queue", mod)
        top = queue["flagged"][0]
        assert top["post"]["id"] == abuse["id"] and top["flag_count"] == 3
        assert top["auto_hidden"] is True and top["reasons"] == {"abuse": 3}
        assert {f["by"]["id"] for f in top["flags"]} == {f.id for f in flaggers}
        assert "idiots" in top["post"]["body"]
        assert [g["post"]["id"] for g in queue["flagged"]] == [abuse["id"], older["id"]]

        # ... confirms the hiding, and bans the author for a day, hiding all they wrote.
        resolution = await api.ok("POST", f"/flags/{top['flags'][0]['id']}/resolve", mod,
                                  {"action": "hide", "reason": "Threats are not allowed"})
        assert resolution["resolution"] == {"post_id": abuse["id"], "outcome": "hidden",
                                            "flags_resolved": 3}
        banned_at = time.monotonic()
        ban = await api.ok("POST", f"/spaces/{s}/bans", mod,
                           {"user_id": author.id, "duration_seconds": 86_400,
                            "reason": "Threatening neighbours", "rule": "abuse",
                            "hide_posts": True}, status=201)
        assert ban["sanction"]["kind"] == "ban" and ban["sanction"]["active"] is True
        # The author's live subscriptions to the space end within 5 seconds.
        ended: set[str] = set()
        while len(ended) < 2:
            frame = await author_page.recv(timeout=5)
            if frame["type"] == "error":
                assert frame["code"] == "subscription_ended", frame
                ended.add(frame["channel"])
        assert ended == {f"space:{s}", f"topic:{t}"}
        assert time.monotonic() - banned_at < 5
        await author_page.send({"type": "subscribe", "channel": f"topic:{t}"})
        await author_page.expect("error", code="forbidden", channel=f"topic:{t}")

    # Banned: may still read, may not post or react.
    assert (await api.call("GET", f"/topics/{t}/posts", author)).status_code == 200
    r = await api.call("POST", f"/topics/{t}/posts", author, {"body": "let me back"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "banned"
    r = await api.call("POST", f"/posts/{older['id']}/reactions", author, {"kind": "like"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "banned"

    # Each flagger was told the outcome on their own channel.
    for flagger in flaggers:
        told = [e for e in await events_on(ctx, f"user:{flagger.id}")
                if e["name"] == "flag.resolved" and e["data"]["post_id"] == abuse["id"]]
        assert [e["data"]["outcome"] for e in told] == ["hidden"]

    # The audit log shows each step, newest first.
    log = (await api.ok("GET", f"/spaces/{s}/moderation/audit", w["admin"]))["entries"]
    steps = [(e["action"], e["role"], e["rule"], e["target_id"]) for e in log]
    assert steps == [
        ("user.ban", "moderator", "abuse", author.id),
        ("post.hide", "moderator", "abuse", abuse["id"]),
        ("post.hide", "system", "flag_threshold", abuse["id"]),
    ]
    assert log[0]["actor"]["id"] == mod.id and log[0]["reason"] == "Threatening neighbours"
    assert log[2]["actor"] is None

    # The public log says what kind of act, under which rule, by which role, when;
    # never the content or who flagged.
    public = await api.ok("GET", f"/spaces/{s}/moderation/log")
    assert [(e["action"], e["rule"], e["role"]) for e in public["entries"]] == \
        [(action, rule, role) for action, role, rule, _ in steps]
    text = str(public)
    assert "idiots" not in text and "Neighbour" not in text and "Troll" not in text
    assert "Threatening" not in text

