"""The names of live channels: the one way to address one.

A channel is `space:{id}` (a space's topic list and moderation log),
`topic:{id}` (a thread), `user:{id}` (what is meant for that person alone) or
`moderation:{id}` (a space's review queue changed: for its moderators alone).
Write `channels.topic(topic.id)`, never the string by hand; read a name a
client sent with `parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cps.services.errors import Invalid
from cps.storage.types import ID_MAX

KINDS = ("space", "topic", "user", "moderation")
# A channel past the database's 32-bit ids names nothing.
_NAME = re.compile(r"(space|topic|user|moderation):([1-9][0-9]{0,9})")


def space(space_id: int) -> str:
    return f"space:{space_id}"


def topic(topic_id: int) -> str:
    return f"topic:{topic_id}"


def user(user_id: int) -> str:
    return f"user:{user_id}"


def moderation(space_id: int) -> str:
    return f"moderation:{space_id}"


@dataclass(frozen=True)
class ChannelName:
    kind: str
    id: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


def parse(channel: object) -> ChannelName:
    match = _NAME.fullmatch(channel) if isinstance(channel, str) else None
    if match is None or int(match.group(2)) > ID_MAX:
        raise Invalid({"channel": "Expected space:{id}, topic:{id}, user:{id} or "
                                  "moderation:{id}."},
                      message="Unknown channel.")
    return ChannelName(match.group(1), int(match.group(2)))
