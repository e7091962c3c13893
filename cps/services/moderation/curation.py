"""Curating a space: its moderation settings, and moving topics between spaces.

Settings anyone's moderators may change on every tier: who opens topics
(`topic_policy`), how many flags hide a post (`flag_threshold`) and how many
days the organization gives itself to answer a question asked here
(`response_target_days`: it sets the due date of questions asked after the
change; a question keeps the due date it was asked with). Turning on
the word filter, pre-moderation or slow mode needs the "moderation_tools"
capability (plus); turning them off never does, so a downgraded organization
can always switch them off. They stop applying while the tier lacks them.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cps.services.audit import trail
from cps.services.context import Actor, Context
from cps.services.discussion import topics, word_filter
from cps.services.discussion.views import TopicView
from cps.services.errors import Conflict, Invalid
from cps.services.events import channels, journal
from cps.services.moderation.views import ModerationSettings, WordFilterSettings
from cps.services.orgs.access import SpaceAccess, space_access, topic_access
from cps.services.orgs.views import SpaceView
from cps.services.tiers import plans
from cps.storage.accountability import Question

log = logging.getLogger("cps.curation")


def settings_view(access: SpaceAccess) -> ModerationSettings:
    space = access.space
    return ModerationSettings(
        space_id=space.id,
        topic_policy=space.topic_policy,
        flag_threshold=space.flag_threshold,
        word_filter=WordFilterSettings(
            mode=space.word_filter_mode,
            words=word_filter.load(space.word_filter_words),
        ),
        premoderation_posts=space.premoderation_posts,
        slow_mode_seconds=space.slow_mode_seconds,
        response_target_days=space.response_target_days,
        tools_available=plans.allows(access.org.tier, "moderation_tools"),
    )


async def get_settings(ctx: Context, actor: Actor, space_id: int) -> ModerationSettings:
    async with ctx.db.read() as session:
        access = await space_access(session, actor, space_id)
        access.require_moderator()
        return settings_view(access)


def _gated(changes: dict[str, Any]) -> bool:
    """Whether the changes turn on (or configure) a plus-only tool."""
    return bool(
        changes.get("word_filter_mode", "off") != "off"
        or changes.get("word_filter_words")
        or changes.get("premoderation_posts", 0) > 0
        or changes.get("slow_mode_seconds", 0) > 0
    )


async def update_settings(
    ctx: Context, actor: Actor, space_id: int, changes: dict[str, Any]
) -> tuple[SpaceView, ModerationSettings]:
    """Change some of the space's moderation settings (moderators of the space).
    `changes` holds only the fields given; `word_filter_words` is a list of entries."""
    if "word_filter_words" in changes:
        words = word_filter.clean(changes["word_filter_words"])
        if len(words) > word_filter.MAX_WORDS or any(
            len(w) > word_filter.MAX_WORD_LENGTH for w in words
        ):
            raise Invalid({"word_filter.words": f"At most {word_filter.MAX_WORDS} entries of "
                                                f"{word_filter.MAX_WORD_LENGTH} characters."})
        changes["word_filter_words"] = word_filter.dump(words)
    async with ctx.db.write() as tx:
        access = await space_access(tx.session, actor, space_id)
        access.require_moderator()
        if _gated(changes):
            plans.require(access.org.tier, "moderation_tools")
        space = access.space
        changed = {k: v for k, v in changes.items() if getattr(space, k) != v}
        for field, value in changed.items():
            setattr(space, field, value)
        await tx.session.flush()
        if changed:
            shown = ", ".join(
                f"{k}={len(word_filter.load(v))} entries" if k == "word_filter_words"
                else f"{k}={v}"
                for k, v in changed.items()
            )
            await trail.record(tx, ctx, access, space_id=space_id, action="space.settings",
                               target_type="space", target_id=space_id, detail=shown)
            await journal.record(
                tx, ctx.events, channels.space(space_id), "space.settings_changed", {
                    "space_id": space_id, "topic_policy": space.topic_policy,
                    "slow_mode_seconds": space.slow_mode_seconds,
                    "response_target_days": space.response_target_days,
                })
        view = SpaceView.model_validate(space)
        view.can_moderate = True
        view.can_administer = access.can_administer
        settings = settings_view(access)
    if changed:
        log.info("space settings changed", extra={"space_id": space_id, "fields": list(changed)})
    return view, settings


async def _destination(session: AsyncSession, actor: Actor, space_id: int) -> SpaceAccess:
    access = await space_access(session, actor, space_id)
    access.require_moderator()
    return access


async def move_topic(ctx: Context, actor: Actor, topic_id: int, *, space_id: int) -> TopicView:
    """Move a topic to another space of the same organization (moderators of both).
    Emits topic.moved on both spaces and on the topic; audited in both spaces. A
    question moves with its topic (the reports count it in its new space); it keeps
    the due date it was asked with."""
    async with ctx.db.write() as tx:
        topic, source = await topic_access(tx.session, actor, topic_id, for_update=True)
        source.require_moderator()
        if space_id == topic.space_id:
            raise Conflict("The topic is already in this space.", code="same_space")
        target = await _destination(tx.session, actor, space_id)
        if target.space.org_id != source.space.org_id:
            raise Invalid({"space_id": "Topics move only between spaces of one organization."})
        old = topic.space_id
        topic.space_id = space_id
        if topic.kind == "question":
            await tx.session.execute(
                update(Question).where(Question.topic_id == topic.id).values(
                    space_id=space_id, public=target.space.visibility == "public")
            )
        await tx.session.flush()
        view = await topics.view_now(tx.session, topic)
        data = {**view.model_dump(mode="json"), "from_space_id": old, "to_space_id": space_id}
        for channel in (channels.space(old), channels.space(space_id), channels.topic(topic.id)):
            await journal.record(tx, ctx.events, channel, "topic.moved", data)
        for access, where, other in ((source, old, space_id), (target, space_id, old)):
            await trail.record(
                tx, ctx, access, space_id=where, action="topic.move", target_type="topic",
                target_id=topic.id, detail=f"{'to' if where == old else 'from'} space {other}",
            )
    log.info("topic moved", extra={"topic_id": topic_id, "from": old, "to": space_id})
    return view

