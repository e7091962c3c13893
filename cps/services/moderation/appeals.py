"""Appeals: the author of a hidden post, or a banned participant, asks once for a
second look; the appeal waits in the space's moderation queue; a moderator
upholds or overturns it with a reason, which is audited and sent to the
appellant's user channel (`appeal.answered`). Overturning restores the post
(or publishes a rejected one) or lifts the ban.

The second look is someone else's: nobody answers their own appeal (403
`own_appeal`), and the moderator who made the decision does not answer its
appeal while another moderator of the space or an admin of its organization
could (403 `own_decision`); see `answer_refusals`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.accounts.views import Author
from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.errors import Conflict, Forbidden, NotFound
from cps.services.events import notify
from cps.services.events import review as queue_events
from cps.services.moderation import decisions
from cps.services.moderation.views import AppealView
from cps.services.notifications import acts
from cps.services.orgs import standing
from cps.services.orgs.access import SpaceAccess, post_access, space_access
from cps.storage.database import Transaction
from cps.storage.models import (
    Appeal,
    OrgAdmin,
    Post,
    Sanction,
    Space,
    SpaceModerator,
    Topic,
    User,
)
from cps.storage.types import utcnow

log = logging.getLogger("cps.appeals")


async def _file(tx: Transaction, actor: Actor, *, space_id: int, kind: str, subject_id: int,
                text: str) -> AppealView:
    appeal = Appeal(space_id=space_id, kind=kind, subject_id=subject_id, user_id=actor.id,
                    text=text, status="open", created_at=utcnow())
    tx.session.add(appeal)
    try:
        await tx.session.flush()
    except IntegrityError:  # the whole transaction rolls back with the Conflict
        raise Conflict("You have already appealed this.", code="already_appealed") from None
    user = await tx.session.get(User, actor.id)
    assert user is not None
    return appeal_view(appeal, user)


async def appeal_post(ctx: Context, actor: Actor, post_id: int, *, text: str) -> AppealView:
    async with ctx.db.write() as tx:
        post, topic, _ = await post_access(tx.session, actor, post_id)
        if post.author_id != actor.id:
            raise Forbidden("Only the author of a post may appeal its hiding.")
        if not post.hidden or post.review == "pending" or post.deleted_at is not None:
            raise Conflict("This post is not hidden by a moderator.", code="not_hidden")
        view = await _file(tx, actor, space_id=topic.space_id, kind="post", subject_id=post.id,
                           text=text)
        await queue_events.queue_changed(tx, ctx, topic.space_id, "appeal.created")
    log.info("appeal filed", extra={"appeal_id": view.id, "kind": "post"})
    return view


async def appeal_ban(ctx: Context, actor: Actor, space_id: int, *, text: str) -> AppealView:
    async with ctx.db.write() as tx:
        await space_access(tx.session, actor, space_id)
        ban = (await standing.active(tx.session, space_id, actor.id)).get("ban")
        if ban is None:
            raise Conflict("You are not banned from this space.", code="not_banned")
        view = await _file(tx, actor, space_id=space_id, kind="ban", subject_id=ban.id,
                           text=text)
        await queue_events.queue_changed(tx, ctx, space_id, "appeal.created")
    log.info("appeal filed", extra={"appeal_id": view.id, "kind": "ban"})
    return view


async def get(ctx: Context, actor: Actor, appeal_id: int) -> AppealView:
    """An appeal, for its appellant and the space's moderators."""
    async with ctx.db.read() as session:
        appeal = await session.get(Appeal, appeal_id)
        if appeal is None:
            raise NotFound("No such appeal.")
        if appeal.user_id != actor.id:
            access = await space_access(session, actor, appeal.space_id,
                                        missing="No such appeal.")
            if not access.can_moderate:
                raise NotFound("No such appeal.")
        user = await session.get(User, appeal.user_id)
        assert user is not None
    return appeal_view(appeal, user)


async def _overturn(tx: Transaction, ctx: Context, actor: Actor, appeal: Appeal,
                    reason: str) -> None:
    if appeal.kind == "post":
        post = await tx.session.get(Post, appeal.subject_id)
        topic = await tx.session.get(Topic, post.topic_id) if post is not None else None
        if post is None or topic is None:
            return
        if post.review == "rejected":
            await decisions.publish(tx, ctx, post, topic)
        else:
            await decisions.set_visibility(
                tx, ctx, post, topic, hidden=False, reason=reason, by=actor, notice=False
            )
        return
    ban = await tx.session.get(Sanction, appeal.subject_id)
    if ban is not None and ban.lifted_at is None:
        ban.lifted_at = utcnow()
        ban.lifted_by = actor.id


async def answer(
    ctx: Context, actor: Actor, appeal_id: int, *, decision: str, reason: str
) -> AppealView:
    async with ctx.db.write() as tx:
        appeal = await tx.session.get(Appeal, appeal_id)
        if appeal is None:
            raise NotFound("No such appeal.")
        access = await space_access(tx.session, actor, appeal.space_id,
                                    missing="No such appeal.")
        access.require_moderator()
        refusal = (await answer_refusals(tx.session, access, [appeal]))[appeal.id]
        if refusal is not None:
            raise refusal
        if appeal.status != "open":
            raise Conflict("This appeal was already answered.", code="already_answered")
        appeal.status = "upheld" if decision == "uphold" else "overturned"
        appeal.answered_by = actor.id
        appeal.answered_at = utcnow()
        appeal.answer = reason
        if decision == "overturn":
            await _overturn(tx, ctx, actor, appeal, reason)
        await tx.session.flush()
        await trail.record(
            tx, ctx, access, space_id=appeal.space_id, action=f"appeal.{decision}",
            target_type="appeal", target_id=appeal.id, reason=reason,
            detail=f"{appeal.kind} {appeal.subject_id}",
        )
        await notify.user(tx, ctx, appeal.user_id, "appeal.answered", {
            "appeal_id": appeal.id, "space_id": appeal.space_id, "kind": appeal.kind,
            "subject_id": appeal.subject_id, "decision": decision, "reason": reason,
        })
        await acts.appeal_answered(
            tx, ctx, user_id=appeal.user_id, appeal_id=appeal.id, space_id=appeal.space_id,
            appeal_kind=appeal.kind, subject_id=appeal.subject_id, decision=decision,
            reason=reason, by=actor.id)
        user = await tx.session.get(User, appeal.user_id)
        assert user is not None
        view = appeal_view(appeal, user)
    log.info("appeal answered", extra={"appeal_id": appeal_id, "decision": decision})
    return view


# --- who answers an appeal --------------------------------------------------


async def _deciders(session: AsyncSession, appeals: Sequence[Appeal]) -> dict[int, int | None]:
    """Who made each appealed decision: the moderator who hid or turned down the post
    (None when flags hid it), the one who imposed the ban."""
    post_ids = [a.subject_id for a in appeals if a.kind == "post"]
    ban_ids = [a.subject_id for a in appeals if a.kind == "ban"]
    by_post: dict[int, int | None] = {}
    by_ban: dict[int, int | None] = {}
    if post_ids:
        by_post = {i: u for i, u in (await session.execute(
            select(Post.id, Post.hidden_by).where(Post.id.in_(post_ids)))).all()}
    if ban_ids:
        by_ban = {i: u for i, u in (await session.execute(
            select(Sanction.id, Sanction.created_by).where(Sanction.id.in_(ban_ids)))).all()}
    return {a.id: (by_post if a.kind == "post" else by_ban).get(a.subject_id) for a in appeals}


async def _answerers(session: AsyncSession, space: Space) -> set[int]:
    """The people who answer the space's appeals: its moderators and its
    organization's admins (platform admins may too, but are not counted on)."""
    mods = select(SpaceModerator.user_id).where(SpaceModerator.space_id == space.id)
    admins = select(OrgAdmin.user_id).where(OrgAdmin.org_id == space.org_id)
    return set((await session.scalars(mods.union(admins))).all())


async def answer_refusals(
    session: AsyncSession, access: SpaceAccess, appeals: Sequence[Appeal]
) -> dict[int, Forbidden | None]:
    """Why the actor, a moderator of the space, may not answer each appeal (None: they
    may). Nobody answers their own appeal. Nobody answers an appeal of their own
    decision either, unless nobody else (another moderator of the space, an admin of
    its organization) could: then the appeal would wait for ever."""
    actor = access.require_moderator()
    deciders = await _deciders(session, appeals)
    answerers: set[int] | None = None
    refusals: dict[int, Forbidden | None] = {}
    for appeal in appeals:
        refusal = None
        if appeal.user_id == actor.id:
            refusal = Forbidden(
                "You cannot answer your own appeal: another moderator of the space or an "
                "admin of its organization answers it.", code="own_appeal")
        elif deciders[appeal.id] == actor.id:
            if answerers is None:
                answerers = await _answerers(session, access.space)
            if answerers - {actor.id, appeal.user_id}:
                refusal = Forbidden(
                    "You made the decision under appeal: another moderator of the space or "
                    "an admin of its organization answers it.", code="own_decision")
        refusals[appeal.id] = refusal
    return refusals


def appeal_view(appeal: Appeal, user: User) -> AppealView:
    return AppealView(
        id=appeal.id, space_id=appeal.space_id, kind=appeal.kind,
        subject_id=appeal.subject_id, user=Author.model_validate(user), text=appeal.text,
        status=appeal.status,
        created_at=appeal.created_at, answered_at=appeal.answered_at, answer=appeal.answer,
    )
