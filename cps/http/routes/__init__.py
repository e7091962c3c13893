"""Every declared endpoint of the public API."""

from __future__ import annotations

from cps.http.api import Endpoint
from cps.http.routes import (
    accounts,
    moderation,
    officials,
    orgs,
    polls,
    posts,
    questions,
    recovery,
    reports,
    responsiveness,
    spaces,
    topics,
    upgrades,
)


def all_endpoints() -> list[Endpoint]:
    return [
        *accounts.endpoints(),
        *recovery.endpoints(),
        *orgs.endpoints(),
        *officials.endpoints(),
        *spaces.endpoints(),
        *topics.endpoints(),
        *posts.endpoints(),
        *questions.endpoints(),
        *polls.endpoints(),
        *upgrades.endpoints(),
        *moderation.endpoints(),
        *reports.endpoints(),
        *responsiveness.endpoints(),
    ]
