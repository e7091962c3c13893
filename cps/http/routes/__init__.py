"""Every declared endpoint of the public API."""

from __future__ import annotations

from cps.http.api import Endpoint
from cps.http.routes import (
    accounts,
    consensus,
    feed,
    following,
    languages,
    moderation,
    notifications,
    officials,
    orgs,
    overviews,
    participants,
    people,
    plans,
    polls,
    posts,
    questions,
    recovery,
    reports,
    responsiveness,
    search,
    spaces,
    topics,
    unsubscribe,
    upgrades,
)


def all_endpoints() -> list[Endpoint]:
    return [
        *accounts.endpoints(),
        *recovery.endpoints(),
        *unsubscribe.endpoints(),
        *orgs.endpoints(),
        *feed.endpoints(),
        *overviews.endpoints(),
        *officials.endpoints(),
        *spaces.endpoints(),
        *topics.endpoints(),
        *posts.endpoints(),
        *participants.endpoints(),
        *people.endpoints(),
        *following.endpoints(),
        *questions.endpoints(),
        *polls.endpoints(),
        *consensus.endpoints(),
        *upgrades.endpoints(),
        *plans.endpoints(),
        *moderation.endpoints(),
        *notifications.endpoints(),
        *reports.endpoints(),
        *responsiveness.endpoints(),
        *search.endpoints(),
        *languages.endpoints(),
    ]
