"""Following: how closely each person follows a topic or a space
(docs/notifications.md, "Handles, mentions and following").

- `TopicFollow`: a person's level for one topic: `watching` (every new post),
  `tracking` (replies to them and mentions), `normal` (mentions only) or `muted`
  (nothing). A row is either their own choice or a default the server set when they
  opened the topic (watching) or first posted in it (tracking); either way a row,
  once there, is never overwritten by a default.
- `SpaceFollow`: the same levels for a whole space; a topic without a row of its own
  follows its space's level.
No row at all means `normal`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cps.storage.models import Base
from cps.storage.types import utcnow

LEVELS = ("watching", "tracking", "normal", "muted")
_LEVEL_CHECK = "level IN ('watching', 'tracking', 'normal', 'muted')"


class TopicFollow(Base):
    __tablename__ = "topic_follows"
    __table_args__ = (
        CheckConstraint(_LEVEL_CHECK, name="level"),
        # Who watches a topic is read by topic and level at every post: everyone who
        # posted tracks it, and a busy topic's trackers are not read to find them.
        Index("ix_topic_follows_topic_level", "topic_id", "level"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpaceFollow(Base):
    __tablename__ = "space_follows"
    __table_args__ = (
        CheckConstraint(_LEVEL_CHECK, name="level"),
        Index("ix_space_follows_space_level", "space_id", "level"),  # as topics'
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    space_id: Mapped[int] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
