"""/orgs/{id}/officials: who answers in an organization's name."""

from __future__ import annotations

from pydantic import BaseModel

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.officials import appointments
from cps.services.officials.views import OfficialView


class OfficialCreate(s.RequestModel):
    user_id: s.Id


class OfficialEnvelope(BaseModel):
    official: OfficialView


class OfficialList(BaseModel):
    officials: list[OfficialView]


async def name_official(call: Call) -> OfficialEnvelope:
    body: OfficialCreate = call.body
    official = await appointments.name_official(call.ctx, call.user, call.path_int("org_id"),
                                                body.user_id)
    return OfficialEnvelope(official=official)


async def list_officials(call: Call) -> OfficialList:
    return OfficialList(
        officials=await appointments.list_officials(call.ctx, call.path_int("org_id"))
    )


async def remove_official(call: Call) -> None:
    await appointments.remove_official(call.ctx, call.user, call.path_int("org_id"),
                                       call.path_int("user_id"))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/orgs/{org_id:int}/officials", name_official,
                 "Name an official of the organization (its admins): their posts in the "
                 "organization's spaces carry author.official",
                 request=OfficialCreate, response=OfficialEnvelope, status=201,
                 auth="required", errors=(400, 401, 403, 404, 409, 422)),
        Endpoint("GET", "/orgs/{org_id:int}/officials", list_officials,
                 "The organization's officials (public)", response=OfficialList),
        Endpoint("DELETE", "/orgs/{org_id:int}/officials/{user_id:int}", remove_official,
                 "Remove an official (the organization's admins); their posts lose the mark",
                 status=204, auth="required"),
    ]
