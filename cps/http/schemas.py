"""What every route module shares: field types (ids, times, names, bodies), the base of
request bodies, and the envelopes more than one module answers with. Each route module
keeps its own request bodies and envelopes; what services answer lives in their views.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from cps.services.discussion.views import (
    PostView,
    TopicView,
)
from cps.services.languages import tags
from cps.services.orgs.views import OrgView
from cps.storage.types import ID_MAX

# A bigger id than the database holds is refused here, not by the driver.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# A time is RFC 3339 with its offset, in a year from 1000 to 8999 as written: then
# its UTC instant, and any day or hour a service adds to it, stays inside what
# Python and both databases hold (9999-12-31T23:00-14:00 has no UTC instant).
YEAR_MIN, YEAR_MAX = 1000, 8999
TIME_PATTERN = (
    r"^[1-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_TIME = re.compile(TIME_PATTERN)
TIME_HINT = (
    f"Expected an ISO 8601 time with its offset, e.g. 2027-03-01T18:00:00+09:00, "
    f"in a year from {YEAR_MIN} to {YEAR_MAX}."
)
TIME_SCHEMA: dict[str, Any] = {"type": "string", "format": "date-time", "pattern": TIME_PATTERN}


def parse_time(raw: object) -> datetime:
    """A bounded time from a request (a body field or a query parameter), in UTC.
    Anything else raises a ValueError whose message is for a person."""
    if not isinstance(raw, str) or not _TIME.fullmatch(raw):
        raise PydanticCustomError("time", TIME_HINT)
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:  # a day the month lacks (2027-02-30)
        raise PydanticCustomError("time", TIME_HINT) from None
    return value.astimezone(UTC)


# A time in a request body: `parse_time`, declared as the pattern it checks.
Time = Annotated[datetime, PlainValidator(parse_time), WithJsonSchema(TIME_SCHEMA)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
# A post's language: the service checks it is a BCP 47 tag (422 `lang` in words); the
# document declares the same pattern.
LanguageTag = Annotated[str, StringConstraints(max_length=tags.TAG_MAX), WithJsonSchema(
    {"type": "string", "maxLength": tags.TAG_MAX, "pattern": tags.TAG_PATTERN})]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254,
                      pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"),
]


# What a text field or parameter may hold: anything but NUL, which no column stores.
NO_NUL = r"^[^\x00]*$"


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


# --- requests -------------------------------------------------------------


# --- responses ------------------------------------------------------------


class OrgEnvelope(BaseModel):
    org: OrgView


class TopicEnvelope(BaseModel):
    topic: TopicView


class PostEnvelope(BaseModel):
    post: PostView


class HealthStatus(BaseModel):
    status: str
    checks: dict[str, str] = {}


