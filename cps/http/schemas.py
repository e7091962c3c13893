"""Request bodies and response envelopes of the public API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cps.services.views import (
    FlagReason,
    FlagView,
    MemberView,
    OrgKind,
    OrgView,
    PostView,
    ReactionKind,
    RevisionView,
    SpaceView,
    StakeholderType,
    Tier,
    TopicView,
    UserView,
    Visibility,
)

# Ids are 32-bit integers in the database: a bigger one is refused here, not by the driver.
ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


# --- requests -------------------------------------------------------------


class RegisterRequest(RequestModel):
    email: Email
    password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
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
