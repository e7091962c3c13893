"""A post's language travels with its live events (`post.created`, `post.edited`),
as its readers get them: over the in-process broker and over Redis."""

from __future__ import annotations

import pytest

from tests.live.helpers import topic_world
from tests.support.api import Api
from tests.support.clients import live_client
from tests.support.servers import AppServer

pytestmark = pytest.mark.anyio


async def test_post_events_carry_the_language_detected_and_the_one_the_author_says(
    api: Api, server: AppServer
) -> None:
    w, topic, channel = await topic_world(api)
    async with live_client(server.ws_url) as client:
        await client.subscribe(channel)
        post = (await api.ok("POST", f"/topics/{topic}/posts", w["citizen"], json={
            "body": "Otopark ücretleri arttı ama otoparklar hâlâ boş duruyor."}))["post"]
        (created,) = await client.events(channel, 1)
        await api.ok("PATCH", f"/posts/{post['id']}", w["citizen"], json={"lang": "az"})
        (relabelled,) = await client.events(channel, 1)
    assert created["name"] == "post.created"
    assert created["data"]["lang"] == "tr"
    assert relabelled["name"] == "post.edited"
    assert relabelled["data"]["id"] == post["id"] and relabelled["data"]["lang"] == "az"
