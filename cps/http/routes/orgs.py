"""/orgs, and the platform's confirmation of an organization (/admin/orgs/{id}/verified)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.orgs import orgs
from cps.services.orgs.views import OrgKind, OrgView


class OrgCreate(s.RequestModel):
    name: s.Name
    kind: OrgKind
    country: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""


class OrgList(BaseModel):
    orgs: list[OrgView]


class VerifiedSet(s.RequestModel):
    verified: bool


async def create_org(call: Call) -> s.OrgEnvelope:
    body: OrgCreate = call.body
    org = await orgs.create_org(call.ctx, call.user, name=body.name, kind=body.kind,
                                country=body.country, region=body.region)
    return s.OrgEnvelope(org=org)


async def get_org(call: Call) -> s.OrgEnvelope:
    return s.OrgEnvelope(org=await orgs.get_org(call.ctx, call.actor, call.path_int("org_id")))


async def list_orgs(call: Call) -> OrgList:
    return OrgList(orgs=await orgs.list_orgs(call.ctx, call.actor))


async def set_verified(call: Call) -> s.OrgEnvelope:
    body: VerifiedSet = call.body
    org = await orgs.set_verified(call.ctx, call.user, call.path_int("org_id"),
                                  verified=body.verified)
    return s.OrgEnvelope(org=org)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/orgs", create_org,
                 "Create an organization (you become its admin). The name is normalised "
                 "(NFKC, invisible characters removed, spaces collapsed); one that looks like "
                 "a member's name is refused with 409 name_taken",
                 request=OrgCreate, response=s.OrgEnvelope, status=201, auth="required",
                 errors=(400, 401, 403, 404, 409, 422)),
        Endpoint("GET", "/orgs", list_orgs, "Every member organization", response=OrgList),
        Endpoint("GET", "/orgs/{org_id:int}", get_org,
                 "An organization with its tier and entitlements", response=s.OrgEnvelope),
        Endpoint("PUT", "/admin/orgs/{org_id:int}/verified", set_verified,
                 "Mark an organization as verified, or not: the platform confirmed who it is "
                 "(platform admins; logged)",
                 request=VerifiedSet, response=s.OrgEnvelope, auth="required",
                 entitlement="none"),
    ]
