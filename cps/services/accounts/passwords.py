"""argon2id hashing, off the event loop and with a concurrency cap."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cps.config import PasswordProfile


class Passwords:
    def __init__(self, profile: PasswordProfile, concurrency: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=profile.time_cost,
            memory_cost=profile.memory_cost_kib,
            parallelism=profile.parallelism,
            type=Type.ID,
        )
        self._limiter = anyio.CapacityLimiter(concurrency)
        # Sign-ups hash through this first: at most half the hashing capacity (at
        # least one), so sign-ins always find the rest, however many sign up at once.
        self._signup_limiter = anyio.CapacityLimiter(max(1, concurrency // 2))
        # Verified against when the email is unknown, so both cases cost the same.
        self._dummy_hash = self._hasher.hash("not a real password, only for timing")

    async def hash(self, password: str, *, signup: bool = False) -> str:
        """Hash `password`; `signup` hashes wait their turn among sign-ups first."""
        if signup:
            async with self._signup_limiter:
                return await anyio.to_thread.run_sync(
                    self._hasher.hash, password, limiter=self._limiter
                )
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, stored: str | None, password: str) -> bool:
        """Check `password` against `stored`; with no stored hash, spend the same time
        and answer False."""
        if stored is None:
            await anyio.to_thread.run_sync(
                self._verify, self._dummy_hash, password, limiter=self._limiter
            )
            return False
        return await anyio.to_thread.run_sync(
            self._verify, stored, password, limiter=self._limiter
        )

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
