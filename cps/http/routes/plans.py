"""/plans (the tiers side by side, public) and the platform admin's /admin/plans/prices."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, WithJsonSchema

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.tiers import catalogue
from cps.services.tiers.views import PlanView, Tier

# The service refuses what the document declares (its length, control characters).
Price = Annotated[str, StringConstraints(max_length=catalogue.PRICE_MAX), WithJsonSchema(
    {"type": "string", "maxLength": catalogue.PRICE_MAX, "pattern": catalogue.CONTROL_PATTERN})]


class PricesSet(s.RequestModel):
    # Only the tiers named change; null or "" puts a tier back "on request".
    prices: Annotated[dict[Tier, Price | None], Field(min_length=1)]


class PlanList(BaseModel):
    plans: list[PlanView]


async def list_plans(call: Call) -> PlanList:
    return PlanList(plans=await catalogue.list_plans(call.ctx))


async def set_plan_prices(call: Call) -> PlanList:
    body: PricesSet = call.body
    prices: dict[str, str | None] = {str(tier): price for tier, price in body.prices.items()}
    return PlanList(plans=await catalogue.set_prices(call.ctx, call.user, prices))


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/plans", list_plans,
                 "The tiers side by side: every capability (included, and whether it is built "
                 "yet), every quota, and the price the platform set (null: on request). Public",
                 response=PlanList, auth="none", errors=()),
        Endpoint("PUT", "/admin/plans/prices", set_plan_prices,
                 "Set the price of some tiers, as free text; null or \"\" puts a tier back on "
                 "request (platform admins)",
                 request=PricesSet, response=PlanList, auth="required", entitlement="none"),
    ]
