"""What each act tells whom: one function per act, called where the act happens, in
its transaction (a small call in discussion, moderation and upgrades). Each names the
people to tell and the kind; `inbox.record` decides whether they hear of it (their
preferences, their following level, whether they may read the space now)."""

from __future__ import annotations

from sqlalchemy import select

from cps.services.context import Context
from cps.services.notifications import inbox
from cps.storage.database import Transaction
from cps.storage.models import OrgAdmin, Organization, Post


async def _topic_of(tx: Transaction, post_id: int) -> int | None:
    return await tx.session.scalar(select(Post.topic_id).where(Post.id == post_id))


async def post_moderated(tx: Transaction, ctx: Context, *, author_id: int, post_id: int,
                         topic_id: int, action: str, reason: str | None) -> None:
    """A moderator's act on a post (hidden, restored, published, rejected): its author.
    The moderator is not named (the post's page does not name them either)."""
    await inbox.record(tx, ctx, author_id, "moderation", topic_id=topic_id, post_id=post_id,
                       data={"action": action, "reason": reason})


async def flag_resolved(tx: Transaction, ctx: Context, *, user_id: int, flag_id: int,
                        post_id: int, outcome: str) -> None:
    """The outcome of someone's flag: the flagger. The reason stays with the post's
    author and the moderators; the flagger learns the outcome."""
    await inbox.record(tx, ctx, user_id, "flag_outcome", topic_id=await _topic_of(tx, post_id),
                       post_id=post_id, data={"flag_id": flag_id, "outcome": outcome})


async def appeal_answered(tx: Transaction, ctx: Context, *, user_id: int, appeal_id: int,
                          space_id: int, appeal_kind: str, subject_id: int, decision: str,
                          reason: str, by: int) -> None:
    """The answer to someone's appeal (against a hidden post or a ban): who appealed."""
    post_id = subject_id if appeal_kind == "post" else None
    topic_id = await _topic_of(tx, post_id) if post_id is not None else None
    await inbox.record(tx, ctx, user_id, "appeal_answer", actor_id=by, topic_id=topic_id,
                       post_id=post_id, space_id=space_id,
                       data={"appeal_id": appeal_id, "appeal_kind": appeal_kind,
                             "decision": decision, "reason": reason})


async def tier_decided(tx: Transaction, ctx: Context, org: Organization, *, by: int,
                       decision: str, from_tier: str, to_tier: str, reason: str) -> None:
    """A decision on an organization's tier (a request approved or rejected, or a
    change a platform admin made directly): every admin of the organization."""
    admins = (await tx.session.scalars(
        select(OrgAdmin.user_id).where(OrgAdmin.org_id == org.id))).all()
    await inbox.record_each(tx, ctx, admins, "tier_decision", actor_id=by, data={
        "org_id": org.id, "org_name": org.name, "decision": decision,
        "from_tier": from_tier, "to_tier": to_tier, "reason": reason,
    })


async def question_changed(tx: Transaction, ctx: Context, *, topic_id: int, asked_by: int,
                           status: str, by_user: int, answer_post_id: int | None) -> None:
    """A question's new status (an official's answer among them): who asked it."""
    await inbox.record(tx, ctx, asked_by, "question_status", actor_id=by_user,
                       topic_id=topic_id,
                       post_id=answer_post_id if status == "answered" else None,
                       data={"status": status})
