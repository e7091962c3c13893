"""The background sender: started and stopped with the app (cps/app.py).

Each pass (every `mail_poll_seconds`) first runs the periodic jobs it was given
(the notification emails and digests, which queue mail), then claims the due
emails (`cps.storage.mail.claim`: a lease, so two processes never hold one row at
once), sends each, and marks it sent; a temporary failure sets the next attempt
30 s, 1 min, 2 min ... up to an hour later (a server that is down delays mail and
loses none); a permanent refusal (5xx) is kept with its reason and not retried.

Once an hour a pass also forgets old mail (`outbox.prune`). Every step takes
`now`, so the tests drive the clock (`tick(now)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import update

from cps.services.context import Context
from cps.services.mail import message, outbox, smtp
from cps.storage.mail import OutboxMessage, claim
from cps.storage.types import utcnow

log = logging.getLogger("cps.mail")

Job = Callable[[Context, datetime], Awaitable[object]]
# A check at send time, per kind of email: False withdraws the email (not sent, kept
# with the reason); it may also rewrite the row (a digest without what went away).
Vet = Callable[[Context, OutboxMessage], Awaitable[bool]]

LEASE = timedelta(minutes=5)  # far more than one SMTP conversation (smtp.TIMEOUT)
BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
STOP_WAIT = 10.0  # seconds a stopping app waits for the pass under way
PRUNE_EVERY = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure."""
    return min(LAST_RETRY, FIRST_RETRY * (1 << max(0, min(attempts - 1, 16))))


class Sender:
    def __init__(self, ctx: Context, jobs: Sequence[Job] = (),
                 vets: Mapping[str, Vet] | None = None) -> None:
        self.ctx = ctx
        self.jobs = tuple(jobs)
        self.vets = dict(vets or {})
        self.worker = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._pruned_at: datetime | None = None

    async def start(self) -> None:
        """Run in the background, if there is an SMTP server to send to."""
        if self.ctx.settings.smtp is not None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Let the pass under way finish (a database call cut short must not outlive
        the engine), up to STOP_WAIT seconds; then cancel it."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), STOP_WAIT)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            sent = 0
            try:
                sent = await self.tick()
            except Exception:
                log.exception("mail pass failed")
            if sent < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(),
                                           self.ctx.settings.mail_poll_seconds)

    async def tick(self, now: datetime | None = None) -> int:
        """One pass: the jobs, then the due emails. Answers how many were claimed."""
        now = now or utcnow()
        for job in self.jobs:
            try:
                await job(self.ctx, now)
            except Exception:
                log.exception("mail job failed", extra={"job": getattr(job, "__name__", "")})
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            try:
                await outbox.prune(self.ctx, now)
            except Exception:
                log.exception("pruning old mail failed")
        return await self.deliver_due(now)

    async def deliver_due(self, now: datetime) -> int:
        server = self.ctx.settings.smtp
        if server is None:
            return 0
        async with self.ctx.db.write() as tx:
            rows = await claim(tx.session, self.worker, now, LEASE, BATCH)
        for row in rows:
            vet = self.vets.get(row.kind)
            try:
                still = vet is None or await vet(self.ctx, row)
            except Exception:
                log.exception("mail check failed", extra={"outbox_id": row.id})
                await self._settle(row, next_attempt_at=now + backoff(row.attempts),
                                   last_error="the check before sending failed")
                continue
            if not still:
                await self._settle(row, failed_at=now,
                                   last_error="withdrawn: nothing in it the reader may see now")
                log.info("email withdrawn", extra={"outbox_id": row.id, "kind": row.kind})
                continue
            try:
                built = message.build(row, self.ctx.settings.mail_from)
            except Exception:
                # One email that cannot be built fails alone, for good (building it again
                # gives the same): the rest of the batch still goes out.
                log.exception("email could not be built", extra={"outbox_id": row.id,
                                                                  "kind": row.kind})
                await self._settle(row, failed_at=now, last_error="the email could not be built")
                continue
            try:
                await smtp.deliver(server, built)
            except smtp.Refused as error:
                await self._settle(row, failed_at=now, last_error=str(error))
                log.warning("email refused", extra={"outbox_id": row.id, "kind": row.kind,
                                                    "reason": str(error)})
            except smtp.Unreachable as error:
                await self._settle(row, next_attempt_at=now + backoff(row.attempts),
                                   last_error=str(error))
                log.warning("email delayed", extra={"outbox_id": row.id, "kind": row.kind,
                                                    "attempts": row.attempts,
                                                    "reason": str(error)})
            else:
                await self._settle(row, sent_at=now, last_error=None)
                log.info("email sent", extra={"outbox_id": row.id, "kind": row.kind})
        return len(rows)

    async def _settle(self, row: OutboxMessage, **values: object) -> None:
        """Record what became of a claimed email and give up the claim."""
        async with self.ctx.db.write() as tx:
            await tx.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.worker)
                .values(claimed_by=None, claimed_until=None, **values)
            )
