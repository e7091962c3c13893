"""What the hub fans out: one committed event of a channel, in its order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class EventRecord:
    channel: str
    seq: int
    name: str
    data: dict[str, Any]
    created_at: datetime
    # `data` as JSON, as the writer stored it (compact, default=str), if it has it:
    # the frame's text is then built around it, not encoded again.
    data_text: str | None = None

    def frame(self) -> dict[str, Any]:
        """The WebSocket frame of the contract."""
        return {
            "type": "event",
            "channel": self.channel,
            "seq": self.seq,
            "name": self.name,
            "data": self.data,
        }


class EventSink(Protocol):
    """Where committed events go (the hub)."""

    async def publish(self, event: EventRecord) -> None: ...
