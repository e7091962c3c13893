"""/auth/* and /me."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints, WithJsonSchema
from starlette.responses import JSONResponse, Response

from cps.edge.credentials import CSRF_COOKIE, SESSION_COOKIE
from cps.http import schemas as s
from cps.http.api import Call, Endpoint, QueryParam, query_text
from cps.services.accounts import handles, identity, recovery, sessions
from cps.services.accounts.views import Author, MeView, SessionView, StakeholderType, UserView
from cps.services.languages import locales
from cps.services.moderation import overview

# What may be sent as a handle: the document declares the syntax (a leading "@" and
# capitals are read as the handle); the service checks it and says what is wrong in
# words (422 `handle`), and refuses handles that pass for staff.
Handle = Annotated[str, StringConstraints(max_length=64), WithJsonSchema({
    "type": "string", "pattern": r"^@?[A-Za-z0-9][A-Za-z0-9._-]{1,28}[A-Za-z0-9]$",
    "maxLength": 31})]


class RegisterRequest(s.RequestModel):
    email: s.Email
    # The rest of the password rules (docs/security.md) are checked by the service.
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)]
    display_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)
    ]
    stakeholder_type: StakeholderType = "citizen"
    # Proposed from the display name when absent; the rules: cps/services/accounts/handles.py.
    handle: Handle | None = None


class ProfileUpdate(s.RequestModel):
    display_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
        | None
    ) = None
    stakeholder_type: StakeholderType | None = None
    handle: Handle | None = None
    # A code of GET /locales, or null for the browser's language (docs/api.md).
    locale: Annotated[str, StringConstraints(max_length=8), WithJsonSchema(
        {"type": "string", "enum": list(locales.CODES)})] | None = None


HANDLE = QueryParam("handle", "The handle of the person (a leading @ and capitals are read "
                    "as the handle; none, or one nobody has: 404)",
                    pattern=r"^@?[A-Za-z0-9._-]{1,40}$")


class PersonEnvelope(BaseModel):
    user: Author


class MeEnvelope(BaseModel):
    user: MeView


class LoginRequest(s.RequestModel):
    email: Annotated[str, StringConstraints(max_length=254)]
    password: Annotated[str, StringConstraints(max_length=256)]


class UserEnvelope(BaseModel):
    user: UserView


class LoginResponse(BaseModel):
    user: UserView
    token: str
    csrf_token: str


class SessionList(BaseModel):
    sessions: list[SessionView]


async def register(call: Call) -> UserEnvelope:
    body: RegisterRequest = call.body
    user = await identity.register(
        call.ctx,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        stakeholder_type=body.stakeholder_type,
        client=call.client_address(),
        handle=body.handle,
    )
    # The link that verifies the address, queued (sent later, if email is set up).
    await recovery.send_verification(call.ctx, user.id)
    return UserEnvelope(user=user)


async def login(call: Call) -> Response:
    body: LoginRequest = call.body
    session = await identity.login(
        call.ctx, email=body.email, password=body.password, client=call.client_address(),
        user_agent=call.request.headers.get("user-agent", ""),
    )
    payload = LoginResponse(user=session.user, token=session.token, csrf_token=session.csrf)
    response = JSONResponse(payload.model_dump(mode="json"))
    secure = call.request.url.scheme == "https"
    age = call.ctx.settings.session_max_seconds
    response.set_cookie(
        SESSION_COOKIE, session.token, max_age=age, httponly=True, samesite="lax",
        secure=secure, path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, session.csrf, max_age=age, httponly=False, samesite="lax",
        secure=secure, path="/",
    )
    return response


async def logout(call: Call) -> Response:
    await identity.logout(call.ctx, call.user)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def me(call: Call) -> MeEnvelope:
    user = await identity.me(call.ctx, call.user)
    moderates = await overview.moderates(call.ctx, call.user)
    return MeEnvelope(user=MeView(**user.model_dump(), moderates=moderates))


async def update_me(call: Call) -> UserEnvelope:
    body: ProfileUpdate = call.body
    user = await identity.update_profile(
        call.ctx, call.user, display_name=body.display_name,
        stakeholder_type=body.stakeholder_type, handle=body.handle,
        locale=body.locale if "locale" in body.model_fields_set else ...,
    )
    return UserEnvelope(user=user)


async def person(call: Call) -> PersonEnvelope:
    return PersonEnvelope(user=await handles.person(call.ctx, query_text(call, HANDLE) or ""))


async def list_sessions(call: Call) -> SessionList:
    return SessionList(sessions=await sessions.list_sessions(call.ctx, call.user))


async def end_session(call: Call) -> Response:
    await sessions.end_session(call.ctx, call.user, call.path_int("session_id"))
    response = Response(status_code=204)
    if call.path_int("session_id") == call.user.token_id:
        # Ending the session in use signs this browser out.
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def end_other_sessions(call: Call) -> None:
    await sessions.end_other_sessions(call.ctx, call.user)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/auth/register", register, "Create an account",
                 request=RegisterRequest, response=UserEnvelope, status=201, auth="none",
                 errors=(400, 403, 409, 413, 422, 429)),
        Endpoint("POST", "/auth/login", login, "Sign in: a bearer token and a session cookie",
                 request=LoginRequest, response=LoginResponse, auth="none",
                 errors=(400, 401, 403, 413, 422, 429)),
        Endpoint("POST", "/auth/logout", logout, "Sign out: revoke this token or cookie",
                 auth="required", status=204, errors=(401, 403)),
        Endpoint("GET", "/me", me, "The signed-in user, and whether they moderate any space",
                 response=MeEnvelope,
                 auth="required", errors=(401,)),
        Endpoint("PATCH", "/me", update_me,
                 "Change your display name, stakeholder type, handle or language",
                 request=ProfileUpdate, response=UserEnvelope, auth="required",
                 entitlement="none", errors=(400, 401, 403, 409, 413, 422)),
        Endpoint("GET", "/users", person,
                 "Who has a handle (public: what a post shows of its author)",
                 response=PersonEnvelope, query=(HANDLE,), errors=(404, 422)),
        Endpoint("GET", "/me/sessions", list_sessions,
                 "Your sessions: device, address, last use, when each ends",
                 response=SessionList, auth="required", errors=(401,)),
        Endpoint("DELETE", "/me/sessions/{session_id:int}", end_session,
                 "End one of your sessions (the current one signs you out)",
                 auth="required", status=204, errors=(401, 403, 404)),
        Endpoint("POST", "/me/sessions/revoke-others", end_other_sessions,
                 "Sign out everywhere else: end every session but this one",
                 auth="required", status=204, errors=(401, 403)),
    ]
