"""Hooks for the `schemathesis run` of tests/security/test_schemathesis.py, loaded by
the CLI (tests/security/schemathesis.toml names this module).

- `positive_data_accepted` replaces schemathesis's `positive_data_acceptance`: a
  request the document calls valid must not be refused, except 402 (the
  organization's tier) and a 422 naming only fields checked against what is
  stored or against the clock, which no JSON Schema can say (`STATE_CHECKED`).
  A 422 about any other field is a bound the document failed to declare.
- Signing out (and ending sessions) is done with a token of its own, so the run's
  token stays valid for the rest of the run.
- A deleted post read again is not a failure: DELETE /posts/{id} is a soft delete
  (the post keeps its place in the thread, and its earlier versions stay readable
  for its author and the moderators), so `use_after_free` is dropped there only.
- In the fuzzing phase, generated path ids are aimed at the ids 1..WORLD_IDS the
  test's world holds, so answers are more than 404s (links reach the rest).
"""

from __future__ import annotations

import itertools
import os
import re
from typing import Any

import httpx
import schemathesis
from schemathesis.generation.meta import TestPhase
from schemathesis.openapi.checks import UseAfterFree

PREFIX = "/api/v1"
WORLD_IDS = 6
PASSWORD = "correct horse battery staple"

# (method, path) -> the fields whose 422 depends on stored state, the clock or the
# server's normalising of text; each is tested on its own elsewhere.
STATE_CHECKED: dict[tuple[str, str], frozenset[str]] = {
    # a common or breached password, or the account's own email or name; names that
    # (and handles) pass for staff or hold only invisible characters; NFKC lengthening
    # a field
    ("POST", "/auth/register"): frozenset({"password", "display_name", "email", "handle"}),
    ("PATCH", "/me"): frozenset({"display_name", "handle"}),
    # an emailed link's token (unknown, used, expired); the password rules; the current
    # password, and a new one that differs from it
    ("POST", "/auth/password-reset/confirm"): frozenset({"token", "password"}),
    ("POST", "/auth/verify-email"): frozenset({"token"}),
    ("POST", "/email/unsubscribe"): frozenset({"token"}),
    ("POST", "/me/password"): frozenset({"current_password", "new_password"}),
    ("POST", "/orgs"): frozenset({"name", "region", "country"}),
    ("POST", "/orgs/{org_id}/spaces"): frozenset({"name"}),
    # a tier above the organization's current one
    ("POST", "/orgs/{org_id}/upgrade-requests"): frozenset({"tier"}),
    # a cursor this server gave out
    ("GET", "/spaces/{space_id}/topics"): frozenset({"cursor"}),
    ("GET", "/notifications"): frozenset({"cursor"}),
    ("GET", "/moderation/queue"): frozenset({"cursor"}),
    # either ids or all: true (docs/notifications.md)
    ("POST", "/notifications/read"): frozenset({"ids"}),
    # the search grammar (known operators, their values, words to find besides the
    # words to leave out), a cursor this server gave out, a day the calendar has
    ("GET", "/search"): frozenset({"q", "cursor", "before", "after"}),
    # the space's word filter; a parent of the same topic
    ("POST", "/spaces/{space_id}/topics"): frozenset({"title", "body"}),
    ("POST", "/topics/{topic_id}/posts"): frozenset({"body", "parent_id"}),
    ("PATCH", "/posts/{post_id}"): frozenset({"body"}),
    # "other" needs a note
    ("POST", "/posts/{post_id}/flags"): frozenset({"note"}),
    # a user, a post, a flag, a space or an option that exists, where it must
    ("POST", "/spaces/{space_id}/moderators"): frozenset({"user_id"}),
    ("POST", "/spaces/{space_id}/members"): frozenset({"user_id"}),
    ("POST", "/spaces/{space_id}/mutes"): frozenset({"user_id"}),
    ("POST", "/spaces/{space_id}/bans"): frozenset({"user_id"}),
    ("POST", "/spaces/{space_id}/moderation/bulk"): frozenset({"post_ids", "flag_ids"}),
    ("POST", "/topics/{topic_id}/move"): frozenset({"space_id"}),
    ("PUT", "/polls/{poll_id}/vote"): frozenset({"option_id"}),
    # in the future; options different ignoring case; a question left after trimming
    ("POST", "/topics/{topic_id}/polls"): frozenset({"closes_at", "options", "question"}),
    # statements different ignoring case, 1-280 characters (a proposal 140-280) once
    # spaces are run together (docs/api.md, Consensus map)
    ("POST", "/topics/{topic_id}/consensus"): frozenset({"statements"}),
    ("POST", "/consensus/{round_id}/statements"): frozenset({"text"}),
    # a reason only with (and always with) declined; an answer that is a post of the topic
    ("POST", "/topics/{topic_id}/status"): frozenset({"reason", "answer_post_id"}),
    # a period whose first day comes after its last
    ("GET", "/spaces/{space_id}/responsiveness"): frozenset({"from"}),
    ("GET", "/orgs/{org_id}/responsiveness"): frozenset({"from"}),
    ("GET", "/responsiveness"): frozenset({"from"}),
}

ACCEPTED = {401, 402, 403, 404, 409, 429}  # who you are, your tier, what exists, how fast

# Operations that end a session: each gets a session of its own.
SIGN_OUT = {("POST", "/auth/logout"), ("DELETE", "/me/sessions/{session_id}"),
            ("POST", "/me/sessions/revoke-others")}

_turn = itertools.count()
_POST_DELETED = re.compile(r"^DELETE \S*/api/v1/posts/[0-9]+$")


def _template(case: Any) -> tuple[str, str]:
    return case.method.upper(), case.operation.path.removeprefix(PREFIX)


@schemathesis.check
def positive_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status in ACCEPTED:
        return None
    fields: set[str] = set()
    if status == 422:
        try:
            fields = set(response.json()["error"].get("fields") or {})
        except (ValueError, KeyError, TypeError, AttributeError):
            fields = set()
        allowed = STATE_CHECKED.get(_template(case), frozenset())
        if fields and fields <= allowed:
            return None
    raise AssertionError(
        f"A request the document calls valid was refused with {status}"
        + (f" about {sorted(fields)}, a bound the document does not declare" if fields else "")
        + f": {response.text[:300]}"
    )


def _fresh_token() -> str:
    """A new account's session, signed in from an address of its own (the fuzzed
    sign-ins may have the run's address locked out)."""
    n = next(_turn)
    base = os.environ["CPS_ST_BASE_URL"]
    address = f"10.77.{n // 250}.{n % 250 + 1}"
    with httpx.Client(base_url=f"{base}{PREFIX}", timeout=10,
                      headers={"X-Forwarded-For": address}) as http:
        email = f"leaving{n}-{os.getpid()}@example.org"
        http.post("/auth/register", json={"email": email, "password": PASSWORD,
                                          "display_name": f"Leaving {n}"})
        r = http.post("/auth/login", json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        return str(r.json()["token"])


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # Only the run's own token is swapped: generated or missing credentials are
    # what the `ignored_auth` check sends on purpose.
    run_token = f"Bearer {os.environ['CPS_ST_TOKEN']}"
    if _template(case) in SIGN_OUT and (case.headers or {}).get("Authorization") == run_token:
        case.headers["Authorization"] = f"Bearer {_fresh_token()}"


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    return not (isinstance(failure, UseAfterFree) and _POST_DELETED.match(str(failure.free)))


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    meta = case.meta
    if (meta is None or meta.phase.name != TestPhase.FUZZING
            or not meta.generation.mode.is_positive):
        return case
    for name, value in (case.path_parameters or {}).items():
        if name.endswith("_id") and isinstance(value, int):
            case.path_parameters[name] = (value - 1) % WORLD_IDS + 1
    return case
