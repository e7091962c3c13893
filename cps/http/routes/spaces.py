"""/orgs/{id}/spaces, /spaces/{id}, moderators and members."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.orgs import spaces
from cps.services.orgs.views import MemberView, SpaceView, Visibility


class SpaceCreate(s.RequestModel):
    name: s.Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    visibility: Visibility = "public"


class UserRef(s.RequestModel):
    user_id: s.Id


class SpaceEnvelope(BaseModel):
    space: SpaceView


class SpaceList(BaseModel):
    spaces: list[SpaceView]


class MemberEnvelope(BaseModel):
    member: MemberView


class MemberList(BaseModel):
    members: list[MemberView]


async def create_space(call: Call) -> SpaceEnvelope:
    body: SpaceCreate = call.body
    space = await spaces.create_space(
        call.ctx, call.user, call.path_int("org_id"),
        name=body.name, description=body.description, visibility=body.visibility,
    )
    return SpaceEnvelope(space=space)


async def list_spaces(call: Call) -> SpaceList:
    return SpaceList(
        spaces=await spaces.list_spaces(call.ctx, call.actor, call.path_int("org_id"))
    )


async def get_space(call: Call) -> SpaceEnvelope:
    return SpaceEnvelope(
        space=await spaces.get_space(call.ctx, call.actor, call.path_int("space_id"))
    )


async def add_moderator(call: Call) -> MemberEnvelope:
    body: UserRef = call.body
    member = await spaces.add_moderator(call.ctx, call.user, call.path_int("space_id"),
                                        body.user_id)
    return MemberEnvelope(member=member)


async def remove_moderator(call: Call) -> None:
    await spaces.remove_moderator(call.ctx, call.user, call.path_int("space_id"),
                                  call.path_int("user_id"))


async def list_moderators(call: Call) -> MemberList:
    return MemberList(
        members=await spaces.list_moderators(call.ctx, call.actor, call.path_int("space_id"))
    )


async def add_member(call: Call) -> MemberEnvelope:
    body: UserRef = call.body
    member = await spaces.add_member(call.ctx, call.user, call.path_int("space_id"), body.user_id)
    return MemberEnvelope(member=member)


async def remove_member(call: Call) -> None:
    await spaces.remove_member(call.ctx, call.user, call.path_int("space_id"),
                               call.path_int("user_id"))


async def list_members(call: Call) -> MemberList:
    return MemberList(
        members=await spaces.list_members(call.ctx, call.user, call.path_int("space_id"))
    )


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/orgs/{org_id:int}/spaces", create_space,
                 "Open a space (org admins; private spaces need plus; public spaces count "
                 "against the tier's quota)",
                 request=SpaceCreate, response=SpaceEnvelope, status=201, auth="required",
                 entitlement="private_spaces", errors=(400, 401, 402, 403, 404, 422)),
        Endpoint("GET", "/orgs/{org_id:int}/spaces", list_spaces,
                 "The organization's spaces you may see", response=SpaceList),
        Endpoint("GET", "/spaces/{space_id:int}", get_space, "A space", response=SpaceEnvelope),
        Endpoint("POST", "/spaces/{space_id:int}/moderators", add_moderator,
                 "Make a user a moderator of the space (org admins; counts against the quota)",
                 request=UserRef, response=MemberEnvelope, status=201, auth="required",
                 entitlement="none", errors=(400, 401, 402, 403, 404, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/moderators", list_moderators,
                 "The space's moderators", response=MemberList),
        Endpoint("DELETE", "/spaces/{space_id:int}/moderators/{user_id:int}", remove_moderator,
                 "Remove a moderator (org admins)", status=204, auth="required"),
        Endpoint("POST", "/spaces/{space_id:int}/members", add_member,
                 "Add a member to a private space (moderators)",
                 request=UserRef, response=MemberEnvelope, status=201, auth="required",
                 errors=(400, 401, 403, 404, 409, 422)),
        Endpoint("GET", "/spaces/{space_id:int}/members", list_members,
                 "The members of a private space (moderators)", response=MemberList,
                 auth="required"),
        Endpoint("DELETE", "/spaces/{space_id:int}/members/{user_id:int}", remove_member,
                 "Remove a member from a private space (moderators)", status=204,
                 auth="required"),
    ]
