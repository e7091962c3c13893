"""Topics that move: a topic moved to another space may move out of sight of
some who follow it live (a public topic moved into a private space).

One `MoveWatch` per process follows, as one more hub subscriber, every topic
channel that sockets follow; it looks at each message once (not once per
socket) for `topic.moved`. Then every socket following that topic pauses its
live delivery (events wait in its subscription, as during a replay) while
its right to follow is checked again against the topic's new space: it goes
on where it paused, or its subscription ends with `subscription_ended`."""

from __future__ import annotations

from collections.abc import Callable

MOVED = '"name":"topic.moved"'  # as encode_frame writes it


class MoveWatch:
    """A hub subscriber that calls `on_moved(channel, seq, text)` when a topic moves."""

    def __init__(self, on_moved: Callable[[str, int, str], None]) -> None:
        self._on_moved = on_moved

    def deliver(self, channel: str, seq: int, text: str) -> None:
        if MOVED in text:
            self._on_moved(channel, seq, text)

    def deliver_ephemeral(self, channel: str, text: str) -> None:
        return None
