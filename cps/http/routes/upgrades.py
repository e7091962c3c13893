"""/orgs/{id}/upgrade-requests, /orgs/{id}/tier-history and the platform's /admin side."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, StringConstraints, ValidationError

from cps.http import schemas as s
from cps.http.api import Call, Endpoint, QueryParam, query_choice
from cps.http.errors import MalformedJSON, validation_fields
from cps.services.errors import Invalid
from cps.services.tiers.views import Tier
from cps.services.upgrades import requests
from cps.services.upgrades.views import TierChangeView, UpgradeRequestView

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
RequiredReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]


class UpgradeRequestCreate(s.RequestModel):
    tier: Tier
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class UpgradeApproval(s.RequestModel):
    reason: Reason = ""


class UpgradeRejection(s.RequestModel):
    reason: RequiredReason


class TierSet(s.RequestModel):
    tier: Tier
    reason: RequiredReason


class UpgradeRequestEnvelope(BaseModel):
    upgrade_request: UpgradeRequestView


class UpgradeRequestList(BaseModel):
    upgrade_requests: list[UpgradeRequestView]


class TierHistory(BaseModel):
    tier_changes: list[TierChangeView]


async def _optional_body(call: Call) -> UpgradeApproval:
    """Approving needs no body (the contract's `POST .../approve`); a reason may come along."""
    raw = await call.request.body()
    if not raw.strip():
        return UpgradeApproval()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedJSON() from None
    if not isinstance(data, dict):
        raise Invalid({"body": "Expected a JSON object."})
    try:
        return UpgradeApproval.model_validate(data)
    except ValidationError as exc:
        raise Invalid(validation_fields(exc)) from None


STATUS = QueryParam("status", "pending, approved or rejected; all when absent",
                    choices=requests.STATUSES)


async def request_upgrade(call: Call) -> UpgradeRequestEnvelope:
    body: UpgradeRequestCreate = call.body
    request = await requests.request_upgrade(
        call.ctx, call.user, call.path_int("org_id"), tier=body.tier, note=body.note
    )
    return UpgradeRequestEnvelope(upgrade_request=request)


async def list_org_upgrade_requests(call: Call) -> UpgradeRequestList:
    return UpgradeRequestList(
        upgrade_requests=await requests.list_org_requests(
            call.ctx, call.user, call.path_int("org_id")
        )
    )


async def list_upgrade_requests(call: Call) -> UpgradeRequestList:
    return UpgradeRequestList(
        upgrade_requests=await requests.list_requests(
            call.ctx, call.user, query_choice(call, STATUS)
        )
    )


async def approve_upgrade_request(call: Call) -> UpgradeRequestEnvelope:
    body = await _optional_body(call)
    request = await requests.approve(call.ctx, call.user, call.path_int("request_id"), body.reason)
    return UpgradeRequestEnvelope(upgrade_request=request)


async def reject_upgrade_request(call: Call) -> UpgradeRequestEnvelope:
    body: UpgradeRejection = call.body
    request = await requests.reject(call.ctx, call.user, call.path_int("request_id"), body.reason)
    return UpgradeRequestEnvelope(upgrade_request=request)


async def set_org_tier(call: Call) -> s.OrgEnvelope:
    body: TierSet = call.body
    org = await requests.set_tier(
        call.ctx, call.user, call.path_int("org_id"), tier=body.tier, reason=body.reason
    )
    return s.OrgEnvelope(org=org)


async def get_tier_history(call: Call) -> TierHistory:
    return TierHistory(
        tier_changes=await requests.tier_history(call.ctx, call.user, call.path_int("org_id"))
    )


def endpoints() -> list[Endpoint]:
    errors = (400, 401, 403, 404, 409, 422)
    return [
        Endpoint("POST", "/orgs/{org_id:int}/upgrade-requests", request_upgrade,
                 "Ask the platform for a higher tier (org admins; one pending request at a time)",
                 request=UpgradeRequestCreate, response=UpgradeRequestEnvelope, status=201,
                 auth="required", entitlement="none", errors=errors),
        Endpoint("GET", "/orgs/{org_id:int}/upgrade-requests", list_org_upgrade_requests,
                 "The organization's upgrade requests, oldest first (org admins, platform admins)",
                 response=UpgradeRequestList, auth="required"),
        Endpoint("GET", "/orgs/{org_id:int}/tier-history", get_tier_history,
                 "Every change of the organization's tier: from, to, who, when, why, the request "
                 "it answers (org admins, platform admins)",
                 response=TierHistory, auth="required"),
        Endpoint("GET", "/admin/upgrade-requests", list_upgrade_requests,
                 "Upgrade requests of every organization, oldest first (platform admins)",
                 response=UpgradeRequestList, auth="required",
                 query=(STATUS,)),
        Endpoint("POST", "/admin/upgrade-requests/{request_id:int}/approve",
                 approve_upgrade_request,
                 "Approve a pending request: the tier changes at once (platform admins). The body "
                 "is optional: {\"reason\": \"...\"}",
                 response=UpgradeRequestEnvelope, auth="required", entitlement="none",
                 errors=errors),
        Endpoint("POST", "/admin/upgrade-requests/{request_id:int}/reject",
                 reject_upgrade_request, "Reject a pending request with a reason (platform admins)",
                 request=UpgradeRejection, response=UpgradeRequestEnvelope, auth="required",
                 entitlement="none", errors=errors),
        Endpoint("POST", "/admin/orgs/{org_id:int}/tier", set_org_tier,
                 "Set an organization's tier directly, up or down; nothing is deleted "
                 "(platform admins)",
                 request=TierSet, response=s.OrgEnvelope, auth="required", entitlement="none",
                 errors=errors),
    ]
