"""The entitlement table: the one place that knows what each tier allows.

Every gated action asks `require` or `check_quota`; nothing else compares
tier names (`is_upgrade` orders them for the upgrade flow). The numbers are
the product's price list (docs/product.md).

Entitlements are never cached: every call reads the organization's row (its
`tier` column) in the same transaction as the action it gates, so a tier
change is in force for every process from the next request on.
"""

from __future__ import annotations

from typing import Final

from cps.services.errors import QuotaExceeded, TierRequired
from cps.services.languages.catalogues import N_word
from cps.services.tiers.views import Entitlements, Quota

TIERS: Final = (N_word("free"), N_word("plus"), N_word("premium"))

CAPABILITIES: Final[dict[str, dict[str, bool]]] = {
    # Threaded discussions, reactions, live updates, flags, basic moderation.
    "discussions": {"free": True, "plus": True, "premium": True},
    "private_spaces": {"free": False, "plus": True, "premium": True},
    "polls": {"free": False, "plus": True, "premium": True},
    "moderation_tools": {"free": False, "plus": True, "premium": True},
    "export": {"free": False, "plus": True, "premium": True},
    "analytics": {"free": False, "plus": False, "premium": True},
    "consensus_map": {"free": False, "plus": False, "premium": True},
    "integrations": {"free": False, "plus": False, "premium": True},
    "custom_branding": {"free": False, "plus": False, "premium": True},
}

# In the table (and in `GET /orgs/{id}`) but with nothing to use yet: the plans
# page never shows them as included. tests/tiers/test_matrix.py fails when one
# gets an endpoint without a probe; take it out of here then.
NOT_BUILT: Final = frozenset({"integrations", "custom_branding"})

# None means unlimited.
QUOTAS: Final[dict[str, dict[str, int | None]]] = {
    "public_spaces": {"free": 3, "plus": 20, "premium": None},
    "moderators_per_space": {"free": 2, "plus": 10, "premium": None},
}

_LABELS: Final = {
    "discussions": N_word("Discussions"),
    "private_spaces": N_word("Private (members-only) spaces"),
    "polls": N_word("Polls in topics"),
    "moderation_tools": N_word("Word filter, pre-moderation and slow mode"),
    "export": N_word("Export of a space"),
    "analytics": N_word("The analytics dashboard"),
    "consensus_map": N_word("The consensus map"),
    "integrations": N_word("API tokens and webhooks"),
    "custom_branding": N_word("Custom branding"),
    "public_spaces": N_word("public spaces"),
    "moderators_per_space": N_word("moderators per space"),
}
# The labels above that name several things, and so "need" rather than "needs" a tier.
_PLURAL: Final = frozenset({"discussions", "private_spaces", "polls", "moderation_tools",
                            "integrations"})


# State-changing endpoints reviewed as needing no capability, as (method, path)
# pairs of their declarations. A test fails if a POST/PATCH/PUT/DELETE endpoint
# declares "none" without being listed here, so a new one cannot slip through
# ungated by accident. Quota-gated endpoints are listed too: a quota is checked
# in the service, the declaration names only a capability.
EXPLICIT_NONE: Final[frozenset[tuple[str, str]]] = frozenset(
    {
        # accounts
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("POST", "/auth/logout"),
        ("PATCH", "/me"),
        ("DELETE", "/me/sessions/{session_id:int}"),
        ("POST", "/me/sessions/revoke-others"),
        # accounts over email (docs/email.md)
        ("POST", "/auth/password-reset"),
        ("POST", "/auth/password-reset/confirm"),
        ("POST", "/auth/verify-email"),
        ("POST", "/auth/verify-email/resend"),
        ("POST", "/me/password"),
        ("POST", "/email/unsubscribe"),
        # notifications: every tier has them
        ("POST", "/notifications/read"),
        ("PATCH", "/me/preferences"),
        # organizations and the tier flow itself
        ("POST", "/orgs"),
        ("POST", "/orgs/{org_id:int}/upgrade-requests"),
        ("POST", "/admin/upgrade-requests/{request_id:int}/approve"),
        ("POST", "/admin/upgrade-requests/{request_id:int}/reject"),
        ("POST", "/admin/orgs/{org_id:int}/tier"),
        ("PUT", "/admin/orgs/{org_id:int}/verified"),
        ("PUT", "/admin/plans/prices"),
        # officials: accountability is free for every organization (issue 14)
        ("POST", "/orgs/{org_id:int}/officials"),
        ("DELETE", "/orgs/{org_id:int}/officials/{user_id:int}"),
        # spaces (moderators count against the moderators_per_space quota)
        ("POST", "/spaces/{space_id:int}/moderators"),
        ("DELETE", "/spaces/{space_id:int}/moderators/{user_id:int}"),
        ("POST", "/spaces/{space_id:int}/members"),
        ("DELETE", "/spaces/{space_id:int}/members/{user_id:int}"),
        # discussions: every tier has them
        ("POST", "/spaces/{space_id:int}/topics"),
        ("PATCH", "/topics/{topic_id:int}"),
        ("POST", "/topics/{topic_id:int}/posts"),
        ("PATCH", "/posts/{post_id:int}"),
        ("DELETE", "/posts/{post_id:int}"),
        ("POST", "/posts/{post_id:int}/reactions"),
        # following (issue 15): choosing how closely you follow, on every tier
        ("PUT", "/topics/{topic_id:int}/follow"),
        ("PUT", "/spaces/{space_id:int}/follow"),
        ("DELETE", "/posts/{post_id:int}/reactions/{kind:str}"),
        ("POST", "/posts/{post_id:int}/flags"),
        ("POST", "/posts/{post_id:int}/hide"),
        ("POST", "/posts/{post_id:int}/restore"),
        # questions to the city: accountability is free for every organization (issue 14)
        ("POST", "/topics/{topic_id:int}/status"),
        # moderation (docs/moderation.md): basic moderation is on every tier. PATCH
        # /spaces/{id} checks "moderation_tools" in the service, for the fields that
        # turn on the word filter, pre-moderation or slow mode (402), as quotas are.
        ("PATCH", "/spaces/{space_id:int}"),
        ("POST", "/topics/{topic_id:int}/move"),
        ("POST", "/flags/{flag_id:int}/resolve"),
        ("POST", "/spaces/{space_id:int}/moderation/bulk"),
        ("POST", "/posts/{post_id:int}/approve"),
        ("POST", "/posts/{post_id:int}/reject"),
        ("POST", "/spaces/{space_id:int}/mutes"),
        ("DELETE", "/spaces/{space_id:int}/mutes/{user_id:int}"),
        ("POST", "/spaces/{space_id:int}/bans"),
        ("DELETE", "/spaces/{space_id:int}/bans/{user_id:int}"),
        ("POST", "/posts/{post_id:int}/appeal"),
        ("POST", "/spaces/{space_id:int}/bans/appeal"),
        ("POST", "/appeals/{appeal_id:int}/answer"),
        # polls: closing ends a poll and must work after a downgrade, so moderators
        # can end a consultation; opening, voting and withdrawing declare "polls".
        ("POST", "/polls/{poll_id:int}/close"),
        # consensus map: closing a round works after a downgrade, as closing a poll does;
        # opening, proposing, deciding and voting declare "consensus_map".
        ("POST", "/consensus/{round_id:int}/close"),
    }
)


# Client frames of the WebSocket protocol (/ws) and the capability each needs.
# None of today's frames creates or changes anything stored; a new frame type
# must be declared here (a test reads the frame types /ws dispatches on).
WEBSOCKET_FRAMES: Final[dict[str, str]] = {
    "ping": "none",
    "subscribe": "none",
    "unsubscribe": "none",
    "typing": "none",
}


def label(name: str) -> str:
    """A capability's or quota's name as people read it, capitalized."""
    text = _LABELS[name]
    return text[:1].upper() + text[1:]


def is_tier(name: str) -> bool:
    return name in TIERS


def is_upgrade(current: str, requested: str) -> bool:
    """Whether `requested` is a higher tier than `current`."""
    return TIERS.index(requested) > TIERS.index(current)


def allows(tier: str, capability: str) -> bool:
    return CAPABILITIES[capability][tier]


def lowest_tier_with(capability: str) -> str:
    return next(t for t in TIERS if CAPABILITIES[capability][t])


def require(tier: str, capability: str) -> None:
    """Raise `TierRequired` unless `tier` includes `capability`."""
    if not allows(tier, capability):
        needed = lowest_tier_with(capability)
        what = _LABELS[capability]
        # The verb is written out, not filled in: "{value} {verb} the..." would leave
        # the catalogue's matcher to guess where the capability's name ends.
        raise TierRequired(
            f"{what} need the {needed} tier; this organization is on the {tier} tier."
            if capability in _PLURAL else
            f"{what} needs the {needed} tier; this organization is on the {tier} tier.",
            required_tier=needed,
        )


def limit(tier: str, quota: str) -> int | None:
    return QUOTAS[quota][tier]


def check_quota(tier: str, quota: str, usage: int) -> None:
    """Raise `QuotaExceeded` if one more would go over `tier`'s limit."""
    cap = limit(tier, quota)
    if cap is not None and usage >= cap:
        higher = next(
            (t for t in TIERS[TIERS.index(tier) + 1 :] if (QUOTAS[quota][t] or 10**9) > cap),
            None,
        )
        raise QuotaExceeded(
            f"The {tier} tier allows {cap} {_LABELS[quota]}; this organization uses {usage}.",
            quota=quota,
            limit=cap,
            usage=usage,
            required_tier=higher,
        )


def entitlements(tier: str, usage: dict[str, int]) -> Entitlements:
    return Entitlements(
        capabilities={name: allows(tier, name) for name in CAPABILITIES},
        quotas={name: Quota(limit=limit(tier, name), usage=usage.get(name, 0)) for name in QUOTAS},
    )
