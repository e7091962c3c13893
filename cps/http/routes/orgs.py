"""/orgs."""

from __future__ import annotations

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services import orgs


async def create_org(call: Call) -> s.OrgEnvelope:
    body: s.OrgCreate = call.body
    org = await orgs.create_org(call.ctx, call.user, name=body.name, kind=body.kind,
                                country=body.country, region=body.region)
    return s.OrgEnvelope(org=org)


async def get_org(call: Call) -> s.OrgEnvelope:
    return s.OrgEnvelope(org=await orgs.get_org(call.ctx, call.actor, call.path_int("org_id")))


async def list_orgs(call: Call) -> s.OrgList:
    return s.OrgList(orgs=await orgs.list_orgs(call.ctx, call.actor))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/orgs", create_org, "Create an organization (you become its admin)",
                 request=s.OrgCreate, response=s.OrgEnvelope, status=201, auth="required"),
        Endpoint("GET", "/orgs", list_orgs, "Every member organization", response=s.OrgList),
        Endpoint("GET", "/orgs/{org_id:int}", get_org,
                 "An organization with its tier and entitlements", response=s.OrgEnvelope),
    ]
