"""What the poll services answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cps.services.accounts.views import Author
from cps.services.views import View

# Why a poll takes no votes right now (None while it does):
# "closed": closed by a person or past its closes_at; "topic_locked" /
# "topic_archived": its topic takes nothing new; "tier": the organization's
# tier no longer has polls (a downgrade): results stay, votes are refused (402).
ReadOnlyReason = Literal["closed", "topic_locked", "topic_archived", "tier"]


class PollOptionView(View):
    id: int
    position: int
    label: str
    votes: int


class PollView(View):
    id: int
    topic_id: int
    question: str
    created_by: Author
    created_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    closed: bool
    options: list[PollOptionView]
    total_votes: int
    # The option the viewer voted for (None: not voted, or anonymous).
    my_vote: int | None = None
    accepting_votes: bool
    read_only_reason: ReadOnlyReason | None = None
    # Whether the viewer may close it (its creator, the space's moderators).
    can_close: bool = False
