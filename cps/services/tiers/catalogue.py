"""The plans side by side, as the public plans page shows them, and their prices.

Everything but the price comes from the entitlement table (`plans`), so the
page can never promise what a gated call would refuse. A capability CPS has
not built yet (`plans.NOT_BUILT`) is shown as not included on every tier. A
price is free text the platform admin writes ("EUR 2,400 a year"); a tier
without one is priced "on request" (`price: None`).
"""

from __future__ import annotations

import logging
import re
import unicodedata

from sqlalchemy import delete, select

from cps.services.context import Actor, Context
from cps.services.errors import Forbidden, Invalid
from cps.services.tiers import plans
from cps.services.tiers.views import PlanCapability, PlanQuota, PlanView, Tier
from cps.storage.models import PlanPrice
from cps.storage.types import utcnow

log = logging.getLogger("cps.tiers")

PRICE_MAX = 120
# A price holds no control character (C0, DEL, C1); the HTTP layer declares this pattern.
CONTROL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plan(tier: Tier, price: str | None) -> PlanView:
    return PlanView(
        tier=tier,
        price=price,
        capabilities=[
            PlanCapability(
                name=name,
                label=plans.label(name),
                included=plans.allows(tier, name) and name not in plans.NOT_BUILT,
                built=name not in plans.NOT_BUILT,
            )
            for name in plans.CAPABILITIES
        ],
        quotas=[
            PlanQuota(name=name, label=plans.label(name), limit=plans.limit(tier, name))
            for name in plans.QUOTAS
        ],
    )


async def list_plans(ctx: Context) -> list[PlanView]:
    """Every tier, cheapest first, with what it allows and its price (anyone may read)."""
    async with ctx.db.read() as session:
        prices = dict((await session.execute(select(PlanPrice.tier, PlanPrice.price))).all())
    tiers: tuple[Tier, ...] = ("free", "plus", "premium")
    assert tiers == plans.TIERS
    return [_plan(tier, prices.get(tier)) for tier in tiers]


def _clean(tier: str, price: str | None) -> str | None:
    """The price as shown: runs of spaces made one, invisible format characters
    (zero-width, direction marks) dropped; control characters, a tab or a line
    break among them, are refused (`CONTROL_PATTERN` declares it)."""
    if not plans.is_tier(tier):
        raise Invalid({"prices": f"Unknown tier {tier!r}: expected free, plus or premium."})
    if price is None:
        return None
    if _CONTROL.search(price):
        raise Invalid({f"prices.{tier}": "Control characters are not allowed."})
    text = " ".join("".join(c for c in price if unicodedata.category(c) != "Cf").split())
    if len(text) > PRICE_MAX:
        raise Invalid({f"prices.{tier}": f"At most {PRICE_MAX} characters."})
    return text or None


async def set_prices(ctx: Context, actor: Actor, prices: dict[str, str | None]) -> list[PlanView]:
    """The platform admin sets the price of some tiers; an empty or null price puts a
    tier back "on request". Tiers not named keep theirs."""
    if not actor.is_platform_admin:
        raise Forbidden("Only platform admins may set the prices.")
    if not prices:
        raise Invalid({"prices": "Name at least one tier."})
    cleaned = {tier: _clean(tier, price) for tier, price in prices.items()}
    async with ctx.db.write() as tx:
        for tier, price in cleaned.items():
            await tx.session.execute(delete(PlanPrice).where(PlanPrice.tier == tier))
            if price is not None:
                tx.session.add(PlanPrice(tier=tier, price=price, updated_by=actor.id,
                                         updated_at=utcnow()))
    log.info("plan prices set", extra={"tiers": sorted(cleaned), "by": actor.id})
    return await list_plans(ctx)
