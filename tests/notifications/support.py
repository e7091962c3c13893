"""What the notification tests share: a person's list, their unread count, what their
user channel heard."""

from __future__ import annotations

from typing import Any

from cps.services.context import Context
from tests.support.api import Api, User
from tests.support.direct import events_on


async def inbox(api: Api, user: User, query: str = "") -> dict[str, Any]:
    return dict(await api.ok("GET", f"/notifications{query}", user))


async def notes(api: Api, user: User) -> list[dict[str, Any]]:
    """Every notification `user` sees, newest first (all pages)."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        body = await inbox(api, user, f"?limit=100{cursor}")
        found += body["notifications"]
        if not body["next_cursor"]:
            return found
        cursor = f"&cursor={body['next_cursor']}"


async def kinds(api: Api, user: User) -> list[str]:
    return [n["kind"] for n in await notes(api, user)]


async def unread(api: Api, user: User) -> int:
    return int((await inbox(api, user))["unread_count"])


async def heard(ctx: Context, user: User, name: str = "notification.created") -> list[Any]:
    return [e["data"] for e in await events_on(ctx, f"user:{user.id}") if e["name"] == name]
