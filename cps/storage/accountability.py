"""Civic accountability: officials, questions to an organization, their history,
and who took part in a topic (docs/accountability.md).

- `OrgOfficial`: a person an organization's admins named to answer in its name.
- `Question`: a topic asked as a question, one row per question topic: where it
  is in its life (open, acknowledged, answered, in_progress, done, declined), when
  it was asked and by whom, when it is due (asked + the space's response target
  then), and when each step happened. The responsiveness reports aggregate it.
- `QuestionChange`: each step of a question's life: from, to, who, when, a note.
- `TopicParticipant`: each person who posted in a topic, once, with the
  stakeholder type they had then; `Topic.stakeholder_kinds` counts the types.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from cps.storage.models import Base
from cps.storage.types import utcnow

QUESTION_STATUSES = ("open", "acknowledged", "answered", "in_progress", "done", "declined")


class OrgOfficial(Base):
    __tablename__ = "org_officials"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        # The reports: questions of a space (or, through spaces, an org) asked in a period.
        Index("ix_questions_space_asked", "space_id", "asked_at"),
        Index("ix_questions_asked", "asked_at"),
        # An organization's (or each one's) questions in a period, with all that the
        # reports count: SQLite counts from the index alone.
        Index("ix_questions_org_counts", "org_id", "public", "asked_at", "status",
              "seconds_to_acknowledge", "seconds_to_answer", "answered_at", "due_at"),
        # Each duration in order, of public questions and of an organization's: SQLite
        # takes a percentile by walking one of these to its rank, with no sort
        # (cps/storage/responsiveness.py).
        *(
            Index(f"ix_questions_{prefix}{name}", *lead, "public", column, "asked_at",
                  sqlite_where=text(f"{column} IS NOT NULL"),
                  postgresql_where=text(f"{column} IS NOT NULL"))
            for name, column in (("acknowledge", "seconds_to_acknowledge"),
                                 ("answer", "seconds_to_answer"))
            for prefix, lead in (("", ()), ("org_", ("org_id",)))
        ),
    )

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    # The topic's space, kept here (and moved with the topic) so the reports
    # aggregate one table joined to spaces, not topics.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    # The space's organization (a topic moves only within one), so a report groups
    # and orders questions by organization without joining spaces.
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # Whether the space is public (the reports of organizations and of the network
    # count public questions only). A space's visibility is set when it is created;
    # a question moved to another space takes that space's.
    public: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(12), default="open")
    asked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answer_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Seconds from asked to acknowledged (answering acknowledges: to answered when
    # it skipped the step) and to answered; None until the step. Kept from the
    # times above by `keep_durations`, stored so the reports sort numbers.
    seconds_to_acknowledge: Mapped[float | None] = mapped_column(Float, default=None)
    seconds_to_answer: Mapped[float | None] = mapped_column(Float, default=None)

    def keep_durations(self) -> None:
        """Set the stored durations from the times; call after changing any of them."""
        acknowledged = self.acknowledged_at or self.answered_at
        self.seconds_to_acknowledge = (
            None if acknowledged is None else (acknowledged - self.asked_at).total_seconds())
        self.seconds_to_answer = (
            None if self.answered_at is None
            else (self.answered_at - self.asked_at).total_seconds())


class QuestionChange(Base):
    __tablename__ = "question_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("questions.topic_id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(12), default=None)
    to_status: Mapped[str] = mapped_column(String(12))
    # None: the system (an official's post answered it).
    by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    answer_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicParticipant(Base):
    __tablename__ = "topic_participants"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    stakeholder_type: Mapped[str] = mapped_column(String(20))
    first_posted_at: Mapped[datetime] = mapped_column(default=utcnow)
    posts: Mapped[int] = mapped_column(Integer, default=1)
