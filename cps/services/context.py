"""What every service call needs: settings, storage, hashing, throttles, the event sink."""

from __future__ import annotations

from dataclasses import dataclass

from cps.broker.event import EventSink
from cps.config import Settings
from cps.services.accounts.passwords import Passwords
from cps.storage.database import Database
from cps.storage.throttle import Throttle


@dataclass
class Context:
    settings: Settings
    db: Database
    passwords: Passwords
    throttle: Throttle
    events: EventSink


@dataclass(frozen=True)
class Actor:
    """The signed-in user making a call."""

    id: int
    display_name: str
    stakeholder_type: str
    is_platform_admin: bool
    token_hash: str | None = None
    token_id: int | None = None
