"""Typed SQLAlchemy models. The schema itself is only ever created by Alembic."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cps.storage.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    # How others mention them (`@handle`): unique, 3-30 of a-z 0-9 . _ -
    # (cps/services/accounts/handles.py).
    handle: Mapped[str] = mapped_column(String(30), unique=True, index=True)
    stakeholder_type: Mapped[str] = mapped_column(String(20), default="citizen")
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the person proved they read this address (a link emailed to it).
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # The language the person chose for the interface, email and notifications
    # (cps/services/languages/locales.py); None: their browser's.
    locale: Mapped[str | None] = mapped_column(String(8), default=None)


class FormerHandle(Base):
    """A handle someone gave up, kept theirs: nobody else may take it, so a mention
    written before the change (a link to `/u/{handle}`) still leads to them and
    never to a newcomer (cps/services/accounts/handles.py)."""

    __tablename__ = "former_handles"

    handle: Mapped[str] = mapped_column(String(30), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    released_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthToken(Base):
    """A bearer token or session cookie; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Server-side lifetimes (docs/security.md): a session ends at `expires_at`
    # (absolute) or when unused for the idle lifetime; `last_used_at` is
    # refreshed at most every few minutes, not on every request.
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the person sees in their list of sessions.
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")
    address: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    country: Mapped[str] = mapped_column(String(100))
    # A world region ("East Asia", "Europe", ...), for browsing members; may be empty.
    region: Mapped[str] = mapped_column(String(60), default="", server_default="")
    tier: Mapped[str] = mapped_column(String(20), default="free")
    # The platform confirmed who this organization is (set by platform admins only).
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrgAdmin(Base):
    __tablename__ = "org_admins"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Space(Base):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10))
    # Who may open topics: "participants" (anyone who may post) or "moderators".
    topic_policy: Mapped[str] = mapped_column(String(20), default="participants")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moderation settings (docs/moderation.md). The word filter, pre-moderation and
    # slow mode apply only while the organization's tier has "moderation_tools".
    flag_threshold: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    word_filter_mode: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    word_filter_words: Mapped[str] = mapped_column(Text, default="", server_default="")
    premoderation_posts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Days the organization gives itself to answer a question asked here (1-365).
    response_target_days: Mapped[int] = mapped_column(
        Integer, default=14, server_default="14"
    )


class SpaceModerator(Base):
    __tablename__ = "space_moderators"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpaceMember(Base):
    __tablename__ = "space_members"

    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_space_listing", "space_id", "pinned", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "discussion" or "question" (a question's life is in cps/storage/accountability.py).
    kind: Mapped[str] = mapped_column(String(10), default="discussion",
                                      server_default="discussion")
    # How many of the five stakeholder types took part (topic_participants).
    stakeholder_kinds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Post(Base):
    """A post in a topic's thread.

    `path` is the materialized tree path: the zero-padded ids of every
    ancestor and of the post itself, joined by dots. Ordering by it gives
    tree order with siblings oldest first, and a cursor is just a path.
    """

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_topic_path", "topic_id", "path", unique=True),
        # The reports' posts of a topic in a time window, answered from the index
        # alone: who wrote, whether hidden or held (cps/services/reports/analytics.py).
        Index("ix_posts_topic_created", "topic_id", "created_at", "author_id", "hidden",
              "review"),
        UniqueConstraint("author_id", "client_id", name="uq_posts_author_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), default=None, index=True
    )
    depth: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # False when the author, an official, said this post does not answer the
    # question it is in (kept for a post held for review: approved, it still does not).
    answers_question: Mapped[bool] = mapped_column(Boolean, default=True,
                                                   server_default=true())
    hidden_reason: Mapped[str | None] = mapped_column(Text, default=None)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # None: published. "pending": held (hidden) until a moderator approves it;
    # "rejected": a held post a moderator turned down. `review_rule` says why it
    # was held: "premoderation" or "word_filter".
    review: Mapped[str | None] = mapped_column(String(10), default=None)
    review_rule: Mapped[str | None] = mapped_column(String(20), default=None)
    # The language the post is written in (a BCP 47 code the author gave, or the one
    # detected: cps/services/languages/detection.py); None: too short to tell.
    lang: Mapped[str | None] = mapped_column(String(16), default=None)
    # True when the author said the language: an edit then keeps it, not detect again.
    lang_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PostRevision(Base):
    """A previous version of an edited post."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(Base):
    __tablename__ = "reactions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ParticipationDay(Base):
    """How many posts one person published in one space on one UTC day, and how many
    of those are hidden now: the analytics dashboard's counts, read without reading
    the posts (cps/services/reports/analytics.py). Kept by triggers on `posts` and
    `topics` in the writing transaction (migration 5c1e0a7d9b42): a post counts once
    it is published (`review` is NULL), whatever happens to it later short of its
    row being deleted; a topic that moves takes its posts' counts to its new space.
    A row whose `posts` went back to 0 stays, and is read as no row."""

    __tablename__ = "participation_days"

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"),
                                          primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           primary_key=True)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[int] = mapped_column(Integer, default=0)


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id", name="uq_flags_post_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str | None] = mapped_column(String(20), default=None)


class Channel(Base):
    """The last sequence number handed out on a live channel."""

    __tablename__ = "channels"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Event(Base):
    """A live event, written in the same transaction as the change it reports."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("channel", "seq", name="uq_events_channel_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class UpgradeRequest(Base):
    """An organization admin asking the platform for a higher tier.

    At most one request per organization is pending (a partial unique index)."""

    __tablename__ = "upgrade_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("tier IN ('free', 'plus', 'premium')", name="tier"),
        Index(
            "uq_upgrade_requests_org_pending",
            "org_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tier: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TierChange(Base):
    """One change of an organization's tier: from, to, who, when, why, and the
    upgrade request it answers (none for a change a platform admin made directly)."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        CheckConstraint("from_tier IN ('free', 'plus', 'premium')", name="from_tier"),
        CheckConstraint("to_tier IN ('free', 'plus', 'premium')", name="to_tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    from_tier: Mapped[str] = mapped_column(String(20))
    to_tier: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("upgrade_requests.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanPrice(Base):
    """The price of a tier as the platform admin words it ("EUR 2,400 a year"); the
    plans page shows "on request" for a tier without a row."""

    __tablename__ = "plan_prices"
    __table_args__ = (CheckConstraint("tier IN ('free', 'plus', 'premium')", name="tier"),)

    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    price: Mapped[str] = mapped_column(String(120))
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sanction(Base):
    """A mute (may read, may not post) or a ban (may not post, react, flag or follow
    the space live) of one user in one space. In force while not lifted and not
    expired: expiry is checked when it matters, no job lifts it."""

    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint("kind IN ('mute', 'ban')", name="kind"),
        Index("ix_sanctions_space_user", "space_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class ModerationAction(Base):
    """The audit log: one row per moderation act. Append-only: the migration adds
    triggers that refuse UPDATE and DELETE on both databases."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_space_id_id", "space_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    # None for the system (a post hidden automatically after enough flags).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String(20), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appeal(Base):
    """An appeal against a hidden post or a ban: one per post, one per ban."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("kind IN ('post', 'ban')", name="kind"),
        CheckConstraint("status IN ('open', 'upheld', 'overturned')", name="status"),
        UniqueConstraint("kind", "subject_id", name="uq_appeals_kind_subject"),
        Index("ix_appeals_space_status", "space_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    # The post's id (kind "post") or the ban's sanction id (kind "ban").
    subject_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answer: Mapped[str | None] = mapped_column(Text, default=None)


class Poll(Base):
    """A single-choice poll in a topic. Open until `closed_at` is set (by its creator
    or a moderator) or `closes_at` passes; the clock is compared whenever it matters."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (
        UniqueConstraint("poll_id", "position", name="uq_poll_options_poll_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))


class PollVote(Base):
    """One vote per person and poll (the unique constraint); changing it updates the row."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "user_id", name="uq_poll_votes_poll_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(
        ForeignKey("poll_options.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
