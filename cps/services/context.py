"""What every service call needs: settings, storage, hashing, throttles, the event sink."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cps.broker.event import EventSink
from cps.config import Settings
from cps.storage.database import Database
from cps.storage.throttle import Throttle


class PasswordHasher(Protocol):
    """Hashes and checks passwords (argon2id: cps.services.accounts.passwords)."""

    async def hash(self, password: str, *, signup: bool = False) -> str: ...

    async def verify(self, stored: str | None, password: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool: ...


@dataclass
class Context:
    settings: Settings
    db: Database
    passwords: PasswordHasher
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
    # How others mention them; empty only for an actor built outside a sign-in
    # (a script, a test) that never said it.
    handle: str = ""
    # The language they chose (None: their browser's); error messages follow it.
    locale: str | None = None
