"""Request bodies and response envelopes of the public API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from cps.services.accounts.views import SessionView, StakeholderType, UserView
from cps.services.discussion.views import (
    FlagReason,
    FlagView,
    PostView,
    ReactionKind,
    RevisionView,
    TopicView,
)
from cps.services.orgs.views import MemberView, OrgKind, OrgView, SpaceView, Visibility
from cps.services.tiers.views import Tier
from cps.storage.types import ID_MAX

# A bigger id than the database holds is refused here, not by the driver.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# A time is RFC 3339 with its offset, in a year from 1000 to 8999 as written: then
# its UTC instant, and any day or hour a service adds to it, stays inside what
# Python and both databases hold (9999-12-31T23:00-14:00 has no UTC instant).
YEAR_MIN, YEAR_MAX = 1000, 8999
TIME_PATTERN = (
    r"^[1-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_TIME = re.compile(TIME_PATTERN)
TIME_HINT = (
    f"Expected an ISO 8601 time with its offset, e.g. 2027-03-01T18:00:00+09:00, "
    f"in a year from {YEAR_MIN} to {YEAR_MAX}."
)
TIME_SCHEMA: dict[str, Any] = {"type": "string", "format": "date-time", "pattern": TIME_PATTERN}


def parse_time(raw: object) -> datetime:
    """A bounded time from a request (a body field or a query parameter), in UTC.
    Anything else raises a ValueError whose message is for a person."""
    if not isinstance(raw, str) or not _TIME.fullmatch(raw):
        raise PydanticCustomError("time", TIME_HINT)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:  # a day the month lacks (2027-02-30)
        raise PydanticCustomError("time", TIME_HINT) from None
    return value.astimezone(UTC)


# A time in a request body: `parse_time`, declared as the pattern it checks.
Time = Annotated[datetime, PlainValidator(parse_time), WithJsonSchema(TIME_SCHEMA)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254,
                      pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"),
]


# What a text field or parameter may hold: anything but NUL, which no column stores.
NO_NUL = r"^[^\x00]*$"


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


# --- requests -------------------------------------------------------------


class RegisterRequest(RequestModel):
    email: Email
    # The rest of the password rules (docs/security.md) are checked by the service.
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)]
    display_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
    ]
    stakeholder_type: StakeholderType = "citizen"


class ProfileUpdate(RequestModel):
    display_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
        | None
    ) = None
    stakeholder_type: StakeholderType | None = None


class LoginRequest(RequestModel):
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=256)]


class OrgCreate(RequestModel):
    name: Name
    kind: OrgKind
    country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""


class UpgradeRequestCreate(RequestModel):
    tier: Tier
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class SpaceCreate(RequestModel):
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    visibility: Visibility = "public"


class UserRef(RequestModel):
    user_id: Id


class TopicCreate(RequestModel):
    title: Title
    body: Body


class TopicUpdate(RequestModel):
    title: Title | None = None
    pinned: bool | None = None
    locked: bool | None = None
    archived: bool | None = None


class PostCreate(RequestModel):
    body: Body
    parent_id: Id | None = None
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class PostUpdate(RequestModel):
    body: Body


class ReactionCreate(RequestModel):
    kind: ReactionKind


class FlagCreate(RequestModel):
    reason: FlagReason
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class HideRequest(RequestModel):
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""


# --- responses ------------------------------------------------------------


class UserEnvelope(BaseModel):
    user: UserView


class LoginResponse(BaseModel):
    user: UserView
    token: str
    csrf_token: str


class OrgEnvelope(BaseModel):
    org: OrgView


class OrgList(BaseModel):
    orgs: list[OrgView]


class SpaceEnvelope(BaseModel):
    space: SpaceView


class SpaceList(BaseModel):
    spaces: list[SpaceView]


class MemberEnvelope(BaseModel):
    member: MemberView


class MemberList(BaseModel):
    members: list[MemberView]


class TopicEnvelope(BaseModel):
    topic: TopicView


class TopicList(BaseModel):
    topics: list[TopicView]
    next_cursor: str | None


class PostEnvelope(BaseModel):
    post: PostView


class PostList(BaseModel):
    posts: list[PostView]
    next_cursor: str | None


class RevisionList(BaseModel):
    revisions: list[RevisionView]


class ReactionState(BaseModel):
    post_id: int
    kind: ReactionKind
    count: int
    mine: bool


class FlagEnvelope(BaseModel):
    flag: FlagView


class HealthStatus(BaseModel):
    status: str
    checks: dict[str, str] = {}


class SessionList(BaseModel):
    sessions: list[SessionView]
