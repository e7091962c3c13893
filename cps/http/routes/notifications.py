"""/notifications, /notifications/read and /me/preferences (docs/notifications.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from cps.http import schemas as s
from cps.http.api import Call, Endpoint, QueryParam, query_choice, query_number, query_text
from cps.services.notifications import inbox, preferences
from cps.services.notifications.views import (
    Digest,
    EmailMode,
    Kind,
    NotificationPage,
    PreferencesView,
)

UNREAD = QueryParam("unread", "true: only unread notifications; false or absent: all",
                    choices=("true", "false"))
CURSOR = QueryParam("cursor", "Where the previous page ended (its next_cursor)",
                    pattern=r"^([0-9]{1,17}\.[0-9]{1,10})?$")
LIMIT = QueryParam.number("limit", "Notifications per page", 1, inbox.PAGE_MAX)


class ReadRequest(s.RequestModel):
    """Either `ids` (your notifications to mark read; others' are ignored) or `all: true`."""

    ids: Annotated[list[s.Id], Field(min_length=1, max_length=inbox.READ_MAX)] | None = None
    all: bool | None = None


class UnreadCount(BaseModel):
    unread_count: int


class KindPatch(s.RequestModel):
    web: bool | None = None
    email: bool | None = None


def _locale(value: str) -> str:
    if len(value) > preferences.LOCALE_MAX or not preferences.LOCALE.fullmatch(value):
        raise PydanticCustomError("locale", preferences.LOCALE_HINT)
    return value


# A BCP 47 language tag; the pattern is declared, the message is for a person.
Locale = Annotated[str, AfterValidator(_locale), WithJsonSchema(
    {"type": "string", "maxLength": preferences.LOCALE_MAX,
     "pattern": preferences.LOCALE.pattern})]


class PreferencesPatch(s.RequestModel):
    email: EmailMode | None = None
    digest: Digest | None = None
    kinds: dict[Kind, KindPatch] | None = None
    # A BCP 47 language tag (ko, en-GB, zh-Hant-TW), or null for none.
    locale: Locale | None = None


async def list_notifications(call: Call) -> NotificationPage:
    return await inbox.page(
        call.ctx, call.user,
        unread_only=query_choice(call, UNREAD) == "true",
        cursor=query_text(call, CURSOR),
        limit=query_number(call, LIMIT, 20),
    )


async def read_notifications(call: Call) -> UnreadCount:
    body: ReadRequest = call.body
    count = await inbox.mark_read(call.ctx, call.user, ids=body.ids,
                                  everything=body.all is True)
    return UnreadCount(unread_count=count)


async def get_preferences(call: Call) -> PreferencesView:
    return await preferences.get(call.ctx, call.user)


async def update_preferences(call: Call) -> PreferencesView:
    body: PreferencesPatch = call.body
    kinds: dict[str, dict[str, bool]] | None = None
    if body.kinds is not None:
        kinds = {kind: choice.model_dump(exclude_none=True) for kind, choice in body.kinds.items()}
    return await preferences.update(
        call.ctx, call.user, email=body.email, digest=body.digest, kinds=kinds,
        locale=body.locale if "locale" in body.model_fields_set else preferences.UNSET,
    )


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("GET", "/notifications", list_notifications,
                 "Your notifications, newest first (last collapsed into), with the unread "
                 "count; paginated with a cursor",
                 response=NotificationPage, auth="required", query=(UNREAD, CURSOR, LIMIT),
                 errors=(401, 422)),
        Endpoint("POST", "/notifications/read", read_notifications,
                 "Mark your notifications read: {ids: [...]} or {all: true}; every open page "
                 "of yours hears notification.read",
                 request=ReadRequest, response=UnreadCount, auth="required",
                 entitlement="none", errors=(400, 401, 403, 413, 422)),
        Endpoint("GET", "/me/preferences", get_preferences,
                 "What you chose to hear: email mode, digest, each kind in the page and by "
                 "email, your locale", response=PreferencesView, auth="required",
                 errors=(401,)),
        Endpoint("PATCH", "/me/preferences", update_preferences,
                 "Change what you chose to hear; what you leave out stays as it was",
                 request=PreferencesPatch, response=PreferencesView, auth="required",
                 entitlement="none", errors=(400, 401, 403, 413, 422)),
    ]
